import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, openDataset } from '@colab-ts/data';
import { toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { EXIT, defaultGeneratorSchedule, defaultMargin, memoryIo, run } from '../src/index.js';
import { makeTwoChannel, onReferenceBackend } from './helpers.js';

const open = async (dir: string) => {
  const ds = await openDataset(dir)();
  if (E.isLeft(ds)) throw new Error(JSON.stringify(ds.left));
  const cases = await loadDataset(ds.right)();
  if (E.isLeft(cases)) throw new Error(cases.left.message);
  return { ds: ds.right, cases: cases.right };
};

describe('colab-ts export-dataset', () => {
  const fx = onReferenceBackend('exds', 3);

  it('writes an nnU-Net v2 raw dataset that reads back as the same cases, and colab.json with the settings train resolves', async () => {
    const out = join(fx.root, 'raw');
    const io = memoryIo();
    expect(await run(['export-dataset', '--data', fx.data, '--out', out, '--id', '7', '--iterations', '400'], io)).toBe(EXIT.ok);
    const src = await open(fx.data);
    const dir = join(out, `Dataset007_${src.ds.name}`);
    expect(existsSync(join(dir, 'imagesTr', `${src.cases[0]!.id}_0000.nii.gz`))).toBe(true);
    const dj = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as Record<string, unknown>;
    expect(dj).toMatchObject({ channel_names: { '0': 'CT' }, numTraining: 3, file_ending: '.nii.gz' });
    const back = await open(dir);
    expect(back.ds.format).toBe('nnunet');
    expect(back.ds.labels).toEqual(src.ds.labels);
    expect(back.cases.map((c) => c.id)).toEqual(src.cases.map((c) => c.id));
    back.cases.forEach((c, i) => {
      expect([...toTypedArray(c.image)]).toEqual([...toTypedArray(src.cases[i]!.image)]);
      expect([...toTypedArray(c.label)]).toEqual([...toTypedArray(src.cases[i]!.label)]);
      expect([...toTypedArray(c.context!)]).toEqual([...toTypedArray(src.cases[i]!.context!)]);
    });
    const colab = JSON.parse(readFileSync(join(dir, 'colab.json'), 'utf8')) as {
      context_classes_t: number;
      soft_dilated_mask: { margin_mm: number; temperature_mm: number; margin_voxels: number };
      task_generator: { lr: number };
      nnunet_commands: string[];
    };
    const info = src.ds.training[0]!;
    const g = defaultMargin(info.shape, info.spacing as [number, number, number]);
    expect(colab.context_classes_t).toBe(2);
    expect(colab.soft_dilated_mask).toMatchObject({ margin_mm: g.margin, temperature_mm: g.temperature });
    expect(colab.soft_dilated_mask.margin_voxels).toBeCloseTo(g.margin / Math.min(info.spacing[1], info.spacing[2]), 2);
    expect(colab.task_generator.lr).toBe(defaultGeneratorSchedule(400).generatorLr);
    expect(colab.nnunet_commands[0]).toBe('nnUNetv2_plan_and_preprocess -d 7 --verify_dataset_integrity');
    const again = memoryIo();
    expect(await run(['export-dataset', '--data', fx.data, '--out', out, '--id', '7'], again)).toBe(EXIT.usage);
    expect(again.err()).toMatch(/already holds a dataset \(fix: /);
  });

  it('splits a multi-channel (4-D) MSD image into CASE_0000, CASE_0001', async () => {
    const multi = join(fx.root, 'multi');
    cpSync(fx.data, multi, { recursive: true });
    await makeTwoChannel(multi, ['CT', 'MR'], (v) => v + 100);
    expect(await run(['export-dataset', '--data', multi, '--out', join(fx.root, 'raw3'), '--id', '9'], memoryIo())).toBe(EXIT.ok);
    const src = await open(multi);
    const back = await open(join(fx.root, 'raw3', `Dataset009_${src.ds.name}`));
    expect(back.ds.channelNames).toEqual(['CT', 'MR']);
    expect(existsSync(join(fx.root, 'raw3', `Dataset009_${src.ds.name}`, 'imagesTr', `${src.cases[0]!.id}_0001.nii.gz`))).toBe(true);
    back.cases.forEach((c, i) => {
      expect(c.image.shape).toEqual(src.cases[i]!.image.shape);
      expect(c.image.shape[0]).toBe(2);
      expect([...toTypedArray(c.image)]).toEqual([...toTypedArray(src.cases[i]!.image)]);
    });
  });

  it("--run takes the CoLab settings from the run's config.json", async () => {
    const runDir = join(fx.root, 'fake-run');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(runDir);
    const cfg = {
      version: 1,
      method: 'colab',
      t: 3,
      margin: 12.5,
      temperature: 7.25,
      generatorLr: 0.002,
      generatorEvery: 2,
      lr: 0.01,
      momentum: 0.9,
      iterations: 50,
      patch: [1, 32, 32],
      batchSize: 2,
      deepSupervision: false,
      roiShare: 0.5,
      classes: 2,
      normalization: { kind: 'zscore' },
    };
    writeFileSync(join(runDir, 'config.json'), JSON.stringify(cfg));
    expect(await run(['export-dataset', '--data', fx.data, '--out', join(fx.root, 'raw2'), '--run', runDir, '--name', 'Ph-x!'], memoryIo())).toBe(EXIT.ok);
    const colab = JSON.parse(readFileSync(join(fx.root, 'raw2', 'Dataset501_Phx', 'colab.json'), 'utf8')) as Record<string, unknown>;
    expect(colab).toMatchObject({
      context_classes_t: 3,
      soft_dilated_mask: { margin_mm: 12.5, temperature_mm: 7.25 },
      task_generator: { lr: 0.002, update_every_iterations: 2 },
      iterations: 50,
    });
    expect('context_shares' in colab).toBe(false);
    // a fixed-label run's colab.json names its shares
    writeFileSync(join(runDir, 'config.json'), JSON.stringify({ ...cfg, method: 'fixed', t: 2, contextShares: [0.84, 0.16] }));
    expect(await run(['export-dataset', '--data', fx.data, '--out', join(fx.root, 'raw3'), '--run', runDir, '--name', 'Ph-x!'], memoryIo())).toBe(EXIT.ok);
    const fixed = JSON.parse(readFileSync(join(fx.root, 'raw3', 'Dataset501_Phx', 'colab.json'), 'utf8')) as Record<string, unknown>;
    expect(fixed).toMatchObject({ method: 'fixed', context_classes_t: 2, context_shares: [0.84, 0.16] });
  });
});

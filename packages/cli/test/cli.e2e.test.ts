import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNifti } from '@colab-ts/data';
import { toTypedArray } from '@colab-ts/ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, memoryIo, run, train } from '../src/index.js';
import { fastTrain, finish, makeTwoChannel, tempDir, tinyDataset, cmdline } from './helpers.js';

describe('colab-ts end to end on a tiny phantom dataset', () => {
  let root: string;
  let data: string;
  beforeAll(async () => {
    root = tempDir('e2e');
    data = await tinyDataset(join(root, 'data'));
  });
  afterAll(finish);

  it('train, predict and evaluate through the command line', async () => {
    const runDir = join(root, 'run');
    const io = memoryIo();
    const code = await run(
      cmdline`train --data ${data} --out ${runDir} --method colab --t 2 --iterations 3 --batch-size 2 --features 4 --stages 2 --margin 6 --temperature 4 --val-every 3`,
      io,
    );
    expect(io.err()).not.toContain('error');
    expect(code).toBe(EXIT.ok);
    for (const f of ['config.json', 'latest.ckpt', 'best.ckpt', 'log.jsonl', 'progress.png', 'progress.svg']) expect(existsSync(join(runDir, f))).toBe(true);
    expect(readdirSync(runDir).some((f) => f.includes('.tmp-'))).toBe(false);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { method: string; t: number; normalization: { kind: string } };
    expect(cfg).toMatchObject({ method: 'colab', t: 2, normalization: { kind: 'ct' } });
    const log = readFileSync(join(runDir, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(log.filter((e) => e.type === 'train')).toHaveLength(3);
    expect(log.filter((e) => e.type === 'val')).toHaveLength(1);
    expect(io.err()).toMatch(/train colab \[#+\] 3\/3/);

    const preds = join(root, 'preds');
    expect(await run(['predict', '--run', runDir, '--input', join(data, 'imagesTr'), '--out', preds], memoryIo())).toBe(EXIT.ok);
    const names = readdirSync(preds).sort();
    expect(names).toEqual(readdirSync(join(data, 'imagesTr')).sort());
    const input = await loadNifti(join(data, 'imagesTr', names[0]!));
    const pred = await loadNifti(join(preds, names[0]!));
    expect(pred.data.shape).toEqual(input.data.shape);
    expect(pred.affine).toEqual(input.affine);
    expect(pred.spacing).toEqual(input.spacing);
    expect(pred.data.dtype).toBe('uint8');

    const evIo = memoryIo();
    expect(await run(['evaluate', '--pred', preds, '--gt', join(data, 'labelsTr'), '--out', join(root, 'eval')], evIo)).toBe(EXIT.ok);
    const csv = readFileSync(join(root, 'eval', 'metrics.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(1 + names.length);
    expect(csv[0]).toContain('dice');
    const stats = JSON.parse(readFileSync(join(root, 'eval', 'statistics.json'), 'utf8')) as Record<
      string,
      Record<string, { n: number; nNaN: number; nInfinite: number }>
    >;
    expect(stats['1']!.dice!.n).toBe(names.length);
    const summary = JSON.parse(readFileSync(join(root, 'eval', 'summary.json'), 'utf8')) as {
      metric_per_case: unknown[];
      mean: Record<string, { Dice: number | null }>;
    };
    expect(summary.metric_per_case).toHaveLength(names.length);
    expect(Object.keys(summary.mean)).toEqual(['1']);
    expect(evIo.out()).toMatch(/DSC/);
  });

  it('evaluate reports every missing or mismatched case at once with exit code 2', async () => {
    const gt = join(data, 'labelsTr');
    const preds = join(root, 'partial');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(preds, { recursive: true });
    const files = readdirSync(gt).sort();
    copyFileSync(join(gt, files[0]!), join(preds, files[0]!));
    writeFileSync(join(preds, 'stray.nii.gz'), 'not nifti');
    const io = memoryIo();
    expect(await run(['evaluate', '--pred', preds, '--gt', gt], io)).toBe(EXIT.usage);
    const lines = io
      .err()
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('colab-ts evaluate:'));
    expect(lines).toHaveLength(files.length - 1 + 1); // three cases without a prediction, one prediction without ground truth
    expect(io.err()).toContain('no ground truth');
  });

  it('a broken dataset is reported per case before training, exit code 2', async () => {
    const broken = join(root, 'broken');
    await tinyDataset(broken, 3);
    const { rmSync } = await import('node:fs');
    rmSync(join(broken, 'labelsTr', 'case_001.nii.gz'));
    rmSync(join(broken, 'imagesTr', 'case_002.nii.gz'));
    const io = memoryIo();
    expect(await run(['train', '--data', broken, '--out', join(root, 'nope')], io)).toBe(EXIT.usage);
    expect(io.err()).toContain('case_001');
    expect(io.err()).toContain('case_002');
    expect(existsSync(join(root, 'nope'))).toBe(false);
  });

  it('the context-label baselines train', async () => {
    for (const method of ['kmeans', 'dilated', 'anatomy', 'baseline'] as const) {
      const r = await train(fastTrain(data, join(root, `m-${method}`), { method, iterations: 2 }), memoryIo());
      expect(r.status).toBe('done');
      const cfg = JSON.parse(readFileSync(join(root, `m-${method}`, 'config.json'), 'utf8')) as { t: number };
      if (method === 'anatomy') expect(cfg.t).toBeGreaterThan(2);
    }
  });

  it("--anatomy-classes: the paper's liver-only human labels (t = 2) from a map of many organs, by name or value", async () => {
    for (const [spec, keep] of [
      ['liver', [1]],
      ['3,liver', [3, 1]],
    ] as const) {
      const out = join(root, `anat-${keep.join('-')}`);
      const io = memoryIo();
      expect(
        await run(
          [
            'train',
            '--data',
            data,
            '--out',
            out,
            '--method',
            'anatomy',
            '--anatomy-classes',
            spec,
            '--iterations',
            '2',
            '--batch-size',
            '2',
            '--patch',
            '1,32,32',
            '--features',
            '4',
            '--stages',
            '2',
          ],
          io,
        ),
      ).toBe(EXIT.ok);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { t: number; anatomyClasses: number[] };
      expect(cfg.t).toBe(keep.length + 1);
      expect(cfg.anatomyClasses).toEqual(keep);
    }
    const bad = async (argv: string[], pattern: RegExp): Promise<void> => {
      const io = memoryIo();
      expect(await run(['train', '--data', data, '--out', join(root, 'anat-bad'), '--iterations', '1', ...argv], io)).toBe(EXIT.usage);
      expect(io.err()).toMatch(pattern);
      expect(io.err()).not.toMatch(/this is a bug/);
      expect(existsSync(join(root, 'anat-bad', 'latest.ckpt'))).toBe(false);
    };
    await bad(['--method', 'anatomy', '--anatomy-classes', 'lung'], /"lung" is neither .*fix: one of 0 \(background\), 1 \(liver\)/);
    await bad(['--method', 'anatomy', '--anatomy-classes', 'liver,1'], /named twice/);
    await bad(['--method', 'anatomy', '--anatomy-classes', '0'], /0 is the rest of the background/);
    await bad(['--method', 'anatomy', '--anatomy-classes', '42'], /no context map has the value 42/);
    await bad(['--method', 'colab', '--anatomy-classes', 'liver'], /fix: pass --method anatomy/);
  });

  it('--roi-loss: the meta-objective L_c is recorded in config.json; refused for methods without a generator', async () => {
    const out = join(root, 'roi-dice');
    const io = memoryIo();
    expect(
      await run(
        cmdline`train --data ${data} --out ${out} --method colab --roi-loss bce+dice --iterations 2 --batch-size 2 --patch 1,32,32 --features 4 --stages 2`,
        io,
      ),
    ).toBe(EXIT.ok);
    expect((JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { roiLoss?: string }).roiLoss).toBe('bce+dice');
    const plain = join(root, 'roi-default');
    expect(
      await run(cmdline`train --data ${data} --out ${plain} --method colab --iterations 1 --batch-size 2 --patch 1,32,32 --features 4 --stages 2`, memoryIo()),
    ).toBe(EXIT.ok);
    expect('roiLoss' in (JSON.parse(readFileSync(join(plain, 'config.json'), 'utf8')) as object)).toBe(false);
    for (const [argv, pattern] of [
      [['--method', 'baseline', '--roi-loss', 'dice'], /--roi-loss sets CoLab's meta-objective, got --method baseline \(fix: pass --method colab/],
      [['--roi-loss', 'focal'], /roi-loss/],
    ] as const) {
      const bio = memoryIo();
      expect(await run(['train', '--data', data, '--out', join(root, 'roi-bad'), '--iterations', '1', ...argv], bio)).toBe(EXIT.usage);
      expect(bio.err()).toMatch(pattern);
      expect(bio.err()).not.toMatch(/this is a bug/);
    }
  });
});

describe('a multi-channel MR folder with two ROI classes (as the Decathlon prostate: T2 and ADC, two zones)', () => {
  afterAll(finish);

  it('train with its defaults, predict and evaluate: two input channels, c = 3 classes, 3-D label maps, a row per case and class', async () => {
    const root = tempDir('e2e-multi');
    const data = join(root, 'data');
    expect(await run(['phantoms', '--out', data, '--cases', '4', '--size', '4,32,32', '--roi', 'liver+tumour'], memoryIo())).toBe(EXIT.ok);
    // A second channel of another contrast: the first inverted and shifted.
    await makeTwoChannel(data, ['T2', 'ADC'], (v) => 1000 - 0.5 * v);
    const runDir = join(root, 'run');
    const io = memoryIo();
    expect(await run(cmdline`train --data ${data} --out ${runDir} --iterations 2 --batch-size 2 --features 4 --stages 2 --val-every 2`, io)).toBe(EXIT.ok);
    expect(io.err()).not.toMatch(/this is a bug/);
    const cfg = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as {
      inChannels: number;
      classes: number;
      method: string;
      normalization: { kind: string };
    };
    expect(cfg).toMatchObject({ inChannels: 2, classes: 3, method: 'colab', normalization: { kind: 'zscore' } });
    const preds = join(root, 'preds');
    expect(await run(['predict', '--run', runDir, '--input', join(data, 'imagesTr'), '--out', preds], memoryIo())).toBe(EXIT.ok);
    const names = readdirSync(preds).sort();
    expect(names).toHaveLength(4);
    const label = await loadNifti(join(data, 'labelsTr', names[0]!));
    const pred = await loadNifti(join(preds, names[0]!));
    expect(pred.data.shape).toEqual(label.data.shape);
    for (const v of new Set(toTypedArray(pred.data))) expect([0, 1, 2]).toContain(v);
    expect(await run(['evaluate', '--pred', preds, '--gt', join(data, 'labelsTr'), '--out', join(root, 'eval')], memoryIo())).toBe(EXIT.ok);
    const rows = readFileSync(join(root, 'eval', 'metrics.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    expect(rows.map((r) => r.split(',').slice(0, 2).join('/')).sort()).toEqual(
      names.flatMap((n) => [1, 2].map((c) => `${n.replace('.nii.gz', '')}/${c}`)).sort(),
    );
  }, 120_000);
});

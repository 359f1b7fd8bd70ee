/**
 * The configuration path (docs/architecture.md): flags decode to typed
 * options, `resolveConfig` fills the derived settings from one defaults
 * table (`colabDefaults`), the run's settings reach `colabStep` under the
 * library's names, and `--backend` is passed down, never set globally.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { colabDefaults, softDilatedMask } from '@colab-ts/colab';
import { getBackend, resetBackend, useBackend } from '@colab-ts/kernels';
import { array } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../src/index.js';
import {
  COLAB_RUN_SETTINGS,
  EXIT,
  colabStepSettings,
  decodeArgs,
  defaultGeneratorSchedule,
  defaultMargin,
  memoryIo,
  run,
  trainSpec,
  validationOverlap,
} from '../src/index.js';
import { onReferenceBackend, cmdline } from './helpers.js';

describe('one defaults table', () => {
  it("defaultMargin at the paper's 256 px in-plane and 1 mm voxels is colabDefaults' m = 30, tau = 20; half the extent, half of them", () => {
    expect(defaultMargin([1, 256, 256], [1, 1, 1])).toEqual({ margin: 30, temperature: 20 });
    expect(defaultMargin([1, 128, 100], [3, 0.5, 0.8])).toEqual({ margin: 7.5, temperature: 5 });
    expect([colabDefaults.margin, colabDefaults.temperature]).toEqual([30, 20]);
  });

  it("softDilatedMask's own defaults are colabDefaults': M = exp(-(d - 30) / 20) beyond the margin", () => {
    const d = array([0, 30, 50], [1, 1, 1, 1, 3], 'float64');
    const M = Array.from(softDilatedMask(d).data as Float64Array);
    expect(M[0]).toBe(1);
    expect(M[1]).toBe(1);
    expect(M[2]).toBeCloseTo(Math.exp(-1), 12);
  });

  it("the generator schedule: every 5 (the authors'), 3e-4 at the authors' 40,000 updates", () => {
    expect(defaultGeneratorSchedule(200000)).toEqual({ generatorEvery: 5, generatorLr: 3e-4 });
    expect(defaultGeneratorSchedule(200000).generatorEvery).toBe(colabDefaults.generatorEvery);
  });
});

describe('validation rounds cost at most half the training between them', () => {
  it('validationOverlap: 0.5 for the cohorts measured; tiles for Decathlon-sized CT volumes (hand-counted windows)', () => {
    const cfg = { patch: [16, 64, 64] as [number, number, number], valEvery: 200, batchSize: 4 };
    // budget: 200 iterations x 4 patches x 12 window passes per step / 2 = 4800 windows a round
    // the brain cohort (E22): 20 x 64 x 56 volumes, patch 16 x 64 x 56: 2 x 1 x 1 windows each
    expect(
      validationOverlap(
        [
          [20, 64, 56],
          [20, 64, 56],
          [20, 64, 56],
        ],
        { ...cfg, patch: [16, 64, 56] },
      ),
    ).toEqual({ overlap: 0.5, windows: 6, windowsAtHalf: 6, budget: 4800 });
    // a spleen-like CT, 90 x 512 x 512: at 0.5, D ceil(74 / 8) + 1 = 11, H and W ceil(448 / 32) + 1 = 15: 2475 windows;
    // tiles: D ceil(74 / 16) + 1 = 6, H and W 448 / 64 + 1 = 8: 384 windows. One case fits the budget, two do not.
    expect(validationOverlap([[90, 512, 512]], cfg)).toEqual({ overlap: 0.5, windows: 2475, windowsAtHalf: 2475, budget: 4800 });
    expect(
      validationOverlap(
        [
          [90, 512, 512],
          [90, 512, 512],
        ],
        cfg,
      ),
    ).toEqual({ overlap: 0, windows: 768, windowsAtHalf: 4950, budget: 4800 });
    // a volume smaller than the patch is one window (padded), at any overlap
    expect(validationOverlap([[8, 30, 30]], cfg).windows).toBe(1);
  });

  const fx = onReferenceBackend('valtiles', 2);
  it('train says when it validates with tiles, and why', async () => {
    // 1 x 32 x 32 cases, patch 1 x 16 x 16: 9 windows at 0.5, more than the budget of 1 x 1 x 12 / 2 = 6; 4 tiles
    const io = memoryIo();
    const flags = cmdline`--data ${fx.data} --out ${join(fx.root, 'run')} --iterations 2 --val-every 1 --batch-size 1 --features 2 --stages 2 --patch 1,16,16 --method baseline --backend reference`;
    expect(await run(['train', ...flags], io), io.err()).toBe(EXIT.ok);
    expect(io.err()).toMatch(/validating with tiles \(overlap 0: 4 windows a round\) instead of nnU-Net's overlap of 0.5 \(9 windows\)/);
    const io2 = memoryIo();
    const flags2 = cmdline`--data ${fx.data} --out ${join(fx.root, 'run2')} --iterations 2 --val-every 2 --batch-size 1 --features 2 --stages 2 --patch 1,16,16 --method baseline --backend reference`;
    expect(await run(['train', ...flags2], io2), io2.err()).toBe(EXIT.ok);
    expect(io2.err()).not.toMatch(/tiles/);
  });
});

describe('a run configuration reaches colabStep under the library names', () => {
  it('colabStepSettings: the shared settings as they are, t, iterations and classes renamed', () => {
    const shared = { margin: 7, temperature: 3, generatorEvery: 4, generatorLr: 1e-3, lr: 0.02, momentum: 0.9 };
    const cfg = { ...shared, t: 3, iterations: 123, classes: 3, deepSupervision: undefined } satisfies Partial<RunConfig>;
    expect(colabStepSettings(cfg)).toEqual({
      ...shared,
      contextClasses: 3,
      totalIterations: 123,
      roiClasses: 2,
      deepSupervision: false,
      generatorAverage: 0,
      generatorBalance: 0,
      generatorConfidence: 0,
      roiLoss: 'bce',
    });
    expect(colabStepSettings({ ...cfg, generatorAverage: 0.99 }).generatorAverage).toBe(0.99);
    expect(colabStepSettings({ ...cfg, generatorBalance: 0.2 }).generatorBalance).toBe(0.2);
    expect(colabStepSettings({ ...cfg, generatorConfidence: 0.3 }).generatorConfidence).toBe(0.3);
    expect(colabStepSettings({ ...cfg, roiLoss: 'bce+dice' }).roiLoss).toBe('bce+dice');
    // Each shared setting is a flag of train with the same option name.
    const r = decodeArgs(trainSpec, cmdline`--data d --out o --margin 7 --temperature 3 --generator-every 4 --generator-lr 0.001 --lr 0.02 --momentum 0.9`);
    expect(E.isRight(r)).toBe(true);
    if (E.isRight(r)) for (const k of COLAB_RUN_SETTINGS) expect(r.right[k]).toBe(cfg[k]);
  });
});

describe('--backend is passed, not set for the process', () => {
  const fx = onReferenceBackend('backend', 2);

  it('train and predict with --backend reference run while the process default cannot load', async () => {
    const env = process.env.COLAB_TS_BACKEND;
    resetBackend();
    process.env.COLAB_TS_BACKEND = 'no-such-backend';
    try {
      // Any kernel call through the registry's default would now fail.
      await expect(getBackend()).rejects.toThrow(/no-such-backend/);
      const runDir = join(fx.root, 'run');
      const io = memoryIo();
      const flags = cmdline`--data ${fx.data} --out ${runDir} --iterations 2 --val-every 2 --batch-size 1 --features 2 --stages 2 --patch 1,32,32 --backend reference`;
      expect(await run(['train', ...flags], io), io.err()).toBe(EXIT.ok);
      const io2 = memoryIo();
      expect(
        await run(['predict', '--run', runDir, '--input', join(fx.data, 'imagesTr'), '--out', join(fx.root, 'pred'), '--backend', 'reference'], io2),
        io2.err(),
      ).toBe(EXIT.ok);
      // Still no process-wide choice.
      await expect(getBackend()).rejects.toThrow(/no-such-backend/);
    } finally {
      if (env === undefined) delete process.env.COLAB_TS_BACKEND;
      else process.env.COLAB_TS_BACKEND = env;
      resetBackend();
      await useBackend('reference');
    }
  });
});

describe('--spatial-augment: rotation and scaling on top of mirroring and intensity', () => {
  const fx = onReferenceBackend('spatialaug', 2);
  const losses = (dir: string): number[] =>
    readFileSync(join(dir, 'log.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"train"'))
      .map((l) => (JSON.parse(l) as { loss: number }).loss);
  it('is recorded in config.json only when on, changes the batches of the same seed, and needs --augment', async () => {
    const base = (out: string) =>
      cmdline`--data ${fx.data} --out ${join(fx.root, out)} --iterations 6 --val-every 6 --batch-size 2 --features 2 --stages 2 --patch 1,16,16 --method baseline --backend reference`;
    const io = memoryIo();
    expect(await run(['train', ...base('plain')], io), io.err()).toBe(EXIT.ok);
    const io2 = memoryIo();
    expect(await run(['train', ...base('spatial'), '--spatial-augment'], io2), io2.err()).toBe(EXIT.ok);
    const cfg = (d: string) => JSON.parse(readFileSync(join(fx.root, d, 'config.json'), 'utf8')) as RunConfig;
    expect(cfg('plain')).not.toHaveProperty('spatialAugment');
    expect(cfg('spatial').spatialAugment).toBe(true);
    // Same seed, same patches: only the rotations and zooms drawn (p 0.2 per sample and step) differ.
    const [a, b] = [losses(join(fx.root, 'plain')), losses(join(fx.root, 'spatial'))];
    expect(a).toHaveLength(6);
    expect(b).not.toEqual(a);
    const io3 = memoryIo();
    expect(await run(['train', ...base('bad'), '--spatial-augment', '--no-augment'], io3)).toBe(EXIT.usage);
    expect(io3.err()).toMatch(/--spatial-augment adds rotation and scaling to the augmentation, got --no-augment \(fix: /);
  });
});

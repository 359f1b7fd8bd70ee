/**
 * The configuration path (docs/architecture.md): flags decode to typed
 * options, `resolveConfig` fills the derived settings from one defaults
 * table (`colabDefaults`), the run's settings reach `colabStep` under the
 * library's names, and `--backend` is passed down, never set globally.
 */
import { join } from 'node:path';
import { colabDefaults, softDilatedMask } from '@colab-ts/colab';
import { getBackend, resetBackend, useBackend } from '@colab-ts/kernels';
import { array } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../src/index.js';
import { COLAB_RUN_SETTINGS, EXIT, colabStepSettings, decodeArgs, defaultGeneratorSchedule, defaultMargin, memoryIo, run, trainSpec } from '../src/index.js';
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

describe('a run configuration reaches colabStep under the library names', () => {
  it('colabStepSettings: the shared settings as they are, t, iterations and classes renamed', () => {
    const shared = { margin: 7, temperature: 3, generatorEvery: 4, generatorLr: 1e-3, lr: 0.02, momentum: 0.9 };
    const cfg = { ...shared, t: 3, iterations: 123, classes: 3, deepSupervision: undefined } satisfies Partial<RunConfig>;
    expect(colabStepSettings(cfg)).toEqual({ ...shared, contextClasses: 3, totalIterations: 123, roiClasses: 2, deepSupervision: false, generatorAverage: 0 });
    expect(colabStepSettings({ ...cfg, generatorAverage: 0.99 }).generatorAverage).toBe(0.99);
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

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEntry, RunResult } from '../src/index.js';
import {
  CHECKERBOARD_FLIPS,
  COLLAPSE_SHARE,
  EXIT,
  checkerboardText,
  collapseText,
  experimentTable,
  generatorCollapse,
  memoryIo,
  parseArms,
  recentFlips,
  recentShares,
  run,
  train,
} from '../src/index.js';
import { fastTrain, runResult, tempDataset } from './helpers.js';

const gens = (shares: readonly (readonly number[] | undefined)[]) => shares.map((s, i) => ({ step: 1 + 5 * i, contextShares: s }));

describe('recentShares and generatorCollapse (by hand)', () => {
  it('averages the last quarter of the updates, at least eight', () => {
    // 40 updates: the first 30 split 0.5 / 0.5, the last 10 0.96 / 0.04 -> the last quarter is those 10.
    const g = gens([...Array.from({ length: 30 }, () => [0.5, 0.5]), ...Array.from({ length: 10 }, () => [0.96, 0.04])]);
    const r = recentShares(g)!;
    expect(r.updates).toBe(10);
    expect(r.fromStep).toBe(1 + 5 * 30);
    expect(r.shares[0]).toBeCloseTo(0.96, 12);
    expect(generatorCollapse(g)).toEqual({ subClass: 0, share: r.shares[0], updates: 10, fromStep: 151 });
    // 12 updates: the window is the last 8 (the minimum), 4 of them at 0.5 -> mean 0.73: no collapse.
    const h = gens([
      ...Array.from({ length: 4 }, () => [1, 0]),
      ...Array.from({ length: 4 }, () => [0.5, 0.5]),
      ...Array.from({ length: 4 }, () => [0.96, 0.04]),
    ]);
    expect(recentShares(h)!.shares[0]).toBeCloseTo(0.73, 12);
    expect(generatorCollapse(h)).toBeUndefined();
  });

  it('names the sub-class; the threshold is inclusive; too few updates, or logs without shares, say nothing', () => {
    expect(generatorCollapse(gens(Array.from({ length: 8 }, () => [0.02, 0.03, 0.95])))?.subClass).toBe(2);
    expect(generatorCollapse(gens(Array.from({ length: 8 }, () => [0.051, 0.949])))).toBeUndefined();
    expect(generatorCollapse(gens(Array.from({ length: 7 }, () => [1, 0])))).toBeUndefined();
    expect(generatorCollapse(gens(Array.from({ length: 20 }, () => undefined)))).toBeUndefined();
    // A generator that collapsed early and recovered is not a collapse.
    expect(generatorCollapse(gens([...Array.from({ length: 30 }, () => [1, 0]), ...Array.from({ length: 10 }, () => [0.6, 0.4])]))).toBeUndefined();
    expect(COLLAPSE_SHARE).toBe(0.95);
  });

  it('says what the run trained on', () => {
    expect(collapseText({ subClass: 0, share: 0.97, updates: 200, fromStep: 3001 })).toContain(
      "97.0% of the background near the ROI in sub-class 0, the far background's: the segmentation model trained on the baseline's labels",
    );
    expect(collapseText({ subClass: 1, share: 0.99, updates: 8, fromStep: 1 })).toContain('sub-class 1: the labels were a soft dilated mask');
  });
});

describe('recentFlips and checkerboardText (by hand)', () => {
  const flipGens = (f: readonly (number | null | undefined)[]) => f.map((v, i) => ({ step: 1 + 5 * i, contextFlips: v }));
  it('averages the last quarter of the updates with a value (at least eight); null and absent values are skipped', () => {
    // 40 updates with a value: 30 at 0.1, the last 10 at 0.98 -> 0.98 over the last 10; nulls between them do not count
    const g = flipGens([...Array.from({ length: 30 }, () => 0.1), null, undefined, ...Array.from({ length: 10 }, () => 0.98)]);
    const r = recentFlips(g)!;
    expect(r.updates).toBe(10);
    expect(r.flips).toBeCloseTo(0.98, 12);
    expect(r.fromStep).toBe(1 + 5 * 32);
    // 12 updates: the last 8, four at 0.2 and four at 0.9 -> 0.55
    expect(recentFlips(flipGens([0, 0, 0, 0, 0.2, 0.2, 0.2, 0.2, 0.9, 0.9, 0.9, 0.9]))!.flips).toBeCloseTo(0.55, 12);
    expect(recentFlips(flipGens(Array.from({ length: 7 }, () => 1)))).toBeUndefined();
    expect(recentFlips(flipGens(Array.from({ length: 20 }, () => null)))).toBeUndefined();
  });

  it('names a checkerboard at the threshold and above, nothing below', () => {
    expect(CHECKERBOARD_FLIPS).toBe(0.5);
    expect(checkerboardText(flipGens(Array.from({ length: 8 }, () => 0.5)))).toContain('50.0% of neighbouring voxels');
    expect(checkerboardText(flipGens(Array.from({ length: 8 }, () => 0.993)))).toContain('a checkerboard, not a split of tissues');
    expect(checkerboardText(flipGens(Array.from({ length: 8 }, () => 0.49)))).toBeUndefined();
  });
});

describe('train logs the shares and reports a collapse', () => {
  it('every gen line has one share per sub-class summing to 1; a log whose last quarter sits in one sub-class gets the notice', async () => {
    const { dir, data } = await tempDataset('collapse', 3);
    const out = join(dir, 'run');
    const quiet = memoryIo();
    await train(fastTrain(data, out, { iterations: 8, generatorEvery: 1, valEvery: 8 }), quiet);
    const logPath = join(out, 'log.jsonl');
    const log = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogEntry);
    const gen = log.filter((e): e is Extract<LogEntry, { type: 'gen' }> => e.type === 'gen');
    expect(gen).toHaveLength(8);
    for (const e of gen) {
      expect(e.contextShares).toHaveLength(2);
      expect(e.contextShares![0]! + e.contextShares![1]!).toBeCloseTo(1, 5);
      expect(e.contextFlips === null || (e.contextFlips! >= 0 && e.contextFlips! <= 1)).toBe(true);
    }
    // This run's generator split the background (no notice); the notice reads the log, so a log made to sit in
    // sub-class 0 gets it when the run is resumed (to the same budget: no new update dilutes the made-up shares).
    const untouched = generatorCollapse(gen) === undefined;
    expect(untouched).toBe(true);
    expect(quiet.err()).not.toContain('collapsed');
    writeFileSync(logPath, `${log.map((e) => JSON.stringify(e.type === 'gen' ? { ...e, contextShares: [0.98, 0.02], contextFlips: 0.1 } : e)).join('\n')}\n`);
    const io = memoryIo();
    await train(fastTrain(data, out, { iterations: 8, generatorEvery: 1, valEvery: 8, resume: true }), io);
    expect(io.err()).toContain('the task generator collapsed: ');
    expect(io.err()).toContain("sub-class 0, the far background's");
    expect(io.err()).not.toContain('checkerboard');
    writeFileSync(logPath, `${log.map((e) => JSON.stringify(e.type === 'gen' ? { ...e, contextFlips: 0.99 } : e)).join('\n')}\n`);
    const io2 = memoryIo();
    await train(fastTrain(data, out, { iterations: 8, generatorEvery: 1, valEvery: 8, resume: true }), io2);
    expect(io2.err()).toContain("the task generator's labels alternate voxel by voxel: 99.0%");
  }, 120_000);
});

describe('experiment table: the context shares', () => {
  const run = (seed: number, contextShares: number[] | null | undefined): RunResult => runResult('colab', seed, {}, { contextShares });
  it('one line per CoLab run with shares, collapses named; nothing when no run has shares', () => {
    const table = experimentTable([run(0, [0.97, 0.03]), run(1, [0.6, 0.4]), run(2, [0.01, 0.99])], parseArms('colab'), 4).split('\n');
    expect(table).toContain("- colab2-s0: 0.970 / 0.030 (collapsed into the far background's sub-class: the baseline's labels)");
    expect(table).toContain('- colab2-s1: 0.600 / 0.400');
    expect(table).toContain('- colab2-s2: 0.010 / 0.990 (collapsed into sub-class 1: a dilated mask)');
    expect(experimentTable([run(0, null), run(1, undefined)], parseArms('colab'), 4)).not.toContain('Context shares');
  });

  it("adds each run's neighbour flips when it has them, a checkerboard named", () => {
    const withFlips = (seed: number, contextFlips: number | null): RunResult => runResult('colab', seed, {}, { contextShares: [0.5, 0.5], contextFlips });
    const table = experimentTable([withFlips(0, 0.993), withFlips(1, 0.05), withFlips(2, null)], parseArms('colab'), 4).split('\n');
    expect(table).toContain('- colab2-s0: 0.500 / 0.500; neighbour flips 0.993 (a checkerboard)');
    expect(table).toContain('- colab2-s1: 0.500 / 0.500; neighbour flips 0.050');
    expect(table).toContain('- colab2-s2: 0.500 / 0.500');
  });
});

describe('train --generator-balance and --generator-confidence', () => {
  it('records the weights in config.json (CoLab only), keeps them on resume and refuses negative ones', async () => {
    type Weights = { generatorBalance?: number; generatorConfidence?: number };
    const { dir, data } = await tempDataset('balance', 3);
    const out = join(dir, 'run');
    await train(fastTrain(data, out, { iterations: 2, valEvery: 2, generatorEvery: 1, generatorBalance: 0.2, generatorConfidence: 0.1 }), memoryIo());
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Weights;
    expect([cfg.generatorBalance, cfg.generatorConfidence]).toEqual([0.2, 0.1]);
    await train(fastTrain(data, out, { iterations: 3, valEvery: 2, generatorEvery: 1, resume: true }), memoryIo());
    const resumed = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Weights;
    expect([resumed.generatorBalance, resumed.generatorConfidence]).toEqual([0.2, 0.1]);
    const base = join(dir, 'base');
    await train(fastTrain(data, base, { method: 'baseline', iterations: 2, valEvery: 2, generatorBalance: 0.2, generatorConfidence: 0.1 }), memoryIo());
    const baseCfg = JSON.parse(readFileSync(join(base, 'config.json'), 'utf8')) as object;
    expect('generatorBalance' in baseCfg || 'generatorConfidence' in baseCfg).toBe(false);
    for (const flag of ['--generator-balance', '--generator-confidence']) {
      const io = memoryIo();
      expect(await run(['train', '--data', data, '--out', join(dir, 'neg'), flag, '-1'], io)).toBe(EXIT.usage);
      expect(io.err()).toContain(flag);
    }
  }, 120_000);
});

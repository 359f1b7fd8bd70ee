import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogEntry, RunResult } from '../src/index.js';
import {
  CliError,
  DEFAULT_ITERATIONS,
  EXIT,
  defaultGeneratorSchedule,
  defaultMargin,
  defaultSgdSchedule,
  defaultValEvery,
  loadRun,
  memoryIo,
  colabPairedTable,
  experimentTable,
  pairedTable,
  parseArms,
  armName,
  trainedArm,
  run,
  train,
} from '../src/index.js';
import { cmdline, fastTrain, finish, runResult, tempDataset, tempDir } from './helpers.js';
import { readNifti } from '@colab-ts/data';
import { toTypedArray } from '@colab-ts/ndarray';
import { summarize } from '@colab-ts/metrics';

afterAll(finish);

describe('defaults', () => {
  it("margin and temperature: the paper's 30 and 20 voxels, scaled down below 256 px in-plane, in mm of the finest in-plane spacing", () => {
    // 64 px at 1.5 mm: 30 * 64 / 256 = 7.5 voxels = 11.25 mm; 20 * 64 / 256 = 5 voxels = 7.5 mm.
    expect(defaultMargin([1, 64, 64], [2.5, 1.5, 1.5])).toEqual({ margin: 11.25, temperature: 7.5 });
    // 512 px at 0.7 mm: the paper's 30 and 20 voxels as they are (never scaled up), 21 mm and 14 mm; the
    // through-plane spacing does not count.
    expect(defaultMargin([80, 512, 400], [5, 0.7, 0.8])).toEqual({ margin: 21, temperature: 14 });
    // 240 px (BraTS) at 1 mm: 30 * 240 / 256 = 28.125 voxels, 20 * 240 / 256 = 18.75 voxels.
    expect(defaultMargin([155, 240, 240], [1, 1, 1])).toEqual({ margin: 28.13, temperature: 18.75 });
    // Tiny images keep at least 2 and 1 voxels.
    expect(defaultMargin([1, 8, 8], [1, 2, 2])).toEqual({ margin: 4, temperature: 2 });
  });

  it("generator schedule: every 5 iterations (the authors'), Adam lr 3e-4 * sqrt(40000 / updates), at most 1e-2", () => {
    // 2000 iterations: 400 updates, 3e-4 * sqrt(100) = 3e-3.
    expect(defaultGeneratorSchedule(2000)).toEqual({ generatorEvery: 5, generatorLr: 3e-4 * 10 });
    expect(defaultGeneratorSchedule(200000)).toEqual({ generatorEvery: 5, generatorLr: 3e-4 });
    expect(defaultGeneratorSchedule(400, 1)).toEqual({ generatorEvery: 1, generatorLr: 3e-4 * 10 });
    expect(defaultGeneratorSchedule(50).generatorLr).toBe(1e-2);
  });

  it("SGD schedule: 0.05 / momentum 0.9 below 20,000 iterations, nnU-Net's 0.01 / 0.99 from there; train resolves it and keeps it on --resume", async () => {
    expect(defaultSgdSchedule(1000)).toEqual({ lr: 0.05, momentum: 0.9 });
    expect(defaultSgdSchedule(19999)).toEqual({ lr: 0.05, momentum: 0.9 });
    expect(defaultSgdSchedule(20000)).toEqual({ lr: 0.01, momentum: 0.99 });
    const { dir, data } = await tempDataset('sgd-default', 3);
    const out = join(dir, 'run');
    const o = fastTrain(data, out, { iterations: 2, valEvery: 2 });
    await train({ ...o, lr: undefined, momentum: undefined }, memoryIo());
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { lr: number; momentum: number };
    expect([cfg.lr, cfg.momentum]).toEqual([0.05, 0.9]);
    // Resuming to a budget past 20,000 iterations must not switch the schedule mid-run.
    const resumed = await train(
      {
        ...o,
        lr: undefined,
        momentum: undefined,
        iterations: 20002,
        resume: true,
        onStep: (s) => {
          if (s >= 3) throw new Error('stop');
        },
      },
      memoryIo(),
    ).catch((e: Error) => e);
    expect(resumed).toBeInstanceOf(Error);
    const cfg2 = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { lr: number; momentum: number; iterations: number };
    expect([cfg2.lr, cfg2.momentum]).toEqual([0.05, 0.9]);
  });

  it('budget: 4000 iterations for train and demo; validation twenty times per run unless --val-every is given, kept on --resume', async () => {
    expect(DEFAULT_ITERATIONS).toBe(4000);
    for (const cmd of ['train', 'demo']) {
      const io = memoryIo();
      expect(await run([cmd, '--help'], io)).toBe(EXIT.ok);
      expect(io.out()).toMatch(/--iterations INT[^\n]*\[4000\]/);
    }
    expect([defaultValEvery(4000), defaultValEvery(1000), defaultValEvery(30), defaultValEvery(2)]).toEqual([200, 50, 2, 1]);
    const { dir, data } = await tempDataset('val-default', 3);
    const out = join(dir, 'run');
    await train({ ...fastTrain(data, out, { iterations: 30 }), valEvery: undefined }, memoryIo());
    const valSteps = (): number[] =>
      readFileSync(join(out, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as LogEntry)
        .filter((e) => e.type === 'val')
        .map((e) => (e as { step: number }).step);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).valEvery).toBe(2);
    expect(valSteps()).toEqual(Array.from({ length: 15 }, (_, i) => 2 * (i + 1)));
    // A longer budget on --resume keeps the saved interval (it would be 3 for 60 iterations).
    await train({ ...fastTrain(data, out, { iterations: 60, resume: true }), valEvery: undefined }, memoryIo());
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).valEvery).toBe(2);
    expect(valSteps().slice(-2)).toEqual([58, 60]);
  }, 120_000);

  it('parseArms names methods with their t, and refuses unknown ones with a fix', () => {
    expect(parseArms('baseline,colab,colab3,kmeans:3,dilated,anatomy')).toEqual([
      { method: 'baseline', t: 2 },
      { method: 'colab', t: 2 },
      { method: 'colab', t: 3 },
      { method: 'kmeans', t: 3 },
      { method: 'dilated', t: 2 },
      { method: 'anatomy', t: 2 },
    ]);
    expect(() => parseArms('baseline,colab9x')).toThrow(CliError);
    expect(() => parseArms('dilated3')).toThrow(/dilated has t = 2/);
  });

  it('parseArms: +lcc post-processes an arm, postprocess is baseline+lcc; both score the model of the arm without it', () => {
    const arms = parseArms('postprocess,colab3+lcc,baseline+lcc');
    expect(arms).toEqual([
      { method: 'baseline', t: 2, postprocess: 'largest-component' },
      { method: 'colab', t: 3, postprocess: 'largest-component' },
      { method: 'baseline', t: 2, postprocess: 'largest-component' },
    ]);
    expect(arms.map(armName)).toEqual(['baseline-lcc', 'colab3-lcc', 'baseline-lcc']);
    expect(arms.map((a) => armName(trainedArm(a)))).toEqual(['baseline', 'colab3', 'baseline']);
    expect(() => parseArms('colab+lcc+lcc')).toThrow(/unknown method "colab\+lcc\+lcc"/);
    expect(() => parseArms('lcc')).toThrow(CliError);
  });
});

describe('experiment pairs every method with the baseline', () => {
  const res = runResult;
  it('per-seed mean differences, their mean, the standard error over (seed, case) pairs and the counts (hand-computed)', () => {
    const arms = parseArms('baseline,colab');
    const results = [
      res('baseline', 0, { a: 0.5, b: 0.8, c: Number.NaN }),
      res('colab', 0, { a: 0.7, b: 0.7, c: 0.9 }),
      res('baseline', 1, { a: 0.6, b: 0.6 }),
      res('colab', 1, { a: 0.9, b: 0.6 }),
    ];
    // differences: seed 0 +0.2, -0.1 (c has no finite baseline Dice), seed 1 +0.3, 0; per-seed means +0.05, +0.15;
    // over the four pairs mean 0.1, sd sqrt(0.1 / 3), standard error sqrt(0.1 / 3) / 2 = 0.0913
    const row = pairedTable(results, arms).split('\n')[2]!;
    expect(row).toBe('| CoLab (t = 2) | 2 | +10.0 (+5.0 / +15.0) | - | 9.1 | 2 / 1 of 4 |');
    expect(
      pairedTable(
        results.filter((r) => r.method !== 'baseline'),
        arms,
      ),
    ).toBe('');
  });

  it('experimentTable: one test case has no std, written n/a in every column (HD95 too), never NaN', () => {
    const one = (k: number) => summarize([k]);
    const r = {
      ...res('baseline', 0, { a: 0.5 }),
      summary: { dice: one(0.5), sensitivity: one(0.25), precision: one(1), robustHausdorff: one(12.345) },
    } as RunResult;
    const row = experimentTable([r], parseArms('baseline'), 1).split('\n')[2]!;
    // results written before the far-FP column: n/a there too
    expect(row).toBe('| w/o context labels | 1 | 0.500 ± n/a (0.500) | 0.250 ± n/a (0.250) | 1.000 ± n/a (1.000) | 12.35 ± n/a (12.345) | n/a | - |');
  });

  it('experimentTable: the far-FP column, mean over seeds of the per-seed means (hand-computed)', () => {
    const s = (v: number[]) => summarize(v);
    const base = { dice: s([0.5]), sensitivity: s([0.5]), precision: s([0.5]), robustHausdorff: s([1]) };
    // seed 0: far FP 1 and 3 voxels (mean 2, sd 1.414); seed 1: 0 and 4 (mean 2, sd 2.828): 2.0 ± 2.1 (2.0 / 2.0)
    const rs = [
      { ...res('baseline', 0, { a: 0.5 }), summary: { ...base, farFp: s([1, 3]) } },
      { ...res('baseline', 1, { a: 0.5 }), summary: { ...base, farFp: s([0, 4]) } },
    ] as RunResult[];
    const lines = experimentTable(rs, parseArms('baseline'), 2).split('\n');
    expect(lines[0]).toContain('| HD95 (mm) | far FP (voxels) | context NMI |');
    expect(lines[2]!.split(' | ')[6]).toBe('2.0 ± 2.1 (2.0 / 2.0)');
  });

  it('the standard error over seeds from three seeds on (hand-computed)', () => {
    const arms = parseArms('baseline,colab');
    const results = [0, 1, 2].flatMap((seed) => [res('baseline', seed, { a: 0.5, b: 0.5 }), res('colab', seed, { a: 0.5 + [0.1, 0.2, 0.6][seed]!, b: 0.5 })]);
    // per-seed means +0.05, +0.1, +0.3: mean 0.15, sd sqrt((0.01 + 0.0025 + 0.0225) / 2) = 0.1323, SE 0.1323 / sqrt(3) = 0.0764;
    // the six pairs +0.1, 0, +0.2, 0, +0.6, 0: mean 0.15, sd sqrt(0.275 / 5) = 0.2345, SE 0.0957
    expect(pairedTable(results, arms).split('\n')[2]).toBe('| CoLab (t = 2) | 3 | +15.0 (+5.0 / +10.0 / +30.0) | 7.6 | 9.6 | 3 / 0 of 6 |');
  });

  it('colabPairedTable: each CoLab arm minus every other context-label arm, never the baseline (hand-computed)', () => {
    const arms = parseArms('baseline,colab,kmeans,dilated');
    const as = (r: RunResult, arm: string, method: RunResult['method']): RunResult => ({ ...r, arm, method });
    const results = [
      res('baseline', 0, { a: 0.1, b: 0.1 }),
      res('colab', 0, { a: 0.7, b: 0.7, c: 0.9 }),
      as(res('colab', 0, { a: 0.6, b: 0.9, c: Number.NaN }), 'kmeans2', 'kmeans'),
      res('colab', 1, { a: 0.5, b: 0.5 }),
      as(res('colab', 1, { a: 0.4, b: 0.6 }), 'kmeans2', 'kmeans'),
    ];
    // colab minus k-means: seed 0 +0.1, -0.2 (c has no finite k-means Dice), seed 1 +0.1, -0.1; per-seed -0.05, 0;
    // over the four pairs mean -0.025, sd sqrt(0.0675 / 3) = 0.15, standard error 0.075; no dilated runs: no row
    expect(colabPairedTable(results, arms).split('\n').slice(2, 4)).toEqual([
      '| CoLab (t = 2) | k-means (t = 2) | 2 | -2.5 (-5.0 / +0.0) | - | 7.5 | 2 / 2 of 4 |',
      '',
    ]);
    expect(colabPairedTable(results, parseArms('baseline,colab'))).toBe('');
  });

  it('the post-processing arm is paired with the baseline, and CoLab with it; a post-processed CoLab is not a CoLab row', () => {
    const arms = parseArms('baseline,postprocess,colab,colab+lcc');
    const as = (r: RunResult, arm: string, method: RunResult['method']): RunResult => ({ ...r, arm, method });
    const results = [
      res('baseline', 0, { a: 0.5, b: 0.5 }),
      as(res('baseline', 0, { a: 0.7, b: 0.5 }), 'baseline-lcc', 'baseline'),
      res('colab', 0, { a: 0.6, b: 0.8 }),
      as(res('colab', 0, { a: 0.6, b: 0.9 }), 'colab2-lcc', 'colab'),
    ];
    // post-processing minus baseline: +0.2, 0; CoLab: +0.1, +0.3; CoLab + LCC: +0.1, +0.4
    expect(pairedTable(results, arms).split('\n').slice(2, 5)).toEqual([
      '| post-processing (largest component) | 1 | +10.0 (+10.0) | - | 10.0 | 1 / 0 of 2 |',
      '| CoLab (t = 2) | 1 | +20.0 (+20.0) | - | 10.0 | 2 / 0 of 2 |',
      '| CoLab (t = 2) + largest component | 1 | +25.0 (+25.0) | - | 15.0 | 2 / 0 of 2 |',
    ]);
    // CoLab minus post-processing: -0.1, +0.3; minus CoLab + LCC: 0, -0.1
    expect(colabPairedTable(results, arms).split('\n').slice(2, 5)).toEqual([
      '| CoLab (t = 2) | post-processing (largest component) | 1 | +10.0 (+10.0) | - | 20.0 | 1 / 1 of 2 |',
      '| CoLab (t = 2) | CoLab (t = 2) + largest component | 1 | -5.0 (-5.0) | - | 5.0 | 0 / 1 of 2 |',
      '',
    ]);
  });
});

describe('train logs the generator', () => {
  it('each generator update logs entropy, meta-gradient norm and relative weight change; validation logs the context NMI on phantoms', async () => {
    const { dir, data } = await tempDataset('gen-log', 4);
    const out = join(dir, 'run');
    await train(fastTrain(data, out, { iterations: 4, generatorEvery: 2, valEvery: 2 }), memoryIo());
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogEntry);
    const gen = log.filter((e): e is Extract<LogEntry, { type: 'gen' }> => e.type === 'gen');
    expect(gen.map((e) => e.step)).toEqual([1, 3]);
    for (const e of gen) {
      expect(e.contextEntropy).toBeGreaterThan(0);
      expect(e.contextEntropy).toBeLessThanOrEqual(Math.log(2) + 1e-6);
      expect(e.metaGradNorm).toBeGreaterThan(0);
      expect(e.generatorChange).toBeGreaterThan(0);
    }
    const val = log.filter((e): e is Extract<LogEntry, { type: 'val' }> => e.type === 'val');
    expect(val.length).toBe(2);
    for (const e of val) expect(e.contextNmi).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(out, 'context.png'))).toBe(true);
    expect(readFileSync(join(out, 'context.svg'), 'utf8')).toContain('<g data-legend="context">');
  });
});

describe('resume keeps the derived settings', () => {
  it('a run on the default margin, temperature and generator schedule resumes to a longer budget with the saved values', async () => {
    const { dir, data } = await tempDataset('resume-derived', 3);
    const out = join(dir, 'run');
    const opts = { iterations: 2, valEvery: 2, generatorLr: undefined, generatorEvery: undefined, margin: undefined, temperature: undefined };
    await train(fastTrain(data, out, opts), memoryIo());
    const before = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, number>;
    // 2 iterations, one update: 3e-4 * sqrt(40000), capped at 1e-2.
    expect(before.generatorLr).toBe(1e-2);
    const stop = new AbortController();
    const r = await train(
      fastTrain(data, out, { ...opts, iterations: 400, resume: true, onStep: (s) => (s >= 3 ? stop.abort() : undefined) }),
      memoryIo(),
      stop.signal,
    );
    expect(r.status).toBe('interrupted');
    expect(r.step).toBeGreaterThan(2);
    const after = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, number>;
    for (const k of ['generatorLr', 'generatorEvery', 'margin', 'temperature']) expect(after[k]).toBe(before[k]);
    expect(after.iterations).toBe(400);
  }, 120_000);
});

describe('predict --rule', () => {
  it('roi-vs-summed-background never marks more ROI than argmax, and changes nothing for a baseline (c outputs)', async () => {
    const { dir, data } = await tempDataset('rule', 3);
    const count = async (run: string, rule: string): Promise<number> => {
      const pred = join(dir, `pred-${rule}-${run.length}`);
      expect(await run_(['predict', '--run', run, '--input', join(data, 'imagesTr'), '--out', pred, '--rule', rule])).toBe(EXIT.ok);
      let n = 0;
      for (const f of ['case_000', 'case_001', 'case_002']) {
        const v = await readNifti(join(pred, `${f}.nii.gz`))();
        if (v._tag === 'Left') throw new Error(v.left.message);
        for (const x of toTypedArray(v.right.data)) n += x === 0 ? 0 : 1;
      }
      return n;
    };
    const run_ = (argv: string[]): Promise<number> => run(argv, memoryIo());
    const colab = join(dir, 'colab');
    await train(fastTrain(data, colab, { iterations: 3, valEvery: 3, lr: 0.05 }), memoryIo());
    expect(await count(colab, 'roi-vs-summed-background')).toBeLessThanOrEqual(await count(colab, 'argmax'));
    const base = join(dir, 'baseline');
    await train(fastTrain(data, base, { method: 'baseline', iterations: 3, valEvery: 3, lr: 0.05 }), memoryIo());
    expect(await count(base, 'roi-vs-summed-background')).toBe(await count(base, 'argmax'));
  }, 120_000);
});

describe('deep supervision', () => {
  it('train --deep-supervision keeps heads in the checkpoint, and predict reads the full-resolution output', async () => {
    const { dir, data } = await tempDataset('ds', 3);
    const out = join(dir, 'run');
    const io = memoryIo();
    expect(
      await run(
        cmdline`train --data ${data} --out ${out} --iterations 2 --batch-size 2 --features 4 --stages 4 --patch 1,32,32 --val-every 2 --deep-supervision`,
        io,
      ),
    ).toBe(EXIT.ok);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { deepSupervision: boolean };
    expect(cfg.deepSupervision).toBe(true);
    // 4 stages: three outputs, so three heads (weights 2/3, 1/3, 0).
    expect((loadRun(out).ck.state.theta as { heads?: unknown[] }).heads?.length).toBe(3);
    const pred = join(dir, 'pred');
    expect(await run(['predict', '--run', out, '--input', join(data, 'imagesTr'), '--out', pred], memoryIo())).toBe(EXIT.ok);
    expect(existsSync(join(pred, 'case_000.nii.gz'))).toBe(true);
  }, 120_000);

  it('--deep-supervision with 3 stages is a usage error: its one lower output has weight 0, so it would change nothing', async () => {
    const { dir, data } = await tempDataset('ds3', 3);
    const io = memoryIo();
    const code = await run(cmdline`train --data ${data} --out ${join(dir, 'run')} --iterations 2 --stages 3 --patch 1,32,32 --deep-supervision`, io);
    expect(code).toBe(EXIT.usage);
    expect(io.err()).toMatch(/--deep-supervision needs --stages >= 4.*\(fix: pass --stages 4/);
    expect(existsSync(join(dir, 'run', 'config.json'))).toBe(false);
  });
});

describe('experiment', () => {
  it('ordinary mistakes are typed errors with a fix (exit 2), never the catch-all', async () => {
    const { dir, data } = await tempDataset('experiment-bad', 3);
    const out = join(dir, 'report');
    const base = ['experiment', '--data', data, '--out', out, '--iterations', '1'];
    const cases: [string[], RegExp][] = [
      [['--methods', 'baseline,colab9x'], /unknown method "colab9x" \(fix:/],
      [['--methods', 'dilated3'], /dilated has t = 2 \(fix:/],
      [['--test-fraction', '1'], /--test-fraction/],
      [['--test-fraction', '0'], /--test-fraction/],
      // 3 cases, a third held out: 2 left to train is the minimum; 0.5 leaves 1.
      [['--test-fraction', '0.5'], /fewer than 2 for training \(fix: pass --test DIR/],
      [['--checkpoint', 'final'], /--checkpoint[^\n]*best[^\n]*latest/],
      [['--val-every', '0'], /--val-every/],
    ];
    for (const [extra, message] of cases) {
      const io = memoryIo();
      expect(await run([...base, ...extra], io)).toBe(EXIT.usage);
      expect(io.err()).toMatch(message);
    }
  });

  it('trains every arm for every seed, writes the report, and skips finished runs when rerun', async () => {
    const { dir, data } = await tempDataset('experiment', 5);
    const out = join(dir, 'report');
    const argv = cmdline`experiment --data ${data} --out ${out} --methods baseline,anatomy,dilated,colab --seeds 2 --iterations 2 --batch-size 2 --features 4 --stages 2 --val-every 2 --test-fraction 0.4`;
    const io = memoryIo();
    expect(await run(argv, io)).toBe(EXIT.ok);
    expect(io.err()).not.toMatch(/this is a bug/);
    for (const f of [
      'table.md',
      'results.csv',
      'results.json',
      'figures/fig4-precision-sensitivity.svg',
      'figures/fig8-overlay.png',
      'figures/fig8-overlay.svg',
      'figures/fig3-logits.png',
      'figures/fig3-logits.svg',
    ])
      expect(existsSync(join(out, f))).toBe(true);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: { arm: string; seed: number; summary: { dice: { n: number } } }[] };
    expect(res.results.map((r) => `${r.arm}-s${r.seed}`)).toEqual([
      'baseline-s0',
      'anatomy-s0',
      'dilated-s0',
      'colab2-s0',
      'baseline-s1',
      'anatomy-s1',
      'dilated-s1',
      'colab2-s1',
    ]);
    // 5 cases, 40% held out: 2 test cases scored per run.
    for (const r of res.results) expect(r.summary.dice.n).toBe(2);
    // far false positives per case: counted for every run (a whole number of voxels per case, so a mean of halves here)
    const per = res.results.flatMap((r) => (r as unknown as { perCase: { farFp: number }[] }).perCase.map((c) => c.farFp));
    expect(per).toHaveLength(16);
    for (const v of per) expect(Number.isInteger(v) && v >= 0).toBe(true);
    expect(readFileSync(join(out, 'results.csv'), 'utf8').split('\n')[0]).toBe('arm,method,t,seed,case,class,dice,sensitivity,precision,hd95,far_fp');
    const table = readFileSync(join(out, 'table.md'), 'utf8');
    expect(table).toContain('| far FP (voxels) | context NMI |');
    for (const name of ['w/o context labels', 'human-defined (anatomy)', 'dilated mask', 'CoLab (t = 2)']) expect(table).toContain(`| ${name} | 2 |`);
    expect(table).toMatch(/intensity k-means with t clusters \(the k-means baseline's split\) t = 2: 0\.\d{3}/);
    const svg = readFileSync(join(out, 'figures/fig4-precision-sensitivity.svg'), 'utf8');
    expect(svg).toContain('<text');
    expect(svg).toContain('CoLab (t = 2)');
    const before = statSync(join(out, 'runs', 'colab2-s1', 'result.json')).mtimeMs;
    const io2 = memoryIo();
    expect(await run(argv, io2)).toBe(EXIT.ok);
    expect(io2.err()).toMatch(/colab2-s1 done already \(skipped\)/);
    expect(statSync(join(out, 'runs', 'colab2-s1', 'result.json')).mtimeMs).toBe(before);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toContain('predicted with the best-validation checkpoint');

    // --checkpoint latest re-scores the finished runs from their final checkpoint without training again.
    const ckpt = join(out, 'runs', 'colab2-s1', 'latest.ckpt');
    const ckBefore = statSync(ckpt).mtimeMs;
    const logBefore = readFileSync(join(out, 'runs', 'colab2-s1', 'log.jsonl'), 'utf8');
    const io3 = memoryIo();
    expect(await run([...argv, '--checkpoint', 'latest'], io3)).toBe(EXIT.ok);
    expect(io3.err()).toMatch(/colab2-s1 trained already; scoring its latest checkpoint \(was best\)/);
    expect(statSync(ckpt).mtimeMs).toBe(ckBefore);
    expect(readFileSync(join(out, 'runs', 'colab2-s1', 'log.jsonl'), 'utf8')).toBe(logBefore);
    const latest = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: { checkpoint: string; summary: { dice: { n: number } } }[] };
    expect(latest.results.map((r) => r.checkpoint)).toEqual(Array(8).fill('latest'));
    for (const r of latest.results) expect(r.summary.dice.n).toBe(2);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toContain('predicted with the final checkpoint');
    const io4 = memoryIo();
    expect(await run([...argv, '--checkpoint', 'latest'], io4)).toBe(EXIT.ok);
    expect(io4.err()).toMatch(/colab2-s1 done already \(skipped\)/);
  }, 300_000);

  it('postprocess scores the baseline model with the largest component kept, as predict --largest-component does, without training again', async () => {
    const { dir, data } = await tempDataset('experiment-lcc', 5);
    const out = join(dir, 'report');
    // A model left at its initialisation (lr 1e-9) predicts speckle, many components: post-processing changes it.
    const flags = cmdline`--data ${data} --out ${out} --seeds 1 --iterations 1 --lr 1e-9 --batch-size 2 --features 4 --stages 2 --val-every 1 --test-fraction 0.4`;
    // Listed first and alone, the post-processed arm trains the model it scores (under the baseline's name).
    const io = memoryIo();
    expect(await run(['experiment', ...flags, '--methods', 'postprocess'], io)).toBe(EXIT.ok);
    expect(io.err()).not.toMatch(/this is a bug/);
    expect(existsSync(join(out, 'runs', 'baseline-s0', 'best.ckpt'))).toBe(true);
    expect(existsSync(join(out, 'runs', 'baseline-lcc-s0', 'best.ckpt'))).toBe(false);
    const ckptTime = statSync(join(out, 'runs', 'baseline-s0', 'best.ckpt')).mtimeMs;
    // Then both: the baseline is scored from the same checkpoint, nothing trains again.
    const io2 = memoryIo();
    expect(await run(['experiment', ...flags, '--methods', 'baseline,postprocess'], io2)).toBe(EXIT.ok);
    expect(io2.err()).toMatch(/baseline-lcc-s0 done already \(skipped\)/);
    expect(io2.err()).not.toMatch(/train baseline/);
    expect(statSync(join(out, 'runs', 'baseline-s0', 'best.ckpt')).mtimeMs).toBe(ckptTime);
    const table = readFileSync(join(out, 'table.md'), 'utf8');
    expect(table).toContain('| post-processing (largest component) | 1 |');
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: RunResult[] };
    expect(res.results.map((r) => r.arm)).toEqual(['baseline', 'baseline-lcc']);
    // The independent path: predict --largest-component on the same run, then evaluate.
    const preds = join(dir, 'preds');
    expect(
      await run(['predict', '--run', join(out, 'runs', 'baseline-s0'), '--input', join(data, 'imagesTr'), '--out', preds, '--largest-component'], memoryIo()),
    ).toBe(EXIT.ok);
    expect(await run(['evaluate', '--pred', preds, '--gt', join(data, 'labelsTr')], memoryIo())).toBe(EXIT.ok);
    const rows = readFileSync(join(preds, 'metrics.csv'), 'utf8').trim().split('\n').slice(1);
    const want = new Map(rows.map((l) => l.split(',')).map((c) => [`${c[0]}/${c[1]}`, Number(c[6])]));
    const lcc = res.results[1]!.perCase;
    expect(lcc).toHaveLength(2);
    for (const c of lcc) expect(c.dice).toBeCloseTo(want.get(`${c.id}/${c.class}`)!, 12);
    // Not a vacuous agreement: the post-processing changed the scores.
    const plain = res.results[0]!.perCase;
    expect(lcc.some((c, i) => c.precision !== plain[i]!.precision)).toBe(true);
  }, 120_000);

  it('--anatomy-classes: an anatomy arm of its own name beside the every-structure one; the other arms train without it; a structure the data lack fails before any arm trains', async () => {
    const { dir, data } = await tempDataset('experiment-anat', 4);
    const out = join(dir, 'report');
    const flags = cmdline`--data ${data} --out ${out} --seeds 1 --iterations 2 --batch-size 2 --features 4 --stages 2 --val-every 2 --test-fraction 0.4`;
    const io = memoryIo();
    expect(await run(['experiment', ...flags, '--methods', 'baseline,anatomy', '--anatomy-classes', 'liver'], io)).toBe(EXIT.ok);
    expect(io.err()).not.toMatch(/this is a bug/);
    const cfg = loadRun(join(out, 'runs', 'anatomy-liver-s0')).cfg;
    expect([cfg.t, cfg.anatomyClasses]).toEqual([2, [1]]);
    expect(loadRun(join(out, 'runs', 'baseline-s0')).cfg.anatomyClasses).toBeUndefined();
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toContain('| human-defined (anatomy: liver) | 1 |');
    // every structure, into the same folder: a second anatomy arm, the first one skipped
    const io2 = memoryIo();
    expect(await run(['experiment', ...flags, '--methods', 'anatomy'], io2)).toBe(EXIT.ok);
    expect(loadRun(join(out, 'runs', 'anatomy-s0')).cfg.t).toBeGreaterThan(2);
    const io3 = memoryIo();
    expect(await run(['experiment', ...flags, '--methods', 'baseline', '--anatomy-classes', 'liver'], io3)).toBe(EXIT.usage);
    expect(io3.err()).toMatch(/--methods has none \(fix: add anatomy/);
    // A setting one arm cannot take fails before any arm trains: the baseline is listed (and would train) first.
    const fresh = join(dir, 'report-early');
    const io4 = memoryIo();
    const early = flags.map((f) => (f === out ? fresh : f));
    expect(await run(['experiment', ...early, '--methods', 'baseline,anatomy', '--anatomy-classes', 'no-such-tissue'], io4)).toBe(EXIT.usage);
    expect(io4.err()).toMatch(/no-such-tissue.*\(fix: one of /);
    expect(io4.err()).not.toMatch(/this is a bug/);
    expect(existsSync(join(fresh, 'runs', 'baseline-s0'))).toBe(false);
  }, 120_000);

  it('--roi-loss: a CoLab arm of its own name; the baseline trains without it; refused without a CoLab arm', async () => {
    const { dir, data } = await tempDataset('experiment-roi', 4);
    const out = join(dir, 'report');
    const flags = cmdline`--data ${data} --out ${out} --seeds 1 --iterations 2 --batch-size 2 --features 4 --stages 2 --val-every 2 --test-fraction 0.4`;
    const io = memoryIo();
    expect(await run(['experiment', ...flags, '--methods', 'baseline,colab', '--roi-loss', 'bce+dice'], io)).toBe(EXIT.ok);
    expect(io.err()).not.toMatch(/this is a bug/);
    expect(loadRun(join(out, 'runs', 'colab2-roi-bce-dice-s0')).cfg.roiLoss).toBe('bce+dice');
    expect(loadRun(join(out, 'runs', 'baseline-s0')).cfg.roiLoss).toBeUndefined();
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toContain('| CoLab (t = 2, L_ROI bce+dice) | 1 |');
    const io2 = memoryIo();
    expect(await run(['experiment', ...flags, '--methods', 'baseline', '--roi-loss', 'dice'], io2)).toBe(EXIT.usage);
    expect(io2.err()).toMatch(/--methods has none \(fix: add colab/);
  }, 120_000);

  it('a finished run is reused only by a command that would train it the same way', async () => {
    const { dir, data } = await tempDataset('experiment-reuse', 4);
    const out = join(dir, 'report');
    const flags = cmdline`--data ${data} --out ${out} --methods baseline --seeds 1 --batch-size 2 --features 4 --stages 2 --val-every 2`;
    const same = ['--iterations', '2', '--test-fraction', '0.4'];
    expect(await run(['experiment', ...flags, ...same], memoryIo())).toBe(EXIT.ok);
    const result = readFileSync(join(out, 'runs', 'baseline-s0', 'result.json'), 'utf8');
    for (const [other, pattern] of [
      [
        ['--iterations', '4', '--test-fraction', '0.4'],
        /--iterations: the run was trained with 2, got 4 \(fix: pass the settings the run was trained with, or choose another --out\)/,
      ],
      [[...same, '--lr', '0.02'], /--lr: the run was trained with 0\.05, got 0\.02/],
      [['--iterations', '2', '--test-fraction', '0.3'], /trainCases: .*fix: pass the same --val-fraction, --test-fraction and dataset/],
    ] as const) {
      const io = memoryIo();
      expect(await run(['experiment', ...flags, ...other], io)).toBe(EXIT.usage);
      expect(io.err()).toMatch(/baseline-s0 in .* was trained with other settings than this command's/);
      expect(io.err()).toMatch(pattern);
      expect(io.err()).not.toMatch(/this is a bug/);
    }
    expect(readFileSync(join(out, 'runs', 'baseline-s0', 'result.json'), 'utf8')).toBe(result);
    const io = memoryIo();
    expect(await run(['experiment', ...flags, ...same], io)).toBe(EXIT.ok);
    expect(io.err()).toMatch(/baseline-s0 done already \(skipped\)/);
  }, 120_000);

  it('two ROI classes end to end (Eq. 6): phantoms --roi liver+tumour, then a table per class (Table II)', async () => {
    const dir = tempDir('experiment2');
    const data = join(dir, 'liver2');
    const io0 = memoryIo();
    expect(await run(['phantoms', '--out', data, '--cases', '5', '--size', '1,32,32', '--roi', 'liver+tumour'], io0)).toBe(EXIT.ok);
    const ds = JSON.parse(readFileSync(join(data, 'dataset.json'), 'utf8')) as { labels: Record<string, string> };
    expect(ds.labels).toEqual({ '0': 'background', '1': 'liver', '2': 'tumour' });
    const out = join(dir, 'report');
    const io = memoryIo();
    expect(
      await run(
        cmdline`experiment --data ${data} --out ${out} --methods baseline,colab --seeds 1 --iterations 2 --batch-size 2 --features 4 --stages 2 --val-every 2 --test-fraction 0.4`,
        io,
      ),
    ).toBe(EXIT.ok);
    const table = readFileSync(join(out, 'table.md'), 'utf8');
    expect(table).toContain('### liver (label 1)');
    expect(table).toContain('### tumour (label 2)');
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: { classes: Record<string, unknown> }[] };
    for (const r of res.results) expect(Object.keys(r.classes)).toEqual(['1', '2']);
  }, 240_000);
});

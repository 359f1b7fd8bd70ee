/**
 * `colab-ts experiment`: the paper's Table I protocol on one dataset folder.
 * Every method (no context labels, human-defined context labels when the
 * dataset has them, k-means, dilated mask, CoLab with t = 2 and t = 3) is
 * trained with the same budget for each of N seeds, predicts the test cases
 * with the sliding window (the best-validation checkpoint, or the final one
 * as the authors and nnU-Net evaluate) and is scored; the report gives
 * per method the mean ± std over cases of each seed, and the mean over the
 * seeds, as Table I. Resumable: a run whose result.json exists is skipped
 * (re-scored without training when it was scored from the other checkpoint),
 * an interrupted run continues from its checkpoint.
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AnyBackend } from '@colab-ts/kernels';
import { join, resolve } from 'node:path';
import type { Summary } from '@colab-ts/metrics';
import type { NDArray } from '@colab-ts/ndarray';
import { array, toTypedArray } from '@colab-ts/ndarray';
import { writeAtomicSync } from './checkpoint.js';
import { logitFigure, overlayFigure } from './figures.js';
import type { OverlayCase } from './svg.js';
import { logitSvg, overlaySvg, scatterSvg } from './svg.js';
import type { Io } from './io.js';
import { CliError } from './io.js';
import { prepareOutDir } from './osErrors.js';
import type { Method, RunConfig } from './model.js';
import { contextMapOf, labelsOf, normalizeImage, predictLogits } from './model.js';
import { SUMMARY_COLUMNS, evaluateVolumes } from './predictCmd.js';
import type { RoiLossKind } from '@colab-ts/colab';
import { caseDilatedMask, kmeans, largestComponentPostprocess } from '@colab-ts/colab';
import type { Case, Dataset } from '@colab-ts/data';
import { zScore } from '@colab-ts/data';
import { normalizedMutualInformation, summarize } from '@colab-ts/metrics';
import type { TrainOptions } from './train.js';
import { defaultMargin, figureSlab, firstChannel, loadOrFail, loadRun, openOrFail, resolveConfig, train } from './train.js';
import { configDifferences } from './configDiff.js';
import { parseLog, readRunConfig } from './runFiles.js';
import { CHECKERBOARD_FLIPS, COLLAPSE_SHARE, recentFlips, recentShares } from './generatorCollapse.js';

/** One arm of the protocol: a method and its number of context classes. @category experiment */
export interface Arm {
  readonly method: Method;
  readonly t: number;
  /** Anatomy: the `--anatomy-classes` list (absent: every structure of the context maps). */
  readonly anatomyClasses?: string | undefined;
  /** CoLab: the `--roi-loss` criterion (absent: bce). */
  readonly roiLoss?: RoiLossKind | undefined;
  /** Fixed: the `--context-shares` list (absent: 1/t each). */
  readonly contextShares?: string | undefined;
  /**
   * Keep only the largest connected ROI component of each prediction (`largestComponentPostprocess`, Section V-B4).
   * The arm scores the model of the same arm without it (one training, two rows); `baseline+lcc` is the paper's
   * post-processing baseline.
   */
  readonly postprocess?: 'largest-component' | undefined;
}

/**
 * The arms named on the command line: `baseline`, `anatomy`, `kmeans`, `dilated`, `colab` (t = 2), `colab3` /
 * `colab:3`, `kmeans:3`, `fixed` / `fixed3` (constant context labels, `--context-shares`); any of them with `+lcc` (the largest-component post-processing of its predictions, Section
 * V-B4), and `postprocess` for `baseline+lcc`, the paper's post-processing baseline.
 * @category experiment
 */
export function parseArms(spec: string): Arm[] {
  return spec.split(',').map((raw) => {
    const s = raw.trim() === 'postprocess' ? 'baseline+lcc' : raw.trim();
    const m = /^(baseline|anatomy|kmeans|dilated|colab|fixed)(?::?(\d+))?(\+lcc)?$/.exec(s);
    if (m === null)
      throw new CliError('usage', [
        `--methods ${spec}: unknown method ${JSON.stringify(raw.trim())} (fix: a comma-separated list of baseline, anatomy, kmeans, dilated, colab, colab3, kmeans3, fixed, postprocess, or any of them with +lcc)`,
      ]);
    const method = m[1] as Method;
    const t = m[2] === undefined ? 2 : Number(m[2]);
    if (method === 'dilated' && t !== 2) throw new CliError('usage', [`--methods: dilated has t = 2 (fix: write dilated)`]);
    if ((method === 'colab' || method === 'kmeans' || method === 'fixed') && t < 2)
      throw new CliError('usage', [`--methods: ${method} needs t >= 2 (fix: write ${method}${2})`]);
    return m[3] === undefined ? { method, t } : { method, t, postprocess: 'largest-component' };
  });
}

/** The arm whose model an arm scores: itself without its post-processing. @category experiment */
export const trainedArm = (a: Arm): Arm => {
  const { postprocess: _, ...rest } = a;
  return rest;
};

/** The arm's name in tables and folders (`-lcc` after it for the largest-component post-processing). @category experiment */
export const armName = (a: Arm): string => (a.postprocess === undefined ? modelName(a) : `${modelName(a)}-lcc`);

const modelName = (a: Arm): string =>
  a.method === 'colab' || a.method === 'kmeans'
    ? `${a.method}${a.t}${a.roiLoss === undefined ? '' : `-roi-${a.roiLoss.replace('+', '-')}`}`
    : a.method === 'anatomy' && a.anatomyClasses !== undefined
      ? `anatomy-${a.anatomyClasses
          .split(',')
          .map((x) => x.trim().replace(/[^A-Za-z0-9_-]/g, '_'))
          .join('+')}`
      : a.method === 'fixed'
        ? a.contextShares === undefined
          ? `fixed${a.t}`
          : `fixed-${a.contextShares
              .split(',')
              .map((x) => x.trim().replace(/[^0-9.]/g, '_'))
              .join('-')}`
        : a.method;

const DISPLAY: Readonly<Record<Method, (a: Arm) => string>> = {
  baseline: () => 'w/o context labels',
  anatomy: (a) => (a.anatomyClasses === undefined ? 'human-defined (anatomy)' : `human-defined (anatomy: ${a.anatomyClasses})`),
  kmeans: (a) => `k-means (t = ${a.t})`,
  dilated: () => 'dilated mask',
  fixed: (a) =>
    `fixed shares (${
      a.contextShares === undefined
        ? `1/${a.t} each`
        : a.contextShares
            .split(',')
            .map((x) => x.trim())
            .join(' / ')
    })`,
  colab: (a) => `CoLab (t = ${a.t}${a.roiLoss === undefined ? '' : `, L_ROI ${a.roiLoss}`})`,
};
const display = (a: Arm): string =>
  a.postprocess === undefined
    ? DISPLAY[a.method](a)
    : a.method === 'baseline'
      ? 'post-processing (largest component)'
      : `${DISPLAY[a.method](a)} + largest component`;

/** Options of `experiment`. @category experiment */
export interface ExperimentOptions extends Omit<TrainOptions, 'method' | 't' | 'out' | 'seed' | 'resume' | 'caseIds'> {
  readonly out: string;
  /** A labelled dataset folder of test cases; without it the last `testFraction` of the cases (by id) are held out. */
  readonly test?: string | undefined;
  readonly testFraction: number;
  readonly arms: readonly Arm[];
  readonly seeds: number;
  readonly firstSeed: number;
  /** Which checkpoint predicts the test cases: the best validation Dice, or the final (latest) one [best]. */
  readonly checkpoint?: 'best' | 'latest' | undefined;
}

/** One run's outcome (result.json of the run folder). @category experiment */
export interface RunResult {
  readonly arm: string;
  readonly method: Method;
  readonly t: number;
  readonly seed: number;
  readonly trainSeconds: number;
  readonly bestValDice: number;
  readonly bestStep: number;
  /** The checkpoint that predicted the test cases (absent in results written before the option: best). */
  readonly checkpoint?: 'best' | 'latest';
  /** The last validation NMI between learnt context labels and true tissues (CoLab with context maps). */
  readonly contextNmi: number | null;
  /**
   * CoLab: each context sub-class's mean share of the background near the ROI over the last quarter of the generator
   * updates (`recentShares`); null for other methods and for logs without shares (absent in older results).
   */
  readonly contextShares?: readonly number[] | null;
  /**
   * CoLab: the mean neighbour-flip fraction of the context labels near the ROI over the same updates (`recentFlips`;
   * about 1 for a checkerboard); null for other methods and for logs without it (absent in older results).
   */
  readonly contextFlips?: number | null;
  /** Summaries of the first ROI class (the only one for a binary task). */
  readonly summary: Readonly<Record<string, Summary>>;
  /** Summaries per ROI class label (`"1"`, `"2"`, ...). */
  readonly classes: Readonly<Record<string, Readonly<Record<string, Summary>>>>;
  readonly perCase: readonly {
    readonly id: string;
    readonly class: string;
    readonly dice: number;
    readonly sensitivity: number;
    readonly precision: number;
    readonly hd95: number;
    /** False-positive voxels beyond the margin m from the ROI (absent in results written before the column). */
    readonly farFp?: number;
  }[];
}

const mean = (xs: readonly number[]): number => {
  const f = xs.filter(Number.isFinite);
  return f.length === 0 ? Number.NaN : f.reduce((a, b) => a + b, 0) / f.length;
};
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** Runs the protocol; see the module header. @category experiment */
export async function experiment(
  o: ExperimentOptions,
  io: Io,
  signal?: AbortSignal,
): Promise<{ readonly table: string; readonly results: readonly RunResult[] }> {
  const out = resolve(o.out);
  prepareOutDir(join(out, 'runs'), '--out');
  prepareOutDir(join(out, 'figures'), '--out');
  if (o.roiLoss !== undefined && !o.arms.some((a) => a.method === 'colab'))
    throw new CliError('usage', [`--roi-loss applies to the CoLab arms, and --methods has none (fix: add colab to --methods, or drop --roi-loss)`]);
  if (o.contextShares !== undefined && !o.arms.some((a) => a.method === 'fixed'))
    throw new CliError('usage', [`--context-shares applies to the fixed arm, and --methods has none (fix: add fixed to --methods, or drop --context-shares)`]);
  if (o.anatomyClasses !== undefined && !o.arms.some((a) => a.method === 'anatomy'))
    throw new CliError('usage', [
      `--anatomy-classes applies to the anatomy arm, and --methods has none (fix: add anatomy to --methods, or drop --anatomy-classes)`,
    ]);
  const ds = await openOrFail(o.data);
  const { trainIds, testCases, arms, expected, nmiRefs } = await planRuns(o, ds, out, io);
  io.stderr(
    `experiment: ${arms.map(armName).join(', ')} x ${o.seeds} seed(s), ${o.iterations} iterations each; ${trainIds.length} training and ${testCases.length} test cases\n`,
  );

  const checkpoint = o.checkpoint ?? 'best';
  const results: RunResult[] = [];
  // A post-processed arm scores the model of its arm without post-processing: those train first.
  const order = [...arms].sort((a, b) => Number(a.postprocess !== undefined) - Number(b.postprocess !== undefined));
  for (let si = 0; si < o.seeds; si++) {
    const seed = o.firstSeed + si;
    for (const arm of order) {
      const name = `${armName(arm)}-s${seed}`;
      const runDir = join(out, 'runs', name);
      const modelRun = `${armName(trainedArm(arm))}-s${seed}`;
      const modelDir = join(out, 'runs', modelRun);
      const resultPath = join(runDir, 'result.json');
      const modelResultPath = join(modelDir, 'result.json');
      let trained: { readonly seconds: number; readonly bestDice: number; readonly bestStep: number };
      const runOptions = runOptionsOf(o, arm, seed, modelDir, trainIds);
      // A finished run is reused only if this command would have trained it the same way.
      const checkReuse = (): void => {
        const saved = readRunConfig(join(modelDir, 'config.json'), `restore it, or delete ${modelDir} to train the run again`);
        const diff = configDifferences(saved, expected.get(modelRun)!, 'reuse');
        if (diff.length > 0)
          throw new CliError('usage', [
            `experiment: ${modelRun} in ${out} was trained with other settings than this command's, so its result cannot be reused:`,
            ...diff,
          ]);
      };
      if (existsSync(resultPath)) {
        checkReuse();
        const done = JSON.parse(readFileSync(resultPath, 'utf8')) as RunResult;
        if ((done.checkpoint ?? 'best') === checkpoint) {
          results.push(done);
          io.stderr(`experiment: ${name} done already (skipped)\n`);
          continue;
        }
        io.stderr(`experiment: ${name} trained already; scoring its ${checkpoint} checkpoint (was ${done.checkpoint ?? 'best'})\n`);
        trained = { seconds: done.trainSeconds, bestDice: done.bestValDice, bestStep: done.bestStep };
      } else if (arm.postprocess !== undefined && existsSync(modelResultPath)) {
        checkReuse();
        const done = JSON.parse(readFileSync(modelResultPath, 'utf8')) as RunResult;
        trained = { seconds: done.trainSeconds, bestDice: done.bestValDice, bestStep: done.bestStep };
      } else {
        // Trained to the budget (by a post-processed arm, or before an interruption) but not scored yet: no training.
        const finished = finishedRun(modelDir, o.iterations);
        if (finished !== undefined) {
          checkReuse();
          trained = finished;
        } else {
          const resume = existsSync(join(modelDir, 'latest.ckpt'));
          const r = await train({ ...runOptions, resume }, io, signal);
          if (r.status === 'interrupted')
            throw new CliError('runtime', [
              `experiment: interrupted while training ${modelRun} (fix: rerun the same command; finished runs are skipped and this one resumes)`,
            ]);
          trained = r;
        }
      }
      const { cfg, ck } = loadRun(modelDir, checkpoint);
      const scored: { id: string; pred: NDArray; truth: NDArray; spacing: readonly number[] }[] = [];
      for (const c of testCases) {
        const lg = await predictLogits(ck.state.theta, normalizeImage(c.image, cfg.normalization), cfg.patch, { backend: o.backend });
        const pred = labelsOf(lg, cfg.classes);
        scored.push({
          id: c.id,
          pred: arm.postprocess === undefined ? pred : largestComponentPostprocess(pred),
          truth: array(toTypedArray(c.label), c.label.shape.slice(1), c.label.dtype),
          spacing: c.spacing,
        });
      }
      // Far false positives beyond each case's default margin m (the region Eq. 9 labels far background).
      const ev = evaluateVolumes(scored, 95, undefined, {});
      const log = readFileSync(join(modelDir, 'log.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { type: string; step: number; contextNmi?: number; contextShares?: number[]; contextFlips?: number | null });
      const gens = log.filter((e) => e.type === 'gen');
      const shares = recentShares(gens);
      const flips = recentFlips(gens);
      const nmis = log.filter((e) => e.type === 'val' && typeof e.contextNmi === 'number').map((e) => e.contextNmi!);
      const cls = Object.keys(ev.summary)[0]!;
      const res: RunResult = {
        arm: armName(arm),
        method: arm.method,
        t: cfg.t,
        seed,
        trainSeconds: trained.seconds,
        bestValDice: trained.bestDice,
        bestStep: trained.bestStep,
        checkpoint,
        contextNmi: nmis.length > 0 ? nmis[nmis.length - 1]! : null,
        contextShares: arm.method === 'colab' && shares !== undefined ? shares.shares : null,
        contextFlips: arm.method === 'colab' && flips !== undefined ? flips.flips : null,
        summary: ev.summary[cls]!,
        classes: ev.summary,
        perCase: ev.rows.map((row) => ({
          id: row.case,
          class: row.class,
          dice: row.dice,
          sensitivity: row.sensitivity,
          precision: row.precision,
          hd95: Number(row.robustHausdorff),
          farFp: Number(row.farFp),
        })),
      };
      mkdirSync(runDir, { recursive: true });
      writeAtomicSync(resultPath, `${JSON.stringify(res, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
      io.stderr(`experiment: ${name}: DSC ${f3(res.summary.dice!.mean)} SEN ${f3(res.summary.sensitivity!.mean)} PRC ${f3(res.summary.precision!.mean)}\n`);
      results.push(res);
    }
  }
  // In the order of the command line: seed by seed, the arms as listed.
  const rank = (r: RunResult): number => r.seed * arms.length + arms.findIndex((a) => armName(a) === r.arm);
  results.sort((a, b) => rank(a) - rank(b));

  const classNames = Object.keys(results[0]?.classes ?? {});
  const labelName = (cls: string): string => Object.entries(ds.labels).find(([, v]) => String(v) === cls)?.[0] ?? `class ${cls}`;
  const table =
    classNames.length <= 1
      ? experimentTable(results, arms, testCases.length)
      : classNames
          .map(
            (cls) =>
              `### ${labelName(cls)} (label ${cls})\n\n${experimentTable(
                results.map((r) => ({ ...r, summary: r.classes[cls]! })),
                arms,
                testCases.length,
              )}`,
          )
          .join('\n\n');
  const perClass = (table: typeof pairedTable, what: string): string =>
    classNames.length <= 1
      ? table(results, arms)
      : classNames
          .map((cls) => {
            const t = table(results, arms, cls);
            return t === '' ? '' : `### ${labelName(cls)} (label ${cls}), ${what}\n\n${t}`;
          })
          .filter((t) => t !== '')
          .join('\n\n');
  const paired = [perClass(pairedTable, 'paired with the baseline'), perClass(colabPairedTable, 'CoLab paired with the other arms')]
    .filter((t) => t !== '')
    .join('\n\n');
  const note =
    (paired === '' ? '' : `\n\n${paired}`) +
    (nmiRefs.length > 0
      ? `\n\nReference for the context NMI (same voxels, all cases): intensity k-means with t clusters (the k-means baseline's split) ${nmiRefs.join(', ')}; a random split scores 0.`
      : '');
  writeAtomicSync(
    join(out, 'table.md'),
    `# colab-ts experiment\n\n${table}${note}\n\nData: ${resolve(o.data)}${o.test === undefined ? ` (last ${testCases.length} cases by id held out for testing)` : `; test: ${resolve(o.test)}`}. ${o.iterations} iterations, batch ${o.batchSize}, seeds ${o.firstSeed}..${o.firstSeed + o.seeds - 1}; test cases predicted with the ${checkpoint === 'best' ? 'best-validation' : 'final'} checkpoint.\n`,
  );
  writeAtomicSync(
    join(out, 'results.json'),
    `${JSON.stringify({ options: { ...o, arms: arms.map(armName) }, results }, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  writeAtomicSync(join(out, 'results.csv'), resultsCsv(results));
  // Fig. 4: precision against sensitivity, one point per method (mean over seeds) and one per run.
  const points = arms.flatMap((a, ai) => {
    const rs = results.filter((r) => r.arm === armName(a));
    return [
      {
        series: ai,
        label: display(a),
        x: mean(rs.map((r) => r.summary.sensitivity!.mean)),
        y: mean(rs.map((r) => r.summary.precision!.mean)),
        big: true,
      },
      ...rs.map((r) => ({ series: ai, label: '', x: r.summary.sensitivity!.mean, y: r.summary.precision!.mean, big: false })),
    ];
  });
  writeAtomicSync(
    join(out, 'figures', 'fig4-precision-sensitivity.svg'),
    scatterSvg(points, { title: 'Precision vs sensitivity (Fig. 4)', x: 'sensitivity', y: 'precision', legend: arms.map((a) => display(a)) }),
  );
  // The figures show the models; post-processing acts on whole volumes, not on the slabs the figures predict.
  await experimentFigures(
    out,
    arms.filter((a) => a.postprocess === undefined),
    o.firstSeed,
    testCases,
    o.backend,
  );
  io.stdout(`\n${table}${note}\n\nreport: ${out} (table.md, results.csv, results.json, figures/)\n`);
  return { table, results };
}

/** The options `train` gets for `arm`'s run of `seed` in `modelDir`. */
function runOptionsOf(o: ExperimentOptions, arm: Arm, seed: number, modelDir: string, trainIds: readonly string[]): Omit<TrainOptions, 'resume'> {
  return {
    ...o,
    method: arm.method,
    t: arm.t,
    anatomyClasses: arm.anatomyClasses,
    roiLoss: arm.roiLoss,
    contextShares: arm.contextShares,
    seed,
    out: modelDir,
    caseIds: trainIds,
  };
}

/**
 * Reads the dataset once and keeps only what the protocol needs while its runs train: the training ids, the test
 * cases, the arms the data allow, each run's expected configuration (to check a finished run before reusing it,
 * and so that a setting a run cannot take fails before the first run trains) and the intensity k-means reference
 * for the context NMI. The training images themselves are dropped here; each run loads its own.
 */
async function planRuns(
  o: ExperimentOptions,
  ds: Dataset,
  out: string,
  io: Io,
): Promise<{
  readonly trainIds: readonly string[];
  readonly testCases: readonly Case[];
  readonly arms: readonly Arm[];
  readonly expected: ReadonlyMap<string, RunConfig>;
  readonly nmiRefs: readonly string[];
}> {
  const cases = await loadOrFail(ds, io);
  let trainIds = cases.map((c) => c.id);
  let testCases = cases;
  if (o.test === undefined) {
    const nTest = Math.max(1, Math.round(o.testFraction * cases.length));
    if (cases.length - nTest < 2)
      throw new CliError('usage', [
        `--test-fraction ${o.testFraction}: ${cases.length} cases leave fewer than 2 for training (fix: pass --test DIR with labelled test cases)`,
      ]);
    const sorted = [...trainIds].sort();
    const held = new Set(sorted.slice(sorted.length - nTest));
    trainIds = sorted.filter((id) => !held.has(id));
    testCases = cases.filter((c) => held.has(c.id));
  } else {
    testCases = await loadOrFail(await openOrFail(o.test), io);
  }
  const hasContext = cases.every((c) => c.context !== undefined);
  const arms = o.arms
    .filter((a) => a.method !== 'anatomy' || hasContext)
    .map((a) => (a.method === 'anatomy' && o.anatomyClasses !== undefined ? { ...a, anatomyClasses: o.anatomyClasses } : a))
    .map((a) => (a.method === 'colab' && o.roiLoss !== undefined ? { ...a, roiLoss: o.roiLoss } : a))
    .map((a) => (a.method === 'fixed' && o.contextShares !== undefined ? { ...a, contextShares: o.contextShares } : a));
  if (arms.length < o.arms.length) io.stderr(`experiment: skipping anatomy (the dataset has no contextTr maps)\n`);
  const inTraining = new Set(trainIds);
  const trainCases = cases.filter((c) => inTraining.has(c.id));
  const expected = new Map<string, RunConfig>();
  for (let si = 0; si < o.seeds; si++)
    for (const arm of arms) {
      const modelRun = `${armName(trainedArm(arm))}-s${o.firstSeed + si}`;
      if (expected.has(modelRun)) continue;
      const modelDir = join(out, 'runs', modelRun);
      expected.set(modelRun, resolveConfig({ ...runOptionsOf(o, arm, o.firstSeed + si, modelDir, trainIds), resume: false }, ds, trainCases));
    }
  const nmiRefs = hasContext
    ? [...new Set(arms.filter((a) => a.method === 'colab').map((a) => a.t))].map((t) => `t = ${t}: ${f3(intensityClusterNmi(cases, t, o))}`)
    : [];
  return { trainIds, testCases, arms, expected, nmiRefs };
}

/**
 * A run folder trained to `iterations` (its latest checkpoint at that step): its best validation Dice and step, and
 * its training time summed over the log's sessions (each resumed session counts from 0). Undefined otherwise.
 */
function finishedRun(dir: string, iterations: number): { readonly seconds: number; readonly bestDice: number; readonly bestStep: number } | undefined {
  if (!existsSync(join(dir, 'latest.ckpt')) || !existsSync(join(dir, 'log.jsonl'))) return undefined;
  const { ck } = loadRun(dir, 'latest');
  if (ck.step < iterations) return undefined;
  let seconds = 0;
  let last = 0;
  for (const e of parseLog<{ type: string; seconds?: number }>(readFileSync(join(dir, 'log.jsonl'), 'utf8'), join(dir, 'log.jsonl')))
    if (e.type === 'train' && typeof e.seconds === 'number') {
      if (e.seconds < last) seconds += last;
      last = e.seconds;
    }
  return { seconds: seconds + last, bestDice: ck.bestDice, bestStep: ck.bestStep };
}

/** Table I: per method, each seed's mean ± std over cases, and the mean over seeds. @category experiment */
export function experimentTable(results: readonly RunResult[], arms: readonly Arm[], nCases: number): string {
  const cols = SUMMARY_COLUMNS;
  const head = `| method | seeds | ${cols.map(([, n]) => (n === 'HD95' ? 'HD95 (mm)' : n)).join(' | ')} | far FP (voxels) | context NMI |`;
  const sep = `|---|---|${cols.map(() => '---').join('|')}|---|---|`;
  const rows = arms.map((a) => {
    const rs = results.filter((r) => r.arm === armName(a));
    const cell = (k: string): string => {
      // Results written before a column existed lack it: n/a rather than a crash or a made-up 0.
      if (rs.some((r) => r.summary[k] === undefined)) return 'n/a';
      const m = mean(rs.map((r) => r.summary[k]!.mean));
      const s = mean(rs.map((r) => r.summary[k]!.std));
      const fmt = (v: number): string => (Number.isFinite(v) && (k === 'robustHausdorff' || k === 'farFp') ? v.toFixed(k === 'farFp' ? 1 : 2) : f3(v));
      const per = rs.map((r) => (k === 'farFp' ? fmt : f3)(r.summary[k]!.mean)).join(' / ');
      return `${fmt(m)} ± ${fmt(s)} (${per})`;
    };
    const nmi = rs.map((r) => r.contextNmi).filter((v): v is number => v !== null);
    return `| ${display(a)} | ${rs.length} | ${[...cols.map(([k]) => k), 'farFp'].map(cell).join(' | ')} | ${nmi.length > 0 ? f3(mean(nmi)) : '-'} |`;
  });
  return [
    head,
    sep,
    ...rows,
    '',
    `Each cell: mean over seeds of the per-seed mean over ${nCases} test cases ± the mean over seeds of the std over cases; in brackets each seed's mean. Far FP: false-positive voxels per case farther than the margin m from the ROI (the far background of Eq. 9; \`colab-ts evaluate\`'s FarFP). Context NMI: normalised mutual information between the generator's argmax context label and the true tissue map over background voxels near the ROI (M > 1/2), last validation; a random split scores about 0.`,
    ...sharesNote(results),
  ].join('\n');
}

/** The CoLab runs' context shares near the ROI, each run on a line, collapses named; nothing without shares. */
function sharesNote(results: readonly RunResult[]): string[] {
  const rs = results.filter((r) => Array.isArray(r.contextShares) && r.contextShares.length > 0);
  if (rs.length === 0) return [];
  const line = (r: RunResult): string => {
    const sh = r.contextShares!;
    const top = sh.indexOf(Math.max(...sh));
    const collapsed =
      sh[top]! >= COLLAPSE_SHARE
        ? top === 0
          ? " (collapsed into the far background's sub-class: the baseline's labels)"
          : ` (collapsed into sub-class ${top}: a dilated mask)`
        : '';
    const f = r.contextFlips;
    const flips = typeof f === 'number' ? `; neighbour flips ${f.toFixed(3)}${f >= CHECKERBOARD_FLIPS ? ' (a checkerboard)' : ''}` : '';
    return `- ${r.arm}-s${r.seed}: ${sh.map((v) => v.toFixed(3)).join(' / ')}${collapsed}${flips}`;
  };
  return [
    '',
    `Context shares: each CoLab run's mean share of every context sub-class in the background near the ROI (q weighted by M, sub-class 0 first, the one the far background fills), over the last quarter of its generator updates; a share of ${COLLAPSE_SHARE} or more counts as a collapse. Neighbour flips: over the same updates, how often two neighbouring voxels of that background get different argmax sub-classes; ${CHECKERBOARD_FLIPS} or more (no smoother than labels drawn at random) counts as a checkerboard.`,
    ...rs.map(line),
  ];
}

/** The paired Dice differences of arm `a` minus arm `b` (same seed, same test case): each seed's mean and every pair. */
function pairedDice(results: readonly RunResult[], a: string, b: string, cls?: string): { readonly perSeed: number[]; readonly all: number[] } {
  const diceOf = (r: RunResult): Map<string, number> =>
    new Map(r.perCase.filter((c) => (cls === undefined || c.class === cls) && Number.isFinite(c.dice)).map((c) => [c.id, c.dice]));
  const perSeed: number[] = [];
  const all: number[] = [];
  for (const r of results.filter((x) => x.arm === a)) {
    const other = results.find((x) => x.arm === b && x.seed === r.seed);
    if (other === undefined) continue;
    const bd = diceOf(other);
    const d = [...diceOf(r)].flatMap(([id, v]) => (bd.has(id) ? [v - bd.get(id)!] : []));
    if (d.length === 0) continue;
    perSeed.push(mean(d));
    all.push(...d);
  }
  return { perSeed, all };
}

/** The standard error of the mean of `v` (`summarize`'s sample standard deviation over sqrt(n)); NaN below `min` values. */
function standardError(v: readonly number[], min = 2): number {
  return v.length < min ? Number.NaN : summarize(v).std / Math.sqrt(v.length);
}

/**
 * The cells of a paired row: seeds, mean difference (each seed's in brackets), the standard error over seeds (from
 * three seeds on: with two it rests on one degree of freedom), the one over (seed, case) pairs, pairs ahead / behind.
 */
function pairedCells({ perSeed, all }: { readonly perSeed: number[]; readonly all: number[] }): string {
  const pts = (v: number): string => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}`;
  const se = (v: number): string => (Number.isNaN(v) ? '-' : (100 * v).toFixed(1));
  return `${perSeed.length} | ${pts(mean(perSeed))} (${perSeed.map(pts).join(' / ')}) | ${se(standardError(perSeed, 3))} | ${se(standardError(all))} | ${all.filter((v) => v > 0).length} / ${all.filter((v) => v < 0).length} of ${all.length} |`;
}

/** A table of paired rows (`pairedCells` after the `names` cells) with its header and note; empty without rows. */
function pairedMarkdown(names: readonly string[], difference: string, rows: readonly string[], what: string): string {
  if (rows.length === 0) return '';
  const cols = [...names, 'seeds paired', difference, 'SE over seeds', 'SE over (seed, case) pairs', '(seed, case) pairs ahead / behind'];
  return [
    `| ${cols.join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...rows,
    '',
    `${what}: the mean over seeds of the per-seed mean Dice difference, each seed in brackets. Two standard errors: over the per-seed means (the training seed is the unit that repeats the whole experiment; shown from three seeds on), and over all paired (seed, case) differences (cases are not independent across seeds, so read it as a lower bound).`,
  ].join('\n');
}

/**
 * Each method paired with the baseline on the same seed and test cases: the mean over seeds of the per-seed mean
 * Dice difference (method minus baseline) with each seed's in brackets, its standard error over seeds (three or
 * more) and over all paired (seed, case) differences, and in how many of those the method is ahead or behind. Cases whose Dice is not
 * finite on either side are left out. Empty without a baseline arm. @category experiment
 */
export function pairedTable(results: readonly RunResult[], arms: readonly Arm[], cls?: string): string {
  if (!results.some((r) => r.method === 'baseline')) return '';
  const rows = arms
    .filter((a) => armName(a) !== 'baseline')
    .flatMap((a) => {
      const d = pairedDice(results, armName(a), 'baseline', cls);
      return d.all.length === 0 ? [] : [`| ${display(a)} | ${pairedCells(d)}`];
    });
  return pairedMarkdown(['method'], 'DSC minus the baseline (points)', rows, 'Paired with the baseline of the same seed on the same test cases');
}

/**
 * Each CoLab arm paired with every other arm but the baseline (k-means, dilated mask, anatomy, the other CoLab arms,
 * the post-processed arms) on the same seed and test cases, as `pairedTable` (CoLab minus the other arm). Empty without a CoLab arm and another
 * context-label arm. @category experiment
 */
export function colabPairedTable(results: readonly RunResult[], arms: readonly Arm[], cls?: string): string {
  const rows = arms
    .filter((c) => c.method === 'colab' && c.postprocess === undefined)
    .flatMap((c) =>
      arms
        .filter((x) => armName(x) !== 'baseline' && armName(x) !== armName(c))
        .flatMap((x) => {
          const d = pairedDice(results, armName(c), armName(x), cls);
          return d.all.length === 0 ? [] : [`| ${display(c)} | ${display(x)} | ${pairedCells(d)}`];
        }),
    );
  return pairedMarkdown(
    ['CoLab arm', 'minus'],
    'DSC difference (points)',
    rows,
    'CoLab paired with the other arms (other context labels, post-processing) of the same seed on the same test cases',
  );
}

function resultsCsv(results: readonly RunResult[]): string {
  const lines = ['arm,method,t,seed,case,class,dice,sensitivity,precision,hd95,far_fp'];
  for (const r of results)
    for (const c of r.perCase)
      lines.push(
        [r.arm, r.method, r.t, r.seed, c.id, c.class, c.dice, c.sensitivity, c.precision, c.hd95, c.farFp]
          .map((v) => (v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v)))
          .join(','),
      );
  return `${lines.join('\n')}\n`;
}

/**
 * Fig. 3 (logit planes of the baseline and CoLab) and Fig. 8 (test slices with predictions and context maps) of the
 * first seed, both from the first four test cases, each predicted on its `figureSlab` (the slab of one patch depth
 * around the slice Fig. 8 shows): whole Decathlon CT volumes would cost every arm a second full prediction and
 * several GiB of logits.
 */
async function experimentFigures(
  out: string,
  arms: readonly Arm[],
  seed: number,
  testCases: readonly { readonly id: string; readonly image: NDArray; readonly label: NDArray }[],
  backend?: AnyBackend,
): Promise<void> {
  const runs = arms.map((a) => ({ arm: a, ...loadRun(join(out, 'runs', `${armName(a)}-s${seed}`)) }));
  const logits: NDArray[][] = runs.map(() => []);
  const truths: NDArray[] = [];
  const rows: OverlayCase[] = [];
  for (const c of testCases.slice(0, 4)) {
    const depth = runs[0]?.cfg.patch[0] ?? 1;
    const raw = figureSlab(c.image, c.label, depth);
    truths.push(raw.truth);
    const preds: { name: string; labels: NDArray }[] = [];
    let context: NDArray | undefined;
    for (const [ri, r] of runs.entries()) {
      const slab = figureSlab(normalizeImage(c.image, r.cfg.normalization), c.label, depth);
      const lg = await predictLogits(r.ck.state.theta, slab.image, r.cfg.patch, { backend });
      logits[ri]!.push(lg);
      preds.push({ name: display(r.arm), labels: labelsOf(lg, r.cfg.classes) });
      if (r.arm.method === 'colab' && context === undefined) context = contextMapOf(lg, r.cfg.classes - 1);
    }
    rows.push({
      id: c.id,
      image: firstChannel(raw.image),
      truth: raw.truth,
      predictions: preds,
      context: context === undefined ? undefined : { name: 'CoLab context labels', labels: context },
    });
  }
  writeAtomicSync(join(out, 'figures', 'fig8-overlay.svg'), overlaySvg(rows));
  writeAtomicSync(join(out, 'figures', 'fig8-overlay.png'), overlayFigure(rows));
  const panels = runs.flatMap((r, ri) =>
    r.arm.method === 'baseline' || r.arm.method === 'colab' ? [{ name: display(r.arm), logits: logits[ri]!, truths }] : [],
  );
  if (panels.length > 0) {
    writeAtomicSync(join(out, 'figures', 'fig3-logits.svg'), logitSvg(panels));
    writeAtomicSync(join(out, 'figures', 'fig3-logits.png'), logitFigure(panels));
  }
}

/**
 * The NMI against the true tissues of the simplest unsupervised split: k-means
 * of the normalised intensities into `t` clusters, over the same voxels as
 * `contextAgreement` (background within M > 1/2 of the ROI), pooled over cases.
 * The reference a learnt split should beat.
 */
function intensityClusterNmi(cases: readonly Case[], t: number, o: Pick<ExperimentOptions, 'margin' | 'temperature'>): number {
  const xs: number[] = [];
  const tissue: number[] = [];
  for (const c of cases) {
    const geometry = defaultMargin(c.image.shape.slice(1), c.spacing as [number, number, number]);
    const M = toTypedArray(
      caseDilatedMask(c.label, { margin: o.margin ?? geometry.margin, temperature: o.temperature ?? geometry.temperature, spacing: c.spacing }),
    );
    const img = toTypedArray(zScore(c.image));
    const lab = toTypedArray(c.label);
    const ctx = toTypedArray(c.context!);
    for (let i = 0; i < lab.length; i++)
      if (lab[i] === 0 && M[i]! > 0.5) {
        xs.push(img[i]!);
        tissue.push(ctx[i]!);
      }
  }
  if (xs.length < t) return Number.NaN;
  const km = kmeans(Float64Array.from(xs), 1, { k: t, seed: 0 });
  return normalizedMutualInformation(array(km.assignments, [xs.length], 'int32'), array(Int32Array.from(tissue), [tissue.length], 'int32'));
}

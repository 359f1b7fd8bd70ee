/**
 * `colab-ts demo`: the paper's main comparison on an embedded default. A
 * phantom cohort (liver tumours with look-alikes outside the liver) is
 * written as an MSD folder, the baseline (a U-Net with c outputs, CE + soft
 * Dice) and CoLab (t = 2) are trained under the same iteration budget with
 * `train`, both predict the held-out phantoms with the sliding window
 * (`predict`) and are scored (`evaluate`); the report folder gets
 * results.json, table.md and the figures.
 * @module
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import type { AnyBackend } from '@colab-ts/kernels';
import { join, resolve } from 'node:path';
import { loadCase, phantom, writePhantomDataset } from '@colab-ts/data';
import type { Summary } from '@colab-ts/metrics';
import type { NDArray } from '@colab-ts/ndarray';
import { array, foldIn, key, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { writeAtomicSync } from './checkpoint.js';
import type { OverlayCase } from './svg.js';
import { logitSvg, overlaySvg } from './svg.js';
import { logitFigure, overlayFigure } from './figures.js';
import type { Io } from './io.js';
import { CliError } from './io.js';
import { prepareOutDir } from './osErrors.js';
import type { Method } from './model.js';
import { contextMapOf, labelsOf, normalizeImage, predictLogits } from './model.js';
import { SUMMARY_COLUMNS, evaluate, predict, showSummary } from './predictCmd.js';
import type { TrainOptions } from './train.js';
import { loadRun, openOrFail, train } from './train.js';

/** Options of the demo. @category demo */
export interface DemoOptions {
  readonly out: string;
  /** Training phantoms (a fifth of them validate). */
  readonly cases: number;
  /** Held-out test phantoms. */
  readonly testCases: number;
  readonly size: readonly [number, number, number];
  readonly iterations: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly features: number;
  readonly t: number;
  /** SGD learning rate and momentum (default: `train`'s, `defaultSgdSchedule`). */
  readonly lr?: number | undefined;
  readonly momentum?: number | undefined;
  /** Training patch (default: up to 8 x 32 x 32 of the phantom); inference slides it over the whole image. */
  readonly patch?: readonly [number, number, number] | undefined;
  readonly valEvery?: number;
  /** The generator's schedule (default: `train`'s, `defaultGeneratorSchedule`). */
  readonly generatorLr?: number | undefined;
  readonly generatorEvery?: number | undefined;
  /** The kernels backend to run on (default: the registry's). */
  readonly backend?: AnyBackend | undefined;
}

/** One method's line of the results. @category demo */
export interface DemoMethodResult {
  readonly method: Method;
  readonly trainSeconds: number;
  readonly bestValDice: number;
  readonly summary: Readonly<Record<string, Summary>>;
}

/** What the demo returns (and writes as results.json). @category demo */
export interface DemoResult {
  readonly options: DemoOptions;
  readonly methods: readonly DemoMethodResult[];
  readonly table: string;
  readonly seconds: number;
  readonly out: string;
}

/** The results table in Markdown: mean ± std over the test cases. @category demo */
export function resultsTable(methods: readonly DemoMethodResult[], n: number): string {
  const head = `| method | ${SUMMARY_COLUMNS.map(([, name]) => (name === 'HD95' ? 'HD95 (mm)' : name)).join(' | ')} |`;
  const sep = `|---|${SUMMARY_COLUMNS.map(() => '---').join('|')}|`;
  const rows = methods.map(
    (m) =>
      `| ${m.method === 'colab' ? 'CoLab (t = 2)' : 'baseline (w/o context labels)'} | ${SUMMARY_COLUMNS.map(([k]) => showSummary(m.summary[k]!, k === 'robustHausdorff' ? 2 : 3)).join(' | ')} |`,
  );
  return [
    head,
    sep,
    ...rows,
    '',
    `mean ± std over ${n} held-out phantom cases; NaN/inf cases (e.g. HD95 of an empty prediction) are counted and left out of mean and std.`,
  ].join('\n');
}

/** Runs the demo; see the module header. @category demo */
export async function demo(o: DemoOptions, io: Io, signal?: AbortSignal): Promise<DemoResult> {
  const t0 = performance.now();
  const out = resolve(o.out);
  const dataDir = join(out, 'data');
  const testDir = join(out, 'test');
  if (existsSync(join(out, 'runs'))) rmSync(join(out, 'runs'), { recursive: true, force: true });
  prepareOutDir(join(out, 'figures'), '--out');
  const root = key(o.seed);
  io.stderr(`demo: ${o.cases} training and ${o.testCases} test phantoms of ${o.size.join('x')} voxels in ${out}\n`);
  for (const [dir, k, n, prefix] of [
    [dataDir, foldIn(root, 100), o.cases, 'train'],
    [testDir, foldIn(root, 200), o.testCases, 'test'],
  ] as const) {
    const cohort = phantom(k, { cases: n, size: o.size, prefix });
    const w = await writePhantomDataset(dir, cohort)();
    if (E.isLeft(w)) throw new CliError('runtime', [w.left.message]);
  }
  const base: Omit<TrainOptions, 'method' | 'out'> = {
    data: dataDir,
    t: o.t,
    iterations: o.iterations,
    batchSize: o.batchSize,
    patch: o.patch ?? [
      Math.min(o.size[0], 8),
      Math.max(4, Math.floor(Math.min(o.size[1], 32) / 4) * 4),
      Math.max(4, Math.floor(Math.min(o.size[2], 32) / 4) * 4),
    ],
    seed: o.seed,
    lr: o.lr,
    momentum: o.momentum,
    // margin and temperature: train's defaults (the paper's, scaled to the phantom's size, in mm).
    generatorLr: o.generatorLr,
    generatorEvery: o.generatorEvery,
    features: o.features,
    stages: 3,
    roiShare: 0.5,
    augment: true,
    valEvery: o.valEvery ?? Math.max(1, Math.floor(o.iterations / 10)),
    valFraction: 0.2,
    resume: false,
    backend: o.backend,
  };
  const methods: DemoMethodResult[] = [];
  const testImages = join(testDir, 'imagesTr');
  const testLabels = join(testDir, 'labelsTr');
  for (const method of ['baseline', 'colab'] as const) {
    const runDir = join(out, 'runs', method);
    const r = await train({ ...base, method, out: runDir }, io, signal);
    if (r.status === 'interrupted') throw new CliError('runtime', [`demo: interrupted while training ${method} (fix: rerun colab-ts demo)`]);
    await predict({ run: runDir, input: testImages, out: join(out, 'predictions', method), checkpoint: 'best', mirror: false, backend: o.backend }, io);
    const ev = await evaluate(
      { pred: join(out, 'predictions', method), gt: testLabels, out: join(out, 'evaluation', method), percentile: 95 },
      { ...io, stdout: () => undefined },
    );
    methods.push({ method, trainSeconds: r.seconds, bestValDice: r.bestDice, summary: ev.summary['1'] ?? Object.values(ev.summary)[0]! });
    for (const ext of ['svg', 'png']) copyFileSync(join(runDir, `progress.${ext}`), join(out, 'figures', `progress-${method}.${ext}`));
  }

  // Figures: overlays of the first test cases and the logit distributions.
  const ds = await openOrFail(testDir);
  const runs = (['baseline', 'colab'] as const).map((m) => loadRun(join(out, 'runs', m)));
  const overlays: OverlayCase[] = [];
  const logits: NDArray[][] = [[], []];
  const truths: NDArray[] = [];
  for (const [ci, info] of ds.training.entries()) {
    const c = await loadCase(info)();
    if (E.isLeft(c)) throw new CliError('data', [c.left.message]);
    const spatial = c.right.image.shape.slice(1);
    const truth = array(toTypedArray(c.right.label), spatial, c.right.label.dtype);
    truths.push(truth);
    const preds: { name: string; labels: NDArray }[] = [];
    let context: NDArray | undefined;
    for (const [ri, { cfg, ck }] of runs.entries()) {
      const lg = await predictLogits(ck.state.theta, normalizeImage(c.right.image, cfg.normalization), cfg.patch, { backend: o.backend });
      logits[ri]!.push(lg);
      preds.push({ name: ri === 0 ? 'Baseline' : 'CoLab', labels: labelsOf(lg, cfg.classes) });
      if (cfg.method === 'colab') {
        // f~_theta(x) as in Fig. 8: argmax over all c - 1 + t outputs, shown as the background sub-class (0 = far background).
        context = contextMapOf(lg, cfg.classes - 1);
      }
    }
    if (ci < 4) {
      const img = toTypedArray(c.right.image).subarray(
        0,
        spatial.reduce((a, b) => a * b, 1),
      );
      overlays.push({
        id: info.id,
        image: array(Float32Array.from(img), spatial, 'float32'),
        truth,
        predictions: preds,
        context: context === undefined ? undefined : { name: 'CoLab context labels', labels: context },
      });
    }
  }
  const logitPanels = [
    { name: 'Baseline', logits: logits[0]!, truths },
    { name: 'CoLab (t = 2)', logits: logits[1]!, truths },
  ];
  writeAtomicSync(join(out, 'figures', 'overlay.svg'), overlaySvg(overlays));
  writeAtomicSync(join(out, 'figures', 'overlay.png'), overlayFigure(overlays));
  writeAtomicSync(join(out, 'figures', 'logits.svg'), logitSvg(logitPanels));
  writeAtomicSync(join(out, 'figures', 'logits.png'), logitFigure(logitPanels));

  const table = resultsTable(methods, o.testCases);
  const seconds = (performance.now() - t0) / 1000;
  const result: DemoResult = { options: o, methods, table, seconds, out };
  writeAtomicSync(join(out, 'results.json'), `${JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  writeAtomicSync(
    join(out, 'table.md'),
    `# colab-ts demo\n\n${table}\n\nTraining: ${o.iterations} iterations per method, batch ${o.batchSize}, seed ${o.seed}; ${methods.map((m) => `${m.method} ${m.trainSeconds.toFixed(0)} s`).join(', ')}; total ${seconds.toFixed(0)} s.\n\nFigures (SVG, with PNG beside): figures/overlay.svg (Fig. 2/8), figures/logits.svg (Fig. 3), figures/progress-*.svg.\n`,
  );
  io.stdout(`\n${table}\n\nreport: ${out} (results.json, table.md, figures/); ${seconds.toFixed(0)} s\n`);
  return result;
}

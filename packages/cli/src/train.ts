/**
 * The training driver behind `colab-ts train` (and the demo): opens and
 * validates a dataset, resolves the run configuration, trains one method
 * with `colabStep` or `segmentationStep`, validates with the sliding window,
 * and keeps a run folder: config.json, latest.ckpt and best.ckpt (atomic),
 * log.jsonl and progress.svg (PNG beside). Every random draw derives from the seed key and
 * the step (`foldIn`), so a resumed run reproduces an uninterrupted one.
 * @module
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Tensor } from '@colab-ts/autodiff';
import type { AnyBackend } from '@colab-ts/kernels';
import { realize, tensor } from '@colab-ts/autodiff';
import type { ColabState, SegmentationState } from '@colab-ts/colab';
import {
  aggregateLabels,
  anatomyContextLabels,
  caseDilatedMask,
  colabDefaults,
  colabInit,
  colabStep,
  checkShares,
  constantContextLabels,
  dilatedMaskContextLabels,
  distanceConstrainedLabels,
  kmeansContextLabels,
  labelGenerator,
  roiOneHot,
  segmentationInit,
  segmentationStep,
} from '@colab-ts/colab';
import type { Case, Dataset } from '@colab-ts/data';
import { augment, augmentSourceShape, bodyMask, cropBox, ctStatistics, loadCase, openDataset, sampleBatch, showIssue, windowStarts } from '@colab-ts/data';
import { confusion, dice, normalizedMutualInformation } from '@colab-ts/metrics';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { ValueError, array, foldIn, key, toTypedArray } from '@colab-ts/ndarray';
import type { UNetParams } from '@colab-ts/nn';
import { unetApply, unetInit } from '@colab-ts/nn';
import * as E from 'fp-ts/lib/Either.js';
import { loadCheckpoint, saveCheckpoint, writeAtomicSync } from './checkpoint.js';
import type { ArgsOf } from './args.js';
import type { trainSpec } from './main.js';
import type { Io } from './io.js';
import { CliError, lateProgress, progress } from './io.js';
import type { Method, Normalization, RunConfig } from './model.js';
import { colabStepSettings, contextMapOf, labelsOf, normalizeImage, planeMultiple, predictLogits, segOutputs, unetConfigFor } from './model.js';
import { overlayFigure, progressFigure } from './figures.js';
import type { OverlayCase } from './svg.js';
import { bestSlice, overlaySvg, progressSvg } from './svg.js';

import { withRunLock } from './runLock.js';
import { assertFinite } from './finite.js';
import { configDifferences } from './configDiff.js';
import { parseLog, readCheckpoint, readRunConfig } from './runFiles.js';
import { checkerboardText, collapseText, generatorCollapse } from './generatorCollapse.js';

/**
 * What `train` takes: the `train` command's flags as `decodeArgs` returns
 * them (`ArgsOf<typeof trainSpec>`, the type derived from the flag spec),
 * the backend to run on instead of the flag's name, and hooks for scripts.
 * Flags without a default (`patch`, `lr`, `momentum`, `margin`, `temperature`,
 * `generatorLr`, `generatorEvery`) are resolved from the dataset and the budget by
 * `resolveConfig`.
 * @category training
 */
export interface TrainOptions extends Omit<ArgsOf<typeof trainSpec>, 'backend' | 'deepSupervision' | 'background' | 'spatialAugment'> {
  /** Deep supervision (default false). */
  readonly deepSupervision?: boolean | undefined;
  /** Rotation and scaling besides mirroring and intensity augmentation (default false). */
  readonly spatialAugment?: boolean | undefined;
  /** Where non-ROI patches are centred (default `uniform`). */
  readonly background?: 'uniform' | 'body' | undefined;
  /** The kernels backend to train on (default: the registry's, `getBackend()`). */
  readonly backend?: AnyBackend | undefined;
  /** No progress bar (default false). */
  readonly quiet?: boolean;
  /** Train (and validate) on these case ids only (default: every training case of the dataset). */
  readonly caseIds?: readonly string[] | undefined;
  /** Called after every step with the steps done (tests interrupt a run from here). */
  readonly onStep?: (step: number) => void;
}

/** What a training run ends with. @category training */
export interface TrainResult {
  readonly status: 'done' | 'interrupted';
  readonly step: number;
  readonly bestDice: number;
  readonly bestStep: number;
  readonly runDir: string;
  readonly seconds: number;
}

/** One line of log.jsonl. @category training */
export type LogEntry =
  | { readonly type: 'train'; readonly step: number; readonly loss: number; readonly roiLoss?: number; readonly lr: number; readonly seconds: number }
  | {
      readonly type: 'gen';
      readonly step: number;
      readonly contextEntropy: number;
      /** The M-weighted share of each context sub-class near the ROI (`ColabMetrics.contextShares`; absent in older logs). */
      readonly contextShares?: readonly number[];
      /** `ColabMetrics.contextFlips` (null without a near-ROI pair in the batch; absent in older logs). */
      readonly contextFlips?: number | null;
      readonly metaGradNorm: number;
      readonly generatorChange: number;
      readonly roiLossAfterInner: number;
      readonly generatorLr: number;
    }
  | { readonly type: 'val'; readonly step: number; readonly dice: number; readonly diceMA: number; readonly contextNmi?: number };

/** A checkpoint's content. @category training */
export interface Checkpoint {
  readonly version: 1;
  readonly method: Method;
  readonly step: number;
  readonly key: readonly [number, number];
  readonly state: ColabState | SegmentationState;
  readonly bestDice: number;
  readonly bestStep: number;
  readonly valDice: readonly number[];
  /** The run configuration (also in the checkpoint's metadata; absent in checkpoints of older runs). */
  readonly config?: RunConfig;
}

// Streams of randomness, each folded into the seed key.
const STREAM = { theta: 1, omega: 2, batch: 3, augment: 4, kmeans: 5 } as const;

/** Per-case maps prepared once: normalised images, and integer context maps for the fixed-label baselines. */
interface Prepared {
  readonly cases: readonly Case[];
  readonly t: number;
}

const readLog = (path: string): LogEntry[] => (existsSync(path) ? parseLog<LogEntry>(readFileSync(path, 'utf8'), path) : []);

/**
 * The k-means context map of every case (Section V-B1, `kmeansContextLabels`):
 * one clustering of the first channel's normalised intensities inside the
 * body (`bodies`: `bodyMask` of each raw image) into t clusters ordered by intensity,
 * fitted over all cases on about 50,000 voxels; outside the body, sub-class 0
 * (the far background). Integer maps `[1, D, H, W]`, so that patches crop them.
 * Not part of the package API (tests import it from this module).
 * @internal
 */
export function clusteredContextMaps(k: Key, bodies: readonly NDArray[], norm: readonly Case[], t: number): NDArray[] {
  // Cases differ in shape: one clustering over all of them, on their voxels laid end to end.
  const sizes = norm.map((c) => c.image.shape.slice(1).reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const image = new Float64Array(total);
  const body = new Uint8Array(total);
  let at = 0;
  norm.forEach((c, ci) => {
    image.set(toTypedArray(c.image).subarray(0, sizes[ci]!), at);
    body.set(toTypedArray(bodies[ci]!), at);
    at += sizes[ci]!;
  });
  const inside = body.reduce((a, v) => a + v, 0);
  if (inside < t)
    throw new CliError('data', [
      `--method kmeans: ${inside} voxel(s) stand out of the background, too few for --t ${t} clusters; are the images constant? (fix: check the images, or pick --method colab or dilated)`,
    ]);
  const { labels } = kmeansContextLabels(array(image, [1, 1, total], 'float64'), array(body, [1, 1, total], 'uint8'), { t, seed: k, maxPoints: 50000 });
  const l = toTypedArray(labels);
  at = 0;
  return norm.map((c, ci) => {
    const m = array(Uint8Array.from(l.subarray(at, at + sizes[ci]!)), [1, ...c.image.shape.slice(1)], 'uint8');
    at += sizes[ci]!;
    return m;
  });
}

/** Opens and validates a dataset folder, reporting every problem (exit code 2). @category training */
export async function openOrFail(dir: string, requireContext = false): Promise<Dataset> {
  if (!existsSync(dir))
    throw new CliError('data', [
      `--data ${dir}: no such folder (fix: pass a Medical Segmentation Decathlon or nnU-Net v2 dataset folder, or run colab-ts demo to make one)`,
    ]);
  const r = await openDataset(dir, { requireContext })();
  if (E.isLeft(r))
    throw new CliError('data', [
      `${dir}: ${r.left.length} problem${r.left.length === 1 ? '' : 's'} with the dataset:`,
      ...r.left.map((i) => `  ${showIssue(i)}`),
    ]);
  return r.right;
}

/**
 * Loads the training cases of a dataset (every one, or those whose id is in `ids`, in the dataset's order; exit code
 * 2 when one cannot be read), with a progress bar on `io` when it takes a while.
 * @category training
 */
export async function loadOrFail(ds: Dataset, io?: Io, ids?: readonly string[]): Promise<Case[]> {
  const cases: Case[] = [];
  const infos = ids === undefined ? ds.training : ds.training.filter((c) => ids.includes(c.id));
  const bar = io === undefined ? undefined : lateProgress(io, `loading ${ds.name}`, infos.length, 'case');
  for (const info of infos) {
    const r = await loadCase(info)();
    if (E.isLeft(r)) throw new CliError('data', [r.left.message]);
    cases.push(r.right);
    bar?.update(cases.length);
  }
  bar?.finish();
  return cases;
}

const defaultPatch = (shape: readonly number[], stages: number): [number, number, number] => {
  const m = planeMultiple(stages);
  const fit = (s: number, cap: number): number => Math.max(m, Math.floor(Math.min(s, cap) / m) * m);
  return [Math.min(shape[0]!, 16), fit(shape[1]!, 64), fit(shape[2]!, 64)];
};

/**
 * The default margin m and temperature tau of the soft dilated mask (Eq. 8),
 * in mm: the paper's m = 30 and tau = 20 voxels (`colabDefaults`), scaled down
 * for images smaller than 256 voxels in-plane (by extent / 256; never up: the
 * paper's CT and MR grids are 240-512 voxels and use 30 and 20 as they are),
 * converted to mm with the finest in-plane spacing; at least 2 and 1 voxels.
 * Distances are measured in mm (with the case's spacing), so anisotropic
 * voxels count as what they measure.
 * @category training
 */
export function defaultMargin(
  spatial: readonly number[],
  spacing: readonly [number, number, number],
): { readonly margin: number; readonly temperature: number } {
  const extent = Math.max(spatial[1] ?? 1, spatial[2] ?? 1);
  const s = Math.min(spacing[1], spacing[2]);
  const scale = Math.min(extent, 256) / 256;
  const round = (v: number): number => Math.round(v * 100) / 100;
  return { margin: round(Math.max(2, colabDefaults.margin * scale) * s), temperature: round(Math.max(1, colabDefaults.temperature * scale) * s) };
}

/**
 * The default generator schedule for an iteration budget: an update every 5
 * iterations, the authors' (`colabDefaults.generatorEvery`; every `every` when given), and an Adam learning
 * rate of `3e-4 * sqrt(40000 / updates)` (`colabDefaults.generatorLr`; at most 1e-2), where 40,000 is
 * about the number of generator updates of the authors' runs. Short runs get
 * larger steps so that the generator moves within the budget (see
 * docs/results.md: E2, E3).
 * @category training
 */
export function defaultGeneratorSchedule(iterations: number, every?: number): { readonly generatorLr: number; readonly generatorEvery: number } {
  const generatorEvery = every ?? colabDefaults.generatorEvery;
  const updates = Math.max(1, Math.ceil(iterations / generatorEvery));
  return { generatorEvery, generatorLr: Math.min(1e-2, colabDefaults.generatorLr * Math.sqrt(40000 / updates)) };
}

/**
 * `train`'s default budget: the iterations at which CoLab pulled ahead of the plain U-Net on every
 * cohort measured (docs/results.md: the three demo cohorts at 4000, E9/E8b/E13, behind on one of
 * two at 2000, E8; the brain cohort behind at 1000, E5, ahead at 3000, E11); also `demo`'s.
 * @category config
 */
export const DEFAULT_ITERATIONS = 4000;

/**
 * How often `train` validates (and checkpoints) when `--val-every` is not given: twenty times
 * per run (every 200 of the default 4000 iterations; at least every iteration).
 * @example defaultValEvery(4000) // 200
 * @category config
 */
export const defaultValEvery = (iterations: number): number => Math.max(1, Math.round(iterations / 20));

/**
 * The default SGD schedule (Nesterov, poly decay) for an iteration budget:
 * nnU-Net's learning rate 0.01 with momentum 0.99 (`colabDefaults`) from 20,000 iterations on
 * (nnU-Net trains 250,000), and 0.05 with momentum 0.9 below. With 0.01 and
 * 0.99 a 3D U-Net on small lesions still predicts no ROI at all after 400
 * iterations (validation Dice 0), where 0.05 and 0.9 reach 0.22 at 200
 * (docs/results.md, E4); 0.05 and 0.9 is also the setting of the converged
 * 2D runs (E3).
 * @category training
 */
export function defaultSgdSchedule(iterations: number): { readonly lr: number; readonly momentum: number } {
  return iterations >= 20000 ? { lr: colabDefaults.lr, momentum: colabDefaults.momentum } : { lr: 0.05, momentum: 0.9 };
}

/** The dataset's path as config.json stores it: relative to the run folder where possible. @category training */
export const dataPathFromRun = (run: string, data: string): string => {
  const r = relative(resolve(run), resolve(data));
  return r === '' ? '.' : isAbsolute(r) ? resolve(data) : r;
};

/**
 * The context structures `--anatomy-classes` names (values of the context maps, or names from dataset.json's
 * `context_labels`), as map values in the order given; problems go to `issues`.
 * @example parseAnatomyClasses('liver', ds, cases, issues) // [1] for the phantoms' organ maps
 * @category training
 */
export function parseAnatomyClasses(spec: string, ds: Pick<Dataset, 'contextLabels'>, cases: readonly Case[], issues: string[]): number[] | undefined {
  const names = ds.contextLabels ?? {};
  const present = new Set<number>();
  for (const c of cases) if (c.context !== undefined) for (const v of toTypedArray(c.context)) present.add(v);
  const known = Object.entries(names)
    .map(([n, v]) => `${v} (${n})`)
    .join(', ');
  const out: number[] = [];
  for (const raw of spec.split(',')) {
    const s = raw.trim();
    const v = /^\d+$/.test(s) ? Number(s) : names[s];
    if (v === undefined) {
      issues.push(
        `--anatomy-classes ${spec}: ${JSON.stringify(s)} is neither a context map value nor a name in dataset.json's context_labels (fix: one of ${known === '' ? 'the values in contextTr' : known})`,
      );
      return undefined;
    }
    if (out.includes(v)) {
      issues.push(`--anatomy-classes ${spec}: the structure ${v} is named twice (fix: name each once)`);
      return undefined;
    }
    if (v === 0) {
      issues.push(`--anatomy-classes ${spec}: 0 is the rest of the background, where unnamed structures go (fix: name structures 1 and up)`);
      return undefined;
    }
    if (present.size > 0 && !present.has(v)) {
      issues.push(`--anatomy-classes ${spec}: no context map has the value ${v}, so its class would never be trained (fix: name a structure the maps hold)`);
      return undefined;
    }
    out.push(v);
  }
  return out;
}

/** The `--context-shares` of `--method fixed`: t numbers in [0, 1] summing to 1 (absent: 1/t each); problems go to `issues`. */
function parseContextShares(spec: string | undefined, t: number, issues: string[]): number[] | undefined {
  if (t < 2) {
    issues.push(`--method fixed needs --t >= 2 (fix: pass --t 2)`);
    return undefined;
  }
  if (spec === undefined) return Array.from({ length: t }, () => 1 / t);
  const shares = spec.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
  if (shares.length !== t) {
    issues.push(`--context-shares ${spec}: ${shares.length} share(s) for --t ${t} context classes (fix: pass --t ${shares.length}, or list ${t} shares)`);
    return undefined;
  }
  try {
    checkShares('--context-shares', shares);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    issues.push(
      `--context-shares ${spec}: ${e.message.replace(/^--context-shares: /, '')} (fix: e.g. --context-shares ${shares.map(() => (1 / t).toFixed(3)).join(',')})`,
    );
    return undefined;
  }
  return shares;
}

/** Resolves the run configuration from the options and the dataset (every problem at once). @category training */
export function resolveConfig(o: TrainOptions, ds: Dataset, cases: readonly Case[]): RunConfig {
  const issues: string[] = [];
  const labelValues = Object.values(ds.labels);
  const classes = Math.max(...labelValues) + 1;
  if (!(classes >= 2))
    issues.push(
      `dataset.json labels ${JSON.stringify(ds.labels)}: need a background and at least one ROI class (fix: declare labels like {"background": 0, "tumour": 1})`,
    );
  if (o.method === 'anatomy' && cases.some((c) => c.context === undefined))
    issues.push(`--method anatomy needs human-defined context labels for every case (fix: add contextTr/CASE.nii.gz maps, or pick --method colab)`);
  const anatomyClasses = o.anatomyClasses === undefined ? undefined : parseAnatomyClasses(o.anatomyClasses, ds, cases, issues);
  if (o.roiLoss !== undefined && o.method !== 'colab')
    issues.push(`--roi-loss sets CoLab's meta-objective, got --method ${o.method} (fix: pass --method colab, or drop --roi-loss)`);
  if (o.anatomyClasses !== undefined && o.method !== 'anatomy')
    issues.push(`--anatomy-classes selects human-defined context labels, got --method ${o.method} (fix: pass --method anatomy, or drop --anatomy-classes)`);
  if (o.spatialAugment === true && !o.augment)
    issues.push(`--spatial-augment adds rotation and scaling to the augmentation, got --no-augment (fix: drop --no-augment, or drop --spatial-augment)`);
  if (o.method === 'dilated' && o.t !== 2) issues.push(`--method dilated has t = 2 context classes, got --t ${o.t} (fix: pass --t 2)`);
  if (o.method === 'kmeans' && o.t < 2) issues.push(`--method kmeans needs --t >= 2 (fix: pass --t 2)`);
  if (o.contextShares !== undefined && o.method !== 'fixed')
    issues.push(`--context-shares sets the fixed context labels, got --method ${o.method} (fix: pass --method fixed, or drop --context-shares)`);
  const contextShares = o.method === 'fixed' ? parseContextShares(o.contextShares, o.t, issues) : undefined;
  const m = planeMultiple(o.stages);
  const patch = o.patch ?? defaultPatch(cases[0]!.image.shape.slice(1), o.stages);
  if (patch[1] % m !== 0 || patch[2] % m !== 0)
    issues.push(
      `--patch ${patch.join(',')}: H and W must be multiples of ${m} for --stages ${o.stages} (fix: pass e.g. --patch ${patch[0]},${Math.ceil(patch[1] / m) * m},${Math.ceil(patch[2] / m) * m})`,
    );
  if (o.deepSupervision === true && o.stages < 4)
    issues.push(
      `--deep-supervision needs --stages >= 4: with ${o.stages} stages the one lower-resolution output gets nnU-Net's weight 0, so the run would train exactly as without it (fix: pass --stages 4, or drop --deep-supervision)`,
    );
  if (issues.length > 0) throw new CliError('usage', issues);
  let t = o.t;
  if (o.method === 'anatomy') {
    let mx = 0;
    for (const c of cases) for (const v of toTypedArray(c.context!)) mx = Math.max(mx, v);
    t = anatomyClasses === undefined ? mx + 1 : anatomyClasses.length + 1;
  }
  const nVal = cases.length < 2 ? 0 : Math.min(cases.length - 1, Math.max(1, Math.round(o.valFraction * cases.length)));
  const ids = cases.map((c) => c.id);
  const isCT = ds.channelNames.some((n) => /^ct$/i.test(n.trim()));
  const train = ids.slice(0, ids.length - nVal);
  const trainCases = cases.filter((c) => train.includes(c.id));
  const normalization: Normalization = isCT
    ? { kind: 'ct', stats: ctStatistics(trainCases.map((c) => ({ image: c.image, mask: c.label }))) }
    : { kind: 'zscore' };
  const spacing = cases[0]!.spacing as [number, number, number];
  const geometry = defaultMargin(cases[0]!.image.shape.slice(1), spacing);
  const schedule = defaultGeneratorSchedule(o.iterations, o.generatorEvery);
  const sgdDefaults = defaultSgdSchedule(o.iterations);
  return {
    version: 1,
    // Relative to the run folder, so a run and its dataset move together (absolute when on another drive).
    data: dataPathFromRun(o.out, o.data),
    method: o.method,
    t,
    classes,
    inChannels: cases[0]!.image.shape[0]!,
    iterations: o.iterations,
    batchSize: o.batchSize,
    patch: [patch[0], patch[1], patch[2]],
    seed: o.seed,
    lr: o.lr ?? sgdDefaults.lr,
    momentum: o.momentum ?? sgdDefaults.momentum,
    generatorLr: o.generatorLr ?? schedule.generatorLr,
    generatorEvery: schedule.generatorEvery,
    margin: o.margin ?? geometry.margin,
    temperature: o.temperature ?? geometry.temperature,
    features: o.features,
    stages: o.stages,
    roiShare: o.roiShare,
    augment: o.augment,
    // recorded only when on, so that the config.json of a run without it reads as before
    ...(o.spatialAugment === true ? { spatialAugment: true } : {}),
    valEvery: o.valEvery ?? defaultValEvery(o.iterations),
    deepSupervision: o.deepSupervision === true,
    // recorded only when set, so that the config.json of a run without it reads as before
    ...(o.generatorAverage !== undefined && o.generatorAverage > 0 ? { generatorAverage: o.generatorAverage } : {}),
    ...(o.generatorBalance !== undefined && o.generatorBalance > 0 && o.method === 'colab' ? { generatorBalance: o.generatorBalance } : {}),
    ...(o.generatorConfidence !== undefined && o.generatorConfidence > 0 && o.method === 'colab' ? { generatorConfidence: o.generatorConfidence } : {}),
    ...(o.roiLoss !== undefined && o.method === 'colab' ? { roiLoss: o.roiLoss } : {}),
    background: o.background ?? 'uniform',
    ...(anatomyClasses !== undefined && o.method === 'anatomy' ? { anatomyClasses } : {}),
    ...(contextShares !== undefined ? { contextShares } : {}),
    trainCases: train,
    valCases: ids.slice(ids.length - nVal),
    normalization,
    spacing,
    labels: ds.labels,
  };
}

const segApply = (p: UNetParams<Tensor>, x: Tensor): Tensor | Tensor[] => unetApply(p, x);

/**
 * The sliding-window overlap of the validation rounds: nnU-Net's 0.5 while a round's windows (summed over the
 * validation cases) cost at most half the training between two rounds, counting a window as a twelfth of a
 * training step (one forward pass of one patch, against forward and backward passes of `batchSize` patches);
 * tiles (overlap 0, about 8x fewer windows in 3D) beyond that, so that large volumes (a Decathlon CT at
 * 512 x 512 in-plane) do not turn training into validation. Test predictions always use 0.5.
 * @example validationOverlap([[20, 64, 56]], { patch: [16, 64, 56], valEvery: 200, batchSize: 4 }) // 0.5
 * @category training
 */
export function validationOverlap(
  shapes: readonly (readonly number[])[],
  cfg: Pick<RunConfig, 'patch' | 'valEvery' | 'batchSize'>,
): { readonly overlap: number; readonly windows: number; readonly windowsAtHalf: number; readonly budget: number } {
  const windowsAt = (overlap: number): number =>
    shapes.reduce((s, sh) => s + cfg.patch.reduce((p, k, a) => p * windowStarts(Math.max(sh[a]!, k), k, overlap).length, 1), 0);
  const budget = (cfg.valEvery * cfg.batchSize * 12) / 2;
  const windowsAtHalf = windowsAt(0.5);
  return windowsAtHalf <= budget
    ? { overlap: 0.5, windows: windowsAtHalf, windowsAtHalf, budget }
    : { overlap: 0, windows: windowsAt(0), windowsAtHalf, budget };
}

/** Mean Dice over the validation cases (ROI = every non-zero label), windows overlapping by `overlap` (default 0.5). @category training */
export async function validate(theta: unknown, cfg: RunConfig, cases: readonly Case[], backend?: AnyBackend, overlap = 0.5): Promise<number> {
  if (cases.length === 0) return Number.NaN;
  let s = 0;
  for (const c of cases) {
    const logits = await predictLogits(theta, c.image, cfg.patch, { backend, overlap });
    const pred = labelsOf(logits, cfg.classes);
    const d = dice(confusion(pred, array(toTypedArray(c.label), c.label.shape.slice(1), c.label.dtype)));
    s += Number.isNaN(d) ? 1 : d; // both empty: a perfect match
  }
  return s / cases.length;
}

/**
 * How well the generator's context labels follow the true tissues: the
 * normalised mutual information between the argmax of the generator's `t`
 * outputs and the case's context map (`contextTr`), over the background
 * voxels near the ROI (M > 1/2), pooled over the cases. NaN when no case
 * has a context map or ROI.
 * @category training
 */
export async function contextAgreement(omega: unknown, cfg: RunConfig, cases: readonly Case[], backend?: AnyBackend, overlap = 0.5): Promise<number> {
  const withContext = cases.filter((c) => c.context !== undefined && c.weight !== undefined);
  if (withContext.length === 0) return Number.NaN;
  const a: number[] = [];
  const b: number[] = [];
  for (const c of withContext) {
    if (!toTypedArray(c.label).some((v) => v !== 0)) continue;
    const q = contextMapOf(await predictLogits(omega, c.image, cfg.patch, { backend, overlap }), 0);
    const lab = toTypedArray(c.label);
    const ctx = toTypedArray(c.context!);
    const M = toTypedArray(c.weight!);
    const g = toTypedArray(q);
    for (let i = 0; i < lab.length; i++)
      if (lab[i] === 0 && M[i]! > 0.5) {
        a.push(g[i]!);
        b.push(ctx[i]!);
      }
  }
  if (a.length === 0) return Number.NaN;
  return normalizedMutualInformation(array(Int32Array.from(a), [a.length], 'int32'), array(Int32Array.from(b), [b.length], 'int32'));
}

/**
 * Where the figures predict a case: the slab of `depth` slices (at most the volume's) centred on the slice with the
 * most ROI, which Fig. 8 shows. The image `[C, d, H, W]` cropped to it and the truth `[d, H, W]`. Predicting a slab
 * instead of the whole volume costs a tenth of the windows on a 90 x 512 x 512 CT.
 * @category figures
 */
export function figureSlab(image: NDArray, label: NDArray, depth: number): { readonly image: NDArray; readonly truth: NDArray } {
  const [D, H, W] = image.shape.slice(1) as [number, number, number];
  const d = Math.min(depth, D);
  const d0 = Math.min(Math.max(0, bestSlice(array(toTypedArray(label), [D, H, W], label.dtype)) - Math.floor(d / 2)), D - d);
  const box = { start: [d0, 0, 0], stop: [d0 + d, H, W] } as const;
  return { image: cropBox(image, box), truth: array(toTypedArray(cropBox(label, box)), [d, H, W], label.dtype) };
}

/** The first channel of a `[C, D, H, W]` image as `[D, H, W]` float32 (what the figures draw). @category figures */
export function firstChannel(image: NDArray): NDArray {
  const spatial = image.shape.slice(1);
  return array(
    Float32Array.from(
      toTypedArray(image).subarray(
        0,
        spatial.reduce((p, q) => p * q, 1),
      ),
    ),
    spatial,
    'float32',
  );
}

/**
 * The cases as training sees them: each image normalised, with its soft dilated mask M (Eq. 8, on the whole volume,
 * distances in mm; patches carry their crop of it) for the methods with constrained labels and its k-means context
 * map for `kmeans`. Takes the raw cases out of `raw` one by one (the entries become `undefined`), so that only one
 * copy of the images is held at a time (a Decathlon CT is about 94 MB per copy).
 */
function prepareCases(raw: (Case | undefined)[], cfg: RunConfig, root: Key, io: Io): Prepared {
  const constrained = cfg.method === 'colab' || cfg.method === 'dilated' || cfg.method === 'kmeans' || cfg.method === 'fixed';
  // k-means clusters inside the body, which is found on the raw intensities.
  const bodies = cfg.method === 'kmeans' ? raw.map((c) => bodyMask(c!.image)) : undefined;
  const maskBar = constrained ? lateProgress(io, 'distance maps', raw.length, 'case') : undefined;
  const cases: Case[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    raw[i] = undefined;
    const image = normalizeImage(c.image, cfg.normalization);
    if (!constrained) {
      cases.push({ ...c, image });
      continue;
    }
    cases.push({ ...c, image, weight: caseDilatedMask(c.label, { margin: cfg.margin, temperature: cfg.temperature, spacing: c.spacing }) });
    maskBar?.update(i + 1);
  }
  maskBar?.finish();
  if (bodies === undefined) return { cases, t: cfg.t };
  const maps = clusteredContextMaps(foldIn(root, STREAM.kmeans), bodies, cases, cfg.t);
  return { cases: cases.map((c, i) => ({ ...c, context: maps[i] })), t: cfg.t };
}

/** context.svg and context.png: slices of up to four cases with the truth, the prediction and the model's context labels (Fig. 8), predicted on `figureSlab`s. */
async function contextFigure(
  theta: unknown,
  cfg: RunConfig,
  cases: readonly Case[],
  backend?: AnyBackend,
): Promise<{ readonly svg: string; readonly png: Uint8Array }> {
  const rows: OverlayCase[] = [];
  for (const c of cases.slice(0, 4)) {
    const slab = figureSlab(c.image, c.label, cfg.patch[0]);
    const lg = await predictLogits(theta, slab.image, cfg.patch, { backend });
    rows.push({
      id: c.id,
      image: firstChannel(slab.image),
      truth: slab.truth,
      predictions: [{ name: cfg.method.toUpperCase(), labels: labelsOf(lg, cfg.classes) }],
      context: { name: 'context labels', labels: contextMapOf(lg, cfg.classes - 1) },
    });
  }
  return { svg: overlaySvg(rows), png: overlayFigure(rows) };
}

/**
 * Trains one method and keeps the run folder up to date. Resolves with
 * `status: 'interrupted'` (after saving latest.ckpt) when `signal` aborts.
 * The run folder is locked while it trains (a second run into it is refused).
 * @category training
 */
export const train = (o: TrainOptions, io: Io, signal?: AbortSignal): Promise<TrainResult> => withRunLock(o.out, () => trainLocked(o, io, signal));

async function trainLocked(o: TrainOptions, io: Io, signal?: AbortSignal): Promise<TrainResult> {
  const t0 = performance.now();
  const runDir = resolve(o.out);
  const configPath = join(runDir, 'config.json');
  const latestPath = join(runDir, 'latest.ckpt');
  const bestPath = join(runDir, 'best.ckpt');
  const logPath = join(runDir, 'log.jsonl');
  if (o.resume && !existsSync(latestPath))
    throw new CliError('usage', [`--resume: ${latestPath} does not exist (fix: drop --resume to start a new run, or point --out at an interrupted run)`]);
  if (!o.resume && existsSync(latestPath))
    throw new CliError('usage', [`--out ${o.out} already holds a run (fix: pass --resume to continue it, or choose another --out)`]);
  const ds = await openOrFail(o.data, o.method === 'anatomy');
  const raw: (Case | undefined)[] = await loadOrFail(ds, io, o.caseIds);
  if (raw.length === 0) throw new CliError('data', [`${o.data}: the dataset has no training cases (fix: list cases under "training" in dataset.json)`]);
  const saved = o.resume ? readRunConfig(configPath, 'restore config.json, or start a new --out without --resume') : undefined;
  // Settings derived from the budget keep their saved values on --resume (more iterations must not change them).
  const derived =
    saved === undefined
      ? {}
      : {
          margin: o.margin ?? saved.margin,
          temperature: o.temperature ?? saved.temperature,
          generatorLr: o.generatorLr ?? saved.generatorLr,
          generatorEvery: o.generatorEvery ?? saved.generatorEvery,
          generatorAverage: o.generatorAverage ?? saved.generatorAverage,
          generatorBalance: o.generatorBalance ?? saved.generatorBalance,
          generatorConfidence: o.generatorConfidence ?? saved.generatorConfidence,
          roiLoss: o.roiLoss ?? saved.roiLoss,
          contextShares: o.contextShares ?? saved.contextShares?.join(','),
          lr: o.lr ?? saved.lr,
          momentum: o.momentum ?? saved.momentum,
          valEvery: o.valEvery ?? saved.valEvery,
        };
  let cfg = resolveConfig({ ...o, ...derived }, ds, raw as Case[]);
  if (saved !== undefined) {
    const diff = configDifferences(saved, cfg);
    if (diff.length > 0) throw new CliError('usage', diff);
    cfg = { ...saved, iterations: o.iterations };
  }
  writeAtomicSync(configPath, `${JSON.stringify(cfg, null, 2)}\n`);

  const root = key(cfg.seed);
  const prepared = prepareCases(raw, cfg, root, io);
  const trainCases = prepared.cases.filter((c) => cfg.trainCases.includes(c.id));
  const valCases = prepared.cases.filter((c) => cfg.valCases.includes(c.id));

  const outC = segOutputs(cfg);
  // The run's settings go to the step under the library's names (colabStepSettings), with the backend it runs on.
  const settings = { ...colabStepSettings(cfg), seg: segApply as never, backend: o.backend };
  const cStep = cfg.method === 'colab' ? colabStep({ ...settings, gen: segApply as never }) : undefined;
  const sStep = cfg.method === 'colab' ? undefined : segmentationStep(settings);

  let state: ColabState | SegmentationState;
  let bestDice = -Infinity;
  let bestStep = 0;
  let valDice: number[] = [];
  let log: LogEntry[] = [];
  if (o.resume) {
    const ck = readCheckpoint(latestPath, `copy best.ckpt over latest.ckpt to resume from the best step, or start a new --out without --resume`) as Checkpoint;
    state = ck.state;
    bestDice = ck.bestDice;
    bestStep = ck.bestStep;
    valDice = [...ck.valDice];
    log = readLog(logPath).filter((e) => (e.type === 'train' ? e.step <= ck.step : e.step <= ck.step));
  } else {
    const theta = unetInit(foldIn(root, STREAM.theta), unetConfigFor(cfg, outC, cfg.deepSupervision === true));
    state = cfg.method === 'colab' ? colabInit(theta, unetInit(foldIn(root, STREAM.omega), unetConfigFor(cfg, cfg.t))) : segmentationInit(theta);
  }
  writeAtomicSync(logPath, log.map((e) => `${JSON.stringify(e)}\n`).join(''));
  const appendLog = (e: LogEntry): void => {
    log.push(e);
    appendFileSync(logPath, `${JSON.stringify(e)}\n`);
  };
  const checkpoint = (): Checkpoint => ({
    version: 1,
    method: cfg.method,
    step: state.iteration,
    key: root.words,
    state,
    bestDice,
    bestStep,
    valDice,
    config: cfg,
  });
  const drawProgress = (): void => {
    const entries = log.filter((e): e is Exclude<LogEntry, { type: 'gen' }> => e.type !== 'gen');
    writeAtomicSync(join(runDir, 'progress.svg'), progressSvg(entries));
    writeAtomicSync(join(runDir, 'progress.png'), progressFigure(entries));
  };

  const plan = validationOverlap(
    valCases.map((c) => c.image.shape.slice(1)),
    cfg,
  );
  if (plan.overlap !== 0.5)
    io.stderr(
      `colab-ts train: validating with tiles (overlap 0: ${plan.windows} windows a round) instead of nnU-Net's overlap of 0.5 (${plan.windowsAtHalf} windows), which would cost more than half the ${cfg.valEvery} training iterations between rounds (about ${plan.budget} windows' worth); test predictions still use 0.5 (fix: a smaller --val-fraction or a larger --val-every validates at 0.5)\n`,
    );
  const bar = o.quiet === true ? undefined : progress(io, `train ${cfg.method}`, cfg.iterations, 'it', state.iteration);
  const runValidation = async (): Promise<void> => {
    const d = await validate(state.theta, cfg, valCases, o.backend, plan.overlap);
    valDice.push(d);
    const w = valDice.slice(-5);
    const nmi = cfg.method === 'colab' ? await contextAgreement(labelGenerator(state as ColabState), cfg, valCases, o.backend, plan.overlap) : Number.NaN;
    appendLog({
      type: 'val',
      step: state.iteration,
      dice: d,
      diceMA: w.reduce((a, b) => a + b, 0) / w.length,
      ...(Number.isNaN(nmi) ? {} : { contextNmi: nmi }),
    });
    if (Number.isFinite(d) && d > bestDice) {
      bestDice = d;
      bestStep = state.iteration;
      saveCheckpoint(bestPath, checkpoint());
    }
    drawProgress();
  };

  const spatial = cfg.augment && cfg.spatialAugment === true;
  const spatialBorder = augmentSourceShape(cfg.patch).map((v, a) => (v - cfg.patch[a]!) / 2);
  let last = '';
  while (state.iteration < cfg.iterations) {
    // Let the event loop deliver signals (Ctrl-C) and timers: the reference backend never yields on its own.
    await new Promise<void>((r) => setImmediate(r));
    if (signal?.aborted === true) {
      saveCheckpoint(latestPath, checkpoint());
      bar?.finish(`interrupted at step ${state.iteration}; checkpoint saved`, state.iteration);
      drawProgress();
      return { status: 'interrupted', step: state.iteration, bestDice, bestStep, runDir, seconds: (performance.now() - t0) / 1000 };
    }
    const step = state.iteration;
    const kStep = foldIn(foldIn(root, STREAM.batch), step);
    let batch = sampleBatch(foldIn(kStep, 0), trainCases, {
      patchSize: cfg.patch,
      batchSize: cfg.batchSize,
      roiShare: cfg.roiShare,
      background: cfg.background ?? 'uniform',
      ...(spatial ? { border: spatialBorder } : {}),
    });
    // Rotation and scaling read a larger patch and keep its centre (nnU-Net), so no corner is zero-filled.
    if (cfg.augment) batch = augment(foldIn(kStep, 1), batch, spatial ? { outShape: cfg.patch } : { rotation: false, scaling: false });
    const x = batch.image;
    const y = roiOneHot(batch.label, cfg.classes);
    let loss: number;
    let roi: number | undefined;
    let lr: number;
    const M = batch.weight;
    if (cStep !== undefined) {
      const r = await cStep(state as ColabState, { x, y, M });
      state = r.state;
      loss = r.metrics.segLoss;
      roi = r.metrics.roiLoss;
      lr = r.metrics.lr;
      if (r.metrics.generatorUpdated) {
        const m = r.metrics;
        appendLog({
          type: 'gen',
          step: state.iteration,
          contextEntropy: m.contextEntropy,
          contextShares: m.contextShares,
          contextFlips: Number.isFinite(m.contextFlips) ? m.contextFlips : null,
          metaGradNorm: m.metaGradNorm,
          generatorChange: m.generatorChange,
          roiLossAfterInner: m.roiLossAfterInner,
          generatorLr: m.generatorLr,
        });
      }
    } else {
      let target: NDArray = y;
      if (cfg.method !== 'baseline') {
        // Context probabilities q from the library's baselines: [1 - M, M] (dilated), the shares at every voxel (fixed), or the one-hot of the case's context map (anatomy, k-means).
        const q =
          cfg.method === 'dilated'
            ? dilatedMaskContextLabels(M!)
            : cfg.method === 'fixed'
              ? constantContextLabels(M!, cfg.contextShares!)
              : anatomyContextLabels(batch.context!, { t: cfg.t, ...(cfg.anatomyClasses === undefined ? {} : { keep: cfg.anatomyClasses }) });
        const yTilde = aggregateLabels(tensor(y), tensor(q));
        target = await realize(cfg.method === 'anatomy' ? yTilde : distanceConstrainedLabels(yTilde, tensor(M!), { roiClasses: cfg.classes - 1 }), {
          backend: o.backend,
        });
      }
      const r = await sStep!(state as SegmentationState, { x, target });
      state = r.state;
      loss = r.metrics.loss;
      lr = r.metrics.lr;
    }
    assertFinite({
      step: state.iteration,
      loss,
      state,
      lr: cfg.lr,
      kept: () =>
        existsSync(latestPath)
          ? `latest.ckpt, step ${(loadCheckpoint(latestPath) as Checkpoint).step}, is the last finite checkpoint`
          : 'no checkpoint was written',
    });
    appendLog({ type: 'train', step: state.iteration, loss, ...(roi === undefined ? {} : { roiLoss: roi }), lr, seconds: (performance.now() - t0) / 1000 });
    const done = state.iteration;
    if (done % cfg.valEvery === 0 || done === cfg.iterations) {
      await runValidation();
      saveCheckpoint(latestPath, checkpoint());
    }
    last = `loss ${loss.toFixed(3)}${valDice.length > 0 ? ` val dice ${valDice[valDice.length - 1]!.toFixed(3)}` : ''}`;
    bar?.update(done, last);
    o.onStep?.(done);
  }
  if (!existsSync(latestPath) || (loadCheckpoint(latestPath) as Checkpoint).step !== state.iteration) saveCheckpoint(latestPath, checkpoint());
  if (!existsSync(bestPath)) saveCheckpoint(bestPath, checkpoint());
  drawProgress();
  if (cfg.method !== 'baseline') {
    const fig = await contextFigure(state.theta, cfg, valCases.length > 0 ? valCases : trainCases, o.backend);
    writeAtomicSync(join(runDir, 'context.svg'), fig.svg);
    writeAtomicSync(join(runDir, 'context.png'), fig.png);
  }
  bar?.finish(last);
  if (cfg.method === 'colab') {
    const gens = log.filter((e) => e.type === 'gen');
    const collapse = generatorCollapse(gens);
    if (collapse !== undefined)
      io.stderr(`colab-ts train: ${collapseText(collapse)}; log.jsonl's gen lines hold the shares (docs/colab.md, "When the generator collapses")\n`);
    const checkerboard = checkerboardText(gens);
    if (checkerboard !== undefined)
      io.stderr(`colab-ts train: ${checkerboard}; log.jsonl's gen lines hold contextFlips (docs/colab.md, "When the generator collapses")\n`);
  }
  return { status: 'done', step: state.iteration, bestDice, bestStep, runDir, seconds: (performance.now() - t0) / 1000 };
}

/** The parameters of a run (best.ckpt, else latest.ckpt) and its configuration. @category training */
export function loadRun(dir: string, which: 'best' | 'latest' = 'best'): { readonly cfg: RunConfig; readonly ck: Checkpoint } {
  const cfgPath = join(dir, 'config.json');
  const fix = 'point --run at a folder written by colab-ts train';
  if (!existsSync(cfgPath)) throw new CliError('usage', [`--run ${dir}: no config.json (fix: ${fix})`]);
  const cfg = readRunConfig(cfgPath, fix);
  const path = [join(dir, `${which}.ckpt`), join(dir, 'latest.ckpt')].find(existsSync);
  if (path === undefined) throw new CliError('usage', [`--run ${dir}: no checkpoint (fix: train first with colab-ts train --out ${dir})`]);
  return { cfg, ck: readCheckpoint(path, fix) as Checkpoint };
}

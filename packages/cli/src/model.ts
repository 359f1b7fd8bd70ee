/**
 * The run configuration (what `train` resolves and writes as config.json,
 * and what `predict` reads back), the U-Net built from it, preprocessing and
 * whole-volume inference with the sliding window.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { realize, tensor } from '@colab-ts/autodiff';
import type { ColabConfig, ColabConfigInput, RoiLossKind } from '@colab-ts/colab';
import { predictRoi } from '@colab-ts/colab';
import type { IntensityStats } from '@colab-ts/data';
import type { AnyBackend } from '@colab-ts/kernels';
import { normalizeCT, slidingWindow, zScore } from '@colab-ts/data';
import type { NDArray } from '@colab-ts/ndarray';
import { array, expandDims, reshape, toTypedArray } from '@colab-ts/ndarray';
import type { UNetConfig, UNetParams } from '@colab-ts/nn';
import { toTensors, unetApply } from '@colab-ts/nn';

/** Training methods: no context labels, CoLab, the context-label baselines of Section V-B, and constant context labels (`fixed`, an ablation). @category config */
export const METHODS = ['baseline', 'colab', 'kmeans', 'dilated', 'anatomy', 'fixed'] as const;
/** A training method. @category config */
export type Method = (typeof METHODS)[number];

/** How images are normalised: CT (clip to foreground percentiles, z-score with foreground statistics) or per-image z-score. @category config */
export type Normalization = { readonly kind: 'ct'; readonly stats: IntensityStats } | { readonly kind: 'zscore' };

/**
 * The settings a run shares with `colabStep`, under the names and types of
 * `ColabConfig` (config.json keeps them as they are; `colabStepSettings`
 * passes them on).
 * @category config
 */
export type ColabRunSettings = Pick<ColabConfig, (typeof COLAB_RUN_SETTINGS)[number]>;

/** The names of `ColabRunSettings`. @category config */
export const COLAB_RUN_SETTINGS = ['margin', 'temperature', 'generatorEvery', 'generatorLr', 'lr', 'momentum'] as const;

/** Training hyperparameters of a run's config.json (the `train` flags, resolved). @category config */
export interface Hyperparameters extends ColabRunSettings {
  /** Context classes t (the segmentation model has `c - 1 + t` outputs; the baseline has `c`). */
  readonly t: number;
  readonly iterations: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly features: number;
  readonly stages: number;
  readonly roiShare: number;
  readonly augment: boolean;
  /** Rotation and scaling too (nnU-Net's, p 0.2 each; absent: off). */
  readonly spatialAugment?: boolean | undefined;
  readonly valEvery: number;
  /** Deep supervision of the segmentation model (nnU-Net's weights; default false). */
  readonly deepSupervision?: boolean | undefined;
  /** CoLab: the decay of the generator's weight average that makes the labels (`ColabConfig.generatorAverage`; absent: 0, off). */
  readonly generatorAverage?: number | undefined;
  /** CoLab: the weight of MAXL's term against a collapsing generator (`ColabConfig.generatorBalance`; absent: 0, off). */
  readonly generatorBalance?: number | undefined;
  /** CoLab: the weight of the term for confident context labels (`ColabConfig.generatorConfidence`; absent: 0, off). */
  readonly generatorConfidence?: number | undefined;
  /** CoLab: L_c of the meta-objective L_ROI (`ColabConfig.roiLoss`; absent: 'bce'). */
  readonly roiLoss?: RoiLossKind | undefined;
  /** Where non-ROI training patches are centred: anywhere (`uniform`, default) or on the body (`body`). */
  readonly background?: 'uniform' | 'body' | undefined;
  /** Anatomy: the context map values that keep a sub-class of their own, in order (absent: every value). */
  readonly anatomyClasses?: readonly number[] | undefined;
  /** Fixed: the context sub-classes' shares at every voxel (`constantContextLabels`), t numbers summing to 1. */
  readonly contextShares?: readonly number[] | undefined;
}

/** A run's resolved configuration (config.json). @category config */
export interface RunConfig extends Hyperparameters {
  readonly version: 1;
  readonly data: string;
  readonly method: Method;
  /** Classes of the task with the background, c. */
  readonly classes: number;
  readonly inChannels: number;
  readonly patch: readonly [number, number, number];
  readonly trainCases: readonly string[];
  readonly valCases: readonly string[];
  readonly normalization: Normalization;
  readonly spacing: readonly [number, number, number];
  readonly labels: Readonly<Record<string, number>>;
}

/**
 * The settings of `colabStep` (and `segmentationStep`) a run's configuration
 * gives: its `ColabRunSettings` as they are, and the three it names after
 * its flags (`t` is `contextClasses`, `iterations` is `totalIterations`,
 * `classes - 1` is `roiClasses`). The one place a run's names meet the
 * library's.
 * @category config
 */
export const colabStepSettings = (
  cfg: Pick<
    RunConfig,
    keyof ColabRunSettings | 't' | 'iterations' | 'classes' | 'deepSupervision' | 'generatorAverage' | 'generatorBalance' | 'generatorConfidence' | 'roiLoss'
  >,
): Required<
  Pick<
    ColabConfigInput,
    | keyof ColabRunSettings
    | 'contextClasses'
    | 'totalIterations'
    | 'roiClasses'
    | 'deepSupervision'
    | 'generatorAverage'
    | 'generatorBalance'
    | 'generatorConfidence'
    | 'roiLoss'
  >
> => ({
  ...(Object.fromEntries(COLAB_RUN_SETTINGS.map((k) => [k, cfg[k]])) as ColabRunSettings),
  contextClasses: cfg.t,
  totalIterations: cfg.iterations,
  roiClasses: cfg.classes - 1,
  deepSupervision: cfg.deepSupervision === true,
  generatorAverage: cfg.generatorAverage ?? 0,
  generatorBalance: cfg.generatorBalance ?? 0,
  generatorConfidence: cfg.generatorConfidence ?? 0,
  roiLoss: cfg.roiLoss ?? 'bce',
});

/** Outputs of the segmentation model: `c` for the baseline, `c - 1 + t` with context labels. @category config */
export const segOutputs = (c: Pick<RunConfig, 'method' | 't' | 'classes'>): number => (c.method === 'baseline' ? c.classes : c.classes - 1 + c.t);

/**
 * An nnU-Net-style U-Net for a patch: `stages` resolution levels, in-plane
 * 3x3 kernels with stride 2, and through-plane kernels and strides only
 * while the patch is deep enough (so `D = 1` patches give a 2D-like net).
 * @category config
 */
export function unetConfigFor(
  c: Pick<RunConfig, 'patch' | 'features' | 'stages' | 'inChannels'>,
  outChannels: number,
  deepSupervision = false,
): UNetConfig<boolean> {
  const [pd] = c.patch;
  let depth = pd;
  const stages = Array.from({ length: c.stages }, (_, s) => {
    const kd = depth >= 3 ? 3 : 1;
    const sd = s > 0 && depth >= 4 && depth % 2 === 0 ? 2 : 1;
    if (s > 0) depth = depth / sd;
    return { kernel: [kd, 3, 3] as const, stride: (s === 0 ? [1, 1, 1] : [sd, 2, 2]) as readonly [number, number, number] };
  });
  return {
    inChannels: c.inChannels,
    outChannels,
    stages,
    baseFeatures: c.features,
    maxFeatures: c.features * 8,
    ...(deepSupervision ? { deepSupervision: true } : {}),
  };
}

/** The in-plane size a patch must be a multiple of: `2^(stages - 1)`. @category config */
export const planeMultiple = (stages: number): number => 2 ** (stages - 1);

/** Normalises a `[C, D, H, W]` image as the run was trained. @category preprocessing */
export const normalizeImage = (image: NDArray, n: Normalization): NDArray => (n.kind === 'ct' ? normalizeCT(image, n.stats) : zScore(image));

/** A model as a function of realized arrays: `[n, C, ...]` in, logits `[n, K, ...]` out. @category inference */
export const modelFn =
  (theta: unknown, backend?: AnyBackend) =>
  async (x: NDArray): Promise<NDArray> => {
    // Deep-supervision params give one output per level: inference uses the full-resolution one.
    const out = unetApply(toTensors(theta as UNetParams<NDArray>) as unknown as UNetParams<Tensor>, tensor(x)) as Tensor | Tensor[];
    return realize(Array.isArray(out) ? out[0]! : out, { backend });
  };

/**
 * The logits `[K, D, H, W]` of a normalised `[C, D, H, W]` image by
 * sliding-window inference (50% overlap, Gaussian weighting), on
 * `options.backend` (default: the kernels registry's).
 * @category inference
 */
export async function predictLogits(
  theta: unknown,
  image: NDArray,
  patch: readonly [number, number, number],
  options: {
    readonly mirror?: boolean;
    readonly onProgress?: (done: number, total: number) => void;
    readonly backend?: AnyBackend | undefined;
    /** Overlap of neighbouring windows (default 0.5, nnU-Net's; 0: tiles). */
    readonly overlap?: number;
  } = {},
): Promise<NDArray> {
  return slidingWindow(modelFn(theta, options.backend), image, {
    patchSize: patch,
    overlap: options.overlap ?? 0.5,
    batchSize: 4,
    mirror: options.mirror ?? false,
    ...(options.onProgress === undefined ? {} : { onProgress: (p: { done: number; total: number }) => options.onProgress!(p.done, p.total) }),
  });
}

/** How `predict` turns the `c - 1 + t` outputs into labels (`predictRoi`'s rules). @category inference */
export type PredictRule = 'argmax' | 'roi-vs-summed-background';

/** The label map `[D, H, W]` (0 background, k for ROI class k) of logits `[K, D, H, W]`, by `rule` (default: the authors' argmax). @category inference */
export function labelsOf(logits: NDArray, classes: number, rule: PredictRule = 'argmax'): NDArray {
  const lab = predictRoi(expandDims(logits, 0), classes, { rule });
  return reshape(lab, logits.shape.slice(1));
}

/**
 * The context label map `[D, H, W]` of logits `[K, D, H, W]` whose channels
 * `roiClasses ..` are background sub-classes (Fig. 8): the argmax over all
 * channels, shown as sub-class index (0 = far background, also where a ROI
 * class wins). `roiClasses = 0` reads a task generator's `t` outputs.
 * @category inference
 */
export function contextMapOf(logits: NDArray, roiClasses: number): NDArray {
  const z = toTypedArray(logits);
  const K = logits.shape[0]!;
  const n = z.length / K;
  const m = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    let b = 0;
    for (let k = 1; k < K; k++) if (z[k * n + v]! > z[b * n + v]!) b = k;
    m[v] = b >= roiClasses ? b - roiClasses : 0;
  }
  return array(m, logits.shape.slice(1), 'uint8');
}

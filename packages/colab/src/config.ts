/**
 * The configuration of a CoLab training step, decoded at the boundary into an
 * `Either` (fp-ts) so that every problem is reported at once. Defaults follow
 * the paper and the authors' published settings.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import type { AnyBackend } from '@colab-ts/kernels';
import { ValueError } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import * as RA from 'fp-ts/lib/ReadonlyArray.js';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { MetaGradientMode } from './metaGradient.js';
import { metaGradientModes } from './metaGradient.js';
import type { RoiLossKind } from './losses.js';
import { roiLossKinds } from './losses.js';

/** One problem with a configuration: where, and what. @category config */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A model: parameters (a tree of tensors) and an image `[N, C_in, ...]` to logits. The
 * parameter type is `never` so that any model function fits (`unetApply`, your own).
 * @example colabStep({ seg: unetApply, gen: unetApply })
 * @category config
 */
export type ModelFn = (params: never, x: Tensor) => Tensor | readonly Tensor[];

/**
 * What `colabStep` takes: the two models and optional settings (defaults in brackets).
 * @category config
 */
export interface ColabConfigInput {
  /** The segmentation model f~_theta: `(theta, x) -> [N, c - 1 + t, ...]` logits. */
  readonly seg: ModelFn;
  /** The task generator g_w: `(omega, x) -> [N, t, ...]` logits. */
  readonly gen: ModelFn;
  /** Training iterations, for the poly learning-rate decay [1000]. */
  readonly totalIterations?: number;
  /** Number of ROI classes, `c - 1` [1]. */
  readonly roiClasses?: number;
  /** Context classes t (checked against the generator's output) [2]. */
  readonly contextClasses?: number;
  /** Margin m of Eq. 8, in voxels (or mm with `spacing`) [30]. */
  readonly margin?: number;
  /** Temperature tau of Eq. 8 [20]. */
  readonly temperature?: number;
  /** Voxel spacing for the distance map (default: distances in voxels). */
  readonly spacing?: number | readonly [number, number, number];
  /** Generator update every this many iterations (Algorithm 1, step 9) [5]. */
  readonly generatorEvery?: number;
  /** Segmentation SGD learning rate [1e-2], poly-decayed. */
  readonly lr?: number;
  /** Nesterov momentum [0.99]. */
  readonly momentum?: number;
  /** L2 weight decay of theta [3e-5]. */
  readonly weightDecay?: number;
  /** Exponent of the poly decay [0.9]. */
  readonly polyExponent?: number;
  /** Inner step alpha of Eq. 13 [theta's current learning rate]. */
  readonly alpha?: number;
  /** Adam learning rate of the generator [3e-4], poly-decayed over the generator updates. */
  readonly generatorLr?: number;
  /**
   * Polyak (exponential moving) average of the generator's weights for the labels [0: off]: with
   * a decay d > 0 the segmentation update (Algorithm 1, step 11) takes its labels from
   * `w_avg <- w_avg + (1 - d) (w - w_avg)`, updated after each generator step (from the initial
   * w), while the meta-gradient still trains w itself. d = 1 keeps the initial generator's labels.
   * Not in the paper: an option for a steadier target (docs/results.md).
   */
  readonly generatorAverage?: number;
  /**
   * Weight lambda of a term against a collapsing generator [0: off, as the paper]: the generator's objective becomes
   * `L_ROI(theta*) + lambda * sum_k s_k log s_k`, with s the sub-classes' shares of the batch's background near the
   * ROI (`contextShares`), so it also maximises their entropy. The "collapsing class prevention" of MAXL (Liu et al.,
   * 2019, the paper's ref. [23], whose code uses lambda = 0.2). Not in the CoLab paper (docs/colab.md).
   */
  readonly generatorBalance?: number;
  /**
   * Weight mu of a term for confident context labels [0: off, as the paper]: adds mu times the mean per-voxel entropy
   * of the generator's sub-class probabilities over the background near the ROI (`contextEntropy`) to the generator's
   * objective. With `generatorBalance` lambda = mu the two terms are minus lambda times the mutual information between
   * voxel and sub-class (Krause et al., 2010, "regularized information maximization"): balanced shares and confident
   * labels, a split rather than uniform labels. Not in the CoLab paper (docs/colab.md); measured at 0.2 / 0.2 on 2D
   * phantoms it gave checkerboard labels and no gain (docs/results.md, E56).
   */
  readonly generatorConfidence?: number;
  /** L_c of L_ROI (Eq. 10) ['bce']: `roiLoss`'s `kind` ('bce', 'dice' or 'bce+dice'). */
  readonly roiLoss?: RoiLossKind;
  /** Meta-gradient mode ['forward-over-reverse']. */
  readonly metaGradientMode?: MetaGradientMode;
  /** Backend to realize on [the kernels registry's]. */
  readonly backend?: AnyBackend;
  /**
   * Deep supervision [false]: `seg` returns one logits tensor per decoder level
   * (full resolution first, as `unetApply` with deep-supervision params), and
   * L_seg is nnU-Net's weighted sum over them (`deepSupervisionWeights`), each
   * against the target average-pooled to its size. L_ROI reads the
   * full-resolution output.
   */
  readonly deepSupervision?: boolean;
}

/** A decoded configuration: every setting present. @category config */
export interface ColabConfig {
  readonly seg: ModelFn;
  readonly gen: ModelFn;
  readonly totalIterations: number;
  readonly roiClasses: number;
  readonly contextClasses: number;
  readonly margin: number;
  readonly temperature: number;
  readonly spacing: number | readonly [number, number, number] | undefined;
  readonly generatorEvery: number;
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly polyExponent: number;
  readonly alpha: number | undefined;
  readonly generatorLr: number;
  readonly generatorAverage: number;
  readonly generatorBalance: number;
  readonly generatorConfidence: number;
  readonly roiLoss: RoiLossKind;
  readonly metaGradientMode: MetaGradientMode;
  readonly backend: AnyBackend | undefined;
  readonly deepSupervision: boolean;
}

/** The defaults of every optional setting. @example colabDefaults.generatorEvery // 5 @category config */
export const colabDefaults = {
  totalIterations: 1000,
  roiClasses: 1,
  contextClasses: 2,
  margin: 30,
  temperature: 20,
  generatorEvery: 5,
  lr: 1e-2,
  momentum: 0.99,
  weightDecay: 3e-5,
  polyExponent: 0.9,
  generatorLr: 3e-4,
  generatorAverage: 0,
  generatorBalance: 0,
  generatorConfidence: 0,
  roiLoss: 'bce' as RoiLossKind,
  metaGradientMode: 'forward-over-reverse' as MetaGradientMode,
  deepSupervision: false,
} as const;

type V<A> = E.Either<ReadonlyArray<ConfigIssue>, A>;
const V = E.getApplicativeValidation(RA.getSemigroup<ConfigIssue>());
const fail = <A>(path: string, message: string): V<A> => E.left([{ path, message }]);

const field = (input: unknown, k: string): unknown => (typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[k] : undefined);

const fn = (input: unknown, k: string): V<ModelFn> => {
  const v = field(input, k);
  return typeof v === 'function' ? E.right(v as ModelFn) : fail(k, `must be a function (params, x) -> logits, got ${v === null ? 'null' : typeof v}`);
};

const num = (input: unknown, k: string, dflt: number, ok: (v: number) => boolean, what: string): V<number> => {
  const v = field(input, k);
  if (v === undefined) return E.right(dflt);
  return typeof v === 'number' && ok(v) ? E.right(v) : fail(k, `must be ${what}, got ${JSON.stringify(v)}`);
};

const posInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
const nonNeg = (v: number): boolean => Number.isFinite(v) && v >= 0;
const pos = (v: number): boolean => Number.isFinite(v) && v > 0;

function optionalSpacing(input: unknown): V<ColabConfig['spacing']> {
  const v = field(input, 'spacing');
  if (v === undefined) return E.right(undefined);
  if (typeof v === 'number' && pos(v)) return E.right(v);
  if (Array.isArray(v) && v.length === 3 && v.every((e) => typeof e === 'number' && pos(e))) return E.right([v[0], v[1], v[2]] as const);
  return fail('spacing', `must be a positive number or three of them [d, h, w], got ${JSON.stringify(v)}`);
}

function optionalAlpha(input: unknown): V<number | undefined> {
  const v = field(input, 'alpha');
  if (v === undefined) return E.right(undefined);
  return typeof v === 'number' && nonNeg(v) ? E.right(v) : fail('alpha', `must be a finite number >= 0, got ${JSON.stringify(v)}`);
}

/** A setting that is one of a list of strings, with its default. */
function oneOf<A extends string>(input: unknown, k: string, allowed: readonly A[], dflt: A): V<A> {
  const v = field(input, k);
  if (v === undefined) return E.right(dflt);
  return allowed.includes(v as A) ? E.right(v as A) : fail(k, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
}

function bool(input: unknown, k: string, dflt: boolean): V<boolean> {
  const v = field(input, k);
  if (v === undefined) return E.right(dflt);
  return typeof v === 'boolean' ? E.right(v) : fail(k, `must be true or false, got ${JSON.stringify(v)}`);
}

function backend(input: unknown): V<AnyBackend | undefined> {
  const v = field(input, 'backend');
  if (v === undefined) return E.right(undefined);
  return typeof v === 'object' && v !== null && 'kernels' in v ? E.right(v as AnyBackend) : fail('backend', 'must be a kernels backend');
}

/**
 * Decodes a configuration: `Right(config)` with every default filled in, or
 * `Left(issues)` listing every problem found (not just the first).
 * @example pipe(decodeColabConfig({ seg, gen, lr: -1, generatorEvery: 0 }), E.mapLeft((issues) => issues.length)) // Left(2)
 * @category config
 */
export function decodeColabConfig(input: unknown): E.Either<ReadonlyArray<ConfigIssue>, ColabConfig> {
  if (typeof input !== 'object' || input === null) return fail('', 'the configuration must be an object');
  const d = colabDefaults;
  return sequenceS(V)({
    seg: fn(input, 'seg'),
    gen: fn(input, 'gen'),
    totalIterations: num(input, 'totalIterations', d.totalIterations, posInt, 'a positive integer'),
    roiClasses: num(input, 'roiClasses', d.roiClasses, posInt, 'a positive integer'),
    contextClasses: num(input, 'contextClasses', d.contextClasses, posInt, 'a positive integer'),
    margin: num(input, 'margin', d.margin, nonNeg, 'a finite number >= 0'),
    temperature: num(input, 'temperature', d.temperature, pos, 'a finite number > 0'),
    spacing: optionalSpacing(input),
    generatorEvery: num(input, 'generatorEvery', d.generatorEvery, posInt, 'a positive integer'),
    lr: num(input, 'lr', d.lr, nonNeg, 'a finite number >= 0'),
    momentum: num(input, 'momentum', d.momentum, (v) => v > 0 && v < 1, 'in (0, 1) (Nesterov)'),
    weightDecay: num(input, 'weightDecay', d.weightDecay, nonNeg, 'a finite number >= 0'),
    polyExponent: num(input, 'polyExponent', d.polyExponent, pos, 'a finite number > 0'),
    alpha: optionalAlpha(input),
    generatorLr: num(input, 'generatorLr', d.generatorLr, nonNeg, 'a finite number >= 0'),
    generatorAverage: num(input, 'generatorAverage', d.generatorAverage, (v) => v >= 0 && v <= 1, 'in [0, 1]'),
    generatorBalance: num(input, 'generatorBalance', d.generatorBalance, nonNeg, 'a finite number >= 0'),
    generatorConfidence: num(input, 'generatorConfidence', d.generatorConfidence, nonNeg, 'a finite number >= 0'),
    roiLoss: oneOf(input, 'roiLoss', roiLossKinds, colabDefaults.roiLoss),
    metaGradientMode: oneOf(input, 'metaGradientMode', metaGradientModes, colabDefaults.metaGradientMode),
    backend: backend(input),
    deepSupervision: bool(input, 'deepSupervision', d.deepSupervision),
  });
}

/** Formats issues one per line, `path: message`. @example formatIssues([{ path: 'lr', message: 'must be >= 0' }]) // 'lr: must be >= 0' @category config */
export const formatIssues = (issues: ReadonlyArray<ConfigIssue>): string => issues.map((i) => `${i.path || '<config>'}: ${i.message}`).join('\n');

/**
 * Decodes a configuration or throws a `ValueError` listing every problem.
 * @example const config = validateColabConfig({ seg, gen })
 * @category config
 */
export function validateColabConfig(input: ColabConfigInput): ColabConfig {
  return pipe(
    decodeColabConfig(input),
    E.getOrElseW((issues) => {
      throw new ValueError('colabStep', `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${formatIssues(issues)}`);
    }),
  );
}

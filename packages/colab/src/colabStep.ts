/**
 * One iteration of Algorithm 1 (CoLab) as a pure asynchronous function,
 * `colabStep(config)(state, batch) -> { state, metrics }`, and the matching
 * baseline iteration (`segmentationStep`) that trains the segmentation model
 * on a fixed target (no context labels, or the k-means, dilated-mask or
 * anatomy context labels of Section V-B). Parameters and optimizer states are
 * realized trees of `NDArray`s; the step builds one lazy graph per update and
 * realizes it once.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { add, div, flatten, grad, log, maximum, mul, neg, realize, slice, sum, tensor, valueAndGrad } from '@colab-ts/autodiff';
import type { AdamState, SgdState } from '@colab-ts/nn';
import { adam, globalNorm, mapArrays, polyLr, sgd, toTensors } from '@colab-ts/nn';
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, add as ndAdd, astype, isNDArray, mul as ndMul, showShape, sub, toTypedArray } from '@colab-ts/ndarray';
import type { ColabConfig, ColabConfigInput } from './config.js';
import { validateColabConfig } from './config.js';
import { distanceMap, roiMask, softDilatedMask } from './distanceMap.js';
import { contextProbabilities } from './labels.js';
import { colabLabels, deepSupervised, fixedLabelLoss, roiLoss, segmentationLoss } from './losses.js';
import { metaGradientParts } from './metaGradient.js';

/** The training state: both models' parameters, both optimizers' states, the iteration. @category training */
export interface ColabState<Theta = unknown, Omega = unknown> {
  /** Segmentation model parameters (a tree of NDArrays). */
  readonly theta: Theta;
  /** Task generator parameters (a tree of NDArrays). */
  readonly omega: Omega;
  readonly thetaOpt: SgdState;
  readonly omegaOpt: AdamState;
  /** Iterations done (0 before the first). */
  readonly iteration: number;
  /** The generator weights' moving average that makes the labels (only with `generatorAverage` > 0; see `labelGenerator`). */
  readonly omegaAvg?: Omega | undefined;
}

/**
 * The generator weights that make the segmentation labels: the moving average with
 * `generatorAverage` > 0 (`omegaAvg`), else the generator itself (`omega`).
 * @example const q = contextProbabilities(unetApply(toTensors(labelGenerator(state)), x))
 * @category training
 */
export const labelGenerator = <Omega>(state: ColabState<unknown, Omega>): Omega => state.omegaAvg ?? state.omega;

/** A training batch of realized arrays. @category training */
export interface ColabTrainBatch {
  /** Image `[N, C_in, ...]`. */
  readonly x: NDArray;
  /** One-hot ROI label `[N, c, ...]`, ROI classes first, background last (see `roiOneHot`). */
  readonly y: NDArray;
  /** Soft dilated mask `[N, 1, ...]` (Eq. 8); computed from `y` with the config's margin, temperature and spacing when absent. */
  readonly M?: NDArray | undefined;
}

/** What one iteration reports (losses before this iteration's updates). @category training */
export interface ColabMetrics {
  readonly iteration: number;
  /** Whether the generator was updated this iteration. */
  readonly generatorUpdated: boolean;
  /** L_seg(theta, w) with the labels of the (updated) generator. */
  readonly segLoss: number;
  /** L_ROI(theta) on the batch. */
  readonly roiLoss: number;
  /** L_ROI(theta*) after the inner step (generator iterations only, else NaN). */
  readonly roiLossAfterInner: number;
  /** Global L2 norm of the meta-gradient (generator iterations only, else NaN). */
  readonly metaGradNorm: number;
  /** The generator's relative weight change `|w' - w| / |w|` of this update (generator iterations only, else NaN). */
  readonly generatorChange: number;
  /** Mean entropy (nats) of the context probabilities q over background voxels, weighted by M; log t for uniform labels. */
  readonly contextEntropy: number;
  /**
   * The share of each of the t context sub-classes in the background near the ROI: the mean of q (Eq. 4) over
   * background voxels weighted by M (Eq. 8), one number per sub-class, summing to 1. Sub-class 0 is the one the far
   * background fills (Eq. 7), so a share near 1 there means the generator's labels are the baseline's.
   */
  readonly contextShares: readonly number[];
  /**
   * Of the pairs of neighbours along the last axis that are both background near the ROI (M >= 1/2), the fraction
   * whose argmax context sub-class differs (`neighbourFlips`): about 1 for checkerboard labels (the paper's failure at
   * t = 6, Fig. 8), 1 - sum_k s_k^2 for labels drawn at random, small for a split into regions; NaN without such pairs.
   */
  readonly contextFlips: number;
  /** Learning rates used: theta's (also alpha unless set) and the generator's. */
  readonly lr: number;
  readonly generatorLr: number;
}

// The dtype of the first NDArray of a parameter tree (float32 when there is none).
const dtypeOf = (tree: unknown): 'float32' | 'float64' =>
  flatten('colabStep', tree, { isLeaf: isNDArray, strict: false }).leaves[0]?.dtype === 'float64' ? 'float64' : 'float32';

/**
 * The first state: the initial parameters of both models and fresh optimizer states.
 * @example let state = colabInit(unetInit(key(0), segConfig), unetInit(key(1), genConfig))
 * @category training
 */
export function colabInit<Theta, Omega>(theta: Theta, omega: Omega): ColabState<Theta, Omega> {
  return { theta, omega, thetaOpt: { step: 0, momentum: undefined }, omegaOpt: { step: 0, m: undefined, v: undefined }, iteration: 0 };
}

/** The soft dilated mask of a batch, from its label unless given, in `dtype`. @internal */
export function batchMask(batch: ColabTrainBatch, config: Pick<ColabConfig, 'margin' | 'temperature' | 'spacing'>, dtype: 'float32' | 'float64'): NDArray {
  const M =
    batch.M ??
    softDilatedMask(distanceMap(roiMask(batch.y), config.spacing === undefined ? {} : { spacing: config.spacing }), {
      margin: config.margin,
      temperature: config.temperature,
    });
  return M.dtype === dtype ? M : astype(M, dtype);
}

function checkBatch(op: string, batch: ColabTrainBatch, roiClasses: number): void {
  if (typeof batch !== 'object' || batch === null || !isNDArray(batch.x) || !isNDArray(batch.y))
    throw new ValueError(op, 'batch must be { x: NDArray, y: NDArray, M?: NDArray }');
  if (batch.y.shape[1] !== roiClasses + 1)
    throw new ShapeError(op, `batch.y must have roiClasses + 1 = ${roiClasses + 1} channels, got ${showShape(batch.y.shape)}`);
  if (batch.x.shape[0] !== batch.y.shape[0] || batch.x.shape.slice(2).join() !== batch.y.shape.slice(2).join()) {
    throw new ShapeError(op, `batch.x ${showShape(batch.x.shape)} and batch.y ${showShape(batch.y.shape)} must agree on every axis but the channels`);
  }
}

/**
 * The mean of `q` `[N, t, ...]` per channel over the voxels weighted by `w` `[N, 1, ...]`: `[t]`, summing to 1 when
 * `q` does (0 everywhere when every weight is 0). @internal
 */
export function weightedShares(q: Tensor, w: Tensor): Tensor {
  const axes = q.shape.map((_, i) => i).filter((i) => i !== 1);
  return div(sum(mul(q, w), { axes }), maximum(sum(w), 1e-30));
}

/**
 * `sum_k s_k log s_k` of the shares `s = weightedShares(q, w)`: minus their entropy, so 0 for one sub-class and
 * `-log t` for equal shares (MAXL's term against collapsing classes, `generatorBalance`). @internal
 */
export function sharesNegEntropy(q: Tensor, w: Tensor): Tensor {
  const s = weightedShares(q, w);
  return sum(mul(s, log(maximum(s, 1e-30))));
}

/**
 * Of the pairs of neighbours along the last axis whose weights `w` `[N, 1, ...]` are both at least 1/2, the fraction
 * whose argmax channel of `q` `[N, t, ...]` differs (ties go to the lower channel); NaN without such pairs. @internal
 */
export function neighbourFlips(q: NDArray, w: NDArray): number {
  const qa = toTypedArray(q);
  const wa = toTypedArray(w);
  const t = q.shape[1]!;
  const W = q.shape[q.shape.length - 1]!;
  const n = wa.length / q.shape[0]!;
  const argmax = (b: number, v: number): number => {
    let best = 0;
    for (let k = 1; k < t; k++) if (qa[(b * t + k) * n + v]! > qa[(b * t + best) * n + v]!) best = k;
    return best;
  };
  let pairs = 0;
  let flips = 0;
  for (let b = 0; b < q.shape[0]!; b++)
    for (let v = 0; v + 1 < n; v++) {
      if ((v + 1) % W === 0 || wa[b * n + v]! < 0.5 || wa[b * n + v + 1]! < 0.5) continue;
      pairs++;
      if (argmax(b, v) !== argmax(b, v + 1)) flips++;
    }
  return pairs === 0 ? Number.NaN : flips / pairs;
}

/**
 * The mean entropy of `q` `[N, t, ...]` over the voxels weighted by `w` `[N, 1, ...]`. @internal
 */
export function weightedEntropy(q: Tensor, w: Tensor): Tensor {
  const h = neg(sum(mul(q, log(maximum(q, 1e-30))), { axes: 1, keepDims: true }));
  return div(sum(mul(h, w)), maximum(sum(w), 1e-30));
}

/** The segmentation model's output: logits, or one per deep-supervision level (full resolution first). */
type SegOutput = Tensor | readonly Tensor[];
const fullResolution = (o: SegOutput): Tensor => (Array.isArray(o) ? (o as readonly Tensor[])[0]! : (o as Tensor));
const levels = (op: string, o: SegOutput, deep: boolean): readonly Tensor[] => {
  if (Array.isArray(o) !== deep)
    throw new ValueError(
      op,
      deep
        ? 'deepSupervision: seg must return one logits tensor per level (deep-supervision params)'
        : 'seg returned several outputs: pass deepSupervision: true, or params without deep-supervision heads',
    );
  return deep ? (o as readonly Tensor[]) : [o as Tensor];
};

/** L_seg, L_ROI and the model of a decoded config, with or without deep supervision. */
function segmentationParts(config: ColabConfig): {
  readonly seg: (p: unknown, x: Tensor) => SegOutput;
  readonly lossSeg: (o: SegOutput, genLogits: Tensor, batch: { readonly y: Tensor; readonly M: Tensor }) => Tensor;
  readonly lossRoi: (o: SegOutput, batch: { readonly y: Tensor }) => Tensor;
} {
  const roiClasses = config.roiClasses;
  const seg = config.seg as (p: unknown, x: Tensor) => SegOutput;
  const roi = roiLoss({ roiClasses, kind: config.roiLoss });
  const lossRoi = (o: SegOutput, b: { readonly y: Tensor }): Tensor => roi(fullResolution(o), b);
  if (!config.deepSupervision) {
    const single = segmentationLoss({ roiClasses });
    return { seg, lossRoi, lossSeg: (o, g, b) => single(levels('colabStep', o, false)[0]!, g, b) };
  }
  const ds = deepSupervised(fixedLabelLoss({ roiClasses }));
  return { seg, lossRoi, lossSeg: (o, g, b) => ds(levels('colabStep', o, true), colabLabels(g, b, { roiClasses })) };
}

/**
 * One iteration of Algorithm 1. With `iteration % generatorEvery == 0`, the
 * generator is updated first (steps 5-9): the labels of Eq. 4-9, the inner
 * step theta* (Eq. 13), the meta-gradient (Eq. 12-15, `metaGradient`) and an
 * Adam step on w. Then the segmentation model is updated with the new labels
 * (step 11): L_seg = CE over all channels + soft Dice over all but the
 * far-background channel, one SGD step with Nesterov momentum, weight decay
 * and poly learning-rate decay. The inner step alpha is theta's current
 * learning rate unless `config.alpha` is set. The config is decoded once,
 * reporting every problem at once (`decodeColabConfig`).
 * @example
 * const step = colabStep({ seg: unetApply, gen: unetApply, totalIterations: 500 });
 * let state = colabInit(theta0, omega0);
 * for (const batch of batches) ({ state } = await step(state, batch));
 * @category training
 */
export function colabStep(
  input: ColabConfigInput,
): <Theta, Omega>(state: ColabState<Theta, Omega>, batch: ColabTrainBatch) => Promise<{ state: ColabState<Theta, Omega>; metrics: ColabMetrics }> {
  const config = validateColabConfig(input);
  const op = 'colabStep';
  const thetaLr = polyLr(config.lr, config.totalIterations, config.polyExponent);
  const generatorSteps = Math.ceil(config.totalIterations / config.generatorEvery);
  const omegaLr = polyLr(config.generatorLr, generatorSteps, config.polyExponent);
  const sgdOpt = sgd({ lr: thetaLr, momentum: config.momentum, nesterov: true, weightDecay: config.weightDecay });
  const adamOpt = adam({ lr: omegaLr });
  const { lossSeg, lossRoi, seg } = segmentationParts(config);
  const gen = config.gen as (p: unknown, x: Tensor) => Tensor;
  const ro = { backend: config.backend };

  return async <Theta, Omega>(state: ColabState<Theta, Omega>, batch: ColabTrainBatch) => {
    checkBatch(op, batch, config.roiClasses);
    const it = state.iteration;
    const dtype = dtypeOf(state.theta);
    const bt = { x: tensor(batch.x), y: tensor(batch.y), M: tensor(batchMask(batch, config, dtype)) };
    // The background near the ROI: the background label weighted by M (the weights of contextShares and the entropy).
    const bgOf = (b: typeof bt): Tensor => mul(slice(b.y, [null, { start: config.roiClasses, stop: config.roiClasses + 1 }]), b.M);
    const lr = thetaLr(state.thetaOpt.step);
    const gLr = omegaLr(Math.min(state.omegaOpt.step, generatorSteps));
    let omega = state.omega;
    let omegaOpt = state.omegaOpt;
    let omegaAvg = state.omegaAvg;
    let roiAfter = Number.NaN;
    let metaNorm = Number.NaN;
    let generatorChange = Number.NaN;
    const generatorUpdated = it % config.generatorEvery === 0;

    if (generatorUpdated) {
      const parts = metaGradientParts(
        {
          seg: (th: unknown, b: typeof bt) => seg(th, b.x),
          gen: (om: unknown, b: typeof bt) => {
            const o = gen(om, b.x);
            if (o.shape[1] !== config.contextClasses)
              throw new ShapeError(op, `the generator returns ${showShape(o.shape)}, expected ${config.contextClasses} (contextClasses) channels`);
            return o;
          },
          alpha: config.alpha ?? lr,
          lossSeg,
          lossRoi,
          mode: config.metaGradientMode,
        },
        toTensors(state.theta) as unknown,
        toTensors(state.omega) as unknown,
        bt,
      );
      const lambda = config.generatorBalance;
      const mu = config.generatorConfidence;
      // Terms against a collapse (off by default), differentiated through g_w only: MAXL's lambda * sum_k s_k log s_k
      // and mu times the mean per-voxel entropy near the ROI (lambda = mu: minus lambda times the mutual information).
      const regulariser = (om: unknown): Tensor => {
        const q = contextProbabilities(gen(om, bt.x));
        const w = bgOf(bt);
        const terms = [...(lambda > 0 ? [mul(sharesNegEntropy(q, w), lambda)] : []), ...(mu > 0 ? [mul(weightedEntropy(q, w), mu)] : [])];
        return terms.reduce((a, b) => add(a, b));
      };
      const extra = lambda > 0 || mu > 0 ? grad(regulariser)(toTensors(state.omega) as unknown) : undefined;
      const r = await realize({ g: parts.grad, roiAfter: parts.roiLossAfter, ...(extra === undefined ? {} : { extra }) }, ro);
      metaNorm = globalNorm(r.g);
      roiAfter = r.roiAfter.data[0]!;
      const g = r.extra === undefined ? r.g : mapArrays((a, b) => ndAdd(a, b), r.g, r.extra);
      [omega, omegaOpt] = adamOpt.step(state.omega, g, state.omegaOpt);
      generatorChange = globalNorm(mapArrays((a, b) => sub(a, b), omega, state.omega)) / Math.max(globalNorm(state.omega), 1e-30);
      const d = config.generatorAverage;
      // w_avg <- w_avg + (1 - d) (w - w_avg), from the initial weights on the first update
      if (d > 0) omegaAvg = mapArrays((a, w) => ndAdd(a, ndMul(sub(w, a), 1 - d)), omegaAvg ?? state.omega, omega);
    }

    // Step 11: the segmentation update with the labels of the updated generator (or of its moving average).
    const genLogits = gen(toTensors(omegaAvg ?? omega), bt.x);
    const q = contextProbabilities(genLogits);
    const bgWeight = bgOf(bt);
    const [[segLoss, segLogits], grads] = valueAndGrad(
      (th: unknown): [Tensor, SegOutput] => {
        const logits = seg(th, bt.x);
        return [lossSeg(logits, genLogits, bt), logits];
      },
      { hasAux: true },
    )(toTensors(state.theta) as unknown);
    const r = await realize(
      { segLoss, roi: lossRoi(segLogits, bt), entropy: weightedEntropy(q, bgWeight), shares: weightedShares(q, bgWeight), q, bgWeight, grads },
      ro,
    );
    const [theta, thetaOpt] = sgdOpt.step(state.theta, r.grads, state.thetaOpt);
    return {
      state: { theta, omega, thetaOpt, omegaOpt, iteration: it + 1, ...(omegaAvg === undefined ? {} : { omegaAvg }) },
      metrics: {
        iteration: it,
        generatorUpdated,
        segLoss: r.segLoss.data[0]!,
        roiLoss: r.roi.data[0]!,
        roiLossAfterInner: roiAfter,
        metaGradNorm: metaNorm,
        generatorChange,
        contextEntropy: r.entropy.data[0]!,
        contextShares: Array.from(toTypedArray(r.shares), Number),
        contextFlips: neighbourFlips(r.q, r.bgWeight),
        lr,
        generatorLr: generatorUpdated ? gLr : 0,
      },
    };
  };
}

/** Options of `segmentationStep`: the baselines' training iteration. @category training */
export interface SegmentationStepConfig {
  /** The segmentation model: `(theta, x) -> [N, C, ...]` logits (one per level with deep supervision). */
  readonly seg: (params: never, x: Tensor) => Tensor | readonly Tensor[];
  readonly totalIterations?: number;
  /** The channel left out of the soft Dice (the background, or the far-background sub-class) [1]. */
  readonly roiClasses?: number;
  readonly lr?: number;
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly polyExponent?: number;
  readonly backend?: ColabConfig['backend'];
  /** Deep supervision (see `ColabConfigInput.deepSupervision`) [false]. */
  readonly deepSupervision?: boolean;
}

/** The state of `segmentationStep`. @category training */
export interface SegmentationState<Theta = unknown> {
  readonly theta: Theta;
  readonly thetaOpt: SgdState;
  readonly iteration: number;
}

/**
 * The first state of `segmentationStep`.
 * @example let state = segmentationInit(unetInit(key(0), config))
 * @category training
 */
export const segmentationInit = <Theta>(theta: Theta): SegmentationState<Theta> => ({ theta, thetaOpt: { step: 0, momentum: undefined }, iteration: 0 });

/**
 * One baseline iteration: the segmentation model trained on a fixed target
 * `[N, C, ...]` (the ROI label for "w/o context labels"; an extended,
 * possibly distance-constrained, label for the k-means, dilated-mask or
 * anatomy baselines) with the same loss, optimizer and schedule as CoLab's
 * segmentation update.
 * @example const step = segmentationStep({ seg: unetApply }); ({ state } = await step(state, { x, target: y }))
 * @category training
 */
export function segmentationStep(
  config: SegmentationStepConfig,
): <Theta>(
  state: SegmentationState<Theta>,
  batch: { readonly x: NDArray; readonly target: NDArray },
) => Promise<{ state: SegmentationState<Theta>; metrics: { readonly iteration: number; readonly loss: number; readonly lr: number } }> {
  const base = validateColabConfig({ ...config, gen: config.seg });
  const thetaLr = polyLr(base.lr, base.totalIterations, base.polyExponent);
  const sgdOpt = sgd({ lr: thetaLr, momentum: base.momentum, nesterov: true, weightDecay: base.weightDecay });
  const single = fixedLabelLoss({ roiClasses: base.roiClasses });
  const ds = deepSupervised(single);
  const loss = (o: SegOutput, target: Tensor): Tensor =>
    base.deepSupervision ? ds(levels('segmentationStep', o, true), target) : single(levels('segmentationStep', o, false)[0]!, target);
  const seg = config.seg as (p: unknown, x: Tensor) => SegOutput;
  return async <Theta>(state: SegmentationState<Theta>, batch: { readonly x: NDArray; readonly target: NDArray }) => {
    const x = tensor(batch.x);
    const target = tensor(batch.target);
    const [l, g] = valueAndGrad((th: unknown) => loss(seg(th, x), target))(toTensors(state.theta) as unknown);
    const r = await realize({ l, g }, { backend: base.backend });
    const lr = thetaLr(state.thetaOpt.step);
    const [theta, thetaOpt] = sgdOpt.step(state.theta, r.g, state.thetaOpt);
    return { state: { theta, thetaOpt, iteration: state.iteration + 1 }, metrics: { iteration: state.iteration, loss: r.l.data[0]!, lr } };
  };
}

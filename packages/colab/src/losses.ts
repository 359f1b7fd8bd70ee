/**
 * CoLab's two losses with the paper's and the authors' defaults, built on
 * @colab-ts/nn: L_seg (Eq. 2, 11) on the distance-constrained label, and
 * L_ROI (Eq. 10) on the ROI channel(s).
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { add, avgPool3d, div, mul, reshape, slice, softmax } from '@colab-ts/autodiff';
import { ceDiceLoss, oneVsAllBce, softDiceLoss } from '@colab-ts/nn';
import { ValueError } from '@colab-ts/ndarray';
import type { TensorInput } from './labels.js';
import { aggregateLabels, asTensorInput, contextProbabilities, distanceConstrainedLabels } from './labels.js';

/** What CoLab's losses read from a batch: the image, the one-hot ROI label and the soft dilated mask. @category losses */
export interface ColabBatch {
  /** Image `[N, C_in, ...]`. */
  readonly x: TensorInput;
  /** ROI label `[N, c, ...]` in this package's order (ROI classes first, background last). */
  readonly y: TensorInput;
  /** Soft dilated mask `M` (Eq. 8) `[N, 1, ...]`. */
  readonly M: TensorInput;
}

/** Options of the loss builders. @category losses */
export interface ColabLossOptions {
  /** Number of ROI classes, `c - 1` (default 1). */
  readonly roiClasses?: number;
}

const roiClassesOf = (op: string, options: ColabLossOptions): number => {
  const k = options.roiClasses ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new ValueError(op, `roiClasses must be a positive integer, got ${k}`);
  return k;
};

/**
 * The distance-constrained label `y^` of a batch from the generator's logits:
 * Eq. 4 (`contextProbabilities`), Eq. 5/6 (`aggregateLabels`), Eq. 7/9
 * (`distanceConstrainedLabels` with the batch's `M`).
 * @example const yHat = colabLabels(gen(omega, x), { y, M })
 * @category losses
 */
export function colabLabels(genLogits: Tensor, batch: Pick<ColabBatch, 'y' | 'M'>, options: ColabLossOptions = {}): Tensor {
  const op = 'colabLabels';
  const y = asTensorInput(op, batch.y, 'batch.y');
  const roiClasses = roiClassesOf(op, options);
  if (y.shape[1] !== roiClasses + 1) throw new ValueError(op, `batch.y has ${String(y.shape[1])} channels, expected roiClasses + 1 = ${roiClasses + 1}`);
  return distanceConstrainedLabels(aggregateLabels(y, contextProbabilities(genLogits)), batch.M, { roiClasses });
}

/**
 * L_seg (Eq. 2, 11) with the authors' settings: soft-label cross-entropy over
 * all `c - 1 + t` channels plus sample-wise soft Dice over every channel
 * except the far-background one (channel `roiClasses`, the one `b` fills),
 * equally weighted, against the distance-constrained label.
 * Use as `MetaProblem.lossSeg`.
 * @example const lossSeg = segmentationLoss(); lossSeg(seg(theta, batch), gen(omega, batch), batch)
 * @category losses
 */
export function segmentationLoss(options: ColabLossOptions = {}): (segLogits: Tensor, genLogits: Tensor, batch: Pick<ColabBatch, 'y' | 'M'>) => Tensor {
  const roiClasses = roiClassesOf('segmentationLoss', options);
  return (segLogits, genLogits, batch) => {
    const target = colabLabels(genLogits, batch, { roiClasses });
    const channels = Array.from({ length: segLogits.shape[1]! }, (_, j) => j).filter((j) => j !== roiClasses);
    return ceDiceLoss(segLogits, target, { channels });
  };
}

/**
 * L_segmentation of a fixed target (no generator): the same CE + Dice as
 * `segmentationLoss`, for the baselines whose context labels are given.
 * @example fixedLabelLoss()(logits, distanceConstrainedLabels(aggregateLabels(y, q), M))
 * @category losses
 */
export function fixedLabelLoss(options: ColabLossOptions = {}): (segLogits: Tensor, target: Tensor) => Tensor {
  const roiClasses = roiClassesOf('fixedLabelLoss', options);
  return (segLogits, target) => {
    const channels = Array.from({ length: segLogits.shape[1]! }, (_, j) => j).filter((j) => j !== roiClasses);
    return ceDiceLoss(segLogits, target, { channels });
  };
}

/** The one-vs-all criteria L_c that `roiLoss` offers (Eq. 10: "such as BCE and soft DSC loss"). @category losses */
export type RoiLossKind = 'bce' | 'dice' | 'bce+dice';

/** Every `RoiLossKind`, the default first. @category losses */
export const roiLossKinds: readonly RoiLossKind[] = ['bce', 'dice', 'bce+dice'];

/** Options of `roiLoss`. @category losses */
export interface RoiLossOptions extends ColabLossOptions {
  /** L_c ['bce']: binary cross-entropy, batch soft Dice loss, or their sum (nnU-Net's one-vs-all `DC_and_BCE`). */
  readonly kind?: RoiLossKind;
}

/**
 * Batch soft Dice loss of one softmax channel against a binary mask `[N, 1, ...]`:
 * `1 - (2 sum(p m) + s) / (sum(p) + sum(m) + s)` with the sums over the whole batch
 * (so a patch without ROI does not score 0 on its own), s = 1e-5.
 */
function oneVsAllBatchDiceLoss(logits: Tensor, mask: Tensor, channel: number): Tensor {
  const p = slice(softmax(logits, { axes: 1 }), [null, { start: channel, stop: channel + 1 }]);
  const whole = [1, 1, mask.shape.slice(2).reduce((a, b) => a * b, mask.shape[0]!)];
  return softDiceLoss(reshape(p, whole), reshape(mask, whole), { input: 'probabilities' });
}

/**
 * L_ROI (Eq. 10) with L_c computed one-vs-all on the ROI channel of the softmax over all
 * `c - 1 + t` outputs against the ROI label: binary cross-entropy (the default), the batch
 * soft Dice loss, or their sum (`kind`); with several ROI classes, the mean over them.
 * Use as `MetaProblem.lossRoi`.
 * @example const lossRoi = roiLoss({ kind: 'bce+dice' }); lossRoi(seg(theta, batch), batch)
 * @category losses
 */
export function roiLoss(options: RoiLossOptions = {}): (segLogits: Tensor, batch: Pick<ColabBatch, 'y'>) => Tensor {
  const op = 'roiLoss';
  const roiClasses = roiClassesOf(op, options);
  const kind = options.kind ?? 'bce';
  if (!roiLossKinds.includes(kind)) throw new ValueError(op, `kind must be one of ${roiLossKinds.join(', ')}, got ${JSON.stringify(kind)}`);
  return (segLogits, batch) => {
    const y = asTensorInput(op, batch.y, 'batch.y');
    let total: Tensor | undefined;
    for (let k = 0; k < roiClasses; k++) {
      const m = slice(y, [null, { start: k, stop: k + 1 }]);
      const bce = kind === 'dice' ? undefined : oneVsAllBce(segLogits, m, { channel: k });
      const dice = kind === 'bce' ? undefined : oneVsAllBatchDiceLoss(segLogits, m, k);
      const l = bce === undefined ? dice! : dice === undefined ? bce : add(bce, dice);
      total = total === undefined ? l : add(total, l);
    }
    return roiClasses === 1 ? total! : div(total!, roiClasses);
  };
}

/**
 * nnU-Net's deep-supervision weights for `n` outputs (full resolution first):
 * `1 / 2^k`, the lowest resolution 0, normalised to sum 1. Four outputs give
 * 4/7, 2/7, 1/7, 0; one output gives [1].
 * @example deepSupervisionWeights(4) // [4/7, 2/7, 1/7, 0]
 * @category losses
 */
export function deepSupervisionWeights(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new ValueError('deepSupervisionWeights', `n must be a positive integer, got ${n}`);
  if (n === 1) return [1];
  const w = Array.from({ length: n }, (_, k) => (k === n - 1 ? 0 : 1 / 2 ** k));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/**
 * A soft target `[N, C, D, H, W]` average-pooled to the spatial size of `like`
 * (each axis an integer factor smaller): the deep-supervision target of a
 * lower-resolution output. Soft labels stay soft labels (each voxel still sums to 1).
 * @example poolTargetTo(yHat, outputs[2]) // [N, C, D / s_d, H / 4, W / 4]
 * @category losses
 */
export function poolTargetTo(target: Tensor, like: { readonly shape: readonly number[] }): Tensor {
  const op = 'poolTargetTo';
  const from = target.shape.slice(2);
  const to = like.shape.slice(2);
  if (from.length !== 3 || to.length !== 3)
    throw new ValueError(op, `target and output must be [N, C, D, H, W], got ${target.shape.length} and ${like.shape.length} axes`);
  const k = from.map((f, i) => f / to[i]!);
  if (k.some((v) => !Number.isInteger(v) || v < 1))
    throw new ValueError(op, `output size [${to.join(', ')}] does not divide the target size [${from.join(', ')}]`);
  if (k.every((v) => v === 1)) return target;
  const kernel = [k[0]!, k[1]!, k[2]!] as const;
  return avgPool3d(target, { kernelSize: kernel, stride: kernel });
}

/**
 * A loss of (logits, target) applied with deep supervision: the
 * `deepSupervisionWeights` sum over the outputs, each against the target
 * pooled to its size (`poolTargetTo`). One output: the loss itself.
 * @example deepSupervised(fixedLabelLoss())(unetApply(dsParams, x), target)
 * @category losses
 */
export function deepSupervised(loss: (logits: Tensor, target: Tensor) => Tensor): (outputs: readonly Tensor[], target: Tensor) => Tensor {
  return (outputs, target) => {
    if (outputs.length === 0) throw new ValueError('deepSupervised', 'needs at least one output');
    const w = deepSupervisionWeights(outputs.length);
    let total: Tensor | undefined;
    outputs.forEach((o, k) => {
      if (w[k] === 0) return;
      const l = mul(loss(o, poolTargetTo(target, o)), w[k]!);
      total = total === undefined ? l : add(total, l);
    });
    return total!;
  };
}

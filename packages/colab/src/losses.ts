/**
 * CoLab's two losses with the paper's and the authors' defaults, built on
 * @colab-ts/nn: L_seg (Eq. 2, 11) on the distance-constrained label, and
 * L_ROI (Eq. 10) on the ROI channel(s).
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { add, div, slice } from '@colab-ts/autodiff';
import { ceDiceLoss, oneVsAllBce } from '@colab-ts/nn';
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

/**
 * L_ROI (Eq. 10) with L_c = binary cross-entropy of the ROI channel of the
 * softmax over all `c - 1 + t` outputs against the ROI label (one-vs-all);
 * with several ROI classes, the mean over them. Use as `MetaProblem.lossRoi`.
 * @example const lossRoi = roiLoss(); lossRoi(seg(theta, batch), batch)
 * @category losses
 */
export function roiLoss(options: ColabLossOptions = {}): (segLogits: Tensor, batch: Pick<ColabBatch, 'y'>) => Tensor {
  const roiClasses = roiClassesOf('roiLoss', options);
  return (segLogits, batch) => {
    const y = asTensorInput('roiLoss', batch.y, 'batch.y');
    let total: Tensor | undefined;
    for (let k = 0; k < roiClasses; k++) {
      const l = oneVsAllBce(segLogits, slice(y, [null, { start: k, stop: k + 1 }]), { channel: k });
      total = total === undefined ? l : add(total, l);
    }
    return roiClasses === 1 ? total! : div(total!, roiClasses);
  };
}

/**
 * CoLab's label algebra (Section IV-B, IV-C of Li et al., IEEE TMI 2023), on
 * lazy tensors so that everything stays differentiable in the generator's
 * output: context probabilities (Eq. 4), the extended label (Eq. 5, 6) and
 * the distance-constrained label (Eq. 7, 9).
 *
 * **Channel order, everywhere in this package.** Images are `[N, C, D, H, W]`.
 * A ROI label `y` has `c` channels: the `c - 1` ROI classes first (channels
 * `0 .. c-2`), the background last (channel `c - 1`), as in the paper where
 * class 1 is the ROI and class `c` the background. An extended label, and the
 * segmentation model's output, has `c - 1 + t` channels: the same `c - 1` ROI
 * classes first, then the `t` background sub-classes (channels
 * `c-1 .. c+t-2`). The first background sub-class (channel `c - 1`) is the
 * "far background" that the hard label `b` of Eq. 7 fills.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { add, cast, concat, isTensor, mul, slice, softmax, sub, tensor } from '@colab-ts/autodiff';
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, isNDArray, showShape, toTypedArray } from '@colab-ts/ndarray';

/** A tensor, or a realized array that is wrapped with `tensor(x)`. @category labels */
export type TensorInput = Tensor | NDArray;

/** @internal */
export const asTensorInput = (op: string, x: TensorInput, name: string): Tensor => {
  if (isTensor(x)) return x;
  if (isNDArray(x)) return tensor(x);
  throw new ValueError(op, `${name} must be a Tensor or an NDArray, got ${x === null ? 'null' : typeof x}`);
};

/** @internal */
export function checkImage(op: string, x: { readonly shape: readonly number[] }, name: string): void {
  if (x.shape.length < 2) {
    throw new ShapeError(op, `${name} must be [N, C, ...spatial], got shape ${showShape(x.shape)}`, { expected: '[N, C, ...]', got: showShape(x.shape) });
  }
}

/** The channels `[from, to)` of an `[N, C, ...]` tensor. @internal */
export const channels = (x: Tensor, from: number, to: number): Tensor => slice(x, [null, { start: from, stop: to }]);

/**
 * Context probabilities (Eq. 4): `q_ij = exp(o_ij) / sum_k exp(o_ik)`, the
 * softmax of the task generator's `t` output channels, per voxel.
 *
 * `generatorLogits` is `[N, t, ...spatial]`; the result has the same shape and
 * sums to 1 over axis 1.
 * @example const q = contextProbabilities(gen(omega, x)) // [N, t, D, H, W]
 * @category labels
 */
export function contextProbabilities(generatorLogits: TensorInput): Tensor {
  const o = asTensorInput('contextProbabilities', generatorLogits, 'generatorLogits');
  checkImage('contextProbabilities', o, 'generatorLogits');
  if (o.shape[1]! < 1) throw new ShapeError('contextProbabilities', 'generatorLogits has no channels');
  return softmax(o, { axes: 1 });
}

/**
 * The extended label (Eq. 5 for a binary ROI, Eq. 6 for `c - 1` ROI classes):
 *
 * ```
 * y~_ij = y_ij            for the ROI channels j < c
 * y~_ij = q_ij            for the background sub-classes j >= c, where y_ij = 0 for all j < c
 * y~_ij = 0               otherwise (background sub-classes inside the ROI)
 * ```
 *
 * computed as `[y_ROI, y_bg * q]` so that it is differentiable in `q` and also
 * defined for soft labels: the background sub-classes then sum to the
 * background label, `sum_{j >= c} y~_ij = y_ic`, and each voxel still sums to 1.
 * For one-hot `y` this is exactly Eq. 5/6.
 *
 * `y` is `[N, c, ...]` (ROI classes first, background last), `q` is
 * `[N, t, ...]` (Eq. 4); the result is `[N, c - 1 + t, ...]`, ROI classes
 * first, then the `t` background sub-classes.
 * @example const yTilde = aggregateLabels(tensor(y), contextProbabilities(o))
 * @category labels
 */
export function aggregateLabels(y: TensorInput, q: TensorInput): Tensor {
  const op = 'aggregateLabels';
  const yt = asTensorInput(op, y, 'y');
  const qt = asTensorInput(op, q, 'q');
  checkImage(op, yt, 'y');
  checkImage(op, qt, 'q');
  const c = yt.shape[1]!;
  if (c < 2) throw new ShapeError(op, `y needs at least 2 channels (ROI classes, then background), got ${c}`);
  if (yt.shape.length !== qt.shape.length || yt.shape[0] !== qt.shape[0] || yt.shape.slice(2).some((d, i) => d !== qt.shape[i + 2])) {
    throw new ShapeError(op, `y ${showShape(yt.shape)} and q ${showShape(qt.shape)} must agree on every axis but the channels`, {
      expected: showShape([yt.shape[0]!, qt.shape[1]!, ...yt.shape.slice(2)]),
      got: showShape(qt.shape),
    });
  }
  const q2 = qt.dtype === yt.dtype ? qt : asDType(qt, yt.dtype);
  return concat([channels(yt, 0, c - 1), mul(channels(yt, c - 1, c), q2)], 1);
}

const asDType = (x: Tensor, dtype: Tensor['dtype']): Tensor => cast(x, dtype);

/** Options of `distanceConstrainedLabels`. @category labels */
export interface ConstrainedLabelOptions {
  /** Number of ROI classes, `c - 1` (default 1: a binary ROI). The hard label `b` sits on channel `roiClasses`. */
  readonly roiClasses?: number;
}

/**
 * The hard "far background" label `b` (Eq. 7): 1 on the first background
 * sub-class (channel `roiClasses`, the paper's `j = 2` for a binary ROI), 0 on
 * the other channels. Returned as a `[1, channels, 1, ..., 1]` array that broadcasts.
 * @example farBackgroundLabel(3, 5, { roiClasses: 1 }) // [0, 1, 0] on axis 1
 * @category labels
 */
export function farBackgroundLabel(
  channelCount: number,
  spatialRank: number,
  options: ConstrainedLabelOptions & { readonly dtype?: 'float32' | 'float64' } = {},
): NDArray {
  const k = options.roiClasses ?? 1;
  if (!Number.isInteger(k) || k < 1 || k >= channelCount)
    throw new ValueError('farBackgroundLabel', `roiClasses must be an integer in [1, ${channelCount - 1}], got ${k}`);
  const data = new Array<number>(channelCount).fill(0);
  data[k] = 1;
  return array(data, [1, channelCount, ...new Array<number>(spatialRank).fill(1)], options.dtype ?? 'float32');
}

/**
 * The distance-constrained label (Eq. 9): `y^ = M y~ + (1 - M) b`, where `b` is
 * the hard far-background label of Eq. 7 (1 on the first background
 * sub-class, channel `roiClasses`) and `M` the soft dilated mask of Eq. 8.
 * Near the ROI (`M = 1`) it is `y~`; far away (`M -> 0`) it is `b`.
 *
 * `yTilde` is `[N, c - 1 + t, ...]` (from `aggregateLabels`), `M` is
 * `[N, 1, ...]` (or anything that broadcasts against it).
 * @example const yHat = distanceConstrainedLabels(yTilde, tensor(M))
 * @category labels
 */
export function distanceConstrainedLabels(yTilde: TensorInput, M: TensorInput, options: ConstrainedLabelOptions = {}): Tensor {
  const op = 'distanceConstrainedLabels';
  const yt = asTensorInput(op, yTilde, 'yTilde');
  checkImage(op, yt, 'yTilde');
  const mt0 = asTensorInput(op, M, 'M');
  const mt = mt0.dtype === yt.dtype ? mt0 : asDType(mt0, yt.dtype);
  const dtype = yt.dtype === 'float64' ? 'float64' : 'float32';
  const b = tensor(farBackgroundLabel(yt.shape[1]!, yt.shape.length - 2, { ...options, dtype }));
  // The literal form (not b + M (y~ - b)): exact at both ends, y~ where M = 1 and b where M = 0.
  return add(mul(mt, yt), mul(sub(1, mt), b));
}

/**
 * A ROI label in this package's channel order from an integer label map:
 * label `k` in `1 .. c-1` goes to channel `k - 1`, label 0 (background) to the
 * last channel `c - 1`. `labels` is `[N, D, H, W]` or `[N, 1, D, H, W]`
 * (any integer dtype); the result is a float one-hot `[N, c, D, H, W]`.
 * @example roiOneHot(labelMap, 2) // binary: [ROI, background]
 * @category labels
 */
export function roiOneHot(labels: NDArray, classes: number, dtype: 'float32' | 'float64' = 'float32'): NDArray {
  const op = 'roiOneHot';
  if (!isNDArray(labels)) throw new ValueError(op, 'labels must be an NDArray');
  if (!Number.isInteger(classes) || classes < 2) throw new ValueError(op, `classes must be an integer >= 2, got ${classes}`);
  let spatial: readonly number[];
  if (labels.shape.length === 5 && labels.shape[1] === 1) spatial = labels.shape.slice(2);
  else if (labels.shape.length === 4) spatial = labels.shape.slice(1);
  else throw new ShapeError(op, `labels must be [N, D, H, W] or [N, 1, D, H, W], got ${showShape(labels.shape)}`);
  const n = labels.shape[0]!;
  const vox = spatial.reduce((a, b) => a * b, 1);
  const src = toTypedArray(labels);
  const out = new Float64Array(n * classes * vox);
  for (let i = 0; i < n; i++) {
    for (let v = 0; v < vox; v++) {
      const l = src[i * vox + v]!;
      if (!Number.isInteger(l) || l < 0 || l >= classes) throw new ValueError(op, `label ${l} is not an integer in [0, ${classes - 1}]`);
      const ch = l === 0 ? classes - 1 : l - 1;
      out[(i * classes + ch) * vox + v] = 1;
    }
  }
  return array(out, [n, classes, ...spatial], dtype);
}

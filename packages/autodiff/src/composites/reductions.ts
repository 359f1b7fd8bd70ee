/**
 * Reduction composites: `mean`, `variance`, `logSumExp`, `softmax`,
 * `logSoftmax`, `vdot`. One function each, no rules.
 * @module
 */
import { dual, normalizeAxes } from '@colab-ts/ndarray';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';
import { add } from '../primitives/add.js';
import { div } from '../primitives/div.js';
import { exp } from '../primitives/exp.js';
import { log } from '../primitives/log.js';
import { max } from '../primitives/max.js';
import { mul } from '../primitives/mul.js';
import { reshape } from '../primitives/reshape.js';
import { stopGradient } from '../primitives/stopGradient.js';
import { sub } from '../primitives/sub.js';
import type { ReduceOptions, Reduction } from '../primitives/sum.js';
import { reductionDataFirst, sum } from '../primitives/sum.js';
import { square } from './elementwise.js';

const dataFirst = reductionDataFirst;

/** Arithmetic mean over `axes` (default all). @example mean(x, { axes: [2, 3, 4], keepDims: true }) @category composites */
export const mean: Reduction = dual(dataFirst, (x: TensorLike, options: ReduceOptions = {}): Tensor => {
  const t = asTensor('mean', x);
  const axes = normalizeAxes('mean', options.axes, t.shape.length);
  const n = axes.reduce((p, a) => p * t.shape[a]!, 1);
  return div(sum(t, options), n);
});

/** Biased variance (divides by n) over `axes` (default all). @example variance(x, { axes: [2, 3, 4] }) @category composites */
export const variance: Reduction = dual(dataFirst, (x: TensorLike, options: ReduceOptions = {}): Tensor => {
  const t = asTensor('variance', x);
  return mean(square(sub(t, mean(t, { ...options, keepDims: true }))), options);
});

/**
 * `log(sum(exp(x)))` over `axes`, shifted by the (gradient-stopped) maximum for
 * stability; the shift cancels exactly, so the derivative is the softmax.
 * @example logSumExp(x, { axes: 1 })
 * @category composites
 */
export const logSumExp: Reduction = dual(dataFirst, (x: TensorLike, options: ReduceOptions = {}): Tensor => {
  const t = asTensor('logSumExp', x);
  const m = stopGradient(max(t, { axes: options.axes, keepDims: true }));
  const lse = add(log(sum(exp(sub(t, m)), { axes: options.axes, keepDims: true })), m);
  if (options.keepDims === true) return lse;
  const axes = normalizeAxes('logSumExp', options.axes, t.shape.length);
  return reshape(
    lse,
    t.shape.filter((_, i) => !axes.includes(i)),
  );
});

/** Options of `softmax`/`logSoftmax`: the normalized axes (default -1; use 1 for `[N, C, ...]` channels). @category composites */
export interface SoftmaxOptions {
  readonly axes?: number | readonly number[];
}

/** `x - logSumExp(x)` over `axes` (default -1). @example logSoftmax(logits, { axes: 1 }) @category composites */
export const logSoftmax: {
  (options?: SoftmaxOptions): (x: TensorLike) => Tensor;
  (x: TensorLike, options?: SoftmaxOptions): Tensor;
} = dual(dataFirst, (x: TensorLike, options: SoftmaxOptions = {}): Tensor => {
  const t = asTensor('logSoftmax', x);
  return sub(t, logSumExp(t, { axes: options.axes ?? -1, keepDims: true }));
});

/** `exp(x) / sum(exp(x))` over `axes` (default -1), computed as `exp(logSoftmax(x))`. @example softmax(logits, { axes: 1 }) @category composites */
export const softmax: {
  (options?: SoftmaxOptions): (x: TensorLike) => Tensor;
  (x: TensorLike, options?: SoftmaxOptions): Tensor;
} = dual(dataFirst, (x: TensorLike, options: SoftmaxOptions = {}): Tensor => exp(logSoftmax(x, options)));

/** `sum(a * b)` over all elements (broadcasting): the inner product of two trees' leaves. @example vdot(grad(f)(x), v) @category composites */
export const vdot = (a: TensorLike, b: TensorLike): Tensor => sum(mul(a, b));

/** `sum`: sum over axes. @module */
import { isFloat, normalizeAxes } from '@colab-ts/ndarray';
import { dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { asTensor, checkAxes } from '../internal/coerce.js';
import { broadcastTo } from './broadcastTo.js';
import { reshape } from './reshape.js';

/** The shape with the reduced axes kept as extents of 1. @internal */
export const keepDimsShape = (shape: readonly number[], axes: readonly number[]): number[] => shape.map((d, i) => (axes.includes(i) ? 1 : d));

/** `sum` over normalized `axes`, dropping them (the form the rules use). @internal */
export const sumAxes = (x: Tensor, axes: readonly number[]): Tensor => (axes.length === 0 ? x : bind(sumPrimitive, [x], { axes }));

/** Sum over `axes` (normalized, distinct), which are dropped; integers sum to int32. @category primitives */
export const sumPrimitive: PrimitiveDef<'sum', { readonly axes: readonly number[] }> = definePrimitive({
  name: 'sum',
  shape: ([x], { axes }) => {
    checkAxes('sum', x!.shape, axes);
    return { shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: isFloat(x!.dtype) ? x!.dtype : 'int32' };
  },
  impl: (be, [x], { axes }) => be.kernels.sum(x!, axes, false),
  jvp: linearJvp((t, { axes }) => sumAxes(t, axes)),
  vjp: (ct, [x], { axes }) => [broadcastTo(reshape(ct, keepDimsShape(x!.shape, axes)), x!.shape)],
});

/** Options of the reductions: which axes (default all, negatives from the end), and whether to keep them as 1s. @category ops */
export interface ReduceOptions {
  readonly axes?: number | readonly number[];
  readonly keepDims?: boolean;
}

/** A reduction in both call styles: `op(x, { axes, keepDims })` and `pipe(x, op({ axes }))`. @category ops */
export interface Reduction {
  (options?: ReduceOptions): (x: TensorLike) => Tensor;
  (x: TensorLike, options?: ReduceOptions): Tensor;
}

/** Whether a reduction's arguments are data-first (a tensor or a number before the options). @internal */
export const reductionDataFirst = (args: readonly unknown[]): boolean => isTensor(args[0]) || typeof args[0] === 'number';

/** The public op of a reduction primitive: normalizes the axes, applies `f`, then restores kept dims. @internal */
export const reduction = (op: string, f: (x: Tensor, axes: readonly number[]) => Tensor): Reduction =>
  dual(reductionDataFirst, (x: TensorLike, options: ReduceOptions = {}): Tensor => {
    const t = asTensor(op, x);
    const axes = normalizeAxes(op, options.axes, t.shape.length).sort((a, b) => a - b);
    const y = f(t, axes);
    return options.keepDims === true ? reshape(y, keepDimsShape(t.shape, axes)) : y;
  });

/**
 * Sum over `axes` (default all).
 * @example sum(x, { axes: [2, 3, 4] }) or pipe(x, sum({ axes: [2, 3, 4], keepDims: true }))
 * @category ops
 */
export const sum: Reduction = reduction('sum', sumAxes);

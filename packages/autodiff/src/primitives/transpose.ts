/** `transpose`: permutes axes. @module */
import { ShapeError, dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';

const raw = (x: Tensor, axes: readonly number[]): Tensor => (axes.every((a, i) => a === i) ? x : bind(transposePrimitive, [x], { axes }));

const inverse = (axes: readonly number[]): number[] => {
  const inv = new Array<number>(axes.length);
  axes.forEach((a, i) => (inv[a] = i));
  return inv;
};

/** Output axis `i` is input axis `axes[i]`. @category primitives */
export const transposePrimitive: PrimitiveDef<'transpose', { readonly axes: readonly number[] }> = definePrimitive({
  name: 'transpose',
  shape: ([x], { axes }) => {
    const r = x!.shape.length;
    if (axes.length !== r || new Set(axes).size !== r || !axes.every((a) => Number.isInteger(a) && a >= 0 && a < r)) {
      throw new ShapeError('transpose', `axes [${axes.join(',')}] are not a permutation of ${r} axes`);
    }
    return { shape: axes.map((a) => x!.shape[a]!), dtype: x!.dtype };
  },
  impl: (be, [x], { axes }) => be.kernels.transpose(x!, axes),
  jvp: linearJvp((t, { axes }) => raw(t, axes)),
  vjp: (ct, _x, { axes }) => [raw(ct, inverse(axes))],
});

/**
 * Permutes the axes (default: reverses them); negative axes count from the end.
 * @example transpose(x, [1, 0]) or pipe(x, transpose([1, 0]))
 * @category ops
 */
export const transpose: {
  (axes?: readonly number[]): (x: TensorLike) => Tensor;
  (x: TensorLike, axes?: readonly number[]): Tensor;
} = dual(
  (args) => isTensor(args[0]) || typeof args[0] === 'number',
  (x: TensorLike, axes?: readonly number[]): Tensor => {
    const t = asTensor('transpose', x);
    const r = t.shape.length;
    const a = axes ?? Array.from({ length: r }, (_, i) => r - 1 - i);
    return raw(
      t,
      a.map((v) => (v < 0 ? v + r : v)),
    );
  },
);

/** Swaps the last two axes (matrix transpose of a batch). @category ops */
export function swapLastAxes(x: Tensor): Tensor {
  const r = x.shape.length;
  const axes = Array.from({ length: r }, (_, i) => i);
  axes[r - 2] = r - 1;
  axes[r - 1] = r - 2;
  return raw(x, axes);
}

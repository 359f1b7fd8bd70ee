/** `concat`: joins tensors along an existing axis. @module */
import { DTypeError, ShapeError, normalizeAxis, showShape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor, orZeros } from '../internal/coerce.js';
import { cast } from './cast.js';
import { sliceBox } from './slice.js';
import { promoteTypes } from '@colab-ts/ndarray';

const raw = (xs: readonly Tensor[], axis: number): Tensor => (xs.length === 1 ? xs[0]! : bind(concatPrimitive, xs, { axis }));

/** Concatenation along `axis` (normalized) of tensors of one dtype, equal elsewhere. @category primitives */
export const concatPrimitive: PrimitiveDef<'concat', { readonly axis: number }> = definePrimitive({
  name: 'concat',
  shape: (xs, { axis }) => {
    const first = xs[0];
    if (first === undefined) throw new ShapeError('concat', 'needs at least one tensor');
    const r = first.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= r) throw new ShapeError('concat', `axis ${axis} out of range for rank ${r}`);
    let total = 0;
    for (const x of xs) {
      if (x.dtype !== first.dtype) throw new DTypeError('concat', `dtypes differ: ${first.dtype} and ${x.dtype}`);
      if (x.shape.length !== r || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeError('concat', `shapes ${showShape(first.shape)} and ${showShape(x.shape)} differ off axis ${axis}`);
      }
      total += x.shape[axis]!;
    }
    return { shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype };
  },
  impl: (be, xs, { axis }) => be.kernels.concat(xs, axis),
  jvp: (xs, ts, { axis }) =>
    ts.some((t) => t)
      ? raw(
          xs.map((x, i) => orZeros(ts[i], x)),
          axis,
        )
      : null,
  vjp: (ct, xs, { axis }) => {
    let at = 0;
    return xs.map((x) => {
      const starts = x.shape.map((_, i) => (i === axis ? at : 0));
      const stops = ct.shape.map((d, i) => (i === axis ? at + x.shape[axis]! : d));
      at += x.shape[axis]!;
      return sliceBox(ct, starts, stops);
    });
  },
});

/**
 * Concatenates along `axis` (default 0; dtypes promote).
 * @example concat([a, b], 1) // skip connection on channels
 * @category ops
 */
export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ShapeError('concat', 'needs a non-empty array of tensors');
  const ts = xs.map((x) => asTensor('concat', x));
  const dtype = ts.map((t) => t.dtype).reduce(promoteTypes);
  const r = ts[0]!.shape.length;
  return raw(
    ts.map((t) => cast(t, dtype)),
    normalizeAxis('concat', axis, r),
  );
}

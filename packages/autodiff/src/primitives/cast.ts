/** `cast`: dtype conversion. @module */
import type { DType } from '@colab-ts/ndarray';
import { DTypeError, isDType, isFloat } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { dual } from '@colab-ts/ndarray';
import { asTensor } from '../internal/coerce.js';

const raw = (x: Tensor, dtype: DType): Tensor => (x.dtype === dtype ? x : bind(castPrimitive, [x], { dtype }));

/** Converts to `dtype`; derivatives flow between float dtypes only. @category primitives */
export const castPrimitive: PrimitiveDef<'cast', { readonly dtype: DType }> = definePrimitive({
  name: 'cast',
  shape: ([x], { dtype }) => {
    if (!isDType(dtype)) throw new DTypeError('cast', `unknown dtype ${String(dtype)}`);
    return { shape: x!.shape, dtype };
  },
  impl: (be, [x], { dtype }) => be.kernels.cast(x!, dtype),
  jvp: ([x], [t], { dtype }) => (t && isFloat(x!.dtype) && isFloat(dtype) ? raw(t, dtype) : null),
  vjp: (ct, [x], { dtype }) => [isFloat(x!.dtype) && isFloat(dtype) ? raw(ct, x!.dtype) : null],
});

/**
 * Converts `x` to `dtype` (the same tensor when it already has it).
 * @example cast(mask, 'float64') or pipe(mask, cast('float64'))
 * @category ops
 */
export const cast: {
  (dtype: DType): (x: TensorLike) => Tensor;
  (x: TensorLike, dtype: DType): Tensor;
} = dual(2, (x: TensorLike, dtype: DType): Tensor => raw(asTensor('cast', x, dtype), dtype));

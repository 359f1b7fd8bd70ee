/** `exp`: elementwise natural exponential. @module */
import { floatResult } from '@colab-ts/ndarray';
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';
import { mul } from './mul.js';

const raw = (x: Tensor): Tensor => bind(expPrimitive, [x], {});

/** Elementwise natural exponential. @category primitives */
export const expPrimitive: PrimitiveDef<'exp', NoParams> = definePrimitive({
  name: 'exp',
  shape: ([x]) => ({ shape: x!.shape, dtype: floatResult(x!.dtype) }),
  impl: (be, [x]) => be.kernels.unary(x!, 'exp'),
  jvp: (_x, [t], _p, out) => (t ? mul(t, out) : null),
  vjp: (ct, _x, _p, out) => [mul(ct, out)],
});

/**
 * Elementwise natural exponential.
 * @example exp(x)
 * @category ops
 */
export const exp = (x: TensorLike): Tensor => raw(asTensor('exp', x));

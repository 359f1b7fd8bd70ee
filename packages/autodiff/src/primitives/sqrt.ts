/** `sqrt`: elementwise square root. @module */
import { floatResult } from '@colab-ts/ndarray';
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';
import { div } from './div.js';
import { mul } from './mul.js';

const raw = (x: Tensor): Tensor => bind(sqrtPrimitive, [x], {});

/** Elementwise square root. @category primitives */
export const sqrtPrimitive: PrimitiveDef<'sqrt', NoParams> = definePrimitive({
  name: 'sqrt',
  shape: ([x]) => ({ shape: x!.shape, dtype: floatResult(x!.dtype) }),
  impl: (be, [x]) => be.kernels.unary(x!, 'sqrt'),
  jvp: (_x, [t], _p, out) => (t ? div(t, mul(out, 2)) : null),
  vjp: (ct, _x, _p, out) => [div(ct, mul(out, 2))],
});

/**
 * Elementwise square root.
 * @example sqrt(x)
 * @category ops
 */
export const sqrt = (x: TensorLike): Tensor => raw(asTensor('sqrt', x));

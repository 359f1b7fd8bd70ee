/** `neg`: elementwise negation. @module */
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';

const raw = (x: Tensor): Tensor => bind(negPrimitive, [x], {});

/** Elementwise negation. @category primitives */
export const negPrimitive: PrimitiveDef<'neg', NoParams> = definePrimitive({
  name: 'neg',
  shape: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
  impl: (be, [x]) => be.kernels.unary(x!, 'neg'),
  jvp: linearJvp(raw),
  vjp: (ct) => [raw(ct)],
});

/**
 * Elementwise negation.
 * @example neg(x)
 * @category ops
 */
export const neg = (x: TensorLike): Tensor => raw(asTensor('neg', x));

/** `log`: elementwise natural logarithm. @module */
import { floatResult } from '@colab-ts/ndarray';
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';
import { div } from './div.js';

const raw = (x: Tensor): Tensor => bind(logPrimitive, [x], {});

/** Elementwise natural logarithm. @category primitives */
export const logPrimitive: PrimitiveDef<'log', NoParams> = definePrimitive({
  name: 'log',
  shape: ([x]) => ({ shape: x!.shape, dtype: floatResult(x!.dtype) }),
  impl: (be, [x]) => be.kernels.unary(x!, 'log'),
  jvp: ([x], [t]) => (t ? div(t, x!) : null),
  vjp: (ct, [x]) => [div(ct, x!)],
});

/**
 * Elementwise natural logarithm.
 * @example log(x)
 * @category ops
 */
export const log = (x: TensorLike): Tensor => raw(asTensor('log', x));

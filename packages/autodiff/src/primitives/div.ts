/** `div`: elementwise quotient. @module */
import { floatResult } from '@colab-ts/ndarray';
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { checkSame, elementwiseOperands } from '../internal/coerce.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { sub } from './sub.js';

const raw = (a: Tensor, b: Tensor): Tensor => bind(divPrimitive, [a, b], {});

/** `a / b` on equal shapes and dtypes (integers give float32). @category primitives */
export const divPrimitive: PrimitiveDef<'div', NoParams> = definePrimitive({
  name: 'div',
  shape: (avals) => {
    const a = checkSame('div', avals);
    return { shape: a.shape, dtype: floatResult(a.dtype) };
  },
  impl: (be, [a, b]) => be.kernels.binary(a!, b!, 'div'),
  // d(a / b) = (da - out * db) / b
  jvp: ([, b], [ta, tb], _p, out) => {
    if (!tb) return ta ? raw(ta, b!) : null;
    const num = ta ? sub(ta, mul(out, tb)) : neg(mul(out, tb));
    return raw(num, b!);
  },
  vjp: (ct, [, b], _p, out) => {
    const ga = raw(ct, b!);
    return [ga, neg(mul(ga, out))];
  },
});

/**
 * Elementwise `a / b` (NumPy broadcasting; numbers become scalars).
 * @example div(x, 2)
 * @category ops
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = elementwiseOperands('div', [a, b]);
  return raw(x!, y!);
}

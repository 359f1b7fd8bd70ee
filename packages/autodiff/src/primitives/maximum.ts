/** `maximum`: elementwise larger of two tensors. @module */
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { addOpt, checkSame, elementwiseOperands } from '../internal/coerce.js';
import { add } from './add.js';
import { cast } from './cast.js';
import { equal, greater } from './compare.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

const raw = (a: Tensor, b: Tensor): Tensor => bind(maximumPrimitive, [a, b], {});

// Share of the derivative that goes to `a`: 1 where a > b, 1/2 on ties (as JAX), 0 where a < b.
function weights(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const wa = add(cast(greater(a, b), a.dtype), mul(cast(equal(a, b), a.dtype), 0.5));
  return [wa, sub(1, wa)];
}

/** `max(a, b)` elementwise; on ties each side gets half of the derivative. @category primitives */
export const maximumPrimitive: PrimitiveDef<'maximum', NoParams> = definePrimitive({
  name: 'maximum',
  shape: (avals) => checkSame('maximum', avals),
  impl: (be, [a, b]) => be.kernels.binary(a!, b!, 'maximum'),
  jvp: ([a, b], [ta, tb]) => {
    const [wa, wb] = weights(a!, b!);
    return addOpt(ta ? mul(ta, wa) : null, tb ? mul(tb, wb) : null, add);
  },
  vjp: (ct, [a, b]) => {
    const [wa, wb] = weights(a!, b!);
    return [mul(ct, wa), mul(ct, wb)];
  },
});

/**
 * Elementwise maximum (NumPy broadcasting); ties split the derivative equally.
 * @example maximum(x, 0) // relu
 * @category ops
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = elementwiseOperands('maximum', [a, b]);
  return raw(x!, y!);
}

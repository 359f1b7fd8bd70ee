/** `mul`: elementwise product. @module */
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { addOpt, checkSame, elementwiseOperands } from '../internal/coerce.js';
import { add } from './add.js';

const raw = (a: Tensor, b: Tensor): Tensor => bind(mulPrimitive, [a, b], {});

/** `a * b` on equal shapes and dtypes. @category primitives */
export const mulPrimitive: PrimitiveDef<'mul', NoParams> = definePrimitive({
  name: 'mul',
  shape: (avals) => checkSame('mul', avals),
  impl: (be, [a, b]) => be.kernels.binary(a!, b!, 'mul'),
  jvp: ([a, b], [ta, tb]) => addOpt(ta ? raw(ta, b!) : null, tb ? raw(a!, tb) : null, add),
  vjp: (ct, [a, b]) => [raw(ct, b!), raw(a!, ct)],
});

/**
 * Elementwise `a * b` (NumPy broadcasting; numbers become scalars).
 * @example mul(x, 2)
 * @category ops
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = elementwiseOperands('mul', [a, b]);
  return raw(x!, y!);
}

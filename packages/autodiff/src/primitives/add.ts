/** `add`: elementwise sum. @module */
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { addOpt, checkSame, elementwiseOperands } from '../internal/coerce.js';

const raw = (a: Tensor, b: Tensor): Tensor => bind(addPrimitive, [a, b], {});

/** `a + b` on equal shapes and dtypes. @category primitives */
export const addPrimitive: PrimitiveDef<'add', NoParams> = definePrimitive({
  name: 'add',
  shape: (avals) => checkSame('add', avals),
  impl: (be, [a, b]) => be.kernels.binary(a!, b!, 'add'),
  jvp: (_x, [ta, tb]) => addOpt(ta ?? null, tb ?? null, raw),
  vjp: (ct) => [ct, ct],
});

/**
 * Elementwise `a + b` (NumPy broadcasting; numbers become scalars).
 * @example add(x, 1)
 * @category ops
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = elementwiseOperands('add', [a, b]);
  return raw(x!, y!);
}

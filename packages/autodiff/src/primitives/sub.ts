/** `sub`: elementwise difference. @module */
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { checkSame, elementwiseOperands } from '../internal/coerce.js';
import { neg } from './neg.js';

const raw = (a: Tensor, b: Tensor): Tensor => bind(subPrimitive, [a, b], {});

/** `a - b` on equal shapes and dtypes. @category primitives */
export const subPrimitive: PrimitiveDef<'sub', NoParams> = definePrimitive({
  name: 'sub',
  shape: (avals) => checkSame('sub', avals),
  impl: (be, [a, b]) => be.kernels.binary(a!, b!, 'sub'),
  jvp: (_x, [ta, tb]) => (tb == null ? (ta ?? null) : ta == null ? neg(tb) : raw(ta, tb)),
  vjp: (ct) => [ct, neg(ct)],
});

/**
 * Elementwise `a - b` (NumPy broadcasting; numbers become scalars).
 * @example sub(1, x)
 * @category ops
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = elementwiseOperands('sub', [a, b]);
  return raw(x!, y!);
}

/** `where`: elementwise selection. @module */
import { DTypeError, ShapeError, broadcastShapes, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { checkSame, elementwiseOperands, zerosLike } from '../internal/coerce.js';
import { broadcastTo } from './broadcastTo.js';

const raw = (c: Tensor, a: Tensor, b: Tensor): Tensor => bind(wherePrimitive, [c, a, b], {});

/** `cond ? a : b` elementwise, all three of one shape; `cond` any dtype (non-zero is true). @category primitives */
export const wherePrimitive: PrimitiveDef<'where', NoParams> = definePrimitive({
  name: 'where',
  shape: ([c, a, b]) => {
    const out = checkSame('where', [a!, b!]);
    if (!shapesEqual(c!.shape, out.shape)) {
      throw new ShapeError('where', `condition shape ${showShape(c!.shape)} != operand shape ${showShape(out.shape)}`);
    }
    return out;
  },
  impl: (be, [c, a, b]) => be.kernels.where(c!, a!, b!),
  jvp: ([c, a], [, ta, tb]) => (ta || tb ? raw(c!, ta ?? zerosLike(a!), tb ?? zerosLike(a!)) : null),
  vjp: (ct, [c]) => {
    const z = zerosLike(ct);
    return [null, raw(c!, ct, z), raw(c!, z, ct)];
  },
});

/**
 * Elementwise `cond ? a : b` (the three broadcast together; numbers become scalars).
 * @example where(greater(x, 0), x, 0) // relu
 * @category ops
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond === null || typeof cond !== 'object') throw new DTypeError('where', 'condition must be a Tensor');
  const [x, y] = elementwiseOperands('where', [a, b]);
  const shape = broadcastShapes('where', cond.shape, x!.shape);
  const bc = (t: Tensor): Tensor => (shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape));
  return raw(bc(cond), bc(x!), bc(y!));
}

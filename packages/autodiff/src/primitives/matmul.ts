/** `matmul`: batched matrix product. @module */
import { DTypeError, ShapeError, broadcastShapes, promoteTypes, showShape } from '@colab-ts/ndarray';
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { addOpt, asTensor } from '../internal/coerce.js';
import { cast } from './cast.js';
import { add } from './add.js';
import { broadcastTo } from './broadcastTo.js';
import { reshape } from './reshape.js';
import { swapLastAxes } from './transpose.js';

const raw = (a: Tensor, b: Tensor): Tensor => bind(matmulPrimitive, [a, b], {});

/** `a @ b` for `a: [...batch, m, k]`, `b: [...batch, k, n]` with equal batch axes and dtypes. @category primitives */
export const matmulPrimitive: PrimitiveDef<'matmul', NoParams> = definePrimitive({
  name: 'matmul',
  shape: ([a, b]) => {
    const as = a!.shape;
    const bs = b!.shape;
    const r = as.length;
    if (r < 2 || bs.length !== r || as.slice(0, r - 2).some((d, i) => d !== bs[i])) {
      throw new ShapeError('matmul', `operands must be [...batch, m, k] and [...batch, k, n], got ${showShape(as)} and ${showShape(bs)}`);
    }
    if (as[r - 1] !== bs[r - 2]) {
      throw new ShapeError('matmul', `inner dimensions differ: ${showShape(as)} @ ${showShape(bs)} (${as[r - 1]} != ${bs[r - 2]})`, {
        expected: String(as[r - 1]),
        got: String(bs[r - 2]),
      });
    }
    if (a!.dtype !== b!.dtype) throw new DTypeError('matmul', `dtypes differ: ${a!.dtype} and ${b!.dtype}`);
    return { shape: [...as.slice(0, r - 1), bs[r - 1]!], dtype: a!.dtype };
  },
  impl: (be, [a, b]) => be.kernels.matmul(a!, b!),
  jvp: ([a, b], [ta, tb]) => addOpt(ta ? raw(ta, b!) : null, tb ? raw(a!, tb) : null, add),
  vjp: (ct, [a, b]) => [raw(ct, swapLastAxes(b!)), raw(swapLastAxes(a!), ct)],
});

/**
 * Matrix product with NumPy's rules: leading axes broadcast, a 1-D operand is a
 * row (left) or column (right) vector whose axis is dropped.
 * @example matmul(x, w) // [batch, in] @ [in, out]
 * @category ops
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  let x = asTensor('matmul', a);
  let y = asTensor('matmul', b, x.dtype);
  const dtype = promoteTypes(x.dtype, y.dtype);
  x = cast(x, dtype);
  y = cast(y, dtype);
  if (x.shape.length === 0 || y.shape.length === 0)
    throw new ShapeError('matmul', `operands must have rank >= 1, got ${showShape(x.shape)} and ${showShape(y.shape)}`);
  const vecA = x.shape.length === 1;
  const vecB = y.shape.length === 1;
  if (vecA) x = reshape(x, [1, x.shape[0]!]);
  if (vecB) y = reshape(y, [y.shape[0]!, 1]);
  const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
  y = broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
  const out = raw(x, y);
  const s = out.shape;
  const keep = s.filter((_, i) => !((vecA && i === s.length - 2) || (vecB && i === s.length - 1)));
  return vecA || vecB ? reshape(out, keep) : out;
}

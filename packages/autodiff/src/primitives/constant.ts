/** `constant`: a leaf holding a realized NDArray; `tensor(nd)`, `scalarTensor(2)`. @module */
import type { DType, NDArray } from '@colab-ts/ndarray';
import { DTypeError, ValueError, isNDArray, isDType, scalar } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { isTensor } from '../Tensor.js';

/** Leaf primitive: uploads its NDArray. @category primitives */
export const constantPrimitive: PrimitiveDef<'constant', { readonly value: NDArray }> = definePrimitive({
  name: 'constant',
  shape: (_inputs, { value }) => ({ shape: value.shape, dtype: value.dtype }),
  impl: (be, _inputs, { value }) => be.upload(value),
  jvp: () => null,
  vjp: () => [],
});

/**
 * A leaf tensor holding `x` (a constant of the graph; differentiate with respect
 * to it by passing it as an argument of a transformation).
 * @example const x = tensor(array([1, 2, 3], [3], 'float64'))
 * @category constructors
 */
export function tensor(x: NDArray): Tensor {
  if (isTensor(x)) return x;
  if (!isNDArray(x)) throw new ValueError('tensor', `expected an NDArray, got ${x === null ? 'null' : typeof x}`);
  return bind(constantPrimitive, [], { value: x });
}

// Rules and number operands make many equal scalars (0, 1, 2, 0.5 ...). Sharing one node per
// (value, dtype) is safe, since nodes are immutable and older than any node that uses them, and
// it means one upload per distinct scalar per realize. Bounded so varying values cannot grow it.
const SCALARS = new Map<string, Tensor>();
const MAX_SCALARS = 4096;

/**
 * A rank-0 leaf tensor (default dtype float32).
 * @example scalarTensor(2, 'float64')
 * @category constructors
 */
export function scalarTensor(value: number, dtype: DType = 'float32'): Tensor {
  if (typeof value !== 'number') throw new ValueError('scalarTensor', `expected a number, got ${typeof value}`);
  if (!isDType(dtype)) throw new DTypeError('scalarTensor', `unknown dtype ${String(dtype)}`);
  const k = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
  const hit = SCALARS.get(k);
  if (hit !== undefined) return hit;
  const t = bind(constantPrimitive, [], { value: scalar(value, dtype) });
  if (SCALARS.size >= MAX_SCALARS) SCALARS.clear();
  SCALARS.set(k, t);
  return t;
}

/**
 * The `NDArray` value: an immutable, strided view of one typed array.
 * `{ dtype, shape, strides, offset, data }`; element `[i0, ..., ik]` lives at
 * `data[offset + i0 * strides[0] + ... + ik * strides[k]]` (strides in elements).
 * Views (reshape of packed data, transpose, slice, broadcast, flip) share `data`;
 * no function ever writes to an array it was given.
 * @module
 */
import type { DType, DataOf } from './DType.js';
import { dtypeOfData } from './DType.js';
import type { Shape, ShapeOf } from './Shape.js';
import { contiguousStrides, shapeSize } from './Shape.js';
import { ValueError } from './errors.js';

/**
 * An immutable n-dimensional array. `R` is the rank (`NDArray<5>` for `[N,C,D,H,W]`),
 * `D` the dtype. Treat `data` as read-only: other arrays may share it.
 * @category model
 */
export interface NDArray<R extends number = number, D extends DType = DType> {
  readonly dtype: D;
  readonly shape: ShapeOf<R>;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly data: DataOf<D>;
}

/** Is `x` an NDArray (a record with dtype, shape, strides, offset and typed data)? @category guards */
export function isNDArray(x: unknown): x is NDArray {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Partial<NDArray>;
  return typeof r.dtype === 'string' && Array.isArray(r.shape) && Array.isArray(r.strides) && typeof r.offset === 'number' && dtypeOfData(r.data) === r.dtype;
}

/** Throws unless `x` is an NDArray (guards public entry points). @internal */
export function assertNDArray(op: string, x: unknown, name = 'x'): asserts x is NDArray {
  if (!isNDArray(x)) throw new ValueError(op, `${name} must be an NDArray, got ${x === null ? 'null' : typeof x}`);
}

/**
 * Builds an NDArray record without copying or validating (internal: callers
 * guarantee that every index stays inside `data`).
 * @internal
 */
export function unsafeMake<D extends DType>(dtype: D, shape: Shape, strides: readonly number[], offset: number, data: DataOf<D>): NDArray<number, D> {
  return Object.freeze({
    dtype,
    shape: Object.freeze(shape.slice()),
    strides: Object.freeze(strides.slice()),
    offset,
    data,
  }) as NDArray<number, D>;
}

/** A packed row-major NDArray over `data` (internal: no copy). @internal */
export function fromData<D extends DType>(dtype: D, shape: Shape, data: DataOf<D>): NDArray<number, D> {
  return unsafeMake(dtype, shape, contiguousStrides(shape), 0, data);
}

/** Number of elements. @category model */
export const size = (x: NDArray): number => shapeSize(x.shape);

/** Number of axes. @category model */
export const ndim = (x: NDArray): number => x.shape.length;

/** Are the elements laid out row-major without gaps (any offset)? @category model */
export function isContiguous(x: NDArray): boolean {
  let expected = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    const d = x.shape[i]!;
    if (d === 0) return true;
    if (d !== 1 && x.strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** Contiguous, starting at 0 and spanning all of `data`: `data` is exactly the elements. @category model */
export const isPacked = (x: NDArray): boolean => x.offset === 0 && x.data.length === size(x) && isContiguous(x);

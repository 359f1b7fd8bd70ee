/**
 * Reading arrays into packed float64 buffers and writing results back, for
 * the reference kernels (which accumulate in float64 whatever the dtype).
 * @module
 */
import type { DataOf, DType, NDArray, Shape } from '@colab-ts/ndarray';
import { ValueError, array, contiguousStrides, isNDArray, toTypedArray } from '@colab-ts/ndarray';

/** Throws unless `x` is an NDArray. @category internal */
export function checkArray(op: string, name: string, x: unknown): asserts x is NDArray {
  if (!isNDArray(x)) throw new ValueError(op, `${name} must be an NDArray, got ${x === null ? 'null' : typeof x}`);
}

/** The elements of `x` in row-major order as a fresh Float64Array. @category internal */
export function readF64(x: NDArray): Float64Array {
  const t = toTypedArray(x);
  return t instanceof Float64Array ? t : Float64Array.from(t);
}

/** An array of `shape` and `dtype` holding `data` (rounded to the dtype). @category internal */
export function fromF64(data: Float64Array, shape: Shape, dtype: DType): NDArray {
  return dtype === 'float64' ? array(data, shape, 'float64') : array(data, shape, dtype);
}

/**
 * A packed row-major array over `data` without copying it (`array` copies, through a generic loop):
 * for kernels handing over a buffer they just filled and never touch again. @category internal
 */
export const wrapPacked = <D extends DType>(dtype: D, shape: Shape, data: DataOf<D>): NDArray<number, D> =>
  Object.freeze({ dtype, shape: Object.freeze([...shape]), strides: Object.freeze(contiguousStrides(shape)), offset: 0, data }) as NDArray<number, D>;

/**
 * Reading arrays into packed float64 buffers and writing results back, for
 * the reference kernels (which accumulate in float64 whatever the dtype).
 * @module
 */
import type { DataOf, DType, NDArray, Shape } from '@colab-ts/ndarray';
import { ValueError, array, contiguousStrides, isNDArray, toTypedArray } from '@colab-ts/ndarray';
import { resultDType } from '../options.js';

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

const EMPTY = new Float64Array(0);

/**
 * The frame every reference kernel shares: checks that each operand is an NDArray (a `null` one, such as an absent
 * bias, is skipped) and computes the output shape (its shape rule validates the operands); then the returned function
 * `fill`s a zeroed float64 output from float64 copies of the operands (`data.x` for operand `x`, empty for a `null`
 * one) and returns it in the operands' result dtype.
 * @example referenceKernel('neg', { x }, () => x.shape)((out, d) => d.x.forEach((v, i) => (out[i] = -v)))
 * @category internal
 */
export function referenceKernel<K extends string>(
  op: string,
  operands: { readonly [P in K]: NDArray | null },
  outShape: () => Shape,
): (fill: (out: Float64Array, data: { readonly [P in K]: Float64Array }, shape: Shape) => void) => NDArray {
  const entries = Object.entries(operands) as [K, NDArray | null][];
  for (const [name, a] of entries) if (a !== null) checkArray(op, name, a);
  const shape = outShape();
  return (fill) => {
    const data = Object.fromEntries(entries.map(([name, a]) => [name, a === null ? EMPTY : readF64(a)])) as { readonly [P in K]: Float64Array };
    const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
    fill(out, data, shape);
    return fromF64(out, shape, resultDType(...entries.flatMap(([, a]) => (a === null ? [] : [a.dtype]))));
  };
}

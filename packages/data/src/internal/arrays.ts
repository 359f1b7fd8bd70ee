/**
 * Small helpers shared by the data modules: packed arrays without a copy,
 * shape checks for the `[C, D, H, W]` case layout.
 * @module
 */
import type { DType, DataOf, NDArray } from '@colab-ts/ndarray';
import { ShapeError, contiguous, contiguousStrides, showShape } from '@colab-ts/ndarray';

/** A packed row-major NDArray over `data` (no copy; the caller hands `data` over). @internal */
export function packed<D extends DType>(dtype: D, shape: readonly number[], data: DataOf<D>): NDArray<number, D> {
  return Object.freeze({
    dtype,
    shape: Object.freeze(shape.slice()),
    strides: Object.freeze(contiguousStrides(shape).slice()),
    offset: 0,
    data,
  }) as NDArray<number, D>;
}

/** The packed data of `x` in row-major order (no copy when already packed). @internal */
export function dataOf<D extends DType>(x: NDArray<number, D>): DataOf<D> {
  return contiguous(x).data;
}

/** Throws a ShapeError unless `x` has rank `rank`. @internal */
export function checkRank(op: string, x: NDArray, rank: number, layout: string): void {
  if (x.shape.length !== rank) {
    throw new ShapeError(op, `expected a rank-${rank} ${layout} array, got shape ${showShape(x.shape)}`, {
      expected: layout,
      got: showShape(x.shape),
    });
  }
}

/** The three spatial extents `[D, H, W]` of a `[..., D, H, W]` array. @internal */
export function spatialShape(x: NDArray): [number, number, number] {
  const n = x.shape.length;
  return [x.shape[n - 3]!, x.shape[n - 2]!, x.shape[n - 1]!];
}

/** A triple of numbers (spacing, patch size, ...) checked for length 3 and positivity. @internal */
export function checkTriple(op: string, name: string, t: readonly number[], integer: boolean): [number, number, number] {
  if (!Array.isArray(t) || t.length !== 3 || !t.every((v) => Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
    throw new ShapeError(op, `${name} must be three positive ${integer ? 'integers' : 'numbers'} [d, h, w], got ${JSON.stringify(t)}`);
  }
  return [t[0]!, t[1]!, t[2]!];
}

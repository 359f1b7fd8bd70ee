/**
 * Plain-loop helpers for the ndarray tests. They read arrays straight from the
 * documented layout (`data[offset + sum(i_k * strides[k])]`) so that expected
 * values never come from the functions under test.
 */
import type { NDArray } from '../src/index.js';

/** Row-major multi-index of flat index `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a]!;
    idx[a] = i % d;
    i = Math.floor(i / d);
  }
  return idx;
}

/** Flat row-major index of a multi-index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let a = 0; a < shape.length; a++) f = f * shape[a]! + idx[a]!;
  return f;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/** The element at a multi-index, read from the strided layout by hand. */
export function at(x: NDArray, idx: readonly number[]): number {
  let off = x.offset;
  for (let a = 0; a < idx.length; a++) off += idx[a]! * x.strides[a]!;
  return x.data[off]!;
}

/** All elements in row-major order, read by hand (independent of toTypedArray). */
export function elements(x: NDArray): number[] {
  const n = sizeOf(x.shape);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(at(x, unravel(i, x.shape)));
  return out;
}

/** A snapshot of everything a function could mutate in an array. */
export function snapshot(x: NDArray): string {
  return JSON.stringify({
    dtype: x.dtype,
    shape: Array.from(x.shape),
    strides: Array.from(x.strides),
    offset: x.offset,
    data: Array.from(x.data, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v)),
  });
}

/** Relative-plus-absolute closeness of two numbers (NaN equals NaN). */
export function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= tol * (1 + Math.abs(b));
}

/** Per-element closeness of two number lists of the same length. */
export function allNear(a: readonly number[], b: readonly number[], tol: number): boolean {
  return a.length === b.length && a.every((v, i) => close(v, b[i]!, tol));
}

/** Python's slice.indices for one axis: the selected indices, computed by plain iteration. */
export function pySliceIndices(d: number, start: number | undefined, stop: number | undefined, step: number): number[] {
  let lo: number;
  let hi: number;
  if (step > 0) {
    lo = start === undefined ? 0 : start < 0 ? Math.max(start + d, 0) : Math.min(start, d);
    hi = stop === undefined ? d : stop < 0 ? Math.max(stop + d, 0) : Math.min(stop, d);
  } else {
    lo = start === undefined ? d - 1 : start < 0 ? Math.max(start + d, -1) : Math.min(start, d - 1);
    hi = stop === undefined ? -1 : stop < 0 ? Math.max(stop + d, -1) : Math.min(stop, d - 1);
  }
  const out: number[] = [];
  if (step > 0) for (let i = lo; i < hi; i += step) out.push(i);
  else for (let i = lo; i > hi; i += step) out.push(i);
  return out;
}

/**
 * Joining and padding: `concat` along an existing axis, `stack` along a new one,
 * and constant `pad`.
 * @module
 */
import { full } from './creation.js';
import type { DType } from './DType.js';
import { allocate, holdsValue, promoteTypes } from './DType.js';
import { dual } from './dual.js';
import { ShapeError, ValueError, showShape } from './errors.js';
import { copyStrided } from './internal/assign.js';
import type { NDArray } from './NDArray.js';
import { dataFirst } from './internal/dataFirst.js';
import { assertNDArray, fromData } from './NDArray.js';
import { contiguousStrides, normalizeAxis, shapeSize } from './Shape.js';
import { expandDims } from './views.js';

/**
 * Joins arrays along an existing axis; all other extents must match. The dtype
 * is the promotion of all inputs.
 * @example concat([zeros([2, 3]), ones([1, 3])], 0) // shape [3, 3]
 * @category joining
 */
export function concat(arrays: readonly NDArray[], axis = 0): NDArray {
  if (arrays.length === 0) throw new ValueError('concat', 'needs at least one array');
  arrays.forEach((x, i) => assertNDArray('concat', x, `arrays[${i}]`));
  const first = arrays[0]!;
  const rank = first.shape.length;
  if (rank === 0) throw new ShapeError('concat', 'cannot concatenate rank-0 arrays; use stack');
  const ax = normalizeAxis('concat', axis, rank);
  for (const x of arrays) {
    if (x.shape.length !== rank || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError('concat', `shapes ${arrays.map((y) => showShape(y.shape)).join(', ')} differ off axis ${ax}`);
    }
  }
  const dtype: DType = arrays.map((x) => x.dtype).reduce(promoteTypes);
  const shape = first.shape.slice();
  shape[ax] = arrays.reduce((a, x) => a + x.shape[ax]!, 0);
  const strides = contiguousStrides(shape);
  const out = allocate(dtype, shapeSize(shape));
  let at = 0;
  for (const x of arrays) {
    copyStrided(x.shape, x.data, x.strides, x.offset, out, strides, at * strides[ax]!);
    at += x.shape[ax]!;
  }
  return fromData(dtype, shape, out);
}

/**
 * Joins equally shaped arrays along a new axis.
 * @example stack([a, b], 0) // shape [2, ...a.shape]
 * @category joining
 */
export function stack(arrays: readonly NDArray[], axis = 0): NDArray {
  if (arrays.length === 0) throw new ValueError('stack', 'needs at least one array');
  arrays.forEach((x, i) => assertNDArray('stack', x, `arrays[${i}]`));
  const first = arrays[0]!;
  for (const x of arrays) {
    if (x.shape.length !== first.shape.length || x.shape.some((d, i) => d !== first.shape[i])) {
      throw new ShapeError('stack', `shapes differ: ${arrays.map((y) => showShape(y.shape)).join(', ')}`);
    }
  }
  const ax = normalizeAxis('stack', axis, first.shape.length + 1);
  return concat(
    arrays.map((x) => expandDims(x, ax)),
    ax,
  );
}

/** Pad widths: one number for every side of every axis, or `[before, after]` per axis. @category joining */
export type PadWidths = number | readonly (readonly [number, number])[];

/**
 * Pads with a constant (default 0): `widths[i] = [before, after]` on axis i.
 * @example pad(x, [[1, 1], [0, 2]], { value: -1 })
 * @category joining
 */
export const pad: {
  (widths: PadWidths, options?: { readonly value?: number }): (x: NDArray) => NDArray;
  (x: NDArray, widths: PadWidths, options?: { readonly value?: number }): NDArray;
} = dual(
  dataFirst(3, (a) => typeof a === 'number' || Array.isArray(a)),
  (x: NDArray, widths: PadWidths, options: { readonly value?: number } = {}): NDArray => {
    assertNDArray('pad', x);
    const rank = x.shape.length;
    const w = typeof widths === 'number' ? x.shape.map((): [number, number] => [widths, widths]) : widths;
    if (w.length !== rank) throw new ShapeError('pad', `${w.length} pad widths for an array of rank ${rank}`);
    for (const [lo, hi] of w) {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0) {
        throw new ValueError('pad', `widths must be non-negative integers, got [${lo}, ${hi}]`);
      }
    }
    const shape = x.shape.map((d, i) => d + w[i]![0] + w[i]![1]);
    // The value is a weakly typed scalar: one the integer dtype cannot hold makes the result float32.
    const value = options.value ?? 0;
    const out = full(shape, value, holdsValue(value, x.dtype) ? x.dtype : 'float32');
    const strides = out.strides;
    const start = w.reduce((a, [lo], i) => a + lo * strides[i]!, 0);
    copyStrided(x.shape, x.data, x.strides, x.offset, out.data, strides, start);
    return out;
  },
);

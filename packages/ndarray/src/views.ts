/**
 * Views: new shapes and strides over the same data, without copying where the
 * layout allows (`reshape` copies only a non-contiguous input).
 * @module
 */
import { contiguous } from './creation.js';
import type { DType } from './DType.js';
import { dual } from './dual.js';
import { ShapeError, ValueError, showShape } from './errors.js';
import type { NDArray } from './NDArray.js';
import { dataFirst, isAxes } from './internal/dataFirst.js';
import { assertNDArray, isContiguous, unsafeMake } from './NDArray.js';
import type { Shape } from './Shape.js';
import { broadcastShapes, checkShape, contiguousStrides, normalizeAxes, normalizeAxis, shapeSize } from './Shape.js';

const transposeDataFirst = dataFirst(2, (a) => Array.isArray(a));
const axesDataFirst = dataFirst(2, isAxes);

/** The view of `x` over the axes `axes`, in that order (a permutation, or a subset of extent-1 axes dropped). */
function pickAxes<D extends DType>(x: NDArray<number, D>, axes: readonly number[]): NDArray<number, D> {
  return unsafeMake(
    x.dtype,
    axes.map((a) => x.shape[a]!),
    axes.map((a) => x.strides[a]!),
    x.offset,
    x.data,
  );
}

function resolveReshape(shape: Shape, total: number): number[] {
  const free = shape.filter((d) => d === -1).length;
  if (free > 1) throw new ShapeError('reshape', `at most one -1 allowed in ${showShape(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < -1) throw new ShapeError('reshape', `invalid extent ${d} in ${showShape(shape)}`);
  }
  const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (shapeSize(out) !== total || !out.every(Number.isInteger)) {
    throw new ShapeError('reshape', `cannot reshape ${total} elements into ${showShape(shape)}`, {
      expected: `a shape of ${total} elements`,
      got: showShape(shape),
    });
  }
  return out;
}

/**
 * The same elements in row-major order under a new shape (one extent may be -1).
 * A view when the input is contiguous, a packed copy otherwise.
 * @example reshape(arange(6), [2, -1]) // shape [2, 3]
 * @category views
 */
export const reshape: {
  (shape: Shape): <D extends DType>(x: NDArray<number, D>) => NDArray<number, D>;
  <D extends DType>(x: NDArray<number, D>, shape: Shape): NDArray<number, D>;
} = dual(2, <D extends DType>(x: NDArray<number, D>, shape: Shape): NDArray<number, D> => {
  assertNDArray('reshape', x);
  const total = shapeSize(x.shape);
  const target = resolveReshape(shape, total);
  const src = isContiguous(x) ? x : contiguous(x);
  return unsafeMake(src.dtype, target, contiguousStrides(target), src.offset, src.data);
});

/**
 * Permutes the axes (reverses them by default). Always a view.
 * @example transpose(x, [0, 2, 1])
 * @category views
 */
export const transpose: {
  (axes?: readonly number[]): <R extends number, D extends DType>(x: NDArray<R, D>) => NDArray<R, D>;
  <R extends number, D extends DType>(x: NDArray<R, D>, axes?: readonly number[]): NDArray<R, D>;
} = dual(transposeDataFirst, <R extends number, D extends DType>(x: NDArray<R, D>, axes?: readonly number[]): NDArray<R, D> => {
  assertNDArray('transpose', x);
  const rank = x.shape.length;
  const perm = axes === undefined ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : normalizeAxes('transpose', axes, rank);
  if (perm.length !== rank) {
    throw new ShapeError('transpose', `axes [${(axes ?? []).join(',')}] is not a permutation of ${rank} axes`);
  }
  return pickAxes(x, perm) as unknown as NDArray<R, D>;
});

/** Start, stop and step along one axis, Python-style: negatives count from the end, bounds are clamped. */
export interface SliceSpec {
  readonly start?: number | undefined;
  readonly stop?: number | undefined;
  readonly step?: number | undefined;
}

/**
 * Resolves one axis's slice spec against its extent `d` (NumPy rules; `null`
 * or `undefined` takes the whole axis): the first index, the number of
 * elements and the step. Shared by every package that slices.
 * @example sliceIndices({ start: -1, step: -1 }, 4, 0) // { start: 3, length: 4, step: -1 }
 * @category views
 */
export function sliceIndices(spec: SliceSpec | null | undefined, d: number, axis: number): { start: number; length: number; step: number } {
  if (spec === null || spec === undefined) return { start: 0, length: d, step: 1 };
  const step = spec.step ?? 1;
  if (!Number.isInteger(step) || step === 0) throw new ValueError('slice', `step must be a non-zero integer on axis ${axis}, got ${step}`);
  const norm = (v: number | undefined, dflt: number, lo: number, hi: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new ValueError('slice', `bounds must be integers on axis ${axis}, got ${v}`);
    const w = v < 0 ? v + d : v;
    return Math.min(Math.max(w, lo), hi);
  };
  if (step > 0) {
    const start = norm(spec.start, 0, 0, d);
    const stop = norm(spec.stop, d, 0, d);
    return { start, step, length: Math.max(0, Math.ceil((stop - start) / step)) };
  }
  const start = norm(spec.start, d - 1, -1, d - 1);
  const stop = norm(spec.stop, -1, -1, d - 1);
  // An explicit negative stop that wraps below 0 means "through index 0".
  return { start, step, length: Math.max(0, Math.ceil((start - stop) / -step)) };
}

/**
 * A strided sub-view: one `{ start, stop, step }` per leading axis (`null` or a
 * missing entry takes the whole axis). Always a view.
 * @example slice(x, [{ start: 1 }, null, { step: -1 }])
 * @category views
 */
export const slice: {
  (specs: readonly (SliceSpec | null | undefined)[]): <R extends number, D extends DType>(x: NDArray<R, D>) => NDArray<R, D>;
  <R extends number, D extends DType>(x: NDArray<R, D>, specs: readonly (SliceSpec | null | undefined)[]): NDArray<R, D>;
} = dual(2, <R extends number, D extends DType>(x: NDArray<R, D>, specs: readonly (SliceSpec | null | undefined)[]) => {
  assertNDArray('slice', x);
  if (specs.length > x.shape.length) {
    throw new ShapeError('slice', `${specs.length} slice specs for an array of rank ${x.shape.length}`);
  }
  let offset = x.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  for (let ax = 0; ax < x.shape.length; ax++) {
    const d = x.shape[ax]!;
    const st = x.strides[ax]!;
    const spec = specs[ax];
    if (spec === null || spec === undefined) {
      shape.push(d);
      strides.push(st);
      continue;
    }
    const { start, length, step } = sliceIndices(spec, d, ax);
    if (length > 0) offset += start * st;
    shape.push(length);
    strides.push(st * step);
  }
  return unsafeMake(x.dtype, shape, strides, offset, x.data) as unknown as NDArray<R, D>;
});

/**
 * Inserts an axis of extent 1 at `axis` (negative counts from the end of the result).
 * @example expandDims(arange(3), 0) // shape [1, 3]
 * @category views
 */
export const expandDims: {
  (axis: number): <D extends DType>(x: NDArray<number, D>) => NDArray<number, D>;
  <D extends DType>(x: NDArray<number, D>, axis: number): NDArray<number, D>;
} = dual(2, <D extends DType>(x: NDArray<number, D>, axis: number): NDArray<number, D> => {
  assertNDArray('expandDims', x);
  const ax = normalizeAxis('expandDims', axis, x.shape.length + 1);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(ax, 0, 1);
  strides.splice(ax, 0, 0);
  return unsafeMake(x.dtype, shape, strides, x.offset, x.data);
});

/**
 * Removes axes of extent 1 (the given ones, or all of them).
 * @example squeeze(zeros([1, 3, 1])) // shape [3]
 * @category views
 */
export const squeeze: {
  (axes?: number | readonly number[]): <D extends DType>(x: NDArray<number, D>) => NDArray<number, D>;
  <D extends DType>(x: NDArray<number, D>, axes?: number | readonly number[]): NDArray<number, D>;
} = dual(axesDataFirst, <D extends DType>(x: NDArray<number, D>, axes?: number | readonly number[]): NDArray<number, D> => {
  assertNDArray('squeeze', x);
  const drop = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axes, x.shape.length);
  for (const a of drop) {
    if (x.shape[a] !== 1) throw new ShapeError('squeeze', `axis ${a} has extent ${x.shape[a]}, not 1, in ${showShape(x.shape)}`);
  }
  const keep = x.shape.map((_, i) => i).filter((i) => !drop.includes(i));
  return pickAxes(x, keep);
});

/**
 * A read-only view repeating `x` to `shape` under NumPy broadcasting (stride 0 on
 * broadcast axes).
 * @example broadcastTo(array([1, 2, 3]), [2, 3])
 * @category views
 */
export const broadcastTo: {
  (shape: Shape): <D extends DType>(x: NDArray<number, D>) => NDArray<number, D>;
  <D extends DType>(x: NDArray<number, D>, shape: Shape): NDArray<number, D>;
} = dual(2, <D extends DType>(x: NDArray<number, D>, shape: Shape): NDArray<number, D> => {
  assertNDArray('broadcastTo', x);
  checkShape('broadcastTo', shape);
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
    throw new ShapeError('broadcastTo', `cannot broadcast ${showShape(x.shape)} to ${showShape(shape)}`, {
      expected: showShape(shape),
      got: showShape(x.shape),
    });
  }
  const lead = shape.length - x.shape.length;
  const strides = shape.map((d, i) => {
    if (i < lead) return 0;
    const src = x.shape[i - lead]!;
    return src === 1 && d !== 1 ? 0 : x.strides[i - lead]!;
  });
  return unsafeMake(x.dtype, shape, strides, x.offset, x.data);
});

/**
 * Reverses the order of elements along the given axes (all by default). A view.
 * @example flip(arange(3)) // [2, 1, 0]
 * @category views
 */
export const flip: {
  (axes?: number | readonly number[]): <R extends number, D extends DType>(x: NDArray<R, D>) => NDArray<R, D>;
  <R extends number, D extends DType>(x: NDArray<R, D>, axes?: number | readonly number[]): NDArray<R, D>;
} = dual(axesDataFirst, <R extends number, D extends DType>(x: NDArray<R, D>, axes?: number | readonly number[]) => {
  assertNDArray('flip', x);
  const list = normalizeAxes('flip', axes, x.shape.length);
  let offset = x.offset;
  const strides = x.strides.slice();
  for (const a of list) {
    const d = x.shape[a]!;
    if (d > 0) offset += (d - 1) * x.strides[a]!;
    strides[a] = -x.strides[a]!;
  }
  return unsafeMake(x.dtype, x.shape, strides, offset, x.data) as unknown as NDArray<R, D>;
});

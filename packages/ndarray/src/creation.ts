/**
 * Making arrays: from data, filled, ranges, nested lists, scalars; turning them
 * back into typed arrays and nested lists; casting; packing views.
 * @module
 */
import type { DType, DataOf } from './DType.js';
import { allocate, checkDType, dtypeOfData, isFloat } from './DType.js';
import { ShapeError, ValueError, showShape } from './errors.js';
import { copyStrided } from './internal/assign.js';
import type { NDArray } from './NDArray.js';
import { assertNDArray, fromData, isPacked, size } from './NDArray.js';
import type { Shape } from './Shape.js';
import { checkShape, contiguousStrides, shapeSize } from './Shape.js';

/** Nested lists of numbers, as `fromNested` reads and `toNested` writes them. @category model */
export type Nested = number | readonly Nested[];

function checkIntegral(op: string, dtype: DType, values: ArrayLike<number>): void {
  if (isFloat(dtype)) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new ValueError(op, `cannot store ${v} at index ${i} in a ${dtype} array`);
  }
}

/**
 * An array from flat data (copied) and a shape (default: 1-D).
 * The dtype defaults to the typed array's own, or float32 for plain number lists.
 * @example array([1, 2, 3, 4], [2, 2])
 * @category creation
 */
export function array<D extends DType = 'float32'>(data: ArrayLike<number>, shape?: Shape, dtype?: D): NDArray<number, D> {
  const dt = (dtype === undefined ? (dtypeOfData(data) ?? 'float32') : checkDType('array', dtype)) as D;
  const shp = shape === undefined ? [data.length] : checkShape('array', shape);
  if (shapeSize(shp) !== data.length) {
    throw new ShapeError('array', `${data.length} values cannot fill shape ${showShape(shp)}`, {
      expected: String(shapeSize(shp)),
      got: String(data.length),
    });
  }
  checkIntegral('array', dt, data);
  const out = allocate(dt, data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]!;
  return fromData(dt, shp, out);
}

/** An array of `shape` filled with `value`. @example full([2, 3], 7, 'int32') @category creation */
export function full<D extends DType = 'float32'>(shape: Shape, value: number, dtype?: D): NDArray<number, D> {
  const dt = (dtype === undefined ? 'float32' : checkDType('full', dtype)) as D;
  const shp = checkShape('full', shape);
  checkIntegral('full', dt, [value]);
  const data = allocate(dt, shapeSize(shp));
  if (value !== 0) data.fill(value);
  return fromData(dt, shp, data);
}

/** An array of zeros. @example zeros([2, 2]) @category creation */
export const zeros = <D extends DType = 'float32'>(shape: Shape, dtype?: D): NDArray<number, D> => full(shape, 0, dtype);

/** An array of ones. @example ones([3], 'uint8') @category creation */
export const ones = <D extends DType = 'float32'>(shape: Shape, dtype?: D): NDArray<number, D> => full(shape, 1, dtype);

/** A rank-0 array holding one value. @example scalar(2.5) @category creation */
export const scalar = <D extends DType = 'float32'>(value: number, dtype?: D): NDArray<0, D> => full([], value, dtype) as unknown as NDArray<0, D>;

/**
 * Evenly spaced values in `[start, stop)` with `step` (NumPy's arange). With one
 * argument it counts from 0. The dtype defaults to int32 when every argument is an
 * integer, float32 otherwise.
 * @example arange(5) // [0,1,2,3,4]
 * @category creation
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): NDArray<1> {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (![lo, hi, step].every(Number.isFinite)) throw new ValueError('arange', `start, stop and step must be finite, got ${lo}, ${hi}, ${step}`);
  if (step === 0) throw new ValueError('arange', 'step must not be 0');
  const dt = dtype ?? ([lo, hi, step].every(Number.isInteger) ? 'int32' : 'float32');
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const data = allocate(checkDType('arange', dt), n);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return fromData(dt, [n], data) as NDArray<1>;
}

/**
 * `num` evenly spaced values from `start` to `stop` (inclusive unless `endpoint: false`).
 * @example linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1]
 * @category creation
 */
export function linspace(start: number, stop: number, num: number, options: { readonly endpoint?: boolean; readonly dtype?: DType } = {}): NDArray<1> {
  if (!Number.isInteger(num) || num < 0) throw new ValueError('linspace', `num must be a non-negative integer, got ${num}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new ValueError('linspace', `start and stop must be finite, got ${start}, ${stop}`);
  const endpoint = options.endpoint ?? true;
  const dt = checkDType('linspace', options.dtype ?? 'float32');
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const data = allocate(dt, num);
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (endpoint && num > 1) data[num - 1] = stop;
  return fromData(dt, [num], data) as NDArray<1>;
}

/**
 * An array from nested lists; the shape is read from the nesting, which must be regular.
 * @example fromNested([[1, 2], [3, 4]]) // shape [2, 2]
 * @category creation
 */
export function fromNested<D extends DType = 'float32'>(nested: Nested, dtype?: D): NDArray<number, D> {
  const shape: number[] = [];
  let probe: Nested = nested;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = (probe as readonly Nested[])[0]!;
  }
  const flat: number[] = [];
  const walk = (node: Nested, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new ShapeError('fromNested', `ragged nesting at ${path}: expected a number`);
      flat.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new ShapeError('fromNested', `ragged nesting at ${path}: expected a list of ${shape[depth]}`, {
        expected: showShape(shape),
      });
    }
    (node as readonly Nested[]).forEach((child, i) => walk(child, depth + 1, `${path}[${i}]`));
  };
  walk(nested, 0, 'root');
  return array(flat, shape, dtype);
}

/** Nested lists of the elements (a number for rank 0). @example toNested(arange(4)) // [0,1,2,3] @category conversion */
export function toNested(x: NDArray): Nested {
  assertNDArray('toNested', x);
  const rec = (depth: number, off: number): Nested => {
    if (depth === x.shape.length) return x.data[off]!;
    const out: Nested[] = [];
    for (let i = 0; i < x.shape[depth]!; i++) out.push(rec(depth + 1, off + i * x.strides[depth]!));
    return out;
  };
  return rec(0, x.offset);
}

/** A fresh packed typed array of the elements in row-major order (always a copy). @category conversion */
export function toTypedArray<D extends DType>(x: NDArray<number, D>): DataOf<D> {
  assertNDArray('toTypedArray', x);
  const out = allocate(x.dtype, size(x));
  copyStrided(x.shape, x.data, x.strides, x.offset, out, contiguousStrides(x.shape), 0);
  return out;
}

/** A packed row-major array with the same elements (the input itself when already packed). @category conversion */
export function contiguous<R extends number, D extends DType>(x: NDArray<R, D>): NDArray<R, D> {
  assertNDArray('contiguous', x);
  if (isPacked(x)) return x;
  return fromData(x.dtype, x.shape, toTypedArray(x)) as unknown as NDArray<R, D>;
}

/**
 * The elements converted to another dtype. Floats become integers by truncation
 * toward zero and wrap modulo 2^bits (typed-array semantics); NaN or infinite
 * values cannot become integers and throw.
 * @example astype(array([1.7, -1.7]), 'int32') // [1, -1]
 * @category conversion
 */
export function astype<R extends number, D extends DType>(x: NDArray<R>, dtype: D): NDArray<R, D> {
  assertNDArray('astype', x);
  checkDType('astype', dtype);
  if (x.dtype === dtype) return x as unknown as NDArray<R, D>;
  const src = toTypedArray(x);
  checkIntegral('astype', dtype, src);
  const out = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return fromData(dtype, x.shape, out) as unknown as NDArray<R, D>;
}

/** The element at a multi-index (negative indices count from the end). @example get(eye, [1, 1]) @category conversion */
export function get(x: NDArray, index: readonly number[]): number {
  assertNDArray('get', x);
  if (index.length !== x.shape.length) {
    throw new ShapeError('get', `index of length ${index.length} for an array of rank ${x.shape.length}`);
  }
  let off = x.offset;
  for (let i = 0; i < index.length; i++) {
    const d = x.shape[i]!;
    const raw = index[i]!;
    const j = raw < 0 ? raw + d : raw;
    if (!Number.isInteger(j) || j < 0 || j >= d) throw new ShapeError('get', `index ${raw} out of range for axis ${i} of extent ${d}`);
    off += j * x.strides[i]!;
  }
  return x.data[off]!;
}

/** The single element of a size-1 array. @category conversion */
export function item(x: NDArray): number {
  assertNDArray('item', x);
  if (size(x) !== 1) throw new ShapeError('item', `needs exactly one element, got shape ${showShape(x.shape)}`);
  return get(
    x,
    x.shape.map(() => 0),
  );
}

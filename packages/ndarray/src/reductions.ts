/**
 * Reductions over any set of axes (`keepDims` keeps them as extent 1), and the
 * numerically safe `logSumExp` and `softmax`.
 * @module
 */
import { contiguous } from './creation.js';
import type { AnyData, DType } from './DType.js';
import { allocate, floatResult, isFloat } from './DType.js';
import { dual } from './dual.js';
import { ShapeError, showShape } from './errors.js';
import { add, div, exp, log, map, sub } from './elementwise.js';
import type { NDArray } from './NDArray.js';
import { gather, scratch } from './internal/chunks.js';
import { dataFirst, isOptionsRecord } from './internal/dataFirst.js';
import { assertNDArray, fromData, isContiguous } from './NDArray.js';
import { normalizeAxes, normalizeAxis } from './Shape.js';
import { reshape, transpose } from './views.js';

/** Which axes to reduce (all by default) and whether to keep them as extent 1. @category reductions */
export interface ReduceOptions {
  readonly axes?: number | readonly number[] | undefined;
  readonly keepDims?: boolean | undefined;
}

/** One axis (the flattened array by default) and whether to keep it as extent 1. @category reductions */
export interface ArgOptions {
  readonly axis?: number | undefined;
  readonly keepDims?: boolean | undefined;
}

/**
 * Reduces one float64 chunk into a running state. `state` starts as `init`
 * and `base` is the chunk's index within its row (for arg reductions).
 */
interface ChunkReducer {
  readonly init: () => [number, number];
  readonly step: (chunk: Float64Array, n: number, state: [number, number], base: number) => void;
  readonly result: (state: [number, number]) => number;
}

/**
 * Moves the reduced axes last, packs when needed, and reduces each run of
 * reduced elements chunk by chunk through float64 scratch (internal/chunks).
 */
function reduceRows(op: string, x: NDArray, axes: readonly number[], keepDims: boolean, dtype: DType, r: ChunkReducer, allowEmpty: boolean): NDArray {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const moved = transpose(x, [...kept, ...axes]);
  const v = isContiguous(moved) ? moved : contiguous(moved);
  const m = axes.reduce((a, i) => a * x.shape[i]!, 1);
  const outer = kept.reduce((a, i) => a * x.shape[i]!, 1);
  if (m === 0 && outer > 0 && !allowEmpty) {
    throw new ShapeError(op, `zero-size reduction over axes [${axes.join(',')}] of ${showShape(x.shape)}`);
  }
  const out = allocate(dtype, outer);
  if (r === sumRow && v.data instanceof Float32Array) {
    for (let i = 0; i < outer; i++) out[i] = sumFloat32(v.data, v.offset + i * m, m);
  } else {
    reduceStaged(v.data, v.offset, outer, m, r, out);
  }
  const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((i) => x.shape[i]!);
  return fromData(dtype, shape, out);
}

/** Reduces `outer` packed runs of `m` elements through float64 chunks. */
function reduceStaged(data: AnyData, offset: number, outer: number, m: number, r: ChunkReducer, out: AnyData): void {
  const buf = scratch(m);
  const ch = buf.length;
  for (let i = 0; i < outer; i++) {
    const state = r.init();
    const start = offset + i * m;
    for (let s = 0; s < m; s += ch) {
      const n = Math.min(ch, m - s);
      gather(data, start + s, 1, n, buf);
      r.step(buf, n, state, s);
    }
    out[i] = r.result(state);
  }
}

type ReduceFn = {
  (options?: ReduceOptions): (x: NDArray) => NDArray;
  (x: NDArray, options?: ReduceOptions): NDArray;
};

const firstIsArray = dataFirst(2, isOptionsRecord);
const softmaxDataFirst = dataFirst(2, (a) => typeof a === 'number');

function reducer(op: string, row: ChunkReducer, result: (d: DType) => DType, allowEmpty: boolean): ReduceFn {
  return dual(firstIsArray, (x: NDArray, options: ReduceOptions = {}): NDArray => {
    assertNDArray(op, x);
    const axes = normalizeAxes(op, options.axes, x.shape.length);
    return reduceRows(op, x, axes, options.keepDims ?? false, result(x.dtype), row, allowEmpty);
  });
}

const sumRow: ChunkReducer = {
  init: () => [0, 0],
  step: (d, n, st) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += d[i]!;
    st[0] += acc;
  },
  result: (st) => st[0],
};
/**
 * The float32 fast path of `sum` over a packed run: a loop that only ever sees
 * Float32Array (monomorphic in V8, so as fast as a hand-written loop), with
 * four accumulators for shorter dependency chains and smaller rounding error.
 */
function sumFloat32(d: Float32Array, start: number, n: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const end = start + n;
  let i = start;
  for (; i + 3 < end; i += 4) {
    a0 += d[i]!;
    a1 += d[i + 1]!;
    a2 += d[i + 2]!;
    a3 += d[i + 3]!;
  }
  for (; i < end; i++) a0 += d[i]!;
  return a0 + a1 + (a2 + a3);
}
// state: [best value, index of best]; NaN wins and stops the search.
const extremum = (better: (v: number, best: number) => boolean, start: number): ChunkReducer => ({
  init: () => [start, -1],
  step: (d, n, st, base) => {
    if (Number.isNaN(st[0])) return;
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      if (Number.isNaN(v)) {
        st[0] = NaN;
        st[1] = base + i;
        return;
      }
      if (better(v, st[0]) || st[1] < 0) {
        st[0] = v;
        st[1] = base + i;
      }
    }
  },
  result: (st) => st[0],
});
const maxRow = extremum((v, b) => v > b, -Infinity);
const minRow = extremum((v, b) => v < b, Infinity);
const argResult = (r: ChunkReducer): ChunkReducer => ({ ...r, result: (st) => st[1] });

const sumType = (d: DType): DType => (isFloat(d) ? d : 'int32');

/** Sum over axes (integers sum to int32; accumulation in float64). @example sum(x, { axes: [1], keepDims: true }) @category reductions */
export const sum = reducer('sum', sumRow, sumType, true);
/** Maximum over axes (NaN propagates). @example max(x, { axes: -1 }) @category reductions */
export const max = reducer('max', maxRow, (d) => d, false);
/** Minimum over axes (NaN propagates). @category reductions */
export const min = reducer('min', minRow, (d) => d, false);

/** Arithmetic mean over axes (floating point; NaN for an empty reduction). @example mean(x) @category reductions */
export const mean: ReduceFn = dual(firstIsArray, (x: NDArray, options: ReduceOptions = {}): NDArray => {
  assertNDArray('mean', x);
  const axes = normalizeAxes('mean', options.axes, x.shape.length);
  const count = axes.reduce((a, i) => a * x.shape[i]!, 1);
  const s = reduceRows('mean', x, axes, options.keepDims ?? false, floatResult(x.dtype), sumRow, true);
  return map(s, (v) => v / count, s.dtype, 'mean');
});

type ArgFn = {
  (options?: ArgOptions): (x: NDArray) => NDArray;
  (x: NDArray, options?: ArgOptions): NDArray;
};

function argReducer(op: string, row: ChunkReducer): ArgFn {
  return dual(firstIsArray, (x: NDArray, options: ArgOptions = {}): NDArray => {
    assertNDArray(op, x);
    if (options.axis === undefined) {
      const flat = reshape(x, [-1]);
      const r = reduceRows(op, flat, [0], false, 'int32', row, false);
      return options.keepDims
        ? reshape(
            r,
            x.shape.map(() => 1),
          )
        : r;
    }
    const axis = normalizeAxis(op, options.axis, x.shape.length);
    return reduceRows(op, x, [axis], options.keepDims ?? false, 'int32', row, false);
  });
}

/** Index of the maximum along one axis (or of the flattened array); first one on ties or NaN. @category reductions */
export const argmax = argReducer('argmax', argResult(maxRow));
/** Index of the minimum along one axis (or of the flattened array); first one on ties or NaN. @category reductions */
export const argmin = argReducer('argmin', argResult(minRow));

/**
 * `log(sum(exp(x)))` over axes, shifted by the maximum so it never overflows.
 * @example logSumExp(logits, { axes: 1 })
 * @category reductions
 */
export const logSumExp: ReduceFn = dual(firstIsArray, (x: NDArray, options: ReduceOptions = {}): NDArray => {
  assertNDArray('logSumExp', x);
  const axes = normalizeAxes('logSumExp', options.axes, x.shape.length);
  const m = map(max(x, { axes, keepDims: true }), (v) => (Number.isFinite(v) ? v : 0), floatResult(x.dtype));
  const r = add(log(sum(exp(sub(x, m)), { axes, keepDims: true })), m);
  return options.keepDims
    ? r
    : reshape(
        r,
        x.shape.filter((_, i) => !axes.includes(i)),
      );
});

/**
 * `exp(x) / sum(exp(x))` along `axis` (default last), computed after subtracting the maximum.
 * @example softmax(logits, 1)
 * @category reductions
 */
export const softmax: {
  (axis?: number): (x: NDArray) => NDArray;
  (x: NDArray, axis?: number): NDArray;
} = dual(softmaxDataFirst, (x: NDArray, axis = -1): NDArray => {
  assertNDArray('softmax', x);
  const ax = normalizeAxis('softmax', axis, x.shape.length);
  const e = exp(sub(x, max(x, { axes: ax, keepDims: true })));
  return div(e, sum(e, { axes: ax, keepDims: true }));
});

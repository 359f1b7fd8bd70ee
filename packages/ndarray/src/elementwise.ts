/**
 * Elementwise arithmetic, math and comparisons under NumPy broadcasting.
 * Plain numbers are weakly typed scalars: `add(x, 1)` keeps `x`'s dtype (an
 * integer array with a fractional number becomes float32). Arrays promote by
 * `uint8 < int32 < float32 < float64`; `div` and the transcendental functions
 * return floats; comparisons return `uint8` (1 true, 0 false).
 * @module
 */
import { full, toTypedArray } from './creation.js';
import type { DType } from './DType.js';
import { allocate, floatResult, holdsValue, isFloat, promoteTypes } from './DType.js';
import { dual } from './dual.js';
import { ValueError } from './errors.js';
import { gather, scratch } from './internal/chunks.js';
import { forEachRow } from './internal/iterate.js';
import type { NDArray } from './NDArray.js';
import { assertNDArray, fromData, isContiguous, isNDArray } from './NDArray.js';
import type { Shape } from './Shape.js';
import { broadcastShapes, contiguousStrides, shapesEqual, shapeSize } from './Shape.js';

/** An array or a plain number (a weakly typed scalar). @category elementwise */
export type ArrayOrScalar = NDArray | number;

/**
 * A plain number as a rank-0 array. It takes its peer's dtype when that dtype
 * holds it: any number with a float peer, an in-range integer with an integer
 * peer. Otherwise (a fraction, NaN, an infinity or an out-of-range integer next
 * to an integer array) it becomes float32, or float64 for comparisons, whose
 * uint8 result does not depend on it, so that `greater(u8, -1)` or
 * `less(i32, 2 ** 31)` compare against the number actually given.
 */
function operand(op: string, x: ArrayOrScalar, peer: ArrayOrScalar, compare: boolean): NDArray {
  if (typeof x !== 'number') {
    assertNDArray(op, x);
    return x;
  }
  const peerType: DType = isNDArray(peer) ? peer.dtype : 'float32';
  if (holdsValue(x, peerType)) return full([], x, peerType);
  return full([], x, compare ? 'float64' : 'float32');
}

function broadcastStrides(x: NDArray, shape: Shape): number[] {
  const lead = shape.length - x.shape.length;
  return shape.map((_d, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.strides[i - lead]!));
}

/** A monomorphic loop over float64 chunks: `out[i] = op(ins[0][i], ...)` for `i < n`. */
type Kernel = (ins: readonly Float64Array[], out: Float64Array, n: number) => void;

/**
 * Runs `kernel` over the broadcast of `inputs` into a fresh packed array of
 * `dtype`, staging every operand through float64 chunks (see internal/chunks).
 */
function elementwise(op: string, inputs: readonly NDArray[], dtype: DType, kernel: Kernel, f32?: F32Kernel): NDArray {
  const shape = broadcastShapes(op, ...inputs.map((x) => x.shape));
  const total = shapeSize(shape);
  const out = allocate(dtype, total);
  const stridesList = [...inputs.map((x) => broadcastStrides(x, shape)), contiguousStrides(shape)];
  const datas = inputs.map((x) => x.data);
  const k = inputs.length;
  if (f32 !== undefined && dtype === 'float32' && k === 2) {
    const [x, y] = inputs as [NDArray, NDArray];
    if (x.data instanceof Float32Array && y.data instanceof Float32Array && isContiguous(x) && isContiguous(y) && shapesEqual(x.shape, y.shape)) {
      f32(x.data, x.offset, y.data, y.offset, out as Float32Array, total);
      return fromData(dtype, shape, out);
    }
  }
  const bufs = inputs.map(() => scratch(total));
  const res = scratch(total);
  const ch = res.length;
  forEachRow(shape, stridesList, [...inputs.map((x) => x.offset), 0], (offs, n, inner) => {
    for (let s = 0; s < n; s += ch) {
      const m = Math.min(ch, n - s);
      for (let i = 0; i < k; i++) gather(datas[i]!, offs[i]! + s * inner[i]!, inner[i]!, m, bufs[i]!);
      kernel(bufs, res, m);
      out.set(m === ch ? res : res.subarray(0, m), offs[k]! + s);
    }
  });
  return fromData(dtype, shape, out);
}

/**
 * The float32 fast path of the hottest binary operations on contiguous,
 * equally shaped operands: loops that only ever see Float32Array (so V8 keeps them monomorphic, at the speed of a
 * hand-written loop), with no staging.
 */
type F32Kernel = (a: Float32Array, ai: number, b: Float32Array, bi: number, o: Float32Array, n: number) => void;

const F32: Readonly<Record<'add' | 'sub' | 'mul' | 'div', F32Kernel>> = {
  add: (a, ai, b, bi, o, n) => {
    for (let j = 0; j < n; j++) o[j] = a[ai + j]! + b[bi + j]!;
  },
  sub: (a, ai, b, bi, o, n) => {
    for (let j = 0; j < n; j++) o[j] = a[ai + j]! - b[bi + j]!;
  },
  mul: (a, ai, b, bi, o, n) => {
    for (let j = 0; j < n; j++) o[j] = a[ai + j]! * b[bi + j]!;
  },
  div: (a, ai, b, bi, o, n) => {
    for (let j = 0; j < n; j++) o[j] = a[ai + j]! / b[bi + j]!;
  },
};
/* eslint-enable prettier/prettier */

type BinaryFn = {
  (b: ArrayOrScalar): (a: ArrayOrScalar) => NDArray;
  (a: ArrayOrScalar, b: ArrayOrScalar): NDArray;
};

function binary(op: string, kernel: Kernel, result: (d: DType) => DType, f32?: F32Kernel): BinaryFn {
  return dual(2, (a: ArrayOrScalar, b: ArrayOrScalar): NDArray => {
    const compare = result === toUint8;
    const x = operand(op, a, b, compare);
    const y = operand(op, b, a, compare);
    return elementwise(op, [x, y], result(promoteTypes(x.dtype, y.dtype)), kernel, f32);
  });
}

const unary =
  (op: string, kernel: Kernel, result: (d: DType) => DType) =>
  (x: NDArray): NDArray => {
    assertNDArray(op, x);
    return elementwise(op, [x], result(x.dtype), kernel);
  };

const same = (d: DType): DType => d;
const toUint8 = (): DType => 'uint8';

// One loop per operation, one per line: each its own function, so each stays monomorphic (one shared loop
// calling an element function measured several times slower).
// biome-ignore format: one kernel per line
const K = {
  add: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! + b[j]!; }) as Kernel,
  sub: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! - b[j]!; }) as Kernel,
  mul: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! * b[j]!; }) as Kernel,
  div: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! / b[j]!; }) as Kernel,
  pow: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! ** b[j]!; }) as Kernel,
  maximum: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) { const u = a[j]!; const v = b[j]!; o[j] = u > v || Number.isNaN(u) ? u : v; } }) as Kernel,
  minimum: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) { const u = a[j]!; const v = b[j]!; o[j] = u < v || Number.isNaN(u) ? u : v; } }) as Kernel,
  equal: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! === b[j]! ? 1 : 0; }) as Kernel,
  notEqual: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! !== b[j]! ? 1 : 0; }) as Kernel,
  less: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! < b[j]! ? 1 : 0; }) as Kernel,
  lessEqual: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! <= b[j]! ? 1 : 0; }) as Kernel,
  greater: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! > b[j]! ? 1 : 0; }) as Kernel,
  greaterEqual: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! >= b[j]! ? 1 : 0; }) as Kernel,
  logicalAnd: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! !== 0 && b[j]! !== 0 ? 1 : 0; }) as Kernel,
  logicalOr: ((i, o, n) => { const [a, b] = i as [Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = a[j]! !== 0 || b[j]! !== 0 ? 1 : 0; }) as Kernel,
  neg: ((i, o, n) => { const a = i[0]!; for (let j = 0; j < n; j++) o[j] = -a[j]!; }) as Kernel,
  exp: ((i, o, n) => { const a = i[0]!; for (let j = 0; j < n; j++) o[j] = Math.exp(a[j]!); }) as Kernel,
  log: ((i, o, n) => { const a = i[0]!; for (let j = 0; j < n; j++) o[j] = Math.log(a[j]!); }) as Kernel,
  sqrt: ((i, o, n) => { const a = i[0]!; for (let j = 0; j < n; j++) o[j] = Math.sqrt(a[j]!); }) as Kernel,
  abs: ((i, o, n) => { const a = i[0]!; for (let j = 0; j < n; j++) o[j] = Math.abs(a[j]!); }) as Kernel,
  logicalNot: ((i, o, n) => { const a = i[0]!; for (let j = 0; j < n; j++) o[j] = a[j]! === 0 ? 1 : 0; }) as Kernel,
  where: ((i, o, n) => { const [c, a, b] = i as [Float64Array, Float64Array, Float64Array]; for (let j = 0; j < n; j++) o[j] = c[j]! !== 0 ? a[j]! : b[j]!; }) as Kernel,
};
/* eslint-enable prettier/prettier */

/** `a + b`, broadcast. Data-last: `pipe(a, add(b))`. @example add(x, 1) @category elementwise */
export const add = binary('add', K.add, same, F32.add);
/** `a - b`, broadcast. @example sub(x, y) @category elementwise */
export const sub = binary('sub', K.sub, same, F32.sub);
/** `a * b`, broadcast. @example mul(x, 2) @category elementwise */
export const mul = binary('mul', K.mul, same, F32.mul);
/** `a / b`, broadcast; always floating point. @example div(x, 4) @category elementwise */
export const div = binary('div', K.div, floatResult, F32.div);
const powAny = binary('pow', K.pow, same);
/**
 * `a ** b`, broadcast. Integer results refuse negative exponents (as NumPy
 * does): `2 ** -1` has no integer value; cast to a float dtype first.
 * @example pow(x, 2)
 * @category elementwise
 */
export const pow: BinaryFn = dual(2, (a: ArrayOrScalar, b: ArrayOrScalar): NDArray => {
  const r = powAny(a, b);
  if (!isFloat(r.dtype)) {
    const exps = typeof b === 'number' ? [b] : toTypedArray(b);
    for (let i = 0; i < exps.length; i++) {
      if (exps[i]! < 0) throw new ValueError('pow', `integer ${r.dtype} to a negative power (${exps[i]}); use astype(x, 'float32') first`);
    }
  }
  return r;
});
/** Elementwise maximum (NaN wins). @example maximum(x, 0) @category elementwise */
export const maximum = binary('maximum', K.maximum, same);
/** Elementwise minimum (NaN wins). @example minimum(x, 1) @category elementwise */
export const minimum = binary('minimum', K.minimum, same);
/** `a == b` as uint8. @example equal(x, 0) @category comparison */
export const equal = binary('equal', K.equal, toUint8);
/** `a != b` as uint8. @category comparison */
export const notEqual = binary('notEqual', K.notEqual, toUint8);
/** `a < b` as uint8. @category comparison */
export const less = binary('less', K.less, toUint8);
/** `a <= b` as uint8. @category comparison */
export const lessEqual = binary('lessEqual', K.lessEqual, toUint8);
/** `a > b` as uint8. @example greater(probs, 0.5) @category comparison */
export const greater = binary('greater', K.greater, toUint8);
/** `a >= b` as uint8. @category comparison */
export const greaterEqual = binary('greaterEqual', K.greaterEqual, toUint8);
/** Logical and of truthiness (non-zero), as uint8. @category comparison */
export const logicalAnd = binary('logicalAnd', K.logicalAnd, toUint8);
/** Logical or of truthiness (non-zero), as uint8. @category comparison */
export const logicalOr = binary('logicalOr', K.logicalOr, toUint8);

/** `-x`. @category elementwise */
export const neg = unary('neg', K.neg, same);
/** `e^x`; floating point. @category elementwise */
export const exp = unary('exp', K.exp, floatResult);
/** Natural logarithm; floating point (`log(0) = -Infinity`). @category elementwise */
export const log = unary('log', K.log, floatResult);
/** Square root; floating point. @category elementwise */
export const sqrt = unary('sqrt', K.sqrt, floatResult);
/** `|x|`. @category elementwise */
export const abs = unary('abs', K.abs, same);
/** Logical not of truthiness, as uint8. @category comparison */
export const logicalNot = unary('logicalNot', K.logicalNot, toUint8);

/**
 * Applies a scalar function to every element into a new array of `dtype`
 * (a user callback: slower than the built-in operations, which have own loops).
 * @category elementwise
 */
export function map(x: NDArray, f: (v: number) => number, dtype?: DType, op = 'map'): NDArray {
  assertNDArray(op, x);
  return elementwise(op, [x], dtype ?? x.dtype, (i, o, n) => {
    const a = i[0]!;
    for (let j = 0; j < n; j++) o[j] = f(a[j]!);
  });
}

/**
 * Limits every element to `[lo, hi]` (NaN stays NaN).
 * @example clip(x, 0, 1)
 * @category elementwise
 */
export const clip: {
  (lo: number, hi: number): (x: NDArray) => NDArray;
  (x: NDArray, lo: number, hi: number): NDArray;
} = dual(3, (x: NDArray, lo: number, hi: number): NDArray => {
  assertNDArray('clip', x);
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new ValueError('clip', `needs lo <= hi, got [${lo}, ${hi}]`);
  // Bounds are weakly typed scalars: a bound an integer array cannot hold (a fraction, or out of
  // range) turns it into float32, as add(x, 0.5) does, so clip(int32, 0.5, 3) cannot return 0 < lo.
  // Infinite bounds are never written, so they keep the dtype.
  const holds = (b: number): boolean => !Number.isFinite(b) || holdsValue(b, x.dtype);
  const dtype = isFloat(x.dtype) || (holds(lo) && holds(hi)) ? x.dtype : 'float32';
  return map(x, (v) => (v < lo ? lo : Math.min(v, hi)), dtype, 'clip');
});

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere, broadcasting all three.
 * @example where(greater(x, 0), x, 0)
 * @category elementwise
 */
export function where(cond: NDArray, a: ArrayOrScalar, b: ArrayOrScalar): NDArray {
  assertNDArray('where', cond, 'cond');
  const x = operand('where', a, b, false);
  const y = operand('where', b, a, false);
  return elementwise('where', [cond, x, y], promoteTypes(x.dtype, y.dtype), K.where);
}

/**
 * Elementwise arithmetic, math and comparisons under NumPy broadcasting.
 * Plain numbers are weakly typed scalars: `add(x, 1)` keeps `x`'s dtype (an
 * integer array with a fractional number becomes float32). Arrays promote by
 * `uint8 < int32 < float32 < float64`; `div` and the transcendental functions
 * return floats; comparisons return `uint8` (1 true, 0 false).
 * @module
 */
import { assertNDArray, full } from './creation.js';
import type { AnyData, DType } from './DType.js';
import { allocate, floatResult, isFloat, promoteTypes } from './DType.js';
import { dual } from './dual.js';
import { ValueError } from './errors.js';
import { forEachRow } from './internal/iterate.js';
import type { NDArray } from './NDArray.js';
import { fromData } from './NDArray.js';
import type { Shape } from './Shape.js';
import { broadcastShapes, contiguousStrides, shapeSize } from './Shape.js';

/** An array or a plain number (a weakly typed scalar). @category elementwise */
export type ArrayOrScalar = NDArray | number;

function operand(op: string, x: ArrayOrScalar, peer: ArrayOrScalar): NDArray {
  if (typeof x !== 'number') {
    assertNDArray(op, x);
    return x;
  }
  const peerType: DType = typeof peer === 'number' ? 'float32' : peer.dtype;
  const dtype = Number.isInteger(x) || isFloat(peerType) ? peerType : 'float32';
  if (!isFloat(dtype) && !Number.isFinite(x)) return full([], x, 'float32');
  return full([], x, dtype);
}

function broadcastStrides(x: NDArray, shape: Shape): number[] {
  const lead = shape.length - x.shape.length;
  return shape.map((d, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.strides[i - lead]!));
}

type Row = (ins: readonly AnyData[], offs: readonly number[], strides: readonly number[], out: AnyData, o: number, n: number) => void;

/** Runs `row` over the broadcast of `inputs` into a fresh packed array of `dtype`. */
function elementwise(op: string, inputs: readonly NDArray[], dtype: DType, row: Row): NDArray {
  const shape = broadcastShapes(op, ...inputs.map((x) => x.shape));
  const out = allocate(dtype, shapeSize(shape));
  const stridesList = [...inputs.map((x) => broadcastStrides(x, shape)), contiguousStrides(shape)];
  const datas = inputs.map((x) => x.data);
  const k = inputs.length;
  forEachRow(shape, stridesList, [...inputs.map((x) => x.offset), 0], (offs, n, inner) => row(datas, offs, inner, out, offs[k]!, n));
  return fromData(dtype, shape, out);
}

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'other';

// One strided loop per hot op (so each is monomorphic and tight), and a generic
// loop through the scalar function for the rest.
function binaryRow(name: BinaryName, f: (a: number, b: number) => number): Row {
  return (ins, offs, st, o, oi, n) => {
    const a = ins[0]!;
    const b = ins[1]!;
    let ai = offs[0]!;
    let bi = offs[1]!;
    const as = st[0]!;
    const bs = st[1]!;
    const end = oi + n;
    switch (name) {
      case 'add':
        for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! + b[bi]!;
        return;
      case 'sub':
        for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! - b[bi]!;
        return;
      case 'mul':
        for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! * b[bi]!;
        return;
      case 'div':
        for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! / b[bi]!;
        return;
      default:
        for (; oi < end; oi++, ai += as, bi += bs) o[oi] = f(a[ai]!, b[bi]!);
    }
  };
}

type BinaryFn = {
  (b: ArrayOrScalar): (a: ArrayOrScalar) => NDArray;
  (a: ArrayOrScalar, b: ArrayOrScalar): NDArray;
};

function binary(op: string, name: BinaryName, f: (a: number, b: number) => number, result: (d: DType) => DType): BinaryFn {
  const row = binaryRow(name, f);
  return dual(2, (a: ArrayOrScalar, b: ArrayOrScalar): NDArray => {
    const x = operand(op, a, b);
    const y = operand(op, b, a);
    return elementwise(op, [x, y], result(promoteTypes(x.dtype, y.dtype)), row);
  });
}

const same = (d: DType): DType => d;
const toUint8 = (): DType => 'uint8';

/** `a + b`, broadcast. Data-last: `pipe(a, add(b))`. @example add(x, 1) @category elementwise */
export const add = binary('add', 'add', (a, b) => a + b, same);
/** `a - b`, broadcast. @example sub(x, y) @category elementwise */
export const sub = binary('sub', 'sub', (a, b) => a - b, same);
/** `a * b`, broadcast. @example mul(x, 2) @category elementwise */
export const mul = binary('mul', 'mul', (a, b) => a * b, same);
/** `a / b`, broadcast; always floating point. @example div(x, 4) @category elementwise */
export const div = binary('div', 'div', (a, b) => a / b, floatResult);
/** `a ** b`, broadcast. @example pow(x, 2) @category elementwise */
export const pow = binary('pow', 'other', (a, b) => a ** b, same);
/** Elementwise maximum (NaN wins). @example maximum(x, 0) @category elementwise */
export const maximum = binary('maximum', 'other', (a, b) => (a > b || a !== a ? a : b), same);
/** Elementwise minimum (NaN wins). @example minimum(x, 1) @category elementwise */
export const minimum = binary('minimum', 'other', (a, b) => (a < b || a !== a ? a : b), same);
/** `a == b` as uint8. @example equal(x, 0) @category comparison */
export const equal = binary('equal', 'other', (a, b) => (a === b ? 1 : 0), toUint8);
/** `a != b` as uint8. @category comparison */
export const notEqual = binary('notEqual', 'other', (a, b) => (a !== b ? 1 : 0), toUint8);
/** `a < b` as uint8. @category comparison */
export const less = binary('less', 'other', (a, b) => (a < b ? 1 : 0), toUint8);
/** `a <= b` as uint8. @category comparison */
export const lessEqual = binary('lessEqual', 'other', (a, b) => (a <= b ? 1 : 0), toUint8);
/** `a > b` as uint8. @example greater(probs, 0.5) @category comparison */
export const greater = binary('greater', 'other', (a, b) => (a > b ? 1 : 0), toUint8);
/** `a >= b` as uint8. @category comparison */
export const greaterEqual = binary('greaterEqual', 'other', (a, b) => (a >= b ? 1 : 0), toUint8);
/** Logical and of truthiness (non-zero), as uint8. @category comparison */
export const logicalAnd = binary('logicalAnd', 'other', (a, b) => (a !== 0 && b !== 0 ? 1 : 0), toUint8);
/** Logical or of truthiness (non-zero), as uint8. @category comparison */
export const logicalOr = binary('logicalOr', 'other', (a, b) => (a !== 0 || b !== 0 ? 1 : 0), toUint8);

/** Applies a scalar function to every element into a new array of `dtype`. @category elementwise */
export function map(x: NDArray, f: (v: number) => number, dtype: DType = x.dtype, op = 'map'): NDArray {
  assertNDArray(op, x);
  return elementwise(op, [x], dtype, (ins, offs, st, o, oi, n) => {
    const a = ins[0]!;
    const as = st[0]!;
    let ai = offs[0]!;
    const end = oi + n;
    for (; oi < end; oi++, ai += as) o[oi] = f(a[ai]!);
  });
}

const unary =
  (op: string, f: (v: number) => number, result: (d: DType) => DType) =>
  (x: NDArray): NDArray =>
    map(x, f, result(x.dtype), op);

/** `-x`. @category elementwise */
export const neg = unary('neg', (v) => -v, same);
/** `e^x`; floating point. @category elementwise */
export const exp = unary('exp', Math.exp, floatResult);
/** Natural logarithm; floating point (`log(0) = -Infinity`). @category elementwise */
export const log = unary('log', Math.log, floatResult);
/** Square root; floating point. @category elementwise */
export const sqrt = unary('sqrt', Math.sqrt, floatResult);
/** `|x|`. @category elementwise */
export const abs = unary('abs', Math.abs, same);
/** Logical not of truthiness, as uint8. @category comparison */
export const logicalNot = unary('logicalNot', (v) => (v === 0 ? 1 : 0), toUint8);

/**
 * Limits every element to `[lo, hi]` (NaN stays NaN).
 * @example clip(x, 0, 1)
 * @category elementwise
 */
export const clip: {
  (lo: number, hi: number): (x: NDArray) => NDArray;
  (x: NDArray, lo: number, hi: number): NDArray;
} = dual(3, (x: NDArray, lo: number, hi: number): NDArray => {
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new ValueError('clip', `needs lo <= hi, got [${lo}, ${hi}]`);
  return map(x, (v) => (v < lo ? lo : v > hi ? hi : v), x.dtype, 'clip');
});

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere, broadcasting all three.
 * @example where(greater(x, 0), x, 0)
 * @category elementwise
 */
export function where(cond: NDArray, a: ArrayOrScalar, b: ArrayOrScalar): NDArray {
  assertNDArray('where', cond, 'cond');
  const x = operand('where', a, b);
  const y = operand('where', b, a);
  return elementwise('where', [cond, x, y], promoteTypes(x.dtype, y.dtype), (ins, offs, st, o, oi, n) => {
    const c = ins[0]!;
    const p = ins[1]!;
    const q = ins[2]!;
    let ci = offs[0]!;
    let pi = offs[1]!;
    let qi = offs[2]!;
    const end = oi + n;
    for (; oi < end; oi++, ci += st[0]!, pi += st[1]!, qi += st[2]!) o[oi] = c[ci] !== 0 ? p[pi]! : q[qi]!;
  });
}

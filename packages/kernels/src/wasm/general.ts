/**
 * Float32 fast paths of the general kernels for the `wasm` backend:
 * elementwise `unary`, `binary`, `compare`, `where` (NumPy broadcasting, any
 * strides), `leakyRelu`, `sum` and `max` over any
 * axes, as loops that only ever see Float32Array (and Uint8Array for
 * conditions and comparison results), so V8 keeps them monomorphic, with no float64 staging. Operands are walked in
 * runs: axes of extent 1 are dropped and neighbours that are contiguous for
 * every operand merged, so a packed operand or a broadcast `[1, C, 1, 1, 1]`
 * scale is a few long runs with a stride of 1 or 0.
 *
 * The results equal the reference's bit for bit: one float32 add, sub, mul,
 * div or sqrt computed in float64 and rounded is the float32 operation, `exp`,
 * `log` and `pow` are the same float64 functions rounded once, and `sum` adds
 * in float64 in the reference's order (four interleaved accumulators over the
 * reduced elements in row-major order, see ndarray's `sum`).
 * Anything else (float64 or integer operands, an integer condition) returns
 * `undefined` and the caller runs the reference.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { broadcastShapes, contiguousStrides, normalizeAxes, shapeSize } from '@colab-ts/ndarray';
import type { BinaryOp, CompareOp, UnaryOp } from '../Backend.js';
import { wrapPacked } from '../internal/io.js';
import type { WasmSimdLoops } from './simdLoops.js';
import { hasSimdBinary } from './simdLoops.js';

/** A run of `n` outputs at `oi`: operand `a` from `ai` with stride `sa`, `b` from `bi` with stride `sb`. */
type BinRow<O> = (o: O, oi: number, a: Float32Array, ai: number, sa: number, b: Float32Array, bi: number, sb: number, n: number) => void;
type UnRow = (o: Float32Array, oi: number, a: Float32Array, ai: number, sa: number, n: number) => void;

// One loop per operation, each its own function so that each stays monomorphic (the reference's semantics, NaN included).
// Comparisons store `+(u > v)`, not `u > v ? 1 : 0`: on data of random sign the branch mispredicts half the time
// (measured 10 ns per element against 2.5).
const BIN: Readonly<Record<BinaryOp, BinRow<Float32Array>>> = {
  add: (o, oi, a, ai, sa, b, bi, sb, n) => {
    let j = oi;
    const e = oi + n;
    // a contiguous run plus a broadcast value (a convolution's bias), unrolled: V8 pays less per element
    if (sa === 1 && sb === 0)
      for (const v = b[bi]!; j + 4 <= e; j += 4, ai += 4) {
        o[j] = a[ai]! + v;
        o[j + 1] = a[ai + 1]! + v;
        o[j + 2] = a[ai + 2]! + v;
        o[j + 3] = a[ai + 3]! + v;
      }
    for (; j < e; j++, ai += sa, bi += sb) o[j] = a[ai]! + b[bi]!;
  },
  sub: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = a[ai]! - b[bi]!;
  },
  mul: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = a[ai]! * b[bi]!;
  },
  div: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = a[ai]! / b[bi]!;
  },
  pow: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = a[ai]! ** b[bi]!;
  },
  maximum: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) {
      const u = a[ai]!,
        v = b[bi]!;
      o[j] = u > v || Number.isNaN(u) ? u : v;
    }
  },
  minimum: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) {
      const u = a[ai]!,
        v = b[bi]!;
      o[j] = u < v || Number.isNaN(u) ? u : v;
    }
  },
};
const CMP: Readonly<Record<CompareOp, BinRow<Uint8Array>>> = {
  equal: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = +(a[ai]! === b[bi]!);
  },
  notEqual: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = +(a[ai]! !== b[bi]!);
  },
  less: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = +(a[ai]! < b[bi]!);
  },
  lessEqual: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = +(a[ai]! <= b[bi]!);
  },
  greater: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = +(a[ai]! > b[bi]!);
  },
  greaterEqual: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa, bi += sb) o[j] = +(a[ai]! >= b[bi]!);
  },
};
const UN: Readonly<Record<UnaryOp, UnRow>> = {
  neg: (o, oi, a, ai, sa, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa) o[j] = -a[ai]!;
  },
  exp: (o, oi, a, ai, sa, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa) o[j] = Math.exp(a[ai]!);
  },
  log: (o, oi, a, ai, sa, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa) o[j] = Math.log(a[ai]!);
  },
  sqrt: (o, oi, a, ai, sa, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa) o[j] = Math.sqrt(a[ai]!);
  },
  abs: (o, oi, a, ai, sa, n) => {
    for (let j = oi, e = oi + n; j < e; j++, ai += sa) o[j] = Math.abs(a[ai]!);
  },
};
/** `where` with a uint8 condition (what comparisons return), on the float32 bits: a mask select, no branch to mispredict. */
const whereRow = (
  o: Int32Array,
  oi: number,
  c: Uint8Array,
  ci: number,
  sc: number,
  a: Int32Array,
  ai: number,
  sa: number,
  b: Int32Array,
  bi: number,
  sb: number,
  n: number,
): void => {
  for (let j = oi, e = oi + n; j < e; j++, ci += sc, ai += sa, bi += sb) {
    const m = -+(c[ci]! !== 0);
    o[j] = (a[ai]! & m) | (b[bi]! & ~m);
  }
};
/* eslint-enable prettier/prettier */

/** Allocates packed outputs; the backend may hand in a pool. */
export interface Allocator {
  readonly f32: (n: number) => Float32Array;
  readonly u8: (n: number) => Uint8Array;
}

/** Plain typed-array allocation. */
export const freshAllocator: Allocator = { f32: (n) => new Float32Array(n), u8: (n) => new Uint8Array(n) };

/** Strides of `x` viewed as `shape` under broadcasting (0 along broadcast axes). */
function stridesIn(x: NDArray, shape: Shape): number[] {
  const lead = shape.length - x.shape.length;
  return shape.map((_d, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.strides[i - lead]!));
}

/** An axis of a walk: its extent and each operand's stride along it. */
interface Axis {
  readonly d: number;
  readonly s: readonly number[];
}

/**
 * Drops axes of extent 1 and folds each axis into the one before it when every
 * operand's strides chain row-major across the two (`s[prev] = s[ax] * d[ax]`).
 */
function mergeAxes(axes: readonly Axis[]): Axis[] {
  return axes
    .filter((a) => a.d !== 1)
    .reduce<Axis[]>((acc, a) => {
      const prev = acc[acc.length - 1];
      if (prev?.s.every((p, o) => p === a.s[o]! * a.d)) acc[acc.length - 1] = { d: prev.d * a.d, s: a.s };
      else acc.push(a);
      return acc;
    }, []);
}

/**
 * Walks `shape` (packed output) and the operands' strided views in row-major
 * runs: `row(outOffset, operandOffsets, length, innerStrides)`, with the axes
 * merged by `mergeAxes` (the output is packed, so it merges wherever they do).
 */
function walk(
  shape: Shape,
  strides: readonly (readonly number[])[],
  starts: readonly number[],
  row: (oi: number, offs: readonly number[], n: number, inner: readonly number[]) => void,
): void {
  if (shape.includes(0)) return;
  const k = strides.length;
  const merged = mergeAxes(shape.map((d, ax) => ({ d, s: strides.map((st) => st[ax]!) })));
  const dims = merged.map((a) => a.d);
  const st = strides.map((_, o) => merged.map((a) => a.s[o]!));
  const r = dims.length;
  const offs = starts.slice();
  if (r === 0) {
    row(
      0,
      offs,
      1,
      strides.map(() => 0),
    );
    return;
  }
  const n = dims[r - 1]!;
  const inner = st.map((s) => s[r - 1]!);
  const idx = new Array<number>(r - 1).fill(0);
  for (let oi = 0; ; oi += n) {
    row(oi, offs, n, inner);
    let ax = r - 2;
    for (; ax >= 0; ax--) {
      if (++idx[ax]! < dims[ax]!) {
        for (let o = 0; o < k; o++) offs[o] = offs[o]! + st[o]![ax]!;
        break;
      }
      idx[ax] = 0;
      for (let o = 0; o < k; o++) offs[o] = offs[o]! - st[o]![ax]! * (dims[ax]! - 1);
    }
    if (ax < 0) return;
  }
}

const f32 = (x: NDArray): x is NDArray & { data: Float32Array } => x.data instanceof Float32Array;

/** `binary` or `compare` on float32 operands; `undefined` for other dtypes. */
function binaryLike<O extends Float32Array | Uint8Array>(
  op: string,
  a: NDArray,
  b: NDArray,
  rowFn: BinRow<O>,
  alloc: (n: number) => O,
  dtype: 'float32' | 'uint8',
): NDArray | undefined {
  if (!f32(a) || !f32(b)) return undefined;
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = alloc(shapeSize(shape));
  const ad = a.data;
  const bd = b.data;
  walk(shape, [stridesIn(a, shape), stridesIn(b, shape)], [a.offset, b.offset], (oi, [ai, bi], n, [sa, sb]) => rowFn(out, oi, ad, ai!, sa!, bd, bi!, sb!, n));
  return dtype === 'float32' ? wrapPacked('float32', shape, out as Float32Array) : wrapPacked('uint8', shape, out as Uint8Array);
}

/**
 * How much longer than the result an operand's storage may be for the SIMD loops (`binarySimdF32`, `sumF32`): a view
 * of a slice of a larger array (a channel of a batch, say) still goes to them, a small window of a large volume does
 * not (copying its whole storage in would cost more than the plain loop).
 */
const SIMD_COPY_SLACK = 4;

/** Float32 `binary`; `undefined` unless both operands are float32. @internal */
export const binaryF32 = (a: NDArray, b: NDArray, op: BinaryOp, alloc: Allocator = freshAllocator): NDArray | undefined =>
  binaryLike(op, a, b, BIN[op], alloc.f32, 'float32');

/**
 * Float32 `binary` with the SIMD loops (`simd.binary`) where they apply: `op` one of add, sub, mul, div, operands in
 * any layout (packed, broadcast, sliced, transposed) whose storage is at most `SIMD_COPY_SLACK` times the result
 * (the loops copy each operand's whole storage in), and the walk's innermost runs contiguous or a broadcast value in
 * each operand (not both broadcast); `undefined` otherwise (the caller runs `binaryF32`). Each result is the one
 * float32 operation, as in the reference. @internal
 */
export function binarySimdF32(a: NDArray, b: NDArray, op: BinaryOp, alloc: Allocator, simd: WasmSimdLoops): NDArray | undefined {
  if (!hasSimdBinary(op) || !f32(a) || !f32(b)) return undefined;
  const shape = broadcastShapes(op, a.shape, b.shape);
  const n = shapeSize(shape);
  if (a.data.length > SIMD_COPY_SLACK * n + 1024 || b.data.length > SIMD_COPY_SLACK * n + 1024) return undefined;
  const strides = [stridesIn(a, shape), stridesIn(b, shape)];
  const merged = mergeAxes(shape.map((d, ax) => ({ d, s: strides.map((st) => st[ax]!) })));
  const inner = merged[merged.length - 1]?.s ?? [0, 0];
  if (!inner.every((v) => v === 0 || v === 1) || (inner[0] === 0 && inner[1] === 0)) return undefined;
  const out = alloc.f32(n);
  if (n === 0) return wrapPacked('float32', shape, out);
  const run = simd.binary(op, a.data, b.data, n);
  walk(shape, strides, [a.offset, b.offset], (oi, [ai, bi], len, [sa, sb]) => run(ai!, sa as 0 | 1, bi!, sb as 0 | 1, oi, len));
  out.set(simd.result(n));
  return wrapPacked('float32', shape, out);
}

/** Float32 `compare` (uint8 result); `undefined` unless both operands are float32. @internal */
export const compareF32 = (a: NDArray, b: NDArray, op: CompareOp, alloc: Allocator = freshAllocator): NDArray | undefined =>
  binaryLike(op, a, b, CMP[op], alloc.u8, 'uint8');

/** Float32 `unary`; `undefined` unless the operand is float32. @internal */
export function unaryF32(x: NDArray, op: UnaryOp, alloc: Allocator = freshAllocator): NDArray | undefined {
  if (!f32(x)) return undefined;
  return wrapPacked('float32', x.shape, mapF32(x as NDArray & { data: Float32Array }, UN[op], alloc));
}

const copyRow: UnRow = (o, oi, a, ai, sa, n) => {
  if (sa === 1) o.set(a.subarray(ai, ai + n), oi);
  else for (let j = oi, e = oi + n; j < e; j++, ai += sa) o[j] = a[ai]!;
};

/** A packed copy of a float32 array's elements in row-major order (strided runs copied as runs). @internal */
export const packF32 = (x: NDArray & { data: Float32Array }): Float32Array => mapF32(x, copyRow, freshAllocator);

function mapF32(x: NDArray & { data: Float32Array }, rowFn: UnRow, alloc: Allocator): Float32Array {
  const out = alloc.f32(shapeSize(x.shape));
  const xd = x.data;
  walk(x.shape, [x.strides], [x.offset], (oi, [xi], n, [sx]) => rowFn(out, oi, xd, xi!, sx!, n));
  return out;
}

/** `v * factor[+(v > 0)]` with `factor = [slope, 1]`: the same products as `v > 0 ? v : v * slope`, without a branch. */
const leakyRow = (o: Float32Array, oi: number, a: Float32Array, ai: number, sa: number, n: number, factor: Float64Array): void => {
  let j = oi;
  const e = oi + n;
  if (sa === 1)
    for (; j + 4 <= e; j += 4, ai += 4) {
      const v0 = a[ai]!;
      const v1 = a[ai + 1]!;
      const v2 = a[ai + 2]!;
      const v3 = a[ai + 3]!;
      o[j] = v0 * factor[+(v0 > 0)]!;
      o[j + 1] = v1 * factor[+(v1 > 0)]!;
      o[j + 2] = v2 * factor[+(v2 > 0)]!;
      o[j + 3] = v3 * factor[+(v3 > 0)]!;
    }
  for (; j < e; j++, ai += sa) {
    const v = a[ai]!;
    o[j] = v * factor[+(v > 0)]!;
  }
};

/** Float32 `leakyRelu` (the slope rounded to float32 first, as the reference's weak scalar); `undefined` otherwise. @internal */
export function leakyReluF32(x: NDArray, slope: number, alloc: Allocator = freshAllocator): NDArray | undefined {
  if (!f32(x)) return undefined;
  const factor = Float64Array.of(Math.fround(slope), 1);
  return wrapPacked(
    'float32',
    x.shape,
    mapF32(x, (o, oi, a, ai, sa, n) => leakyRow(o, oi, a, ai, sa, n, factor), alloc),
  );
}

/** `where` with a uint8 condition and float32 branches; `undefined` otherwise. @internal */
export function whereF32(c: NDArray, a: NDArray, b: NDArray, alloc: Allocator = freshAllocator): NDArray | undefined {
  if (!(c.data instanceof Uint8Array) || !f32(a) || !f32(b)) return undefined;
  const shape = broadcastShapes('where', c.shape, a.shape, b.shape);
  const out = alloc.f32(shapeSize(shape));
  const bits = (d: Float32Array): Int32Array => new Int32Array(d.buffer, d.byteOffset, d.length);
  const [cd, ad, bd, od] = [c.data, bits(a.data), bits(b.data), bits(out)];
  walk(shape, [stridesIn(c, shape), stridesIn(a, shape), stridesIn(b, shape)], [c.offset, a.offset, b.offset], (oi, [ci, ai, bi], n, [sc, sa, sb]) =>
    whereRow(od, oi, cd, ci!, sc!, ad, ai!, sa!, bd, bi!, sb!, n),
  );
  return wrapPacked('float32', shape, out);
}

/**
 * Float32 `sum` over `axes`, in float64 and in the reference's order: for each
 * output (kept axes, row-major) the reduced elements in row-major order of
 * `axes` as given, element `p` into accumulator `p % 4` while a full group of
 * four remains and into the first after that, combined as `(a0 + a1) + (a2 + a3)`.
 * `undefined` unless `x` is float32. @internal
 */
export const sumF32 = (x: NDArray, axes: readonly number[], keepDims: boolean, alloc: Allocator = freshAllocator, simd?: WasmSimdLoops): NDArray | undefined =>
  reduceF32('sum', x, axes, keepDims, alloc, simd);

/**
 * Float32 `max` over `axes` (NaN wins, as in the reference); `undefined` unless
 * `x` is float32 and the reduction is non-empty (the reference throws for an empty one). @internal
 */
export const maxF32 = (x: NDArray, axes: readonly number[], keepDims: boolean, alloc: Allocator = freshAllocator): NDArray | undefined =>
  reduceF32('max', x, axes, keepDims, alloc);

/**
 * `sum` and `max` over `axes`. With `simd`, a sum whose reduced elements form contiguous runs (one run, or runs of a
 * multiple of 4) runs in the SIMD loops (`simd.sums`), in the same order of float64 additions as the plain loops, so
 * with the same bits.
 */
function reduceF32(op: 'sum' | 'max', x: NDArray, axesIn: readonly number[], keepDims: boolean, alloc: Allocator, simd?: WasmSimdLoops): NDArray | undefined {
  if (!f32(x)) return undefined;
  const axes = normalizeAxes(op, axesIn, x.shape.length);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((i) => x.shape[i]!);
  const outer = kept.reduce((p, i) => p * x.shape[i]!, 1);
  const out = alloc.f32(outer);
  const m = axes.reduce((p, i) => p * x.shape[i]!, 1);
  if (op === 'max' && m === 0) return undefined;
  const m4 = m - (m % 4);
  const xd = x.data;
  // The reduced axes, merged where contiguous; the last one is walked as runs.
  const red = mergeAxes(axes.map((ax) => ({ d: x.shape[ax]!, s: [x.strides[ax]!] })));
  const rd = red.map((a) => a.d);
  const rs = red.map((a) => a.s[0]!);
  const r = rd.length;
  const runLen = r === 0 ? 1 : rd[r - 1]!;
  const runStride = r === 0 ? 0 : rs[r - 1]!;
  const idx = new Array<number>(Math.max(0, r - 1)).fill(0);
  const acc = new Float64Array(4);
  let offsets: Int32Array | undefined;
  const sums =
    op === 'sum' && simd !== undefined && m > 0 && r > 0 && runStride === 1 && (r === 1 || runLen % 4 === 0) && xd.length <= SIMD_COPY_SLACK * outer * m + 1024
      ? simd.sums(xd as Float32Array)
      : undefined;
  walk(
    kept.map((i) => x.shape[i]!),
    [kept.map((i) => x.strides[i]!)],
    [x.offset],
    (oi, [base], n, [sk]) => {
      // Outputs contiguous in x but the reduction strided (e.g. over channels): sweep rows of outputs, same sums.
      if (sk === 1 && runStride !== 1 && n >= 4 && m > 0) {
        offsets ??= reducedOffsets(rd, rs, m);
        reduceRows(op, xd, base!, n, offsets, m4, out, oi);
        return;
      }
      for (let q = 0; q < n; q++) {
        if (m === 0) {
          out[oi + q] = 0;
          continue;
        }
        acc.fill(op === 'sum' ? 0 : -Infinity);
        let p = 0;
        let off = base! + q * sk!;
        idx.fill(0);
        if (sums !== undefined && r === 1) {
          out[oi + q] = sums.run(off, runLen);
          continue;
        }
        sums?.start();
        for (;;) {
          if (sums !== undefined) sums.add(off, runLen);
          else if (op === 'max') acc[0] = maxRun(xd, off, runStride, runLen, acc[0]!);
          else p = runLen % 4 === 0 && p % 4 === 0 ? sumRun4(xd, off, runStride, runLen, acc, p) : sumRun1(xd, off, runStride, runLen, acc, p, m4);
          let ax = r - 2;
          for (; ax >= 0; ax--) {
            if (++idx[ax]! < rd[ax]!) {
              off += rs[ax]!;
              break;
            }
            idx[ax] = 0;
            off -= rs[ax]! * (rd[ax]! - 1);
          }
          if (ax < 0) break;
        }
        out[oi + q] = sums !== undefined ? sums.total() : op === 'max' ? acc[0]! : acc[0]! + acc[1]! + (acc[2]! + acc[3]!);
      }
    },
  );
  return wrapPacked('float32', shape, out);
}

/** The offsets of the `m` reduced elements (extents `rd`, strides `rs`) in row-major order. */
function reducedOffsets(rd: readonly number[], rs: readonly number[], m: number): Int32Array {
  const offs = new Int32Array(m);
  const idx = new Array<number>(rd.length).fill(0);
  for (let p = 0, off = 0; p < m; p++) {
    offs[p] = off;
    for (let ax = rd.length - 1; ax >= 0; ax--) {
      if (++idx[ax]! < rd[ax]!) {
        off += rs[ax]!;
        break;
      }
      idx[ax] = 0;
      off -= rs[ax]! * (rd[ax]! - 1);
    }
  }
  return offs;
}

/** Outputs per block of `reduceRows`: four float64 accumulator rows of this length stay in L1. */
const ROW_BLOCK = 512;
const rowAcc = new Float64Array(4 * ROW_BLOCK);

/**
 * `n` outputs at `out[oi..]` whose elements are `x[base + j + offs[p]]`: each block of outputs sweeps the reduced
 * positions `p` in order with unit-stride rows, element `p` into accumulator row `p % 4` below `m4` and the first
 * from there (max: one row), so every output sees the additions (comparisons) of the per-output loop in its order.
 */
function reduceRows(op: 'sum' | 'max', xd: Float32Array, base: number, n: number, offs: Int32Array, m4: number, out: Float32Array, oi: number): void {
  const a = rowAcc;
  const B = ROW_BLOCK;
  const m = offs.length;
  for (let j0 = 0; j0 < n; j0 += B) {
    const L = Math.min(B, n - j0);
    if (op === 'max') {
      a.fill(-Infinity, 0, L);
      for (let p = 0; p < m; p++) {
        const src = base + j0 + offs[p]!;
        for (let j = 0; j < L; j++) {
          const v = xd[src + j]!;
          if (v > a[j]! || Number.isNaN(v)) a[j] = v;
        }
      }
      for (let j = 0; j < L; j++) out[oi + j0 + j] = a[j]!;
      continue;
    }
    a.fill(0);
    for (let p = 0; p < m; p++) {
      const src = base + j0 + offs[p]!;
      const row = (p < m4 ? p & 3 : 0) * B;
      for (let j = 0; j < L; j++) a[row + j] = a[row + j]! + xd[src + j]!;
    }
    for (let j = 0; j < L; j++) out[oi + j0 + j] = a[j]! + a[B + j]! + (a[2 * B + j]! + a[3 * B + j]!);
  }
}

/** Adds a run of `n` (a multiple of 4) starting at position `p` (a multiple of 4): element `j` into accumulator `j % 4`. */
function sumRun4(d: Float32Array, i: number, s: number, n: number, acc: Float64Array, p: number): number {
  let a0 = acc[0]!;
  let a1 = acc[1]!;
  let a2 = acc[2]!;
  let a3 = acc[3]!;
  if (s === 1) {
    for (let e = i + n; i < e; i += 4) {
      a0 += d[i]!;
      a1 += d[i + 1]!;
      a2 += d[i + 2]!;
      a3 += d[i + 3]!;
    }
  } else {
    for (let j = 0; j < n; j += 4, i += 4 * s) {
      a0 += d[i]!;
      a1 += d[i + s]!;
      a2 += d[i + 2 * s]!;
      a3 += d[i + 3 * s]!;
    }
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
  return p + n;
}

/** Adds a run one element at a time: position `p` into accumulator `p % 4` below `m4`, into the first from there. */
function sumRun1(d: Float32Array, i: number, s: number, n: number, acc: Float64Array, p: number, m4: number): number {
  for (let j = 0; j < n; j++, i += s, p++) {
    const k = p < m4 ? p & 3 : 0;
    acc[k] = acc[k]! + d[i]!;
  }
  return p;
}

/** The largest of a run and `best`; a NaN wins and stays. */
function maxRun(d: Float32Array, i: number, s: number, n: number, best: number): number {
  for (let j = 0; j < n; j++, i += s) {
    const v = d[i]!;
    if (v > best || Number.isNaN(v)) best = v;
    if (Number.isNaN(best)) return best;
  }
  return best;
}

/**
 * Float32 `concat`: each operand copied run by run (`set` where both strides are 1) into its block of the
 * packed result. `undefined` unless every operand is float32 and the shapes join along `axis` (the
 * reference then reports what is wrong). @internal
 */
export function concatF32(xs: readonly NDArray[], axis: number, alloc: Allocator = freshAllocator): NDArray | undefined {
  const first = xs[0];
  if (first === undefined || first.shape.length === 0 || !xs.every(f32) || !Number.isInteger(axis)) return undefined;
  const rank = first.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 0 || ax >= rank || !xs.every((x) => x.shape.length === rank && x.shape.every((d, i) => i === ax || d === first.shape[i]))) return undefined;
  const shape = first.shape.map((d, i) => (i === ax ? xs.reduce((a, x) => a + x.shape[ax]!, 0) : d));
  const strides = contiguousStrides(shape);
  const out = alloc.f32(shapeSize(shape));
  let at = 0;
  for (const x of xs as readonly (NDArray & { data: Float32Array })[]) {
    const xd = x.data;
    walk(x.shape, [x.strides, strides], [x.offset, at * strides[ax]!], (_, [xi, oi], n, [sx, so]) => {
      if (sx === 1 && so === 1) out.set(xd.subarray(xi!, xi! + n), oi!);
      else for (let j = 0, i = xi!, o = oi!; j < n; j++, i += sx!, o += so!) out[o] = xd[i]!;
    });
    at += x.shape[ax]!;
  }
  return wrapPacked('float32', shape, out);
}

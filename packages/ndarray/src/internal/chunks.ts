/**
 * Chunked float64 staging. Hot loops must see one array type to stay fast in
 * V8: a loop that has met Float32Array, Int32Array, Uint8Array and Float64Array
 * becomes megamorphic and runs about 3x slower. So every numeric kernel works
 * on Float64Array chunks only: operands are gathered chunk by chunk into
 * float64 scratch (a native typed-array `set` for unit strides), the kernel
 * runs monomorphic, and results are stored back with `set`, which converts to
 * the output dtype (rounding to float32, wrapping integers). float32 results
 * are exact: an add, sub, mul, div or sqrt done in float64 and rounded to
 * float32 equals the float32 operation.
 * @module
 */
import type { AnyData } from '../DType.js';

/** Elements per chunk: 16K float64 = 128 KiB, cache-resident. */
export const CHUNK = 16384;

/** Copies `n` elements of `d` from `start` with `stride` into `dst[0..n)`. */
export function gather(d: AnyData, start: number, stride: number, n: number, dst: Float64Array): void {
  if (stride === 1) dst.set(d.subarray(start, start + n));
  else if (stride === 0) dst.fill(d[start]!, 0, n);
  else for (let i = 0, j = start; i < n; i++, j += stride) dst[i] = d[j]!;
}

/** Scratch of the chunk size needed for `total` elements (never more than CHUNK). */
export const scratch = (total: number): Float64Array => new Float64Array(Math.max(1, Math.min(CHUNK, total)));

/**
 * Copies a strided source into a strided destination of the same shape; the
 * one place where colab-ts writes array elements element by element.
 * @module
 */
import type { AnyData } from '../DType.js';
import type { Shape } from '../Shape.js';
import { forEachRow } from './iterate.js';

/** Writes `src` (viewed by shape/strides/offset) into `dst` (viewed likewise), converting by typed-array assignment. */
export function copyStrided(
  shape: Shape,
  src: AnyData,
  srcStrides: readonly number[],
  srcOffset: number,
  dst: AnyData,
  dstStrides: readonly number[],
  dstOffset: number,
): void {
  forEachRow(shape, [srcStrides, dstStrides], [srcOffset, dstOffset], (offs, n, inner) => {
    const s0 = offs[0]!;
    const d0 = offs[1]!;
    const ss = inner[0]!;
    const ds = inner[1]!;
    if (ss === 1 && ds === 1 && src.constructor === dst.constructor) {
      dst.set(src.subarray(s0, s0 + n) as never, d0);
      return;
    }
    for (let i = 0; i < n; i++) dst[d0 + i * ds] = src[s0 + i * ss]!;
  });
}

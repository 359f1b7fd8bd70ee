/**
 * Strided iteration shared by every operation that walks arrays of one shape:
 * axes of extent 1 are dropped, neighbouring axes that are contiguous for all
 * operands are merged, and the innermost run is handed to a row callback, so a
 * packed array is walked as one tight loop.
 * @module
 */
import type { Shape } from '../Shape.js';

/** Called once per innermost run: start offsets of each operand, run length, and each operand's inner stride. */
export type RowFn = (offsets: readonly number[], length: number, innerStrides: readonly number[]) => void;

/** Shape and per-operand strides after dropping unit axes and merging mergeable neighbours. */
export function coalesce(shape: Shape, stridesList: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const k = stridesList.length;
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let ax = 0; ax < shape.length; ax++) {
    const d = shape[ax]!;
    if (d === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let o = 0; o < k && merge; o++) {
      const s = outStrides[o]!;
      merge = s[last] === stridesList[o]![ax]! * d;
    }
    if (merge) {
      outShape[last] = outShape[last]! * d;
      for (let o = 0; o < k; o++) outStrides[o]![last] = stridesList[o]![ax]!;
    } else {
      outShape.push(d);
      for (let o = 0; o < k; o++) outStrides[o]!.push(stridesList[o]![ax]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Walks `k` operands of a common `shape` (each with its own strides and start
 * offset) in row-major order, calling `row` for each innermost run.
 */
export function forEachRow(shape: Shape, stridesList: readonly (readonly number[])[], startOffsets: readonly number[], row: RowFn): void {
  for (const d of shape) if (d === 0) return;
  const k = stridesList.length;
  const c = coalesce(shape, stridesList);
  const rank = c.shape.length;
  const offsets = startOffsets.slice();
  if (rank === 0) {
    row(offsets, 1, new Array<number>(k).fill(0));
    return;
  }
  const inner = c.strides.map((s) => s[rank - 1]!);
  const length = c.shape[rank - 1]!;
  const outer = rank - 1;
  const counter = new Array<number>(outer).fill(0);
  for (;;) {
    row(offsets, length, inner);
    // Advance the outer multi-index like an odometer, updating offsets incrementally.
    let ax = outer - 1;
    for (; ax >= 0; ax--) {
      const next = counter[ax]! + 1;
      if (next < c.shape[ax]!) {
        counter[ax] = next;
        for (let o = 0; o < k; o++) offsets[o] = offsets[o]! + c.strides[o]![ax]!;
        break;
      }
      counter[ax] = 0;
      for (let o = 0; o < k; o++) offsets[o] = offsets[o]! - c.strides[o]![ax]! * (c.shape[ax]! - 1);
    }
    if (ax < 0) return;
  }
}

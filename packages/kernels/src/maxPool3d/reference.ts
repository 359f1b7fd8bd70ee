/**
 * Reference `maxPool3d` and `maxPool3dBackward`: each window's first maximum.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import type { PoolOptions } from '../Backend.js';
import { referenceKernel } from '../internal/io.js';
import { forEachWindow } from '../internal/windows.js';
import { checkRank5, normalizePool } from '../options.js';
import { maxPool3dBackwardShape, maxPool3dShape } from './index.js';

/** Flat index of the first maximum among `taps[0..count)` (a NaN beats every number). */
function argmaxTap(xd: Float64Array, taps: Int32Array, count: number): number {
  let best = taps[0]!;
  let bv = xd[best]!;
  for (let t = 1; t < count && !Number.isNaN(bv); t++) {
    const i = taps[t]!;
    const v = xd[i]!;
    if (v > bv || Number.isNaN(v)) {
      best = i;
      bv = v;
    }
  }
  return best;
}

/**
 * Max pooling over `[D, H, W]` windows.
 * @example maxPool3d(x, { kernelSize: 2 }) // halves D, H, W
 * @category pooling
 */
export function maxPool3d(x: NDArray, options: PoolOptions): NDArray {
  const op = 'maxPool3d';
  return referenceKernel(op, { x }, () => maxPool3dShape(x.shape, options))((out, d, ys) =>
    forEachWindow(checkRank5(op, 'x', x.shape), checkRank5(op, 'y', ys), normalizePool(op, options), (yi, taps, count) => {
      out[yi] = d.x[argmaxTap(d.x, taps, count)]!;
    }),
  );
}

/**
 * Gradient of `maxPool3d`: each `dy` goes to the first maximum of its window in `x`.
 * @example maxPool3dBackward(dy, x, { kernelSize: 2 }) // shape of x
 * @category pooling
 */
export function maxPool3dBackward(dy: NDArray, x: NDArray, options: PoolOptions): NDArray {
  const op = 'maxPool3dBackward';
  return referenceKernel(op, { dy, x }, () => maxPool3dBackwardShape(dy.shape, x.shape, options))((dx, d, xs) =>
    forEachWindow(checkRank5(op, 'x', xs), checkRank5(op, 'dy', dy.shape), normalizePool(op, options), (yi, taps, count) => {
      dx[argmaxTap(d.x, taps, count)]! += d.dy[yi]!;
    }),
  );
}

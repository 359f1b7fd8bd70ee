/**
 * Reference `maxPool3d` and `maxPool3dBackward`: each window's first maximum.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import type { PoolOptions } from '../Backend.js';
import { checkArray, fromF64, readF64 } from '../internal/io.js';
import { forEachWindow } from '../internal/windows.js';
import { checkRank5, normalizePool, resultDType } from '../options.js';
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
  checkArray(op, 'x', x);
  const ys = maxPool3dShape(x.shape, options);
  const o = normalizePool(op, options);
  const xd = readF64(x);
  const out = new Float64Array(ys.reduce((a, b) => a * b, 1));
  forEachWindow(checkRank5(op, 'x', x.shape), checkRank5(op, 'y', ys), o, (yi, taps, count) => {
    out[yi] = xd[argmaxTap(xd, taps, count)]!;
  });
  return fromF64(out, ys, resultDType(x.dtype));
}

/**
 * Gradient of `maxPool3d`: each `dy` goes to the first maximum of its window in `x`.
 * @example maxPool3dBackward(dy, x, { kernelSize: 2 }) // shape of x
 * @category pooling
 */
export function maxPool3dBackward(dy: NDArray, x: NDArray, options: PoolOptions): NDArray {
  const op = 'maxPool3dBackward';
  checkArray(op, 'dy', dy);
  checkArray(op, 'x', x);
  const xs = maxPool3dBackwardShape(dy.shape, x.shape, options);
  const o = normalizePool(op, options);
  const xd = readF64(x);
  const dyd = readF64(dy);
  const dx = new Float64Array(xd.length);
  forEachWindow(checkRank5(op, 'x', xs), checkRank5(op, 'dy', dy.shape), o, (yi, taps, count) => {
    dx[argmaxTap(xd, taps, count)]! += dyd[yi]!;
  });
  return fromF64(dx, xs, resultDType(dy.dtype, x.dtype));
}

/**
 * Reference `avgPool3d` and `avgPool3dBackward` (padding counts as zeros).
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { PoolOptions } from '../Backend.js';
import { checkArray, fromF64, readF64 } from '../internal/io.js';
import { forEachWindow } from '../internal/windows.js';
import { checkRank5, normalizePool, resultDType } from '../options.js';
import { avgPool3dBackwardShape, avgPool3dShape } from './index.js';

/**
 * Average pooling over `[D, H, W]` windows; padded voxels count as zeros.
 * @example avgPool3d(x, { kernelSize: 2 }) // halves D, H, W
 * @category pooling
 */
export function avgPool3d(x: NDArray, options: PoolOptions): NDArray {
  const op = 'avgPool3d';
  checkArray(op, 'x', x);
  const ys = avgPool3dShape(x.shape, options);
  const o = normalizePool(op, options);
  const volume = o.kernelSize[0] * o.kernelSize[1] * o.kernelSize[2];
  const xd = readF64(x);
  const out = new Float64Array(ys.reduce((a, b) => a * b, 1));
  forEachWindow(checkRank5(op, 'x', x.shape), checkRank5(op, 'y', ys), o, (yi, taps, count) => {
    let s = 0;
    for (let t = 0; t < count; t++) s += xd[taps[t]!]!;
    out[yi] = s / volume;
  });
  return fromF64(out, ys, resultDType(x.dtype));
}

/**
 * Gradient of `avgPool3d`: each `dy / (kD kH kW)` spread over its window's input voxels.
 * @example avgPool3dBackward(dy, x.shape, { kernelSize: 2 }) // shape of x
 * @category pooling
 */
export function avgPool3dBackward(dy: NDArray, inputShape: Shape, options: PoolOptions): NDArray {
  const op = 'avgPool3dBackward';
  checkArray(op, 'dy', dy);
  const xs = avgPool3dBackwardShape(dy.shape, inputShape, options);
  const o = normalizePool(op, options);
  const volume = o.kernelSize[0] * o.kernelSize[1] * o.kernelSize[2];
  const dyd = readF64(dy);
  const dx = new Float64Array(xs.reduce((a, b) => a * b, 1));
  forEachWindow(checkRank5(op, 'input', xs), checkRank5(op, 'dy', dy.shape), o, (yi, taps, count) => {
    const g = dyd[yi]! / volume;
    for (let t = 0; t < count; t++) dx[taps[t]!]! += g;
  });
  return fromF64(dx, xs, resultDType(dy.dtype));
}

/**
 * Reference `avgPool3d` and `avgPool3dBackward` (padding counts as zeros).
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { PoolOptions } from '../Backend.js';
import { referenceKernel } from '../internal/io.js';
import { forEachWindow } from '../internal/windows.js';
import { checkRank5, normalizePool } from '../options.js';
import { avgPool3dBackwardShape, avgPool3dShape } from './index.js';

/**
 * Average pooling over `[D, H, W]` windows; padded voxels count as zeros.
 * @example avgPool3d(x, { kernelSize: 2 }) // halves D, H, W
 * @category pooling
 */
export function avgPool3d(x: NDArray, options: PoolOptions): NDArray {
  const op = 'avgPool3d';
  return referenceKernel(op, { x }, () => avgPool3dShape(x.shape, options))((out, d, ys) => {
    const o = normalizePool(op, options);
    const volume = o.kernelSize[0] * o.kernelSize[1] * o.kernelSize[2];
    forEachWindow(checkRank5(op, 'x', x.shape), checkRank5(op, 'y', ys), o, (yi, taps, count) => {
      let s = 0;
      for (let t = 0; t < count; t++) s += d.x[taps[t]!]!;
      out[yi] = s / volume;
    });
  });
}

/**
 * Gradient of `avgPool3d`: each `dy / (kD kH kW)` spread over its window's input voxels.
 * @example avgPool3dBackward(dy, x.shape, { kernelSize: 2 }) // shape of x
 * @category pooling
 */
export function avgPool3dBackward(dy: NDArray, inputShape: Shape, options: PoolOptions): NDArray {
  const op = 'avgPool3dBackward';
  return referenceKernel(op, { dy }, () => avgPool3dBackwardShape(dy.shape, inputShape, options))((dx, d, xs) => {
    const o = normalizePool(op, options);
    const volume = o.kernelSize[0] * o.kernelSize[1] * o.kernelSize[2];
    forEachWindow(checkRank5(op, 'input', xs), checkRank5(op, 'dy', dy.shape), o, (yi, taps, count) => {
      const g = d.dy[yi]! / volume;
      for (let t = 0; t < count; t++) dx[taps[t]!]! += g;
    });
  });
}

/**
 * Reference `upsample3d` and `upsample3dBackward`: the separable weights of
 * `upsampleAxisTaps`, gathered forwards and scattered backwards.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { UpsampleOptions } from '../Backend.js';
import { referenceKernel } from '../internal/io.js';
import type { NormalizedUpsample } from '../options.js';
import { checkRank5, normalizeUpsample } from '../options.js';
import type { AxisTaps } from './index.js';
import { upsample3dBackwardShape, upsample3dShape, upsampleAxisTaps } from './index.js';

/** Calls `visit(yi, xi, weight)` for every (output voxel, input tap) pair. */
function forEachTap(xs: readonly number[], o: NormalizedUpsample, visit: (yi: number, xi: number, weight: number) => void): void {
  const [N, C, D, H, W] = checkRank5('upsample3d', 'input', xs);
  const [td, th, tw] = [D, H, W].map((n, i) => upsampleAxisTaps(n, o.scale[i]!, o.mode, o.alignCorners)) as [AxisTaps[], AxisTaps[], AxisTaps[]];
  let yi = 0;
  for (let nc = 0; nc < N * C; nc++) {
    for (const a of td) {
      for (const b of th) {
        for (const c of tw) {
          for (let i = 0; i < a.index.length; i++) {
            for (let j = 0; j < b.index.length; j++) {
              for (let k = 0; k < c.index.length; k++) {
                const xi = ((nc * D + a.index[i]!) * H + b.index[j]!) * W + c.index[k]!;
                visit(yi, xi, a.weight[i]! * b.weight[j]! * c.weight[k]!);
              }
            }
          }
          yi++;
        }
      }
    }
  }
}

/**
 * Nearest or trilinear up-sampling by an integer factor per axis.
 * @example upsample3d(x, { scale: 2, mode: 'trilinear' }) // doubles D, H, W
 * @category upsampling
 */
export function upsample3d(x: NDArray, options: UpsampleOptions): NDArray {
  const op = 'upsample3d';
  return referenceKernel(op, { x }, () => upsample3dShape(x.shape, options))((out, d) =>
    forEachTap(x.shape, normalizeUpsample(op, options), (yi, xi, wt) => {
      out[yi]! += wt * d.x[xi]!;
    }),
  );
}

/**
 * Gradient of `upsample3d`: each `dy` spread back over its interpolation taps.
 * @example upsample3dBackward(dy, x.shape, { scale: 2, mode: 'nearest' }) // shape of x
 * @category upsampling
 */
export function upsample3dBackward(dy: NDArray, inputShape: Shape, options: UpsampleOptions): NDArray {
  const op = 'upsample3dBackward';
  return referenceKernel(op, { dy }, () => upsample3dBackwardShape(dy.shape, inputShape, options))((dx, d, xs) =>
    forEachTap(xs, normalizeUpsample(op, options), (yi, xi, wt) => {
      dx[xi]! += wt * d.dy[yi]!;
    }),
  );
}

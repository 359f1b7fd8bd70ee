/**
 * `upsample3d` and its gradient: signatures, shape rule and the per-axis
 * interpolation weights. An integer scale per axis; output extent `n * scale`.
 * Source coordinates follow PyTorch `interpolate`:
 * - `nearest`: output `o` reads input `floor(o / scale)`;
 * - `trilinear`, `alignCorners: false` (default): `src = (o + 0.5) / scale - 0.5`,
 *   clamped below at 0, linear between `floor(src)` and the next voxel (clamped at the edge);
 * - `trilinear`, `alignCorners: true`: `src = o (n - 1) / (n scale - 1)` (0 when the output has one voxel).
 * The 3D weights are the products of the three axes' weights.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { Kernels, UpsampleOptions } from '../Backend.js';
import { gradientShape, upsampleOutputShape } from '../options.js';

/** The `upsample3d` kernel's signature. @category upsampling */
export type Upsample3d<B = NDArray> = Kernels<B>['upsample3d'];
/** The `upsample3dBackward` kernel's signature. @category upsampling */
export type Upsample3dBackward<B = NDArray> = Kernels<B>['upsample3dBackward'];

/** Output shape of `upsample3d(x, options)`. @category upsampling */
export const upsample3dShape = (xShape: Shape, options: UpsampleOptions): number[] => upsampleOutputShape('upsample3d', xShape, options);

/** Checks `upsample3dBackward(dy, inputShape, options)` and returns its output shape, `inputShape`. @category upsampling */
export const upsample3dBackwardShape = (dyShape: Shape, inputShape: Shape, options: UpsampleOptions): number[] =>
  gradientShape('upsample3dBackward', dyShape, (op) => upsampleOutputShape(op, inputShape, options), inputShape);

/** One output index's sources along an axis: input indices and their weights. @category upsampling */
export interface AxisTaps {
  readonly index: readonly number[];
  readonly weight: readonly number[];
}

/**
 * The interpolation taps of every output index along one axis of extent `n`
 * up-sampled by `scale` (see the module header for the coordinate rules).
 * @example upsampleAxisTaps(2, 2, 'trilinear', false)[1] // { index: [0, 1], weight: [0.75, 0.25] }
 * @category upsampling
 */
export function upsampleAxisTaps(n: number, scale: number, mode: 'nearest' | 'trilinear', alignCorners: boolean): AxisTaps[] {
  const out = n * scale;
  const taps: AxisTaps[] = [];
  for (let o = 0; o < out; o++) {
    if (mode === 'nearest') {
      taps.push({ index: [Math.min(Math.floor(o / scale), n - 1)], weight: [1] });
      continue;
    }
    const src = alignCorners ? (out > 1 ? (o * (n - 1)) / (out - 1) : 0) : Math.max(0, (o + 0.5) / scale - 0.5);
    const i0 = Math.min(Math.floor(src), n - 1);
    const i1 = Math.min(i0 + 1, n - 1);
    const l1 = src - i0;
    taps.push({ index: [i0, i1], weight: [1 - l1, l1] });
  }
  return taps;
}

/**
 * `maxPool3d` and its gradient: signatures and shape rule. Window, stride
 * (default: the window) and padding per axis; padded voxels never win (they
 * are -Infinity), and padding is at most half the window so every window
 * holds an input voxel. Output extent `floor((n + 2 p - k) / s) + 1`.
 * The gradient goes to the first maximum of each window (raster order within
 * the window); a NaN in a window is its maximum.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { Kernels, PoolOptions } from '../Backend.js';
import { checkSameShape, poolOutputShape } from '../options.js';

/** The `maxPool3d` kernel's signature. @category pooling */
export type MaxPool3d<B = NDArray> = Kernels<B>['maxPool3d'];
/** The `maxPool3dBackward` kernel's signature. @category pooling */
export type MaxPool3dBackward<B = NDArray> = Kernels<B>['maxPool3dBackward'];

/** Output shape of `maxPool3d(x, options)`. @category pooling */
export const maxPool3dShape = (xShape: Shape, options: PoolOptions): number[] => poolOutputShape('maxPool3d', xShape, options);

/** Checks `maxPool3dBackward(dy, x, options)` and returns its output shape, that of `x`. @category pooling */
export function maxPool3dBackwardShape(dyShape: Shape, xShape: Shape, options: PoolOptions): number[] {
  checkSameShape('maxPool3dBackward', 'dy', poolOutputShape('maxPool3dBackward', xShape, options), dyShape);
  return xShape.slice();
}

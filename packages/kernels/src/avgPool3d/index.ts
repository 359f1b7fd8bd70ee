/**
 * `avgPool3d` and its gradient: signatures and shape rule. Window, stride
 * (default: the window) and padding per axis, output extent
 * `floor((n + 2 p - k) / s) + 1`. Padded voxels count as zeros in the average:
 * every window divides by `kD * kH * kW` (PyTorch `count_include_pad=True`).
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { Kernels, PoolOptions } from '../Backend.js';
import { gradientShape, poolOutputShape } from '../options.js';

/** The `avgPool3d` kernel's signature. @category pooling */
export type AvgPool3d<B = NDArray> = Kernels<B>['avgPool3d'];
/** The `avgPool3dBackward` kernel's signature. @category pooling */
export type AvgPool3dBackward<B = NDArray> = Kernels<B>['avgPool3dBackward'];

/** Output shape of `avgPool3d(x, options)`. @category pooling */
export const avgPool3dShape = (xShape: Shape, options: PoolOptions): number[] => poolOutputShape('avgPool3d', xShape, options);

/** Checks `avgPool3dBackward(dy, inputShape, options)` and returns its output shape, `inputShape`. @category pooling */
export const avgPool3dBackwardShape = (dyShape: Shape, inputShape: Shape, options: PoolOptions): number[] =>
  gradientShape('avgPool3dBackward', dyShape, (op) => poolOutputShape(op, inputShape, options), inputShape);

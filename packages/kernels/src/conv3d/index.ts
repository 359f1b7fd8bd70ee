/**
 * `conv3d` and its two gradients: signatures and shape rules. Layout
 * `[N, C, D, H, W]`, weights `[Cout, Cin, kD, kH, kW]`, optional bias `[Cout]`;
 * per-axis stride, zero padding and dilation (PyTorch `conv3d`, no groups):
 * `y[n, o, z] = bias[o] + sum_{c, k} x[n, c, z * stride - padding + k * dilation] * w[o, c, k]`.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { ConvOptions, Kernels } from '../Backend.js';
import { conv3dOutputShape, gradientShape } from '../options.js';

/** The `conv3d` kernel's signature. @category conv3d */
export type Conv3d<B = NDArray> = Kernels<B>['conv3d'];
/** The `conv3dBackwardInput` kernel's signature. @category conv3d */
export type Conv3dBackwardInput<B = NDArray> = Kernels<B>['conv3dBackwardInput'];
/** The `conv3dBackwardWeights` kernel's signature. @category conv3d */
export type Conv3dBackwardWeights<B = NDArray> = Kernels<B>['conv3dBackwardWeights'];

/** Output shape of `conv3d(x, w, bias, options)`; throws a `ShapeError` naming `conv3d`. @category conv3d */
export const conv3dShape = (xShape: Shape, wShape: Shape, biasShape: Shape | null, options: ConvOptions = {}): number[] =>
  conv3dOutputShape('conv3d', xShape, wShape, biasShape, options);

/**
 * Checks `conv3dBackwardInput(dy, w, inputShape, options)` and returns its output shape, `inputShape`:
 * `dy` must be the shape `conv3d` gives for an input of `inputShape`.
 * @category conv3d
 */
export const conv3dBackwardInputShape = (dyShape: Shape, wShape: Shape, inputShape: Shape, options: ConvOptions = {}): number[] =>
  gradientShape('conv3dBackwardInput', dyShape, (op) => conv3dOutputShape(op, inputShape, wShape, null, options), inputShape);

/**
 * Checks `conv3dBackwardWeights(x, dy, weightShape, options)` and returns its output shape, `weightShape`:
 * `dy` must be the shape `conv3d` gives for `x` and a weight of `weightShape`.
 * @category conv3d
 */
export const conv3dBackwardWeightsShape = (xShape: Shape, dyShape: Shape, weightShape: Shape, options: ConvOptions = {}): number[] =>
  gradientShape('conv3dBackwardWeights', dyShape, (op) => conv3dOutputShape(op, xShape, weightShape, null, options), weightShape);

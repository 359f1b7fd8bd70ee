/**
 * `convTranspose3d`: signature and shape rule. Weights `[Cin, Cout, kD, kH, kW]`
 * (PyTorch `conv_transpose3d`, no groups). It is the adjoint of
 * `conv3d(·, w, { stride, padding, dilation })` with respect to its input, plus
 * an optional bias `[Cout]`; `outputPadding` (smaller than the stride or the
 * dilation) adds extent on the high side of each output axis, choosing among
 * the input sizes that a strided `conv3d` maps onto the same output size.
 * Its gradients are existing kernels: with respect to `x`,
 * `conv3d(dy, w, null, options)`; with respect to `w`,
 * `conv3dBackwardWeights(dy, x, w.shape, options)` (roles of input and output swapped).
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { ConvTransposeOptions, Kernels } from '../Backend.js';
import { convTranspose3dOutputShape } from '../options.js';

/** The `convTranspose3d` kernel's signature. @category convTranspose3d */
export type ConvTranspose3d<B = NDArray> = Kernels<B>['convTranspose3d'];

/** Output shape of `convTranspose3d(x, w, bias, options)`; throws a `ShapeError` naming `convTranspose3d`. @category convTranspose3d */
export const convTranspose3dShape = (xShape: Shape, wShape: Shape, biasShape: Shape | null, options: ConvTransposeOptions = {}): number[] =>
  convTranspose3dOutputShape('convTranspose3d', xShape, wShape, biasShape, options);

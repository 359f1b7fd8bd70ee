/**
 * `convTranspose3d`: the adjoint of `conv3d` in its input (PyTorch
 * `conv_transpose3d`, weight `[Cin, Cout, kD, kH, kW]`). Rules: `conv3d`
 * (input) and `conv3dBackwardWeights` with the roles of input and output swapped (weight).
 * @module
 */
import type { ConvTransposeOptions, NormalizedConv, Triple3 } from '@colab-ts/kernels';
import { convTranspose3dShape, normalizeConv, triple } from '@colab-ts/kernels';
import { ValueError, dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { addOpt } from '../internal/coerce.js';
import { add } from './add.js';
import type { Conv3dOptions } from './conv3d.js';
import { addChannelBias, checkPair, conv3dRaw } from './conv3d.js';
import { conv3dBackwardWeightsRaw } from './conv3dBackwardWeights.js';

/** Normalized transposed-convolution options. @category primitives */
export interface NormalizedConvTranspose extends NormalizedConv {
  readonly outputPadding: Triple3;
}

/** `convTranspose3d` with normalized options (the form the rules use). @internal */
export const convTranspose3dRaw = (x: Tensor, w: Tensor, o: NormalizedConvTranspose): Tensor => bind(convTranspose3dPrimitive, [x, w], o);

const convPart = (o: NormalizedConvTranspose): NormalizedConv => ({ stride: o.stride, padding: o.padding, dilation: o.dilation });

/** Transposed 3D convolution, no bias; `outputPadding` must be below the stride (so conv3d is its exact adjoint). @category primitives */
export const convTranspose3dPrimitive: PrimitiveDef<'convTranspose3d', NormalizedConvTranspose> = definePrimitive({
  name: 'convTranspose3d',
  shape: ([x, w], o) => {
    const shape = convTranspose3dShape(x!.shape, w!.shape, null, o);
    o.outputPadding.forEach((p, i) => {
      if (p >= o.stride[i]!) throw new ValueError('convTranspose3d', `outputPadding ${p} must be smaller than the stride ${o.stride[i]} to be differentiable`);
    });
    checkPair('convTranspose3d', x!, w!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x, w], o) => be.kernels.convTranspose3d(x!, w!, null, o),
  jvp: ([x, w], [tx, tw], o) => addOpt(tx ? convTranspose3dRaw(tx, w!, o) : null, tw ? convTranspose3dRaw(x!, tw, o) : null, add),
  vjp: (ct, [x, w], o) => [conv3dRaw(ct, w!, convPart(o)), conv3dBackwardWeightsRaw(ct, x!, w!.shape, convPart(o))],
});

/** Options of the public `convTranspose3d`: as conv3d's plus `outputPadding`. @category ops */
export interface ConvTranspose3dOptions extends ConvTransposeOptions, Conv3dOptions {}

/**
 * Transposed 3D convolution (PyTorch `conv_transpose3d`, no groups), weight `[Cin, Cout, kD, kH, kW]`.
 * @example convTranspose3d(x, w, { stride: 2 }) // doubles D, H, W for a 2x2x2 kernel
 * @category ops
 */
export const convTranspose3d: {
  (w: Tensor, options?: ConvTranspose3dOptions): (x: Tensor) => Tensor<5>;
  (x: Tensor, w: Tensor, options?: ConvTranspose3dOptions): Tensor<5>;
} = dual(
  (args) => isTensor(args[1]),
  (x: Tensor, w: Tensor, options: ConvTranspose3dOptions = {}): Tensor => {
    const o = { ...normalizeConv('convTranspose3d', options), outputPadding: triple('convTranspose3d', 'outputPadding', options.outputPadding, 0, 0) };
    return addChannelBias(convTranspose3dRaw(x, w, o), options.bias);
  },
);

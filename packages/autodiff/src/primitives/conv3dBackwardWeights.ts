/**
 * `conv3dBackwardWeights`: the weight gradient of `conv3d`, bilinear in the
 * input `x` and the output cotangent `dy`. Its own rules are
 * `convTranspose3d` (in x) and `conv3d` (in dy), which closes the family.
 * @module
 */
import type { NormalizedConv } from '@colab-ts/kernels';
import { conv3dBackwardWeightsShape, normalizeConv } from '@colab-ts/kernels';
import type { ConvOptions } from '@colab-ts/kernels';
import type { Shape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { addOpt } from '../internal/coerce.js';
import { add } from './add.js';
import { checkPair, conv3dRaw, outputPaddingFor } from './conv3d.js';
import { convTranspose3dRaw } from './convTranspose3d.js';

/** Parameters: the weight's shape and the convolution's options. @category primitives */
export interface Conv3dBackwardWeightsParams extends NormalizedConv {
  readonly weightShape: Shape;
}

/** `conv3dBackwardWeights` with normalized options (the form the rules use). @internal */
export const conv3dBackwardWeightsRaw = (x: Tensor, dy: Tensor, weightShape: Shape, o: NormalizedConv): Tensor =>
  bind(conv3dBackwardWeightsPrimitive, [x, dy], { stride: o.stride, padding: o.padding, dilation: o.dilation, weightShape });

const convPart = (o: Conv3dBackwardWeightsParams): NormalizedConv => ({ stride: o.stride, padding: o.padding, dilation: o.dilation });

/** `dw[o, c, k] = sum_{n, z} dy[n, o, z] x[n, c, z s - p + k dil]`. @category primitives */
export const conv3dBackwardWeightsPrimitive: PrimitiveDef<'conv3dBackwardWeights', Conv3dBackwardWeightsParams> = definePrimitive({
  name: 'conv3dBackwardWeights',
  shape: ([x, dy], o) => {
    const shape = conv3dBackwardWeightsShape(x!.shape, dy!.shape, o.weightShape, o);
    checkPair('conv3dBackwardWeights', x!, dy!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x, dy], o) => be.kernels.conv3dBackwardWeights(x!, dy!, o.weightShape, convPart(o)),
  jvp: ([x, dy], [tx, tdy], o) =>
    addOpt(tx ? conv3dBackwardWeightsRaw(tx, dy!, o.weightShape, o) : null, tdy ? conv3dBackwardWeightsRaw(x!, tdy, o.weightShape, o) : null, add),
  vjp: (ct, [x, dy], o) => [
    convTranspose3dRaw(dy!, ct, { ...convPart(o), outputPadding: outputPaddingFor(x!.shape, dy!.shape, o.weightShape, o) }),
    conv3dRaw(x!, ct, convPart(o)),
  ],
});

/**
 * The gradient of `conv3d(x, w, options)` with respect to a weight of `weightShape`, given the output cotangent `dy`.
 * @example conv3dBackwardWeights(x, dy, [8, 4, 3, 3, 3], { padding: 1 })
 * @category ops
 */
export const conv3dBackwardWeights = (x: Tensor, dy: Tensor, weightShape: Shape, options: ConvOptions = {}): Tensor<5> =>
  conv3dBackwardWeightsRaw(x, dy, weightShape, normalizeConv('conv3dBackwardWeights', options)) as Tensor<5>;

/**
 * `conv3d`: 3D convolution (cross-correlation, PyTorch layout), no bias (the
 * public op adds one). Its rules are `convTranspose3d` (input) and
 * `conv3dBackwardWeights` (weight), whose rules come back to these three, so
 * the family is closed under differentiation (JAX `convolution.py`).
 * @module
 */
import type { ConvOptions, NormalizedConv } from '@colab-ts/kernels';
import { conv3dShape, normalizeConv } from '@colab-ts/kernels';
import type { Shape } from '@colab-ts/ndarray';
import { DTypeError, dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Aval, Tensor } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { addOpt, checkFloat } from '../internal/coerce.js';
import { add } from './add.js';
import { conv3dBackwardWeightsRaw } from './conv3dBackwardWeights.js';
import { convTranspose3dRaw } from './convTranspose3d.js';
import { reshape } from './reshape.js';

/** `conv3d` with normalized options (the form the rules use). @internal */
export const conv3dRaw = (x: Tensor, w: Tensor, o: NormalizedConv): Tensor => bind(conv3dPrimitive, [x, w], o);

/**
 * The `outputPadding` that makes the transposed convolution of a `dyShape` cotangent
 * come out at `xShape` (what `conv3dBackwardInput` takes as `inputShape`).
 * @internal
 */
export function outputPaddingFor(xShape: Shape, dyShape: Shape, wShape: Shape, o: NormalizedConv): [number, number, number] {
  const p = [0, 1, 2].map((i) => {
    const base = (dyShape[i + 2]! - 1) * o.stride[i]! - 2 * o.padding[i]! + o.dilation[i]! * (wShape[i + 2]! - 1) + 1;
    return xShape[i + 2]! - base;
  });
  return [p[0]!, p[1]!, p[2]!];
}

/** Checks two float operands of one dtype. @internal */
export function checkPair(op: string, a: Aval, b: Aval): void {
  checkFloat(op, a);
  if (a.dtype !== b.dtype) throw new DTypeError(op, `dtypes differ: ${a.dtype} and ${b.dtype}`, { expected: a.dtype, got: b.dtype });
}

/** 3D convolution `[N, Cin, D, H, W] * [Cout, Cin, kD, kH, kW]`, no bias. @category primitives */
export const conv3dPrimitive: PrimitiveDef<'conv3d', NormalizedConv> = definePrimitive({
  name: 'conv3d',
  shape: ([x, w], o) => {
    const shape = conv3dShape(x!.shape, w!.shape, null, o);
    checkPair('conv3d', x!, w!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x, w], o) => be.kernels.conv3d(x!, w!, null, o),
  jvp: ([x, w], [tx, tw], o) => addOpt(tx ? conv3dRaw(tx, w!, o) : null, tw ? conv3dRaw(x!, tw, o) : null, add),
  vjp: (ct, [x, w], o) => [
    convTranspose3dRaw(ct, w!, { ...o, outputPadding: outputPaddingFor(x!.shape, ct.shape, w!.shape, o) }),
    conv3dBackwardWeightsRaw(x!, ct, w!.shape, o),
  ],
});

/** Options of the public `conv3d`: stride, padding, dilation and an optional bias `[Cout]`. @category ops */
export interface Conv3dOptions extends ConvOptions {
  readonly bias?: Tensor | undefined;
}

/** Adds a per-channel bias `[C]` to `[N, C, ...]`. @internal */
export const addChannelBias = (y: Tensor, bias: Tensor | undefined): Tensor =>
  bias === undefined ? y : add(y, reshape(bias, [bias.shape[0] ?? 1, ...y.shape.slice(2).map(() => 1)]));

/**
 * 3D convolution (PyTorch `conv3d`, no groups): x `[N, Cin, D, H, W]`, w `[Cout, Cin, kD, kH, kW]`.
 * @example conv3d(x, w, { padding: 1, bias: b }) or pipe(x, conv3d(w, { stride: 2 }))
 * @category ops
 */
export const conv3d: {
  (w: Tensor, options?: Conv3dOptions): (x: Tensor) => Tensor<5>;
  (x: Tensor, w: Tensor, options?: Conv3dOptions): Tensor<5>;
} = dual(
  (args) => isTensor(args[1]),
  (x: Tensor, w: Tensor, options: Conv3dOptions = {}): Tensor => addChannelBias(conv3dRaw(x, w, normalizeConv('conv3d', options)), options.bias),
);

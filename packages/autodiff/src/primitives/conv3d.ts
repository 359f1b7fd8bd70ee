/**
 * `conv3d`: 3D convolution (cross-correlation, PyTorch layout), with an
 * optional per-channel bias as a third input (the kernel adds it as it
 * accumulates: no separate pass over the output). Its rules are
 * `convTranspose3d` (input), `conv3dBackwardWeights` (weight) and a channel
 * sum (bias), whose rules come back to these, so the family is closed under
 * differentiation (JAX `convolution.py`).
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
import { broadcastTo } from './broadcastTo.js';
import { conv3dBackwardWeightsRaw } from './conv3dBackwardWeights.js';
import { convTranspose3dRaw } from './convTranspose3d.js';
import { reshape } from './reshape.js';
import { sumAxes } from './sum.js';

/** `conv3d` with normalized options (the form the rules use), plus a bias `[Cout]` (x's dtype) when given. @internal */
export const conv3dRaw = (x: Tensor, w: Tensor, o: NormalizedConv, bias?: Tensor): Tensor => bind(conv3dPrimitive, bias ? [x, w, bias] : [x, w], o);

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

/** 3D convolution `[N, Cin, D, H, W] * [Cout, Cin, kD, kH, kW]`, plus an optional bias `[Cout]` (a third input). @category primitives */
export const conv3dPrimitive: PrimitiveDef<'conv3d', NormalizedConv> = definePrimitive({
  name: 'conv3d',
  shape: ([x, w, b], o) => {
    const shape = conv3dShape(x!.shape, w!.shape, b ? b.shape : null, o);
    checkPair('conv3d', x!, w!);
    if (b) checkPair('conv3d', x!, b);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x, w, b], o) => be.kernels.conv3d(x!, w!, b ?? null, o),
  // The tangent of a biased convolution is the biased convolution of the tangents: tb rides on the first term.
  jvp: ([x, w], [tx, tw, tb], o, out) => {
    const first = tx ? conv3dRaw(tx, w!, o, tb ?? undefined) : null;
    const rest = tw ? conv3dRaw(x!, tw, o, first ? undefined : (tb ?? undefined)) : null;
    const bias = tb && !tx && !tw ? broadcastTo(channelColumn(tb, out.shape.length), out.shape) : null;
    return addOpt(addOpt(first, rest, add), bias, add);
  },
  vjp: (ct, [x, w, b], o) => [
    convTranspose3dRaw(ct, w!, { ...o, outputPadding: outputPaddingFor(x!.shape, ct.shape, w!.shape, o) }),
    conv3dBackwardWeightsRaw(x!, ct, w!.shape, o),
    ...(b ? [sumAxes(ct, [0, 2, 3, 4])] : []),
  ],
});

/** A bias `[C]` as `[C, 1, ...]`, to broadcast against `[N, C, ...]` of `rank`. */
const channelColumn = (bias: Tensor, rank: number): Tensor => reshape(bias, [bias.shape[0] ?? 1, ...Array.from({ length: rank - 2 }, () => 1)]);

/** Options of the public `conv3d`: stride, padding, dilation and an optional bias `[Cout]`. @category ops */
export interface Conv3dOptions extends ConvOptions {
  readonly bias?: Tensor | undefined;
}

/** Adds a per-channel bias `[C]` to `[N, C, ...]`. @internal */
export const addChannelBias = (y: Tensor, bias: Tensor | undefined): Tensor => (bias === undefined ? y : add(y, channelColumn(bias, y.shape.length)));

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
  (x: Tensor, w: Tensor, options: Conv3dOptions = {}): Tensor => {
    const o = normalizeConv('conv3d', options);
    const b = options.bias;
    // A bias of x's dtype, one per output channel, goes into the kernel; any other (say float64 on float32) is added.
    if (b !== undefined && b.dtype === x.dtype && b.shape.length === 1 && b.shape[0] === w.shape[0]) return conv3dRaw(x, w, o, b);
    return addChannelBias(conv3dRaw(x, w, o), b);
  },
);

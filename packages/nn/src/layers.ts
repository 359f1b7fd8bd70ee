/**
 * Layers as pure functions `(params, x) -> y` on `[N, C, D, H, W]` tensors,
 * each with an `...Init(key, options) -> params` that returns `NDArray`
 * leaves (wrap them with `toTensors`, or pass them directly: every layer
 * accepts `NDArray` or `Tensor` leaves). Convolutions use "same" padding
 * `(k - 1) / 2` (odd kernels), as nnU-Net does.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import {
  add,
  conv3d,
  convTranspose3d,
  div,
  instanceNorm as instanceNormOp,
  instanceNormLeakyRelu as instanceNormLeakyReluOp,
  isTensor,
  leakyRelu as leakyReluOp,
  mean,
  mul,
  reshape,
  sqrt,
  square,
  sub,
  tensor,
} from '@colab-ts/autodiff';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, isNDArray, showShape, zeros, full } from '@colab-ts/ndarray';
import type { FloatDType } from './init.js';
import { heNormal } from './init.js';

/** A leaf of a parameter tree: a stored array or a tensor. @category layers */
export type Leaf = Tensor | NDArray;

/** Convolution parameters: weight `w` and bias `b` `[Cout]`. @category layers */
export interface ConvParams<L = Tensor> {
  readonly w: L;
  readonly b: L;
}

/** Affine parameters of instance normalisation, `[C]` each. @category layers */
export interface NormParams<L = Tensor> {
  readonly scale: L;
  readonly bias: L;
}

/** A three-number option: one value for every axis, or `[d, h, w]`. @category layers */
export type Triple = number | readonly [number, number, number];

/** A leaf as a tensor (NDArrays become constant leaves). @internal */
export function asLeaf(op: string, x: unknown, what: string): Tensor {
  if (isTensor(x)) return x;
  if (isNDArray(x)) return tensor(x);
  throw new ValueError(op, `${what} must be a Tensor or an NDArray, got ${x === null ? 'null' : typeof x}`);
}

/** Expands a Triple to three positive integers. @internal */
export function triple(op: string, name: string, v: Triple | undefined, dflt: number): [number, number, number] {
  const t = v === undefined ? [dflt, dflt, dflt] : typeof v === 'number' ? [v, v, v] : [...v];
  if (t.length !== 3 || !t.every((x) => Number.isInteger(x) && x > 0))
    throw new ValueError(op, `${name} must be a positive integer or three of them, got ${JSON.stringify(v)}`);
  return [t[0]!, t[1]!, t[2]!];
}

function checkInput(op: string, x: Tensor, channels: number): void {
  if (x.shape.length !== 5) throw new ShapeError(op, `expects x [N, C, D, H, W], got ${showShape(x.shape)}`);
  if (x.shape[1] !== channels)
    throw new ShapeError(op, `input channels ${x.shape[1]} != weight in-channels ${channels}`, { expected: String(channels), got: String(x.shape[1]) });
}

const samePadding = (op: string, w: Tensor): [number, number, number] => {
  const k = w.shape.slice(2);
  if (w.shape.length !== 5 || !k.every((d) => d % 2 === 1))
    throw new ShapeError(op, `expects a weight [Cout, Cin, kD, kH, kW] with odd kernel sizes, got ${showShape(w.shape)}`);
  return [(k[0]! - 1) / 2, (k[1]! - 1) / 2, (k[2]! - 1) / 2];
};

/** Options of `conv3dLayerInit`. @category layers */
export interface ConvInitOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Kernel size (odd), default 3. */
  readonly kernel?: Triple;
  readonly dtype?: FloatDType;
}

function channels(op: string, o: { readonly inChannels: number; readonly outChannels: number }): void {
  for (const [n, v] of [
    ['inChannels', o.inChannels],
    ['outChannels', o.outChannels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ValueError(op, `${n} must be a positive integer, got ${v}`);
  }
}

/**
 * He-normal weights `[Cout, Cin, kD, kH, kW]` and zero bias for `conv3dLayer`.
 * @example const p = conv3dLayerInit(key(0), { inChannels: 1, outChannels: 4, kernel: [1, 3, 3] })
 * @category layers
 */
export function conv3dLayerInit(k: Key, options: ConvInitOptions): ConvParams<NDArray> {
  const op = 'conv3dLayerInit';
  channels(op, options);
  const kernel = triple(op, 'kernel', options.kernel, 3);
  if (!kernel.every((d) => d % 2 === 1)) throw new ValueError(op, `kernel sizes must be odd ("same" padding), got [${kernel.join(',')}]`);
  const dtype = options.dtype ?? 'float32';
  return { w: heNormal(k, [options.outChannels, options.inChannels, ...kernel], { dtype }), b: zeros([options.outChannels], dtype) };
}

/**
 * 3D convolution with bias and "same" padding `(k - 1) / 2`; a stride divides the extent (rounding up).
 * @example conv3dLayer(p, x, { stride: [1, 2, 2] })
 * @category layers
 */
export function conv3dLayer(params: ConvParams<Leaf>, x: Leaf, options: { readonly stride?: Triple } = {}): Tensor {
  const op = 'conv3dLayer';
  const w = asLeaf(op, params.w, 'w');
  const xt = asLeaf(op, x, 'x');
  const padding = samePadding(op, w);
  checkInput(op, xt, w.shape[1]!);
  return conv3d(xt, w, { stride: triple(op, 'stride', options.stride, 1), padding, bias: asLeaf(op, params.b, 'b') });
}

/** Options of `convTranspose3dLayerInit`. @category layers */
export interface ConvTransposeInitOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Kernel size, equal to the up-sampling stride (nnU-Net). */
  readonly kernel: Triple;
  readonly dtype?: FloatDType;
}

/**
 * He-normal weights `[Cin, Cout, kD, kH, kW]` (PyTorch fan-in: `Cout * prod(k)`) and zero bias for `convTranspose3dLayer`.
 * @example const up = convTranspose3dLayerInit(key(1), { inChannels: 8, outChannels: 4, kernel: 2 })
 * @category layers
 */
export function convTranspose3dLayerInit(k: Key, options: ConvTransposeInitOptions): ConvParams<NDArray> {
  const op = 'convTranspose3dLayerInit';
  channels(op, options);
  const kernel = triple(op, 'kernel', options.kernel, 2);
  const dtype = options.dtype ?? 'float32';
  return { w: heNormal(k, [options.inChannels, options.outChannels, ...kernel], { dtype }), b: zeros([options.outChannels], dtype) };
}

/**
 * Transposed convolution with kernel = stride (no overlap, no padding): multiplies D, H, W by the kernel size.
 * @example convTranspose3dLayer(up, x) // [N, 8, 4, 4, 4] -> [N, 4, 8, 8, 8] for a 2x2x2 kernel
 * @category layers
 */
export function convTranspose3dLayer(params: ConvParams<Leaf>, x: Leaf): Tensor {
  const op = 'convTranspose3dLayer';
  const w = asLeaf(op, params.w, 'w');
  const xt = asLeaf(op, x, 'x');
  if (w.shape.length !== 5) throw new ShapeError(op, `expects a weight [Cin, Cout, kD, kH, kW], got ${showShape(w.shape)}`);
  checkInput(op, xt, w.shape[0]!);
  const k = w.shape.slice(2) as unknown as [number, number, number];
  return convTranspose3d(xt, w, { stride: k, bias: asLeaf(op, params.b, 'b') });
}

/**
 * Instance-norm affine parameters: scale 1, bias 0 (PyTorch `InstanceNorm3d(affine=True)`).
 * @example instanceNormInit(4, 'float64')
 * @category layers
 */
export function instanceNormInit(channelCount: number, dtype: FloatDType = 'float32'): NormParams<NDArray> {
  if (!Number.isInteger(channelCount) || channelCount < 1) throw new ValueError('instanceNormInit', `channels must be a positive integer, got ${channelCount}`);
  return { scale: full([channelCount], 1, dtype), bias: zeros([channelCount], dtype) };
}

/** Instance norm's operands under the name `op`, checked; `fused`: their dtypes allow the fused primitives. */
function normOperands(op: string, params: NormParams<Leaf>, x: Leaf): { xt: Tensor; scale: Tensor; bias: Tensor; fused: boolean } {
  const xt = asLeaf(op, x, 'x');
  const scale = asLeaf(op, params.scale, 'scale');
  const bias = asLeaf(op, params.bias, 'bias');
  if (xt.shape.length !== 5) throw new ShapeError(op, `expects x [N, C, D, H, W], got ${showShape(xt.shape)}`);
  const c = xt.shape[1]!;
  for (const [n, p] of [
    ['scale', scale],
    ['bias', bias],
  ] as const) {
    if (p.shape.length !== 1 || p.shape[0] !== c)
      throw new ShapeError(op, `${n} has shape ${showShape(p.shape)}, expected [${c}]`, { expected: `[${c}]`, got: showShape(p.shape) });
  }
  const fused = scale.dtype === xt.dtype && bias.dtype === xt.dtype && (xt.dtype === 'float32' || xt.dtype === 'float64');
  return { xt, scale, bias, fused };
}

/**
 * Instance normalisation: per sample and channel over D, H, W, biased variance, then affine (eps 1e-5).
 * @example instanceNorm(p, x) // (x - mean) / sqrt(var + 1e-5) * scale + bias
 * @category layers
 */
export function instanceNorm(params: NormParams<Leaf>, x: Leaf, options: { readonly eps?: number } = {}): Tensor {
  const { xt, scale, bias, fused } = normOperands('instanceNorm', params, x);
  const eps = options.eps ?? 1e-5;
  // The fused primitive (one kernel forward, one backward) where the dtypes agree; else the composite below.
  if (fused) return instanceNormOp(xt, scale, bias, { eps });
  const c = xt.shape[1]!;
  const axes = [2, 3, 4];
  const centred = sub(xt, mean(xt, { axes, keepDims: true }));
  const inv = div(1, sqrt(add(mean(square(centred), { axes, keepDims: true }), eps)));
  const perChannel = (p: Tensor): Tensor => reshape(p, [1, c, 1, 1, 1]);
  // NOTE: scale folded into the [N, C, 1, 1, 1] factor first, so the full-size tensor is multiplied once,
  // not twice (one pass fewer forward, two fewer backward).
  return add(mul(centred, mul(inv, perChannel(scale))), perChannel(bias));
}

/**
 * Instance norm then leaky ReLU (nnU-Net's norm and nonlinearity; eps 1e-5, slope 0.01): one fused kernel where the
 * dtypes agree and `slope >= 0` (the same values and gradients as the two layers, one pass and one tensor fewer),
 * else `leakyRelu(instanceNorm(...))`.
 * @example instanceNormLeakyRelu(p, x) // leakyRelu(instanceNorm(p, x))
 * @category layers
 */
export function instanceNormLeakyRelu(params: NormParams<Leaf>, x: Leaf, options: { readonly eps?: number; readonly slope?: number } = {}): Tensor {
  const { xt, scale, bias, fused } = normOperands('instanceNormLeakyRelu', params, x);
  const slope = options.slope ?? 0.01;
  if (fused && slope >= 0 && Number.isFinite(slope)) return instanceNormLeakyReluOp(xt, scale, bias, { eps: options.eps ?? 1e-5, slope });
  return leakyRelu(instanceNorm(params, xt, options), { slope });
}

/**
 * Leaky ReLU with nnU-Net's slope 0.01 (the autodiff composite, for `Tensor` or `NDArray` input).
 * @example leakyRelu(x)
 * @category layers
 */
export const leakyRelu = (x: Leaf, options: { readonly slope?: number } = {}): Tensor =>
  leakyReluOp(asLeaf('leakyRelu', x, 'x'), { slope: options.slope ?? 0.01 });

/** Parameters of one conv -> instance norm -> leaky ReLU block. @category layers */
export interface ConvBlockParams<L = Tensor> {
  readonly conv: ConvParams<L>;
  readonly norm: NormParams<L>;
}

/**
 * Parameters of `convBlock`: a He-initialised convolution and identity instance-norm affine.
 * @example convBlockInit(key(0), { inChannels: 1, outChannels: 4 })
 * @category layers
 */
export function convBlockInit(k: Key, options: ConvInitOptions): ConvBlockParams<NDArray> {
  return { conv: conv3dLayerInit(k, options), norm: instanceNormInit(options.outChannels, options.dtype ?? 'float32') };
}

/**
 * nnU-Net's `ConvDropoutNormReLU` without dropout: conv -> instance norm -> leaky ReLU.
 * @example convBlock(p, x, { stride: 2 })
 * @category layers
 */
export const convBlock = (params: ConvBlockParams<Leaf>, x: Leaf, options: { readonly stride?: Triple } = {}): Tensor =>
  instanceNormLeakyRelu(params.norm, conv3dLayer(params.conv, x, options));

/**
 * A 1x1x1 convolution head (a per-voxel linear map over channels), He-initialised, zero bias.
 * @example const head = headInit(key(2), { inChannels: 4, outChannels: 3 })
 * @category layers
 */
export const headInit = (k: Key, options: { readonly inChannels: number; readonly outChannels: number; readonly dtype?: FloatDType }): ConvParams<NDArray> =>
  conv3dLayerInit(k, { ...options, kernel: 1 });

/**
 * The 1x1x1 head: per-voxel logits `[N, outChannels, D, H, W]`.
 * @example head(p, features)
 * @category layers
 */
export function head(params: ConvParams<Leaf>, x: Leaf): Tensor {
  const w = asLeaf('head', params.w, 'w');
  if (w.shape.length !== 5 || w.shape.slice(2).some((d) => d !== 1))
    throw new ShapeError('head', `expects a 1x1x1 weight [Cout, Cin, 1, 1, 1], got ${showShape(w.shape)}`);
  return conv3dLayer(params, x);
}

/**
 * gpu.js `conv3d`, `conv3dBackwardInput` and `conv3dBackwardWeights`: one
 * kernel source each, one output element per thread over a flat 1-D output,
 * every shape fact a constant. The gradients are gathers (each output element
 * sums what the forward scattered into it), so no thread writes another's cell.
 * @module
 */
import type { Shape } from '@colab-ts/ndarray';
import type { ConvOptions } from '../Backend.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GridConstants, WindowConstants } from '../gpu/constants.js';
import { gridConstants, windowConstants } from '../gpu/constants.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { NONE, kernelArg, runKernel } from '../gpu/run.js';
import { INPUT_VOXEL, OUTPUT_VOXEL, WINDOW, block, kernelSource, readerLoops, threadCoords, windowLoops } from '../gpu/sourceParts.js';
import { normalizeConv } from '../options.js';
import { conv3dBackwardInputShape, conv3dBackwardWeightsShape, conv3dShape } from './index.js';

/** Shape facts of a convolution: input `[N, Ci, D, H, W]`, output `[N, Co, oD, oH, oW]`, kernel, stride, padding, dilation. @category gpu */
export interface ConvConstants extends GridConstants, WindowConstants {
  readonly N: number;
  readonly Ci: number;
  readonly Co: number;
  readonly dd: number;
  readonly dh: number;
  readonly dw: number;
  /** 1 when a bias is added. */
  readonly hasBias: number;
}

/** The elements at `(n, ci, iz, iy, ix)` of `x`, `(co, ci, a, b, e)` of `w` and `(n, co, oz, oy, ox)` of `dy`. */
const X_AT = 'x[(((n * this.constants.Ci + ci) * this.constants.D + iz) * this.constants.H + iy) * this.constants.W + ix]';
const W_AT = 'w[(((co * this.constants.Ci + ci) * this.constants.kD + a) * this.constants.kH + b) * this.constants.kW + e]';
const DY_AT = 'dy[(((n * this.constants.Co + co) * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox]';

/** Forward: `y[n, o, z] = bias[o] + sum_{c, k} x[n, c, z s - p + k d] w[o, c, k]`. */
const conv3dForwardSource: KernelSource = kernelSource('function conv3dForwardSource(x, w, bias)', [
  threadCoords([...OUTPUT_VOXEL, ['co', 'Co']], 'n'),
  'let s = 0;',
  block('for (let ci = 0; ci < this.constants.Ci; ci++)', windowLoops({ ...WINDOW, dilated: true }, `s += ${X_AT} * ${W_AT};`)),
  'if (this.constants.hasBias > 0) s += bias[co];',
  'return s;',
]);

/**
 * Input gradient as a gather: `dx[n, c, z] = sum_{o, k} dy[n, o, (z + p - k d) / s] w[o, c, k]`
 * over the taps where the division is exact and in range. With weights read as
 * `[Co, Ci, ...]` and the output extent free, it is also `convTranspose3d`.
 */
const conv3dBackwardInputSource: KernelSource = kernelSource('function conv3dBackwardInputSource(dy, w, bias)', [
  threadCoords([...INPUT_VOXEL, ['ci', 'Ci']], 'n'),
  'let s = 0;',
  block('for (let co = 0; co < this.constants.Co; co++)', readerLoops(true, `s += ${DY_AT} * ${W_AT};`)),
  'if (this.constants.hasBias > 0) s += bias[ci];',
  'return s;',
]);

/** Weight gradient as a gather: `dw[o, c, k] = sum_{n, z} dy[n, o, z] x[n, c, z s - p + k d]`. */
const conv3dBackwardWeightsSource: KernelSource = kernelSource('function conv3dBackwardWeightsSource(x, dy)', [
  threadCoords(
    [
      ['e', 'kW'],
      ['b', 'kH'],
      ['a', 'kD'],
      ['ci', 'Ci'],
    ],
    'co',
  ),
  'let s = 0;',
  block('for (let n = 0; n < this.constants.N; n++)', windowLoops({ ...WINDOW, over: 'out', dilated: true }, `s += ${DY_AT} * ${X_AT};`)),
  'return s;',
]);

/** The constants of a convolution from its input, weight and output shapes. @category gpu */
export function convConstants(op: string, xs: Shape, ws: Shape, ys: Shape, options: ConvOptions, hasBias: boolean): ConvConstants {
  const o = normalizeConv(op, options);
  return {
    N: xs[0]!,
    Ci: xs[1]!,
    Co: ys[1]!,
    ...gridConstants(xs, ys),
    ...windowConstants([ws[2]!, ws[3]!, ws[4]!], o.stride, o.padding),
    dd: o.dilation[0],
    dh: o.dilation[1],
    dw: o.dilation[2],
    hasBias: hasBias ? 1 : 0,
  };
}

/** gpu.js `conv3d` (float32 buffers). @category gpu */
export async function conv3dGpu(dev: GpuDevice, x: GpuBuffer, w: GpuBuffer, bias: GpuBuffer | null, options: ConvOptions): Promise<GpuBuffer> {
  const ys = conv3dShape(x.shape, w.shape, bias === null ? null : bias.shape, options);
  const c = convConstants('conv3d', x.shape, w.shape, ys, options, bias !== null);
  return runKernel(dev, 'conv3d', conv3dForwardSource, { ...c }, ys, [kernelArg(x), kernelArg(w), bias === null ? NONE : kernelArg(bias)]);
}

/** gpu.js `conv3dBackwardInput` (float32 buffers). @category gpu */
export async function conv3dBackwardInputGpu(dev: GpuDevice, dy: GpuBuffer, w: GpuBuffer, inputShape: Shape, options: ConvOptions): Promise<GpuBuffer> {
  const xs = conv3dBackwardInputShape(dy.shape, w.shape, inputShape, options);
  const c = convConstants('conv3dBackwardInput', xs, w.shape, dy.shape, options, false);
  return runKernel(dev, 'conv3dBackwardInput', conv3dBackwardInputSource, { ...c }, xs, [kernelArg(dy), kernelArg(w), NONE]);
}

/**
 * The backward-input gather with explicit shapes: `convTranspose3d` is it with
 * input `x` in the role of `dy`, its output in the role of `dx`, and a bias.
 * @category gpu
 */
export async function backwardInputGatherGpu(
  dev: GpuDevice,
  name: string,
  c: ConvConstants,
  outShape: Shape,
  dy: GpuBuffer,
  w: GpuBuffer,
  bias: GpuBuffer | null,
): Promise<GpuBuffer> {
  return runKernel(dev, name, conv3dBackwardInputSource, { ...c }, outShape, [kernelArg(dy), kernelArg(w), bias === null ? NONE : kernelArg(bias)]);
}

/** gpu.js `conv3dBackwardWeights` (float32 buffers). @category gpu */
export async function conv3dBackwardWeightsGpu(dev: GpuDevice, x: GpuBuffer, dy: GpuBuffer, weightShape: Shape, options: ConvOptions): Promise<GpuBuffer> {
  const ws = conv3dBackwardWeightsShape(x.shape, dy.shape, weightShape, options);
  const c = convConstants('conv3dBackwardWeights', x.shape, ws, dy.shape, options, false);
  return runKernel(dev, 'conv3dBackwardWeights', conv3dBackwardWeightsSource, { ...c }, ws, [kernelArg(x), kernelArg(dy)]);
}

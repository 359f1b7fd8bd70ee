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

/** Forward: `y[n, o, z] = bias[o] + sum_{c, k} x[n, c, z s - p + k d] w[o, c, k]`. */
const conv3dForwardSource: KernelSource = String.raw`function conv3dForwardSource(x, w, bias) {
  const i = this.thread.x;
  const ox = i % this.constants.oW;
  let t = Math.floor(i / this.constants.oW);
  const oy = t % this.constants.oH;
  t = Math.floor(t / this.constants.oH);
  const oz = t % this.constants.oD;
  t = Math.floor(t / this.constants.oD);
  const co = t % this.constants.Co;
  const n = Math.floor(t / this.constants.Co);
  let s = 0;
  for (let ci = 0; ci < this.constants.Ci; ci++) {
    for (let a = 0; a < this.constants.kD; a++) {
      const iz = oz * this.constants.sd - this.constants.pd + a * this.constants.dd;
      if (iz >= 0 && iz < this.constants.D) {
        for (let b = 0; b < this.constants.kH; b++) {
          const iy = oy * this.constants.sh - this.constants.ph + b * this.constants.dh;
          if (iy >= 0 && iy < this.constants.H) {
            for (let e = 0; e < this.constants.kW; e++) {
              const ix = ox * this.constants.sw - this.constants.pw + e * this.constants.dw;
              if (ix >= 0 && ix < this.constants.W) {
                s += x[(((n * this.constants.Ci + ci) * this.constants.D + iz) * this.constants.H + iy) * this.constants.W + ix] * w[(((co * this.constants.Ci + ci) * this.constants.kD + a) * this.constants.kH + b) * this.constants.kW + e];
              }
            }
          }
        }
      }
    }
  }
  if (this.constants.hasBias > 0) s += bias[co];
  return s;
}`;

/**
 * Input gradient as a gather: `dx[n, c, z] = sum_{o, k} dy[n, o, (z + p - k d) / s] w[o, c, k]`
 * over the taps where the division is exact and in range. With weights read as
 * `[Co, Ci, ...]` and the output extent free, it is also `convTranspose3d`.
 */
const conv3dBackwardInputSource: KernelSource = String.raw`function conv3dBackwardInputSource(dy, w, bias) {
  const i = this.thread.x;
  const ix = i % this.constants.W;
  let t = Math.floor(i / this.constants.W);
  const iy = t % this.constants.H;
  t = Math.floor(t / this.constants.H);
  const iz = t % this.constants.D;
  t = Math.floor(t / this.constants.D);
  const ci = t % this.constants.Ci;
  const n = Math.floor(t / this.constants.Ci);
  let s = 0;
  for (let co = 0; co < this.constants.Co; co++) {
    for (let a = 0; a < this.constants.kD; a++) {
      const tz = iz + this.constants.pd - a * this.constants.dd;
      const oz = Math.floor(tz / this.constants.sd);
      if (tz >= 0 && oz * this.constants.sd === tz && oz < this.constants.oD) {
        for (let b = 0; b < this.constants.kH; b++) {
          const ty = iy + this.constants.ph - b * this.constants.dh;
          const oy = Math.floor(ty / this.constants.sh);
          if (ty >= 0 && oy * this.constants.sh === ty && oy < this.constants.oH) {
            for (let e = 0; e < this.constants.kW; e++) {
              const tx = ix + this.constants.pw - e * this.constants.dw;
              const ox = Math.floor(tx / this.constants.sw);
              if (tx >= 0 && ox * this.constants.sw === tx && ox < this.constants.oW) {
                s += dy[(((n * this.constants.Co + co) * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox] * w[(((co * this.constants.Ci + ci) * this.constants.kD + a) * this.constants.kH + b) * this.constants.kW + e];
              }
            }
          }
        }
      }
    }
  }
  if (this.constants.hasBias > 0) s += bias[ci];
  return s;
}`;

/** Weight gradient as a gather: `dw[o, c, k] = sum_{n, z} dy[n, o, z] x[n, c, z s - p + k d]`. */
const conv3dBackwardWeightsSource: KernelSource = String.raw`function conv3dBackwardWeightsSource(x, dy) {
  const i = this.thread.x;
  const e = i % this.constants.kW;
  let t = Math.floor(i / this.constants.kW);
  const b = t % this.constants.kH;
  t = Math.floor(t / this.constants.kH);
  const a = t % this.constants.kD;
  t = Math.floor(t / this.constants.kD);
  const ci = t % this.constants.Ci;
  const co = Math.floor(t / this.constants.Ci);
  let s = 0;
  for (let n = 0; n < this.constants.N; n++) {
    for (let oz = 0; oz < this.constants.oD; oz++) {
      const iz = oz * this.constants.sd - this.constants.pd + a * this.constants.dd;
      if (iz >= 0 && iz < this.constants.D) {
        for (let oy = 0; oy < this.constants.oH; oy++) {
          const iy = oy * this.constants.sh - this.constants.ph + b * this.constants.dh;
          if (iy >= 0 && iy < this.constants.H) {
            for (let ox = 0; ox < this.constants.oW; ox++) {
              const ix = ox * this.constants.sw - this.constants.pw + e * this.constants.dw;
              if (ix >= 0 && ix < this.constants.W) {
                s += dy[(((n * this.constants.Co + co) * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox] * x[(((n * this.constants.Ci + ci) * this.constants.D + iz) * this.constants.H + iy) * this.constants.W + ix];
              }
            }
          }
        }
      }
    }
  }
  return s;
}`;

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

/**
 * gpu.js `softmax` over channels and `softmaxBackward`, one output element per
 * thread (each thread reduces its voxel's channels: C-fold redundant work,
 * no synchronisation).
 * @module
 */
import { shapeSize } from '@colab-ts/ndarray';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { kernelArg, runKernel } from '../gpu/run.js';
import { softmaxBackwardShape, softmaxShape } from './index.js';

/** Channels `C` and voxels per channel `M` of a `[N, C, ...]` array. @category gpu */
export interface SoftmaxConstants {
  readonly C: number;
  readonly M: number;
}

const softmaxSource: KernelSource = String.raw`function softmaxSource(x) {
  const i = this.thread.x;
  const v = i % this.constants.M;
  const n = Math.floor(i / (this.constants.C * this.constants.M));
  const base = n * this.constants.C * this.constants.M + v;
  let mx = x[base];
  for (let c = 1; c < this.constants.C; c++) mx = Math.max(mx, x[base + c * this.constants.M]);
  let sum = 0;
  for (let c = 0; c < this.constants.C; c++) sum += Math.exp(x[base + c * this.constants.M] - mx);
  return Math.exp(x[i] - mx) / sum;
}`;

const softmaxBackwardSource: KernelSource = String.raw`function softmaxBackwardSource(y, dy) {
  const i = this.thread.x;
  const v = i % this.constants.M;
  const n = Math.floor(i / (this.constants.C * this.constants.M));
  const base = n * this.constants.C * this.constants.M + v;
  let dot = 0;
  for (let c = 0; c < this.constants.C; c++) dot += y[base + c * this.constants.M] * dy[base + c * this.constants.M];
  return y[i] * (dy[i] - dot);
}`;

const constantsOf = (shape: readonly number[]): SoftmaxConstants => ({ C: shape[1]!, M: shapeSize(shape.slice(2)) });

/** gpu.js `softmax` (float32 buffers). @category gpu */
export async function softmaxGpu(dev: GpuDevice, x: GpuBuffer): Promise<GpuBuffer> {
  const s = softmaxShape(x.shape);
  return runKernel(dev, 'softmax', softmaxSource, { ...constantsOf(s) }, s, [kernelArg(x)]);
}

/** gpu.js `softmaxBackward` (float32 buffers). @category gpu */
export async function softmaxBackwardGpu(dev: GpuDevice, y: GpuBuffer, dy: GpuBuffer): Promise<GpuBuffer> {
  const s = softmaxBackwardShape(y.shape, dy.shape);
  return runKernel(dev, 'softmaxBackward', softmaxBackwardSource, { ...constantsOf(s) }, s, [kernelArg(y), kernelArg(dy)]);
}

/**
 * gpu.js `instanceNormStats`: one thread per `(n, c)`, two kernels (the mean,
 * then the squared deviations from it), each summing rows, then planes, then
 * the volume, so float32 rounding grows with the extents, not the voxel count.
 * @module
 */
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { kernelArg, runKernel } from '../gpu/run.js';
import { instanceNormStatsShape } from './index.js';

/** Spatial extents of the statistics' input. @category gpu */
export interface StatsConstants {
  readonly D: number;
  readonly H: number;
  readonly W: number;
}

const meanSource: KernelSource = String.raw`function meanSource(x) {
  const base = this.thread.x * this.constants.D * this.constants.H * this.constants.W;
  let total = 0;
  for (let z = 0; z < this.constants.D; z++) {
    let plane = 0;
    for (let y = 0; y < this.constants.H; y++) {
      let row = 0;
      for (let v = 0; v < this.constants.W; v++) row += x[base + (z * this.constants.H + y) * this.constants.W + v];
      plane += row;
    }
    total += plane;
  }
  return total / (this.constants.D * this.constants.H * this.constants.W);
}`;

const varianceSource: KernelSource = String.raw`function varianceSource(x, mean) {
  const base = this.thread.x * this.constants.D * this.constants.H * this.constants.W;
  const mu = mean[this.thread.x];
  let total = 0;
  for (let z = 0; z < this.constants.D; z++) {
    let plane = 0;
    for (let y = 0; y < this.constants.H; y++) {
      let row = 0;
      for (let v = 0; v < this.constants.W; v++) {
        const d = x[base + (z * this.constants.H + y) * this.constants.W + v] - mu;
        row += d * d;
      }
      plane += row;
    }
    total += plane;
  }
  return total / (this.constants.D * this.constants.H * this.constants.W);
}`;

/** gpu.js `instanceNormStats` (float32 buffers). @category gpu */
export async function instanceNormStatsGpu(dev: GpuDevice, x: GpuBuffer): Promise<{ readonly mean: GpuBuffer; readonly variance: GpuBuffer }> {
  const s = instanceNormStatsShape(x.shape);
  const c: StatsConstants = { D: x.shape[2]!, H: x.shape[3]!, W: x.shape[4]! };
  const mean = await runKernel(dev, 'instanceNormMean', meanSource, { ...c }, s, [kernelArg(x)]);
  const variance = await runKernel(dev, 'instanceNormVariance', varianceSource, { ...c }, s, [kernelArg(x), kernelArg(mean)]);
  return { mean, variance };
}

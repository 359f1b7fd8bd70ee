/**
 * gpu.js `avgPool3d` and `avgPool3dBackward`, one output element per thread
 * (padding counts as zeros: every window divides by `kD kH kW`). The backward
 * is a gather over the windows that cover each input voxel.
 * @module
 */
import type { Shape } from '@colab-ts/ndarray';
import type { PoolOptions } from '../Backend.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GridConstants, WindowConstants } from '../gpu/constants.js';
import { gridConstants, windowConstants } from '../gpu/constants.js';
import type { KernelVariable } from 'gpu.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { kernelArg, runKernel } from '../gpu/run.js';
import { normalizePool } from '../options.js';
import { avgPool3dBackwardShape, avgPool3dShape } from './index.js';

/** Shape facts of a pooling: input `[N, C, D, H, W]`, output extents, window, stride, padding. @category gpu */
export type PoolConstants = GridConstants & WindowConstants;

/** The constants of a pooling from its input and output shapes. @category gpu */
export function poolConstants(op: string, xs: Shape, ys: Shape, options: PoolOptions): PoolConstants {
  const o = normalizePool(op, options);
  return { ...gridConstants(xs, ys), ...windowConstants(o.kernelSize, o.stride, o.padding) };
}

const avgPool3dSource: KernelSource = String.raw`function avgPool3dSource(x) {
  const i = this.thread.x;
  const ox = i % this.constants.oW;
  let t = Math.floor(i / this.constants.oW);
  const oy = t % this.constants.oH;
  t = Math.floor(t / this.constants.oH);
  const oz = t % this.constants.oD;
  const nc = Math.floor(t / this.constants.oD);
  let s = 0;
  for (let a = 0; a < this.constants.kD; a++) {
    const iz = oz * this.constants.sd - this.constants.pd + a;
    if (iz >= 0 && iz < this.constants.D) {
      for (let b = 0; b < this.constants.kH; b++) {
        const iy = oy * this.constants.sh - this.constants.ph + b;
        if (iy >= 0 && iy < this.constants.H) {
          for (let e = 0; e < this.constants.kW; e++) {
            const ix = ox * this.constants.sw - this.constants.pw + e;
            if (ix >= 0 && ix < this.constants.W) {
              s += x[((nc * this.constants.D + iz) * this.constants.H + iy) * this.constants.W + ix];
            }
          }
        }
      }
    }
  }
  return s / (this.constants.kD * this.constants.kH * this.constants.kW);
}`;

const avgPool3dBackwardSource: KernelSource = String.raw`function avgPool3dBackwardSource(dy) {
  const i = this.thread.x;
  const ix = i % this.constants.W;
  let t = Math.floor(i / this.constants.W);
  const iy = t % this.constants.H;
  t = Math.floor(t / this.constants.H);
  const iz = t % this.constants.D;
  const nc = Math.floor(t / this.constants.D);
  let s = 0;
  for (let a = 0; a < this.constants.kD; a++) {
    const tz = iz + this.constants.pd - a;
    const oz = Math.floor(tz / this.constants.sd);
    if (tz >= 0 && oz * this.constants.sd === tz && oz < this.constants.oD) {
      for (let b = 0; b < this.constants.kH; b++) {
        const ty = iy + this.constants.ph - b;
        const oy = Math.floor(ty / this.constants.sh);
        if (ty >= 0 && oy * this.constants.sh === ty && oy < this.constants.oH) {
          for (let e = 0; e < this.constants.kW; e++) {
            const tx = ix + this.constants.pw - e;
            const ox = Math.floor(tx / this.constants.sw);
            if (tx >= 0 && ox * this.constants.sw === tx && ox < this.constants.oW) {
              s += dy[((nc * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox];
            }
          }
        }
      }
    }
  }
  return s / (this.constants.kD * this.constants.kH * this.constants.kW);
}`;

/**
 * Runs a pooling kernel over the pooling of `[xs, ys]` by `options`: one thread per output voxel (`over: 'ys'`), or per
 * input voxel for the gradients' gathers (`over: 'xs'`).
 * @category gpu
 */
export function runPoolKernel(
  dev: GpuDevice,
  op: string,
  source: KernelSource,
  [xs, ys]: readonly [Shape, Shape],
  options: PoolOptions,
  over: 'xs' | 'ys',
  args: readonly KernelVariable[],
): Promise<GpuBuffer> {
  return runKernel(dev, op, source, { ...poolConstants(op, xs, ys, options) }, over === 'xs' ? xs : ys, args);
}

/** gpu.js `avgPool3d` (float32 buffers). @category gpu */
export const avgPool3dGpu = async (dev: GpuDevice, x: GpuBuffer, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'avgPool3d', avgPool3dSource, [x.shape, avgPool3dShape(x.shape, options)], options, 'ys', [kernelArg(x)]);

/** gpu.js `avgPool3dBackward` (float32 buffers). @category gpu */
export const avgPool3dBackwardGpu = async (dev: GpuDevice, dy: GpuBuffer, inputShape: Shape, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'avgPool3dBackward', avgPool3dBackwardSource, [avgPool3dBackwardShape(dy.shape, inputShape, options), dy.shape], options, 'xs', [
    kernelArg(dy),
  ]);

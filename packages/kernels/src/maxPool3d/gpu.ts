/**
 * gpu.js `maxPool3d` and `maxPool3dBackward`, one output element per thread.
 * The backward is a gather: each input voxel sums the `dy` of the windows
 * whose first maximum it is. (NaN inputs: gpu.js comparisons do not let a NaN
 * win a window as the reference does; outputs then differ.)
 * @module
 */
import type { PoolOptions } from '../Backend.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { kernelArg } from '../gpu/run.js';
import { runPoolKernel } from '../avgPool3d/gpu.js';
import { maxPool3dBackwardShape, maxPool3dShape } from './index.js';

const maxPool3dSource: KernelSource = String.raw`function maxPool3dSource(x) {
  const i = this.thread.x;
  const ox = i % this.constants.oW;
  let t = Math.floor(i / this.constants.oW);
  const oy = t % this.constants.oH;
  t = Math.floor(t / this.constants.oH);
  const oz = t % this.constants.oD;
  const nc = Math.floor(t / this.constants.oD);
  let best = 0;
  let found = 0;
  for (let a = 0; a < this.constants.kD; a++) {
    const iz = oz * this.constants.sd - this.constants.pd + a;
    if (iz >= 0 && iz < this.constants.D) {
      for (let b = 0; b < this.constants.kH; b++) {
        const iy = oy * this.constants.sh - this.constants.ph + b;
        if (iy >= 0 && iy < this.constants.H) {
          for (let e = 0; e < this.constants.kW; e++) {
            const ix = ox * this.constants.sw - this.constants.pw + e;
            if (ix >= 0 && ix < this.constants.W) {
              const v = x[((nc * this.constants.D + iz) * this.constants.H + iy) * this.constants.W + ix];
              if (found === 0 || v > best) {
                best = v;
                found = 1;
              }
            }
          }
        }
      }
    }
  }
  return best;
}`;

const maxPool3dBackwardSource: KernelSource = String.raw`function maxPool3dBackwardSource(dy, x) {
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
              let best = 0;
              let at = -1;
              for (let a2 = 0; a2 < this.constants.kD; a2++) {
                const jz = oz * this.constants.sd - this.constants.pd + a2;
                if (jz >= 0 && jz < this.constants.D) {
                  for (let b2 = 0; b2 < this.constants.kH; b2++) {
                    const jy = oy * this.constants.sh - this.constants.ph + b2;
                    if (jy >= 0 && jy < this.constants.H) {
                      for (let e2 = 0; e2 < this.constants.kW; e2++) {
                        const jx = ox * this.constants.sw - this.constants.pw + e2;
                        if (jx >= 0 && jx < this.constants.W) {
                          const v = x[((nc * this.constants.D + jz) * this.constants.H + jy) * this.constants.W + jx];
                          if (at < 0 || v > best) {
                            best = v;
                            at = (jz * this.constants.H + jy) * this.constants.W + jx;
                          }
                        }
                      }
                    }
                  }
                }
              }
              if (at === (iz * this.constants.H + iy) * this.constants.W + ix) {
                s += dy[((nc * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox];
              }
            }
          }
        }
      }
    }
  }
  return s;
}`;

/** gpu.js `maxPool3d` (float32 buffers). @category gpu */
export const maxPool3dGpu = async (dev: GpuDevice, x: GpuBuffer, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'maxPool3d', maxPool3dSource, [x.shape, maxPool3dShape(x.shape, options)], options, 'ys', [kernelArg(x)]);

/** gpu.js `maxPool3dBackward` (float32 buffers); the gather re-finds each window's first maximum in `x`. @category gpu */
export const maxPool3dBackwardGpu = async (dev: GpuDevice, dy: GpuBuffer, x: GpuBuffer, options: PoolOptions): Promise<GpuBuffer> =>
  runPoolKernel(dev, 'maxPool3dBackward', maxPool3dBackwardSource, [maxPool3dBackwardShape(dy.shape, x.shape, options), dy.shape], options, 'xs', [
    kernelArg(dy),
    kernelArg(x),
  ]);

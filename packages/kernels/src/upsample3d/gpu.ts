/**
 * gpu.js `upsample3d` (nearest and trilinear), one output element per thread,
 * with the source coordinates of `upsampleAxisTaps` computed in the kernel.
 * Its gradient runs on the reference (a scatter whose gather form needs a
 * data-dependent window per axis).
 * @module
 */
import type { IKernelFunctionThis } from 'gpu.js';
import type { UpsampleOptions } from '../Backend.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GpuDevice } from '../gpu/device.js';
import { kernelArg, runKernel } from '../gpu/run.js';
import { normalizeUpsample } from '../options.js';
import { upsample3dShape } from './index.js';

/** Shape facts of an up-sampling. @category gpu */
export interface UpsampleConstants {
  readonly D: number;
  readonly H: number;
  readonly W: number;
  readonly oD: number;
  readonly oH: number;
  readonly oW: number;
  readonly sd: number;
  readonly sh: number;
  readonly sw: number;
  /** 1 for trilinear, 0 for nearest. */
  readonly trilinear: number;
  /** 1 for `alignCorners`. */
  readonly align: number;
}

function upsample3dSource(this: IKernelFunctionThis<UpsampleConstants>, x: Float32Array): number {
  const i = this.thread.x;
  const ox = i % this.constants.oW;
  let t = Math.floor(i / this.constants.oW);
  const oy = t % this.constants.oH;
  t = Math.floor(t / this.constants.oH);
  const oz = t % this.constants.oD;
  const nc = Math.floor(t / this.constants.oD);
  let z0 = Math.min(Math.floor(oz / this.constants.sd), this.constants.D - 1);
  let y0 = Math.min(Math.floor(oy / this.constants.sh), this.constants.H - 1);
  let x0 = Math.min(Math.floor(ox / this.constants.sw), this.constants.W - 1);
  let z1 = z0;
  let y1 = y0;
  let x1 = x0;
  let lz = 0;
  let ly = 0;
  let lx = 0;
  if (this.constants.trilinear > 0) {
    let srcz = 0;
    let srcy = 0;
    let srcx = 0;
    if (this.constants.align > 0) {
      if (this.constants.oD > 1) srcz = (oz * (this.constants.D - 1)) / (this.constants.oD - 1);
      if (this.constants.oH > 1) srcy = (oy * (this.constants.H - 1)) / (this.constants.oH - 1);
      if (this.constants.oW > 1) srcx = (ox * (this.constants.W - 1)) / (this.constants.oW - 1);
    } else {
      srcz = Math.max(0, (oz + 0.5) / this.constants.sd - 0.5);
      srcy = Math.max(0, (oy + 0.5) / this.constants.sh - 0.5);
      srcx = Math.max(0, (ox + 0.5) / this.constants.sw - 0.5);
    }
    z0 = Math.min(Math.floor(srcz), this.constants.D - 1);
    y0 = Math.min(Math.floor(srcy), this.constants.H - 1);
    x0 = Math.min(Math.floor(srcx), this.constants.W - 1);
    z1 = Math.min(z0 + 1, this.constants.D - 1);
    y1 = Math.min(y0 + 1, this.constants.H - 1);
    x1 = Math.min(x0 + 1, this.constants.W - 1);
    lz = srcz - z0;
    ly = srcy - y0;
    lx = srcx - x0;
  }
  const base = nc * this.constants.D;
  const p000 = x[((base + z0) * this.constants.H + y0) * this.constants.W + x0]!;
  const p001 = x[((base + z0) * this.constants.H + y0) * this.constants.W + x1]!;
  const p010 = x[((base + z0) * this.constants.H + y1) * this.constants.W + x0]!;
  const p011 = x[((base + z0) * this.constants.H + y1) * this.constants.W + x1]!;
  const p100 = x[((base + z1) * this.constants.H + y0) * this.constants.W + x0]!;
  const p101 = x[((base + z1) * this.constants.H + y0) * this.constants.W + x1]!;
  const p110 = x[((base + z1) * this.constants.H + y1) * this.constants.W + x0]!;
  const p111 = x[((base + z1) * this.constants.H + y1) * this.constants.W + x1]!;
  const c00 = p000 * (1 - lx) + p001 * lx;
  const c01 = p010 * (1 - lx) + p011 * lx;
  const c10 = p100 * (1 - lx) + p101 * lx;
  const c11 = p110 * (1 - lx) + p111 * lx;
  const c0 = c00 * (1 - ly) + c01 * ly;
  const c1 = c10 * (1 - ly) + c11 * ly;
  return c0 * (1 - lz) + c1 * lz;
}

/** gpu.js `upsample3d` (float32 buffers). @category gpu */
export async function upsample3dGpu(dev: GpuDevice, x: GpuBuffer, options: UpsampleOptions): Promise<GpuBuffer> {
  const ys = upsample3dShape(x.shape, options);
  const o = normalizeUpsample('upsample3d', options);
  const c: UpsampleConstants = {
    D: x.shape[2]!,
    H: x.shape[3]!,
    W: x.shape[4]!,
    oD: ys[2]!,
    oH: ys[3]!,
    oW: ys[4]!,
    sd: o.scale[0],
    sh: o.scale[1],
    sw: o.scale[2],
    trilinear: o.mode === 'trilinear' ? 1 : 0,
    align: o.alignCorners ? 1 : 0,
  };
  return runKernel(dev, 'upsample3d', upsample3dSource, { ...c }, ys, [kernelArg(x)]);
}

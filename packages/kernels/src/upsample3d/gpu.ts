/**
 * gpu.js `upsample3d` (nearest and trilinear) and `upsample3dBackward`, one
 * output element per thread, with the source coordinates of `upsampleAxisTaps`
 * computed in the kernel. The backward is a gather: each input voxel visits,
 * per axis, the window of `R` output indices that can read it (`R` a constant
 * bounding the window for the scale), and adds each one's weight on it.
 * @module
 */
import type { UpsampleOptions } from '../Backend.js';
import type { GpuBuffer } from '../gpu/buffer.js';
import type { GridConstants } from '../gpu/constants.js';
import { gridConstants } from '../gpu/constants.js';
import type { GpuDevice, KernelSource } from '../gpu/device.js';
import { kernelArg, runKernel } from '../gpu/run.js';
import { normalizeUpsample } from '../options.js';
import { upsample3dBackwardShape, upsample3dShape } from './index.js';

/** Shape facts of an up-sampling. @category gpu */
export interface UpsampleConstants extends GridConstants {
  readonly sd: number;
  readonly sh: number;
  readonly sw: number;
  /** 1 for trilinear, 0 for nearest. */
  readonly trilinear: number;
  /** 1 for `alignCorners`. */
  readonly align: number;
}

const upsample3dSource: KernelSource = String.raw`function upsample3dSource(x) {
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
      if (this.constants.oD > 1) srcz = oz * (this.constants.D - 1) / (this.constants.oD - 1);
      if (this.constants.oH > 1) srcy = oy * (this.constants.H - 1) / (this.constants.oH - 1);
      if (this.constants.oW > 1) srcx = ox * (this.constants.W - 1) / (this.constants.oW - 1);
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
  const p000 = x[((base + z0) * this.constants.H + y0) * this.constants.W + x0];
  const p001 = x[((base + z0) * this.constants.H + y0) * this.constants.W + x1];
  const p010 = x[((base + z0) * this.constants.H + y1) * this.constants.W + x0];
  const p011 = x[((base + z0) * this.constants.H + y1) * this.constants.W + x1];
  const p100 = x[((base + z1) * this.constants.H + y0) * this.constants.W + x0];
  const p101 = x[((base + z1) * this.constants.H + y0) * this.constants.W + x1];
  const p110 = x[((base + z1) * this.constants.H + y1) * this.constants.W + x0];
  const p111 = x[((base + z1) * this.constants.H + y1) * this.constants.W + x1];
  const c00 = p000 * (1 - lx) + p001 * lx;
  const c01 = p010 * (1 - lx) + p011 * lx;
  const c10 = p100 * (1 - lx) + p101 * lx;
  const c11 = p110 * (1 - lx) + p111 * lx;
  const c0 = c00 * (1 - ly) + c01 * ly;
  const c1 = c10 * (1 - ly) + c11 * ly;
  return c0 * (1 - lz) + c1 * lz;
}`;

/** As `UpsampleConstants`, plus per axis the output-window length `R` and its start rate `q`. @category gpu */
export interface UpsampleBackwardConstants extends UpsampleConstants {
  readonly Rd: number;
  readonly Rh: number;
  readonly Rw: number;
  readonly qd: number;
  readonly qh: number;
  readonly qw: number;
}

/**
 * `dx[i] = sum_o w(o -> i) dy[o]` over the outputs `o` whose taps include `i`: per axis the outputs
 * `lo + r`, `r < R`, with `lo = max(0, floor((i - 1) q) - 1)` (`q` outputs per input step). Each weight is
 * recomputed exactly as the forward computes it.
 */
const upsample3dBackwardSource: KernelSource = String.raw`function upsample3dBackwardSource(dy) {
  const i = this.thread.x;
  const ix = i % this.constants.W;
  let t = Math.floor(i / this.constants.W);
  const iy = t % this.constants.H;
  t = Math.floor(t / this.constants.H);
  const iz = t % this.constants.D;
  const nc = Math.floor(t / this.constants.D);
  const loz = Math.max(0, Math.floor((iz - 1) * this.constants.qd) - 1);
  const loy = Math.max(0, Math.floor((iy - 1) * this.constants.qh) - 1);
  const lox = Math.max(0, Math.floor((ix - 1) * this.constants.qw) - 1);
  let s = 0;
  let comp = 0;
  for (let rz = 0; rz < this.constants.Rd; rz++) {
    const oz = loz + rz;
    let wz = 0;
    if (oz < this.constants.oD) {
      let z0 = Math.min(Math.floor(oz / this.constants.sd), this.constants.D - 1);
      let z1 = z0;
      let lz = 0;
      if (this.constants.trilinear > 0) {
        let srcz = 0;
        if (this.constants.align > 0) {
          if (this.constants.oD > 1) srcz = oz * (this.constants.D - 1) / (this.constants.oD - 1);
        } else {
          srcz = Math.max(0, (oz + 0.5) / this.constants.sd - 0.5);
        }
        z0 = Math.min(Math.floor(srcz), this.constants.D - 1);
        z1 = Math.min(z0 + 1, this.constants.D - 1);
        lz = srcz - z0;
      }
      if (z0 === iz) wz += 1 - lz;
      if (z1 === iz) wz += lz;
    }
    if (wz !== 0) {
      for (let ry = 0; ry < this.constants.Rh; ry++) {
        const oy = loy + ry;
        let wy = 0;
        if (oy < this.constants.oH) {
          let y0 = Math.min(Math.floor(oy / this.constants.sh), this.constants.H - 1);
          let y1 = y0;
          let ly = 0;
          if (this.constants.trilinear > 0) {
            let srcy = 0;
            if (this.constants.align > 0) {
              if (this.constants.oH > 1) srcy = oy * (this.constants.H - 1) / (this.constants.oH - 1);
            } else {
              srcy = Math.max(0, (oy + 0.5) / this.constants.sh - 0.5);
            }
            y0 = Math.min(Math.floor(srcy), this.constants.H - 1);
            y1 = Math.min(y0 + 1, this.constants.H - 1);
            ly = srcy - y0;
          }
          if (y0 === iy) wy += 1 - ly;
          if (y1 === iy) wy += ly;
        }
        if (wy !== 0) {
          for (let rx = 0; rx < this.constants.Rw; rx++) {
            const ox = lox + rx;
            let wx = 0;
            if (ox < this.constants.oW) {
              let x0 = Math.min(Math.floor(ox / this.constants.sw), this.constants.W - 1);
              let x1 = x0;
              let lx = 0;
              if (this.constants.trilinear > 0) {
                let srcx = 0;
                if (this.constants.align > 0) {
                  if (this.constants.oW > 1) srcx = ox * (this.constants.W - 1) / (this.constants.oW - 1);
                } else {
                  srcx = Math.max(0, (ox + 0.5) / this.constants.sw - 0.5);
                }
                x0 = Math.min(Math.floor(srcx), this.constants.W - 1);
                x1 = Math.min(x0 + 1, this.constants.W - 1);
                lx = srcx - x0;
              }
              if (x0 === ix) wx += 1 - lx;
              if (x1 === ix) wx += lx;
            }
            if (wx !== 0) {
              const term = wz * wy * wx * dy[((nc * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox] - comp;
              const next = s + term;
              comp = next - s - term;
              s = next;
            }
          }
        }
      }
    }
  }
  return s;
}`;

function constantsOf(op: string, xs: readonly number[], ys: readonly number[], options: UpsampleOptions): UpsampleConstants {
  const o = normalizeUpsample(op, options);
  return {
    ...gridConstants(xs, ys),
    sd: o.scale[0],
    sh: o.scale[1],
    sw: o.scale[2],
    trilinear: o.mode === 'trilinear' ? 1 : 0,
    align: o.alignCorners ? 1 : 0,
  };
}

/** gpu.js `upsample3d` (float32 buffers). @category gpu */
export async function upsample3dGpu(dev: GpuDevice, x: GpuBuffer, options: UpsampleOptions): Promise<GpuBuffer> {
  const ys = upsample3dShape(x.shape, options);
  return runKernel(dev, 'upsample3d', upsample3dSource, { ...constantsOf('upsample3d', x.shape, ys, options) }, ys, [kernelArg(x)]);
}

/** gpu.js `upsample3dBackward` (float32 buffers). @category gpu */
export async function upsample3dBackwardGpu(dev: GpuDevice, dy: GpuBuffer, inputShape: readonly number[], options: UpsampleOptions): Promise<GpuBuffer> {
  const xs = upsample3dBackwardShape(dy.shape, inputShape, options);
  const c = constantsOf('upsample3dBackward', xs, dy.shape, options);
  // Outputs per input step: the scale, or (out - 1) / (n - 1) with aligned corners (at most 2 scale - 1).
  const q = (n: number, out: number, s: number): number => (c.align > 0 && n > 1 ? (out - 1) / (n - 1) : s);
  const qd = q(c.D, c.oD, c.sd);
  const qh = q(c.H, c.oH, c.sh);
  const qw = q(c.W, c.oW, c.sw);
  // Outputs reading input i have their source in [i - 1, i + 1): o in [(i - 1.5) q, (i + 1.5) q) at most, inside
  // the window [floor((i - 1) q) - 1, floor((i - 1) q) - 1 + R) for R = ceil(3 q) + 4.
  const R = (qq: number): number => Math.ceil(3 * qq) + 4;
  const bc: UpsampleBackwardConstants = { ...c, qd, qh, qw, Rd: R(qd), Rh: R(qh), Rw: R(qw) };
  return runKernel(dev, 'upsample3dBackward', upsample3dBackwardSource, { ...bc }, xs, [kernelArg(dy)]);
}

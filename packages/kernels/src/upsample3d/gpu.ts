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
import type { SourceLines } from '../gpu/sourceParts.js';
import { INPUT_VOXEL, OUTPUT_VOXEL, block, kernelSource, threadCoords } from '../gpu/sourceParts.js';
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

/** The constants of the axes z, y, x: input and output extents, scale, and the backward's `R` and `q`. */
const AXES = [
  { c: 'z', n: 'D', on: 'oD', s: 'sd', R: 'Rd', q: 'qd' },
  { c: 'y', n: 'H', on: 'oH', s: 'sh', R: 'Rh', q: 'qh' },
  { c: 'x', n: 'W', on: 'oW', s: 'sw', R: 'Rw', q: 'qw' },
] as const;

type Axis = (typeof AXES)[number];

/**
 * The taps of output coordinate `o${c}` on one axis (`upsampleAxisTaps`): the source indices `${c}0`, `${c}1` and
 * the weight `l${c}` of `${c}1` (nearest: one tap, weight 0).
 */
const axisTaps = ({ c, n, on, s }: Axis): string => `let ${c}0 = Math.min(Math.floor(o${c} / this.constants.${s}), this.constants.${n} - 1);
let ${c}1 = ${c}0;
let l${c} = 0;
if (this.constants.trilinear > 0) {
  let src${c} = 0;
  if (this.constants.align > 0) {
    if (this.constants.${on} > 1) src${c} = o${c} * (this.constants.${n} - 1) / (this.constants.${on} - 1);
  } else {
    src${c} = Math.max(0, (o${c} + 0.5) / this.constants.${s} - 0.5);
  }
  ${c}0 = Math.min(Math.floor(src${c}), this.constants.${n} - 1);
  ${c}1 = Math.min(${c}0 + 1, this.constants.${n} - 1);
  l${c} = src${c} - ${c}0;
}`;

const upsample3dSource: KernelSource = kernelSource('function upsample3dSource(x)', [
  threadCoords(OUTPUT_VOXEL, 'nc'),
  ...AXES.map(axisTaps),
  'const base = nc * this.constants.D;',
  'const p000 = x[((base + z0) * this.constants.H + y0) * this.constants.W + x0];',
  'const p001 = x[((base + z0) * this.constants.H + y0) * this.constants.W + x1];',
  'const p010 = x[((base + z0) * this.constants.H + y1) * this.constants.W + x0];',
  'const p011 = x[((base + z0) * this.constants.H + y1) * this.constants.W + x1];',
  'const p100 = x[((base + z1) * this.constants.H + y0) * this.constants.W + x0];',
  'const p101 = x[((base + z1) * this.constants.H + y0) * this.constants.W + x1];',
  'const p110 = x[((base + z1) * this.constants.H + y1) * this.constants.W + x0];',
  'const p111 = x[((base + z1) * this.constants.H + y1) * this.constants.W + x1];',
  'const c00 = p000 * (1 - lx) + p001 * lx;',
  'const c01 = p010 * (1 - lx) + p011 * lx;',
  'const c10 = p100 * (1 - lx) + p101 * lx;',
  'const c11 = p110 * (1 - lx) + p111 * lx;',
  'const c0 = c00 * (1 - ly) + c01 * ly;',
  'const c1 = c10 * (1 - ly) + c11 * ly;',
  'return c0 * (1 - lz) + c1 * lz;',
]);

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
const upsample3dBackwardSource: KernelSource = kernelSource('function upsample3dBackwardSource(dy)', [
  threadCoords(INPUT_VOXEL, 'nc'),
  ...AXES.map(({ c, q }) => `const lo${c} = Math.max(0, Math.floor((i${c} - 1) * this.constants.${q}) - 1);`),
  'let s = 0;',
  'let comp = 0;',
  AXES.reduceRight<SourceLines>(
    (inner, axis) => {
      const { c, on, R } = axis;
      return block(`for (let r${c} = 0; r${c} < this.constants.${R}; r${c}++)`, [
        `const o${c} = lo${c} + r${c};`,
        `let w${c} = 0;`,
        block(`if (o${c} < this.constants.${on})`, [axisTaps(axis), `if (${c}0 === i${c}) w${c} += 1 - l${c};`, `if (${c}1 === i${c}) w${c} += l${c};`]),
        block(`if (w${c} !== 0)`, inner),
      ]);
    },
    [
      'const term = wz * wy * wx * dy[((nc * this.constants.oD + oz) * this.constants.oH + oy) * this.constants.oW + ox] - comp;',
      'const next = s + term;',
      'comp = next - s - term;',
      's = next;',
    ],
  ),
  'return s;',
]);

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

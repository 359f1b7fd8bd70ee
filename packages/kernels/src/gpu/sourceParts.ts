/**
 * The pieces that the gpu.js kernel sources of the 3D operators share, each
 * written once: the function text around a body, decoding `this.thread.x`
 * into coordinates, the forward window loop (the input voxels an output
 * reads) and the backward one (the outputs that read an input voxel). Each
 * piece is text: gpu.js compiles a kernel from its function text, so a kernel
 * source is assembled here into one self-contained `function`.
 * @module
 */
import type { KernelSource } from './device.js';

/** Lines of a kernel source: a line (or several, joined by newlines), or a list of such, in order. @category gpu */
export type SourceLines = string | readonly SourceLines[];

/** Names per spatial axis, in the order z, y, x. @category gpu */
export type AxisNames = readonly [string, string, string];

/** The constants of one spatial axis: input extent, output extent, window extent, stride, padding, dilation. */
interface AxisConstants {
  readonly extent: string;
  readonly outExtent: string;
  readonly window: string;
  readonly stride: string;
  readonly pad: string;
  readonly dilation: string;
}

/** The constants of the axes z, y, x (see `GridConstants`, `WindowConstants`). */
const AXES: readonly [AxisConstants, AxisConstants, AxisConstants] = [
  { extent: 'D', outExtent: 'oD', window: 'kD', stride: 'sd', pad: 'pd', dilation: 'dd' },
  { extent: 'H', outExtent: 'oH', window: 'kH', stride: 'sh', pad: 'ph', dilation: 'dh' },
  { extent: 'W', outExtent: 'oW', window: 'kW', stride: 'sw', pad: 'pw', dilation: 'dw' },
];

const lines = (body: SourceLines): string => (typeof body === 'string' ? body : body.map(lines).join('\n'));

/** `body` with every line indented by `n` spaces. */
const indent = (body: SourceLines, n: number): string =>
  lines(body)
    .split('\n')
    .map((l) => (l === '' ? l : ' '.repeat(n) + l))
    .join('\n');

/** A block: `head {`, the body indented by two spaces, `}`. @category gpu */
export const block = (head: string, body: SourceLines): string => `${head} {\n${indent(body, 2)}\n}`;

/**
 * A kernel's source: the block of `signature` (e.g. `function avgPool3dSource(x)`, the name kept for gpu.js's
 * messages) and its body.
 * @category gpu
 */
export const kernelSource = (signature: string, body: SourceLines): KernelSource => block(signature, body);

/**
 * Decodes the thread's flat index `i = this.thread.x` into coordinates, innermost first: each `[name, extent]` of
 * `axes` is `t % this.constants.extent` of what the axes before it left, and `rest` what the last one leaves.
 * @example threadCoords([['ox', 'oW'], ['oy', 'oH'], ['oz', 'oD']], 'nc') // the output voxel and its (n, c) row
 * @category gpu
 */
export function threadCoords(axes: readonly (readonly [name: string, extent: string])[], rest: string): string {
  const out = ['const i = this.thread.x;'];
  axes.forEach(([name, extent], k) => {
    const of = k === 0 ? 'i' : 't';
    out.push(`const ${name} = ${of} % this.constants.${extent};`);
    const next = `Math.floor(${of} / this.constants.${extent})`;
    if (k === axes.length - 1) out.push(`const ${rest} = ${next};`);
    else out.push(`${k === 0 ? 'let t' : 't'} = ${next};`);
  });
  return out.join('\n');
}

/** The output voxel `(oz, oy, ox)` of the grid `oD oH oW`, innermost first (for `threadCoords`). @category gpu */
export const OUTPUT_VOXEL = [
  ['ox', 'oW'],
  ['oy', 'oH'],
  ['oz', 'oD'],
] as const;

/** The input voxel `(iz, iy, ix)` of the grid `D H W`, innermost first (for `threadCoords`). @category gpu */
export const INPUT_VOXEL = [
  ['ix', 'W'],
  ['iy', 'H'],
  ['iz', 'D'],
] as const;

/** The names of a forward window loop (`windowLoops`). @category gpu */
export interface WindowNames {
  /** The output coordinates. */
  readonly out: AxisNames;
  /** The tap indices in the window. */
  readonly tap: AxisNames;
  /** The input coordinates it declares. */
  readonly into: AxisNames;
  /** What the loops run over: the window's taps (to `kD kH kW`) or the output grid (to `oD oH oW`). */
  readonly over: 'tap' | 'out';
  /** Taps `dilation` apart (convolutions). */
  readonly dilated: boolean;
}

/**
 * The forward window loop: per axis, `into = out stride - pad + tap (dilation)`, with `body` run for the in-range
 * input voxels only (padding reads nothing), z outermost.
 * @category gpu
 */
export function windowLoops(n: WindowNames, body: SourceLines): string {
  let inner = lines(body);
  for (let ax = 2; ax >= 0; ax--) {
    const c = AXES[ax]!;
    const loop = n.over === 'tap' ? n.tap[ax]! : n.out[ax]!;
    const bound = n.over === 'tap' ? c.window : c.outExtent;
    const into = n.into[ax]!;
    const tap = n.dilated ? `${n.tap[ax]} * this.constants.${c.dilation}` : n.tap[ax];
    inner = block(`for (let ${loop} = 0; ${loop} < this.constants.${bound}; ${loop}++)`, [
      `const ${into} = ${n.out[ax]} * this.constants.${c.stride} - this.constants.${c.pad} + ${tap};`,
      block(`if (${into} >= 0 && ${into} < this.constants.${c.extent})`, inner),
    ]);
  }
  return inner;
}

/** The forward window loop of poolings and convolutions: taps `(a, b, e)` of output `(oz, oy, ox)` read input `(iz, iy, ix)`. @category gpu */
export const WINDOW: WindowNames = { out: ['oz', 'oy', 'ox'], tap: ['a', 'b', 'e'], into: ['iz', 'iy', 'ix'], over: 'tap', dilated: false };

/**
 * The backward window loop, the forward's inverse: for the input voxel `(iz, iy, ix)`, per axis the taps `(a, b, e)`
 * and the outputs `(oz, oy, ox)` that read it (`t = i + pad - tap (dilation)` a whole multiple of the stride, in
 * range), with `body` run for each, z outermost.
 * @category gpu
 */
export function readerLoops(dilated: boolean, body: SourceLines): string {
  const taps = ['a', 'b', 'e'];
  const names = ['z', 'y', 'x'];
  let inner = lines(body);
  for (let ax = 2; ax >= 0; ax--) {
    const c = AXES[ax]!;
    const [k, t, o, i] = [taps[ax]!, `t${names[ax]}`, `o${names[ax]}`, `i${names[ax]}`];
    const tap = dilated ? `${k} * this.constants.${c.dilation}` : k;
    inner = block(`for (let ${k} = 0; ${k} < this.constants.${c.window}; ${k}++)`, [
      `const ${t} = ${i} + this.constants.${c.pad} - ${tap};`,
      `const ${o} = Math.floor(${t} / this.constants.${c.stride});`,
      block(`if (${t} >= 0 && ${o} * this.constants.${c.stride} === ${t} && ${o} < this.constants.${c.outExtent})`, inner),
    ]);
  }
  return inner;
}

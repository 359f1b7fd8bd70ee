/**
 * Shape facts handed to gpu.js kernels as constants, shared by every 3D
 * operator: the spatial grid of input and output, and a window (kernel
 * extents, stride, padding).
 * @module
 */
import type { Shape } from '@colab-ts/ndarray';

/** Spatial extents of an input `[N, C, D, H, W]` and an output `[N, C', oD, oH, oW]`. @category gpu */
export interface GridConstants {
  readonly D: number;
  readonly H: number;
  readonly W: number;
  readonly oD: number;
  readonly oH: number;
  readonly oW: number;
}

/** Window extents, stride and padding per spatial axis. @category gpu */
export interface WindowConstants {
  readonly kD: number;
  readonly kH: number;
  readonly kW: number;
  readonly sd: number;
  readonly sh: number;
  readonly sw: number;
  readonly pd: number;
  readonly ph: number;
  readonly pw: number;
}

type Triple3 = readonly [number, number, number];

/** The grid constants of input shape `xs` and output shape `ys`. @category gpu */
export const gridConstants = (xs: Shape, ys: Shape): GridConstants => ({
  D: xs[2]!,
  H: xs[3]!,
  W: xs[4]!,
  oD: ys[2]!,
  oH: ys[3]!,
  oW: ys[4]!,
});

/** The window constants of kernel extents, stride and padding. @category gpu */
export const windowConstants = (k: Triple3, s: Triple3, p: Triple3): WindowConstants => ({
  kD: k[0],
  kH: k[1],
  kW: k[2],
  sd: s[0],
  sh: s[1],
  sw: s[2],
  pd: p[0],
  ph: p[1],
  pw: p[2],
});

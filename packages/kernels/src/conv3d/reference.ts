/**
 * Reference `conv3d`, `conv3dBackwardInput` and `conv3dBackwardWeights`: one
 * loop nest over output voxels and kernel taps, float64 accumulation. The two
 * gradients run the forward loop nest unchanged and scatter where the forward
 * gathers, so each is the exact adjoint of the forward by construction.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import type { ConvOptions } from '../Backend.js';
import { referenceKernel } from '../internal/io.js';
import type { NormalizedConv } from '../options.js';
import { checkRank5, normalizeConv } from '../options.js';
import { conv3dBackwardInputShape, conv3dBackwardWeightsShape, conv3dShape } from './index.js';

type Shape5 = readonly [number, number, number, number, number];

/**
 * Visits every (output voxel, kernel tap) pair of a convolution whose tap lands
 * inside the input: `visit(yIndex, xIndex, wIndex)` with flat row-major indices
 * into y `[N, Co, oD, oH, oW]`, x `[N, Ci, D, H, W]` and w `[Co, Ci, kD, kH, kW]`.
 * The forward and both gradients are this one walk with a different update.
 * @category internal
 */
export function forEachTap(xs: Shape5, ws: Shape5, ys: Shape5, o: NormalizedConv, visit: (yi: number, xi: number, wi: number) => void): void {
  const [N, Ci, D, H, W] = xs;
  const [Co, , kD, kH, kW] = ws;
  const [, , oD, oH, oW] = ys;
  const [sd, sh, sw] = o.stride;
  const [pd, ph, pw] = o.padding;
  const [dd, dh, dw] = o.dilation;
  let yi = 0;
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Co; co++) {
      for (let z = 0; z < oD; z++) {
        for (let y = 0; y < oH; y++) {
          for (let x = 0; x < oW; x++, yi++) {
            for (let ci = 0; ci < Ci; ci++) {
              for (let a = 0; a < kD; a++) {
                const iz = z * sd - pd + a * dd;
                if (iz < 0 || iz >= D) continue;
                for (let b = 0; b < kH; b++) {
                  const iy = y * sh - ph + b * dh;
                  if (iy < 0 || iy >= H) continue;
                  for (let c = 0; c < kW; c++) {
                    const ix = x * sw - pw + c * dw;
                    if (ix < 0 || ix >= W) continue;
                    const xi = (((n * Ci + ci) * D + iz) * H + iy) * W + ix;
                    const wi = (((co * Ci + ci) * kD + a) * kH + b) * kW + c;
                    visit(yi, xi, wi);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

/** Adds `bias[c]` to every voxel of channel `c` of a packed `[N, C, ...]` buffer. */
function addBias(out: Float64Array, bias: Float64Array, n: number, c: number): void {
  const spatial = out.length / Math.max(1, n * c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) for (let s = 0; s < spatial; s++) out[(i * c + j) * spatial + s]! += bias[j]!;
}

/**
 * The reference frame of `conv3d` and `convTranspose3d`: `walk` accumulates `x` through `w` into the output, then the
 * optional `bias` is added per output channel.
 * @category internal
 */
export function biasedConv(
  op: string,
  operands: { readonly x: NDArray; readonly w: NDArray; readonly bias: NDArray | null },
  outShape: () => Shape,
): (walk: (out: Float64Array, data: { readonly x: Float64Array; readonly w: Float64Array }, shape: Shape) => void) => NDArray {
  const run = referenceKernel(op, operands, outShape);
  return (walk) =>
    run((out, d, ys) => {
      walk(out, d, ys);
      if (operands.bias !== null) addBias(out, d.bias, ys[0]!, ys[1]!);
    });
}

const as5 = (op: string, name: string, s: Shape): Shape5 => checkRank5(op, name, s);

/**
 * 3D convolution (cross-correlation, as in PyTorch) with optional bias.
 * @example conv3d(x, w, null, { padding: 1 }) // [N, Cout, D, H, W] for a 3x3x3 kernel
 * @category conv3d
 */
export function conv3d(x: NDArray, w: NDArray, bias: NDArray | null, options: ConvOptions = {}): NDArray {
  const op = 'conv3d';
  return biasedConv(op, { x, w, bias }, () => conv3dShape(x.shape, w.shape, bias === null ? null : bias.shape, options))((out, d, ys) =>
    forEachTap(as5(op, 'x', x.shape), as5(op, 'w', w.shape), as5(op, 'y', ys), normalizeConv(op, options), (yi, xi, wi) => {
      out[yi]! += d.x[xi]! * d.w[wi]!;
    }),
  );
}

/**
 * Gradient of `conv3d` with respect to its input: the adjoint of `x -> conv3d(x, w)`.
 * @example conv3dBackwardInput(dy, w, x.shape, { padding: 1 }) // shape of x
 * @category conv3d
 */
export function conv3dBackwardInput(dy: NDArray, w: NDArray, inputShape: Shape, options: ConvOptions = {}): NDArray {
  const op = 'conv3dBackwardInput';
  return referenceKernel(op, { dy, w }, () => conv3dBackwardInputShape(dy.shape, w.shape, inputShape, options))((dx, d, xs) =>
    forEachTap(as5(op, 'input', xs), as5(op, 'w', w.shape), as5(op, 'dy', dy.shape), normalizeConv(op, options), (yi, xi, wi) => {
      dx[xi]! += d.dy[yi]! * d.w[wi]!;
    }),
  );
}

/**
 * Gradient of `conv3d` with respect to its weight: the adjoint of `w -> conv3d(x, w)`.
 * @example conv3dBackwardWeights(x, dy, w.shape, { padding: 1 }) // shape of w
 * @category conv3d
 */
export function conv3dBackwardWeights(x: NDArray, dy: NDArray, weightShape: Shape, options: ConvOptions = {}): NDArray {
  const op = 'conv3dBackwardWeights';
  return referenceKernel(op, { x, dy }, () => conv3dBackwardWeightsShape(x.shape, dy.shape, weightShape, options))((dw, d, ws) =>
    forEachTap(as5(op, 'x', x.shape), as5(op, 'weight', ws), as5(op, 'dy', dy.shape), normalizeConv(op, options), (yi, xi, wi) => {
      dw[wi]! += d.dy[yi]! * d.x[xi]!;
    }),
  );
}

/**
 * Reference `convTranspose3d`: the `conv3d` loop nest with the roles of input
 * and output exchanged (scatter each input voxel through the kernel), float64
 * accumulation.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import type { ConvTransposeOptions } from '../Backend.js';
import { biasedConv, forEachTap } from '../conv3d/reference.js';
import { checkRank5, normalizeConv } from '../options.js';
import { convTranspose3dShape } from './index.js';

/**
 * Transposed 3D convolution (PyTorch `conv_transpose3d`), weight `[Cin, Cout, kD, kH, kW]`.
 * @example convTranspose3d(x, w, null, { stride: 2 }) // doubles D, H, W for a 2x2x2 kernel
 * @category convTranspose3d
 */
export function convTranspose3d(x: NDArray, w: NDArray, bias: NDArray | null, options: ConvTransposeOptions = {}): NDArray {
  const op = 'convTranspose3d';
  // As conv3d's walk: the "conv input" is our output, the "conv output" our input.
  return biasedConv(op, { x, w, bias }, () => convTranspose3dShape(x.shape, w.shape, bias === null ? null : bias.shape, options))((out, d, ys) =>
    forEachTap(checkRank5(op, 'output', ys), checkRank5(op, 'w', w.shape), checkRank5(op, 'x', x.shape), normalizeConv(op, options), (xi, yi, wi) => {
      out[yi]! += d.x[xi]! * d.w[wi]!;
    }),
  );
}

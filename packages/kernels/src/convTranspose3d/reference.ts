/**
 * Reference `convTranspose3d`: the `conv3d` loop nest with the roles of input
 * and output exchanged (scatter each input voxel through the kernel), float64
 * accumulation.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import type { ConvTransposeOptions } from '../Backend.js';
import { addBias, forEachTap } from '../conv3d/reference.js';
import { checkArray, fromF64, readF64 } from '../internal/io.js';
import { checkRank5, normalizeConv, resultDType } from '../options.js';
import { convTranspose3dShape } from './index.js';

/**
 * Transposed 3D convolution (PyTorch `conv_transpose3d`), weight `[Cin, Cout, kD, kH, kW]`.
 * @example convTranspose3d(x, w, null, { stride: 2 }) // doubles D, H, W for a 2x2x2 kernel
 * @category convTranspose3d
 */
export function convTranspose3d(x: NDArray, w: NDArray, bias: NDArray | null, options: ConvTransposeOptions = {}): NDArray {
  const op = 'convTranspose3d';
  checkArray(op, 'x', x);
  checkArray(op, 'w', w);
  if (bias !== null) checkArray(op, 'bias', bias);
  const ys = convTranspose3dShape(x.shape, w.shape, bias === null ? null : bias.shape, options);
  const o = normalizeConv(op, options);
  const xd = readF64(x);
  const wd = readF64(w);
  const out = new Float64Array(ys.reduce((a, b) => a * b, 1));
  // As conv3d's walk: the "conv input" is our output, the "conv output" our input.
  forEachTap(checkRank5(op, 'output', ys), checkRank5(op, 'w', w.shape), checkRank5(op, 'x', x.shape), o, (xi, yi, wi) => {
    out[yi]! += xd[xi]! * wd[wi]!;
  });
  if (bias !== null) addBias(out, readF64(bias), ys[0]!, ys[1]!);
  return fromF64(out, ys, resultDType(x.dtype, w.dtype, ...(bias === null ? [] : [bias.dtype])));
}

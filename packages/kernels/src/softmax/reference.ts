/**
 * Reference `softmax` over channels and `softmaxBackward`, float64 throughout.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { checkArray, fromF64, readF64 } from '../internal/io.js';
import { resultDType } from '../options.js';
import { softmaxBackwardShape, softmaxShape } from './index.js';

/** Extents `[batch, channels, voxels per channel]` of a `[N, C, ...]` shape. */
const split = (shape: readonly number[]): [number, number, number] => {
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[0]!, shape[1]!, inner];
};

/**
 * Softmax over the channel axis (axis 1), shifted by each voxel's maximum.
 * @example softmax(logits) // sums to 1 over axis 1
 * @category softmax
 */
export function softmax(x: NDArray): NDArray {
  checkArray('softmax', 'x', x);
  const s = softmaxShape(x.shape);
  const [N, C, M] = split(s);
  const xd = readF64(x);
  const out = new Float64Array(xd.length);
  for (let n = 0; n < N; n++) {
    for (let v = 0; v < M; v++) {
      const at = (c: number): number => (n * C + c) * M + v;
      let mx = -Infinity; // a voxel whose channels are all -Infinity gives NaN, as exp(x) / sum(exp(x)) does
      for (let c = 0; c < C; c++) mx = Math.max(mx, xd[at(c)]!);
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp(xd[at(c)]! - mx);
        out[at(c)] = e;
        sum += e;
      }
      for (let c = 0; c < C; c++) out[at(c)] = out[at(c)]! / sum;
    }
  }
  return fromF64(out, s, resultDType(x.dtype));
}

/**
 * Vector-Jacobian product of `softmax` given its output: `y * (dy - sum_c y * dy)`.
 * @example softmaxBackward(softmax(x), dy) // gradient with respect to x
 * @category softmax
 */
export function softmaxBackward(y: NDArray, dy: NDArray): NDArray {
  checkArray('softmaxBackward', 'y', y);
  checkArray('softmaxBackward', 'dy', dy);
  const s = softmaxBackwardShape(y.shape, dy.shape);
  const [N, C, M] = split(s);
  const yd = readF64(y);
  const gd = readF64(dy);
  const out = new Float64Array(yd.length);
  for (let n = 0; n < N; n++) {
    for (let v = 0; v < M; v++) {
      const at = (c: number): number => (n * C + c) * M + v;
      let dot = 0;
      for (let c = 0; c < C; c++) dot += yd[at(c)]! * gd[at(c)]!;
      for (let c = 0; c < C; c++) out[at(c)] = yd[at(c)]! * (gd[at(c)]! - dot);
    }
  }
  return fromF64(out, s, resultDType(y.dtype, dy.dtype));
}

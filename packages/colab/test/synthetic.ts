/**
 * A small synthetic segmentation task where background structures resemble
 * the ROI far from it: each 1 x S x S patch holds one ROI square (bright) and
 * one look-alike square (slightly less bright) placed far from the ROI, on a
 * noisy background.
 * @module
 */
import type { Key, NDArray } from '@colab-ts/ndarray';
import { array, foldIn, key, normal, uniform } from '@colab-ts/ndarray';
import { roiOneHot } from '../src/index.js';

/** One batch of `n` patches of `size` x `size` (D = 1): `{ x, y, labels }`. */
export function syntheticBatch(seed: number, n = 2, size = 16, dtype: 'float32' | 'float64' = 'float32'): { x: NDArray; y: NDArray } {
  const k: Key = key(seed);
  const u = uniform(foldIn(k, 1), [n, 4]).data;
  const noise = normal(foldIn(k, 2), [n, size * size], { std: 0.3 }).data;
  const x = new Float64Array(n * size * size);
  const labels = new Int32Array(n * size * size);
  const s = 3;
  for (let i = 0; i < n; i++) {
    // ROI in the left third-ish, look-alike in the right part: at least ~8 voxels apart.
    const r0 = Math.floor(u[i * 4]! * (size - s));
    const c0 = Math.floor(u[i * 4 + 1]! * (size / 2 - s));
    const r1 = Math.floor(u[i * 4 + 2]! * (size - s));
    const c1 = Math.floor(size / 2 + 2 + u[i * 4 + 3]! * (size / 2 - s - 2));
    for (let v = 0; v < size * size; v++) x[i * size * size + v] = noise[i * size * size + v]!;
    for (let r = 0; r < s; r++)
      for (let c = 0; c < s; c++) {
        const a = i * size * size + (r0 + r) * size + c0 + c;
        x[a] = x[a]! + 2;
        labels[a] = 1;
        const b = i * size * size + (r1 + r) * size + c1 + c;
        x[b] = x[b]! + 1.6;
      }
  }
  return { x: array(x, [n, 1, 1, size, size], dtype), y: roiOneHot(array(labels, [n, 1, 1, size, size], 'int32'), 2, dtype) };
}

/**
 * Reference `instanceNormStats`: two float64 passes per `(n, c)`.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { checkArray, fromF64, readF64 } from '../internal/io.js';
import { resultDType } from '../options.js';
import { instanceNormStatsShape } from './index.js';

/**
 * Mean and biased variance over `[D, H, W]` for every `(n, c)`, each `[N, C, 1, 1, 1]`.
 * @example const { mean, variance } = instanceNormStats(x)
 * @category normalisation
 */
export function instanceNormStats(x: NDArray): { readonly mean: NDArray; readonly variance: NDArray } {
  checkArray('instanceNormStats', 'x', x);
  const s = instanceNormStatsShape(x.shape);
  const groups = s[0]! * s[1]!;
  const m = x.shape[2]! * x.shape[3]! * x.shape[4]!;
  const xd = readF64(x);
  const mean = new Float64Array(groups);
  const variance = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += xd[g * m + i]!;
    const mu = sum / m;
    let sq = 0;
    for (let i = 0; i < m; i++) {
      const d = xd[g * m + i]! - mu;
      sq += d * d;
    }
    mean[g] = mu;
    variance[g] = sq / m;
  }
  const dtype = resultDType(x.dtype);
  return { mean: fromF64(mean, s, dtype), variance: fromF64(variance, s, dtype) };
}

/**
 * `instanceNormStats`: signature and shape rule. Per `(n, c)`, the mean and
 * the biased variance (divided by `D H W`) over the spatial axes, each shaped
 * `[N, C, 1, 1, 1]`, accumulated in float64 in two passes (mean first, then
 * squared deviations), so large means do not cancel the variance.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { ShapeError, showShape } from '@colab-ts/ndarray';
import type { Kernels } from '../Backend.js';
import { checkRank5 } from '../options.js';

/** The `instanceNormStats` kernel's signature. @category normalisation */
export type InstanceNormStats<B = NDArray> = Kernels<B>['instanceNormStats'];

/** Shape of both outputs of `instanceNormStats(x)`: `[N, C, 1, 1, 1]`. @category normalisation */
export function instanceNormStatsShape(xShape: Shape): number[] {
  const [n, c, d, h, w] = checkRank5('instanceNormStats', 'input', xShape);
  if (d * h * w === 0) throw new ShapeError('instanceNormStats', `input ${showShape(xShape)} has no spatial voxels`);
  return [n, c, 1, 1, 1];
}

/**
 * False positives far from the region of interest: the over-segmentation that
 * CoLab's context labels are meant to remove (Section III of the paper, Fig. 2
 * and 3: a model trained with one heterogeneous background class marks ROI in
 * look-alike structures away from the ROI).
 * @module
 */
import { distanceTransform } from '@colab-ts/kernels/reference';
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array } from '@colab-ts/ndarray';
import type { SurfaceOptions } from './surfaceDistances.js';
import { readMasks, readOptions } from './surfaceDistances.js';

/**
 * Options of `farFalsePositives`: `beyond`, the distance in mm (in voxels with
 * the default spacing 1) past which a false positive counts as far, and the
 * voxel `spacing` as for the surface metrics.
 * @category far false positives
 */
export interface FarFalsePositiveOptions extends Pick<SurfaceOptions, 'spacing'> {
  readonly beyond: number;
}

/**
 * The number of false-positive voxels (in `pred`, not in `truth`) whose
 * Euclidean distance, with `spacing`, from their centre to the centre of the
 * nearest `truth` voxel is greater than `beyond`; every false positive when
 * `truth` is empty. Masks are `[D, H, W]` (or `[H, W]`), non-zero is foreground.
 * With `beyond` = the margin m of Eq. 8 these are the false positives in the
 * region CoLab's constrained labels (Eq. 9) give the hard far-background label.
 * @example farFalsePositives(pred, truth, { beyond: 23.7, spacing: [5, 0.79, 0.79] })
 * @category far false positives
 */
export function farFalsePositives(pred: NDArray, truth: NDArray, options: FarFalsePositiveOptions): number {
  const op = 'farFalsePositives';
  const beyond = options?.beyond;
  if (typeof beyond !== 'number' || !(beyond >= 0) || !Number.isFinite(beyond)) {
    throw new ValueError(op, `beyond must be a finite distance >= 0 (mm, or voxels without spacing), got ${JSON.stringify(beyond)}`);
  }
  const { shape, p, t } = readMasks(op, pred, truth);
  const { spacing } = readOptions(op, shape, options.spacing === undefined ? {} : { spacing: options.spacing });
  let fp = 0;
  for (let i = 0; i < p.length; i++) if (p[i] && !t[i]) fp++;
  if (fp === 0) return 0;
  const d = distanceTransform(array(t, shape, 'uint8'), { spacing }).data as Float64Array;
  let far = 0;
  for (let i = 0; i < p.length; i++) if (p[i] && !t[i] && d[i]! > beyond) far++;
  return far;
}

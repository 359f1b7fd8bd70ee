/**
 * Metrics from surface distances (DeepMind `surface-distance` definitions):
 * robust Hausdorff distance (HD95 at `percentile: 95`), mean surface
 * distances and surface Dice at a tolerance. Each comes in two forms: on the
 * masks (`hausdorff(pred, truth, options)`) and on a `SurfaceDistances`
 * record computed once (`robustHausdorff(sd, 95)`), as DeepMind's
 * `compute_robust_hausdorff` etc. do.
 *
 * Empty masks: `Infinity` when exactly one mask is empty (distance to a
 * surface that is not there; surface Dice 0), `NaN` when both are.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError } from '@colab-ts/ndarray';
import type { SurfaceDistances, SurfaceOptions } from './surfaceDistances.js';
import { surfaceDistances } from './surfaceDistances.js';

/** How far, relative to the total area, a cumulative area may fall short of the percentile's and still reach it (absorbs rounding). */
const RELATIVE_SLACK = 1e-10;

const sumOf = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);

/** Which of the two masks are empty, from the record. */
function emptiness(sd: SurfaceDistances): 'none' | 'one' | 'both' {
  const p = sd.predAreas.length === 0;
  const t = sd.truthAreas.length === 0;
  return p && t ? 'both' : p || t ? 'one' : 'none';
}

function checkRecord(op: string, sd: unknown): asserts sd is SurfaceDistances {
  const r = sd as Partial<SurfaceDistances> | null;
  if (typeof r !== 'object' || r === null || !(r.predToTruth instanceof Float64Array) || !(r.truthToPred instanceof Float64Array)) {
    throw new ValueError(op, 'expects a SurfaceDistances record from surfaceDistances()');
  }
}

function checkPercentile(op: string, percentile: unknown): number {
  if (typeof percentile !== 'number' || !(percentile >= 0 && percentile <= 100)) {
    throw new ValueError(op, `percentile must be a number in [0, 100], got ${JSON.stringify(percentile)}`);
  }
  return percentile;
}

/**
 * The `percentile` of a directed distance under the area-weighted distribution
 * of its surfels: the smallest distance `d_i` (sorted ascending) whose
 * cumulative area `a_1 + ... + a_i` reaches `percentile / 100` of the total
 * (numpy `searchsorted` on the cumulative fractions, as DeepMind does).
 * 100 gives the largest distance, 0 the smallest. NaN for no surfels.
 * @example directedPercentile(sd.predToTruth, sd.predAreas, 95)
 * @category surface
 */
export function directedPercentile(distances: Float64Array, areas: Float64Array, percentile: number): number {
  const p = checkPercentile('directedPercentile', percentile);
  const n = distances.length;
  if (n === 0) return NaN;
  const total = sumOf(areas);
  const target = (p / 100) * total - RELATIVE_SLACK * total;
  let cum = 0;
  for (let i = 0; i < n; i++) {
    cum += areas[i]!;
    if (cum >= target) return distances[i]!;
  }
  return distances[n - 1]!;
}

/**
 * Robust Hausdorff distance of a record: the larger of the two directed
 * `percentile`s (`compute_robust_hausdorff`). Infinity when one mask is
 * empty, NaN when both are.
 * @example robustHausdorff(surfaceDistances(pred, truth, { spacing }), 95) // HD95 in mm
 * @category surface
 */
export function robustHausdorff(sd: SurfaceDistances, percentile: number): number {
  const op = 'robustHausdorff';
  checkRecord(op, sd);
  checkPercentile(op, percentile);
  const e = emptiness(sd);
  if (e !== 'none') return e === 'both' ? NaN : Infinity;
  return Math.max(directedPercentile(sd.predToTruth, sd.predAreas, percentile), directedPercentile(sd.truthToPred, sd.truthAreas, percentile));
}

/**
 * Mean surface distances, each weighted by surfel area: `predToTruth` and
 * `truthToPred` directed (`compute_average_surface_distance`), and
 * `average`, the symmetric mean over the surfels of both surfaces together.
 * @category surface
 */
export interface MeanSurfaceDistance {
  readonly average: number;
  readonly predToTruth: number;
  readonly truthToPred: number;
}

/**
 * Area-weighted mean surface distances of a record. All Infinity when one
 * mask is empty, all NaN when both are.
 * @example averageSurfaceDistance(surfaceDistances(pred, truth)).average
 * @category surface
 */
export function averageSurfaceDistance(sd: SurfaceDistances): MeanSurfaceDistance {
  checkRecord('averageSurfaceDistance', sd);
  const e = emptiness(sd);
  if (e !== 'none') {
    const v = e === 'both' ? NaN : Infinity;
    return { average: v, predToTruth: v, truthToPred: v };
  }
  const weighted = (d: Float64Array, a: Float64Array): number => d.reduce((s, v, i) => s + v * a[i]!, 0);
  const wp = weighted(sd.predToTruth, sd.predAreas);
  const wt = weighted(sd.truthToPred, sd.truthAreas);
  const ap = sumOf(sd.predAreas);
  const at = sumOf(sd.truthAreas);
  return { average: (wp + wt) / (ap + at), predToTruth: wp / ap, truthToPred: wt / at };
}

function checkTolerance(op: string, tolerance: unknown): number {
  if (typeof tolerance !== 'number' || !(tolerance >= 0)) throw new ValueError(op, `tolerance must be a number >= 0 (mm), got ${JSON.stringify(tolerance)}`);
  return tolerance;
}

/**
 * Surface Dice at a tolerance (mm) of a record: the area of both surfaces
 * within `tolerance` of the other, over their total area
 * (`compute_surface_dice_at_tolerance`). 0 when one mask is empty, NaN when both are.
 * @example surfaceOverlap(surfaceDistances(pred, truth, { spacing }), 1)
 * @category surface
 */
export function surfaceOverlap(sd: SurfaceDistances, tolerance: number): number {
  const op = 'surfaceOverlap';
  checkRecord(op, sd);
  const tol = checkTolerance(op, tolerance);
  if (emptiness(sd) === 'both') return NaN;
  const within = (d: Float64Array, a: Float64Array): number => d.reduce((s, v, i) => (v <= tol ? s + a[i]! : s), 0);
  return (within(sd.predToTruth, sd.predAreas) + within(sd.truthToPred, sd.truthAreas)) / (sumOf(sd.predAreas) + sumOf(sd.truthAreas));
}

/**
 * `SurfaceOptions` plus the percentile of the robust Hausdorff distance
 * (default 100: the Hausdorff distance itself; 95 for HD95).
 * @category surface
 */
export interface HausdorffOptions extends SurfaceOptions {
  readonly percentile?: number;
}

/**
 * Hausdorff distance (mm) between the surfaces of two masks `[D, H, W]`, or its
 * robust form at `percentile` (DeepMind's definition; see the README). Infinity
 * when exactly one mask is empty, NaN when both are.
 * @example hausdorff(pred, truth, { spacing: [3, 0.8, 0.8], percentile: 95 })
 * @category surface
 */
export function hausdorff(pred: NDArray, truth: NDArray, options: HausdorffOptions = {}): number {
  const percentile = checkPercentile('hausdorff', options.percentile ?? 100);
  return robustHausdorff(surfaceDistances(pred, truth, options), percentile);
}

/**
 * Area-weighted mean surface distances (mm) between two masks: symmetric
 * `average` and both directed means. Infinity when exactly one mask is empty,
 * NaN when both are.
 * @example meanSurfaceDistance(pred, truth, { spacing: 1.5 }).average
 * @category surface
 */
export function meanSurfaceDistance(pred: NDArray, truth: NDArray, options: SurfaceOptions = {}): MeanSurfaceDistance {
  return averageSurfaceDistance(surfaceDistances(pred, truth, options));
}

/**
 * Surface Dice (normalized surface distance) at `tolerance` mm between two
 * masks. 0 when exactly one mask is empty, NaN when both are.
 * @example surfaceDice(pred, truth, { spacing: 1, tolerance: 2 })
 * @category surface
 */
export function surfaceDice(pred: NDArray, truth: NDArray, options: SurfaceOptions & { readonly tolerance: number }): number {
  const tol = checkTolerance('surfaceDice', options?.tolerance);
  return surfaceOverlap(surfaceDistances(pred, truth, options), tol);
}

/**
 * Agreement with DeepMind's `compute_surface_distances` pipeline as its
 * Python code runs it: the expected numbers below were computed (once,
 * outside this repository) by SciPy's `ndimage.correlate` with the kernel
 * [[[128, 64], [32, 16]], [[8, 4], [2, 1]]] (2D: [[8, 4], [2, 1]]) on the
 * bounding-box crop padded by one voxel, `ndimage.distance_transform_edt`
 * with `sampling=spacing`, and `np.searchsorted` on the cumulative area
 * fractions, for the masks and spacings generated here, with this package's
 * surfel-area table. So they check the corner-grid conventions, the crop,
 * the distance transform and the percentile rule against an independent
 * implementation; the area table itself is checked in `surfels.test.ts`.
 */
import { array, key, toTypedArray, uniform } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { averageSurfaceDistance, robustHausdorff, surfaceDistances } from '../src/index.js';

/** The random case of a seed: shape, masks and spacing (seeds divisible by 4 give 2D slices). */
function makeCase(s: number) {
  const D = s % 4 === 0 ? 1 : 3 + (s % 5);
  const H = 4 + (s % 7);
  const W = 5 + (s % 3);
  const u = toTypedArray(uniform(key(s), [2, D, H, W]));
  const density = 0.15 + 0.1 * (s % 5);
  const n = D * H * W;
  const mask = (part: ArrayLike<number>) =>
    array(
      Array.from(part, (v) => (v < density ? 1 : 0)),
      [D, H, W],
      'uint8',
    );
  const pred = mask(u.slice(0, n));
  const truth = mask(u.slice(n));
  const spacing = [0.5 + (s % 3), 0.7 + 0.1 * (s % 4), 1.3] as const;
  return { pred, truth, spacing };
}

// [seed, hd, hd95, hd50, msdPredToTruth, msdTruthToPred, surfels (pred, truth)], as DeepMind's pipeline computed them.
const ROWS: readonly (readonly [number, number, number, number, number, number, readonly [number, number]])[] = [
  [0, 2.6925824035672523, 2.6925824035672523, 1.3, 1.0191205765058349, 1.3336330886988241, [7, 8]],
  [1, 2.6, 1.5999999999999999, 0.0, 0.37581717360498057, 0.47042732395005477, [117, 129]],
  [2, 2.6999999999999997, 1.3, 0.0, 0.16686935939939512, 0.21359865643837378, [273, 267]],
  [3, 1.118033988749895, 0.5, 0.0, 0.03753738997428928, 0.038456214674640464, [297, 292]],
  [4, 0.7, 0.7, 0.0, 0.0615851996537536, 0.02073163536948685, [59, 55]],
  [5, 2.7294688127912363, 2.0615528128088303, 0.7999999999999999, 0.4225718215667103, 0.6555889744223964, [123, 167]],
  [6, 1.345362404707371, 0.8999999999999999, 0.0, 0.09731877721401136, 0.14123494893572153, [215, 212]],
  [7, 1.9849433241279208, 1.3, 0.0, 0.06472792061368175, 0.19013628479014513, [157, 170]],
  [8, 1.47648230602334, 1.47648230602334, 0.0, 0.290986115888226, 0.4187412928188535, [25, 34]],
  [9, 0.9433981132056604, 0.0, 0.0, 0.01974528447480733, 0.022277429381353728, [312, 314]],
  [10, 3.001666203960727, 1.74928556845359, 0.8999999999999999, 0.6341368120581863, 0.47146728233419133, [129, 104]],
  [11, 2.6, 1.6401219466856727, 0.0, 0.20986842830453833, 0.28579937929346516, [252, 283]],
  [12, 1.91049731745428, 1.4, 0.0, 0.3209984711427, 0.2095325557179625, [46, 45]],
  [13, 1.5264337522473748, 0.7999999999999999, 0.0, 0.06142193717635351, 0.06343190394177725, [476, 475]],
  [14, 1.7999999999999998, 0.0, 0.0, 0.04013130944922815, 0.03679703048105517, [299, 298]],
  [15, 3.3075670817082456, 2.4372115213907883, 1.118033988749895, 1.0339528337087525, 0.4609138030990441, [59, 42]],
];
const EXPECTED = ROWS.map(([seed, hd, hd95, hd50, msdPredToTruth, msdTruthToPred, surfels]) => ({
  seed,
  hd,
  hd95,
  hd50,
  msdPredToTruth,
  msdTruthToPred,
  surfels,
}));

describe('examples', () => {
  it.each(EXPECTED)("seed $seed: Hausdorff, HD95, HD50 and directed means as DeepMind's pipeline computes them", (e) => {
    const { pred, truth, spacing } = makeCase(e.seed);
    const sd = surfaceDistances(pred, truth, { spacing });
    expect([sd.predToTruth.length, sd.truthToPred.length]).toEqual(e.surfels);
    expect(robustHausdorff(sd, 100)).toBeCloseTo(e.hd, 12);
    expect(robustHausdorff(sd, 95)).toBeCloseTo(e.hd95, 12);
    expect(robustHausdorff(sd, 50)).toBeCloseTo(e.hd50, 12);
    const m = averageSurfaceDistance(sd);
    expect(m.predToTruth).toBeCloseTo(e.msdPredToTruth, 12);
    expect(m.truthToPred).toBeCloseTo(e.msdTruthToPred, 12);
  });
});

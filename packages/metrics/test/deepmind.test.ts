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
  const pred = array(
    Array.from(u.slice(0, n), (v) => (v < density ? 1 : 0)),
    [D, H, W],
    'uint8',
  );
  const truth = array(
    Array.from(u.slice(n), (v) => (v < density ? 1 : 0)),
    [D, H, W],
    'uint8',
  );
  const spacing = [0.5 + (s % 3), 0.7 + 0.1 * (s % 4), 1.3] as const;
  return { pred, truth, spacing };
}

const EXPECTED = [
  {
    seed: 0,
    hd: 2.6925824035672523,
    hd95: 2.6925824035672523,
    hd50: 1.3,
    msdPredToTruth: 1.0191205765058349,
    msdTruthToPred: 1.3336330886988241,
    surfels: [7, 8],
  },
  { seed: 1, hd: 2.6, hd95: 1.5999999999999999, hd50: 0.0, msdPredToTruth: 0.37581717360498057, msdTruthToPred: 0.47042732395005477, surfels: [117, 129] },
  { seed: 2, hd: 2.6999999999999997, hd95: 1.3, hd50: 0.0, msdPredToTruth: 0.16686935939939512, msdTruthToPred: 0.21359865643837378, surfels: [273, 267] },
  { seed: 3, hd: 1.118033988749895, hd95: 0.5, hd50: 0.0, msdPredToTruth: 0.03753738997428928, msdTruthToPred: 0.038456214674640464, surfels: [297, 292] },
  { seed: 4, hd: 0.7, hd95: 0.7, hd50: 0.0, msdPredToTruth: 0.0615851996537536, msdTruthToPred: 0.02073163536948685, surfels: [59, 55] },
  {
    seed: 5,
    hd: 2.7294688127912363,
    hd95: 2.0615528128088303,
    hd50: 0.7999999999999999,
    msdPredToTruth: 0.4225718215667103,
    msdTruthToPred: 0.6555889744223964,
    surfels: [123, 167],
  },
  {
    seed: 6,
    hd: 1.345362404707371,
    hd95: 0.8999999999999999,
    hd50: 0.0,
    msdPredToTruth: 0.09731877721401136,
    msdTruthToPred: 0.14123494893572153,
    surfels: [215, 212],
  },
  { seed: 7, hd: 1.9849433241279208, hd95: 1.3, hd50: 0.0, msdPredToTruth: 0.06472792061368175, msdTruthToPred: 0.19013628479014513, surfels: [157, 170] },
  {
    seed: 8,
    hd: 1.47648230602334,
    hd95: 1.47648230602334,
    hd50: 0.0,
    msdPredToTruth: 0.290986115888226,
    msdTruthToPred: 0.4187412928188535,
    surfels: [25, 34],
  },
  { seed: 9, hd: 0.9433981132056604, hd95: 0.0, hd50: 0.0, msdPredToTruth: 0.01974528447480733, msdTruthToPred: 0.022277429381353728, surfels: [312, 314] },
  {
    seed: 10,
    hd: 3.001666203960727,
    hd95: 1.74928556845359,
    hd50: 0.8999999999999999,
    msdPredToTruth: 0.6341368120581863,
    msdTruthToPred: 0.47146728233419133,
    surfels: [129, 104],
  },
  { seed: 11, hd: 2.6, hd95: 1.6401219466856727, hd50: 0.0, msdPredToTruth: 0.20986842830453833, msdTruthToPred: 0.28579937929346516, surfels: [252, 283] },
  { seed: 12, hd: 1.91049731745428, hd95: 1.4, hd50: 0.0, msdPredToTruth: 0.3209984711427, msdTruthToPred: 0.2095325557179625, surfels: [46, 45] },
  {
    seed: 13,
    hd: 1.5264337522473748,
    hd95: 0.7999999999999999,
    hd50: 0.0,
    msdPredToTruth: 0.06142193717635351,
    msdTruthToPred: 0.06343190394177725,
    surfels: [476, 475],
  },
  { seed: 14, hd: 1.7999999999999998, hd95: 0.0, hd50: 0.0, msdPredToTruth: 0.04013130944922815, msdTruthToPred: 0.03679703048105517, surfels: [299, 298] },
  {
    seed: 15,
    hd: 3.3075670817082456,
    hd95: 2.4372115213907883,
    hd50: 1.118033988749895,
    msdPredToTruth: 1.0339528337087525,
    msdTruthToPred: 0.4609138030990441,
    surfels: [59, 42],
  },
];

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

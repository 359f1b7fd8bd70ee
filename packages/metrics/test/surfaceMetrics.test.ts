import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, zeros } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import type { SurfaceDistances } from '../src/index.js';
import {
  averageSurfaceDistance,
  directedPercentile,
  hausdorff,
  meanSurfaceDistance,
  robustHausdorff,
  surfaceDice,
  surfaceDistances,
  surfaceOverlap,
} from '../src/index.js';
import { arbMaskPair, arbSpacing, box, countSet, voxels } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

/**
 * The directed percentile by its definition, over the set of distances: the
 * smallest distance d such that the surfels at distance <= d hold at least
 * `p` % of the area (with the implementation's relative slack of 1e-10).
 */
function brutePercentile(d: Float64Array, a: Float64Array, p: number): number {
  const total = a.reduce((s, v) => s + v, 0);
  const candidates = [...new Set(d)].sort((x, y) => x - y);
  for (const c of candidates) {
    const within = d.reduce((s, v, i) => (v <= c ? s + a[i]! : s), 0);
    if (within >= (p / 100) * total - 1e-10 * total) return c;
  }
  return candidates[candidates.length - 1]!;
}

const nonEmpty = (p: NDArray, t: NDArray): boolean => countSet(p) > 0 && countSet(t) > 0;

describe('examples', () => {
  it('two single voxels a known distance apart, anisotropic spacing', () => {
    const a = voxels([3, 3, 5], [[1, 1, 0]]);
    const b = voxels([3, 3, 5], [[1, 1, 3]]);
    const spacing = [2, 1, 0.5] as const;
    // Corners of a lie 1 and 1.5 mm from the corners of b, half of the area each.
    expect(hausdorff(a, b, { spacing })).toBe(1.5);
    expect(hausdorff(a, b, { spacing, percentile: 95 })).toBe(1.5);
    expect(hausdorff(a, b, { spacing, percentile: 50 })).toBe(1);
    expect(hausdorff(a, b, { spacing, percentile: 0 })).toBe(1);
    expect(meanSurfaceDistance(a, b, { spacing })).toEqual({ average: 1.25, predToTruth: 1.25, truthToPred: 1.25 });
    expect(surfaceDice(a, b, { spacing, tolerance: 1 })).toBeCloseTo(0.5, 15);
    expect(surfaceDice(a, b, { spacing, tolerance: 1.5 })).toBe(1);
    expect(surfaceDice(a, b, { spacing, tolerance: 0.9 })).toBe(0);
  });

  it('single voxels on a diagonal: the distance between their centres', () => {
    const a = voxels([3, 4, 5], [[0, 0, 0]]);
    const b = voxels([3, 4, 5], [[2, 3, 4]]);
    expect(hausdorff(a, b)).toBeCloseTo(Math.sqrt(29), 14);
    expect(hausdorff(a, b, { spacing: [1, 2, 3] })).toBeCloseTo(Math.sqrt(4 + 36 + 144), 14);
  });

  it('shifted cubes: HD is the shift, in voxels and in mm under anisotropic spacing', () => {
    const shape = [8, 8, 10] as const;
    const a = box(shape, [1, 1, 1], [4, 4, 4]);
    const bx = box(shape, [1, 1, 3], [4, 4, 6]); // shifted 2 along w
    const bz = box(shape, [2, 1, 1], [5, 4, 4]); // shifted 1 along d
    expect(hausdorff(a, bx)).toBe(2);
    expect(hausdorff(a, bx, { spacing: [3, 1.5, 0.5] })).toBe(1);
    expect(hausdorff(a, bz, { spacing: [3, 1.5, 0.5] })).toBe(3);
    expect(hausdorff(bz, a, { spacing: [3, 1.5, 0.5] })).toBe(3);
    // HD95 and the mean are at most HD; the side faces overlap, so both are below it.
    const hd95 = hausdorff(a, bx, { spacing: [3, 1.5, 0.5], percentile: 95 });
    expect(hd95).toBeGreaterThan(0);
    expect(hd95).toBeLessThanOrEqual(1);
    const msd = meanSurfaceDistance(a, bx, { spacing: [3, 1.5, 0.5] });
    expect(msd.average).toBeGreaterThan(0);
    expect(msd.average).toBeLessThan(1);
    expect(msd.predToTruth).toBeCloseTo(msd.truthToPred, 12); // mirror images
  });

  it('2D squares shifted along h', () => {
    const a = box([1, 6, 6], [0, 1, 1], [0, 3, 3]);
    const b = box([1, 6, 6], [0, 2, 1], [0, 4, 3]);
    expect(hausdorff(a, b, { spacing: [5, 0.7, 0.3] })).toBeCloseTo(0.7, 15);
  });

  it('identical masks: 0 (and surface Dice 1)', () => {
    const a = box([4, 4, 4], [0, 1, 0], [2, 3, 3]);
    expect(hausdorff(a, a, { spacing: [2, 1, 1] })).toBe(0);
    expect(meanSurfaceDistance(a, a).average).toBe(0);
    expect(surfaceDice(a, a, { tolerance: 0 })).toBe(1);
    const full = box([2, 2, 2], [0, 0, 0], [1, 1, 1]);
    expect(hausdorff(full, full)).toBe(0);
  });

  it('empty masks: Infinity when exactly one is empty, NaN when both are', () => {
    const e = zeros([3, 3, 3], 'uint8');
    const a = voxels([3, 3, 3], [[1, 1, 1]]);
    for (const [p, t] of [
      [a, e],
      [e, a],
    ] as const) {
      expect(hausdorff(p, t)).toBe(Infinity);
      expect(hausdorff(p, t, { percentile: 95 })).toBe(Infinity);
      expect(meanSurfaceDistance(p, t)).toEqual({ average: Infinity, predToTruth: Infinity, truthToPred: Infinity });
      expect(surfaceDice(p, t, { tolerance: 5 })).toBe(0);
    }
    expect(hausdorff(e, e, { percentile: 95 })).toBeNaN();
    const m = meanSurfaceDistance(e, e);
    expect([m.average, m.predToTruth, m.truthToPred].every(Number.isNaN)).toBe(true);
    expect(surfaceDice(e, e, { tolerance: 1 })).toBeNaN();
    // 2D as well.
    expect(hausdorff(zeros([1, 2, 2]), voxels([1, 2, 2], [[0, 0, 1]]))).toBe(Infinity);
  });

  it('directedPercentile follows the area-weighted distribution', () => {
    const d = new Float64Array([0, 1, 2, 10]);
    const a = new Float64Array([1, 1, 1, 1]);
    expect(directedPercentile(d, a, 50)).toBe(1); // cumulative 0.25, 0.5: reached at d = 1
    expect(directedPercentile(d, a, 51)).toBe(2);
    expect(directedPercentile(d, a, 75)).toBe(2);
    expect(directedPercentile(d, a, 95)).toBe(10);
    expect(directedPercentile(d, new Float64Array([1, 1, 1, 0.01]), 95)).toBe(2); // the far surfel is tiny
    expect(directedPercentile(new Float64Array(0), new Float64Array(0), 95)).toBeNaN();
  });

  it('rejects bad percentiles, tolerances and records', () => {
    const a = voxels([2, 2, 2], [[0, 0, 0]]);
    expect(() => hausdorff(a, a, { percentile: 101 })).toThrow(ValueError);
    expect(() => hausdorff(a, a, { percentile: NaN })).toThrow(/hausdorff: percentile must be a number in \[0, 100\]/);
    expect(() => surfaceDice(a, a, { tolerance: -1 })).toThrow(ValueError);
    expect(() => surfaceDice(a, a, {} as never)).toThrow(/surfaceDice: tolerance/);
    expect(() => robustHausdorff({} as SurfaceDistances, 95)).toThrow(ValueError);
    expect(() => averageSurfaceDistance(null as never)).toThrow(ValueError);
  });
});

describe('properties', () => {
  test.prop([arbMaskPair(4), arbSpacing, fc.double({ min: 0, max: 100, noNaN: true })], { numRuns: 40 })(
    'robust HD is the larger directed percentile of the area-weighted distribution (checked by definition)',
    ([p, t], spacing, q) => {
      const sd = surfaceDistances(p, t, { spacing });
      const hd = robustHausdorff(sd, q);
      if (!nonEmpty(p, t)) return;
      expect(hd).toBe(Math.max(brutePercentile(sd.predToTruth, sd.predAreas, q), brutePercentile(sd.truthToPred, sd.truthAreas, q)));
    },
  );

  test.prop([arbMaskPair(4), arbSpacing], { numRuns: 40 })('symmetric; HD >= HD95 >= 0; mean <= HD; surface Dice in [0, 1]', ([p, t], spacing) => {
    const hd = hausdorff(p, t, { spacing });
    const hd95 = hausdorff(p, t, { spacing, percentile: 95 });
    expect(Object.is(hausdorff(t, p, { spacing }), hd)).toBe(true);
    expect(Object.is(hausdorff(t, p, { spacing, percentile: 95 }), hd95)).toBe(true);
    const m = meanSurfaceDistance(p, t, { spacing });
    const mr = meanSurfaceDistance(t, p, { spacing });
    const sdice = surfaceDice(p, t, { spacing, tolerance: 1 });
    if (countSet(p) === 0 && countSet(t) === 0) {
      expect([hd, hd95, m.average, sdice].every(Number.isNaN)).toBe(true);
      return;
    }
    if (!nonEmpty(p, t)) {
      expect([hd, hd95, m.average]).toEqual([Infinity, Infinity, Infinity]);
      expect(sdice).toBe(0);
      return;
    }
    expect(hd).toBeGreaterThanOrEqual(hd95);
    expect(hd95).toBeGreaterThanOrEqual(0);
    expect(m.average).toBeLessThanOrEqual(hd + 1e-12);
    expect(m.average).toBeCloseTo(mr.average, 12);
    expect(m.predToTruth).toBe(mr.truthToPred);
    expect(Math.min(m.predToTruth, m.truthToPred) - 1e-12).toBeLessThanOrEqual(m.average);
    expect(Math.max(m.predToTruth, m.truthToPred) + 1e-12).toBeGreaterThanOrEqual(m.average);
    expect(sdice).toBeGreaterThanOrEqual(0);
    expect(sdice).toBeLessThanOrEqual(1);
    expect(surfaceDice(t, p, { spacing, tolerance: 1 })).toBeCloseTo(sdice, 12);
    expect(surfaceDice(p, t, { spacing, tolerance: hd })).toBeCloseTo(1, 12);
  });

  test.prop([arbMaskPair(4), arbSpacing], { numRuns: 30 })('identical non-empty masks give 0 and surface Dice 1', ([p], spacing) => {
    if (countSet(p) === 0) return;
    expect(hausdorff(p, p, { spacing })).toBe(0);
    expect(hausdorff(p, p, { spacing, percentile: 95 })).toBe(0);
    expect(meanSurfaceDistance(p, p, { spacing }).average).toBe(0);
    expect(surfaceDice(p, p, { spacing, tolerance: 0 })).toBe(1);
  });

  test.prop([arbMaskPair(4), arbSpacing, fc.double({ min: 0.1, max: 10, noNaN: true })], { numRuns: 40 })(
    'scaling the spacing by k scales every distance by k',
    ([p, t], spacing, k) => {
      if (!nonEmpty(p, t)) return;
      const scaled = [spacing[0] * k, spacing[1] * k, spacing[2] * k];
      const close = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
      close(hausdorff(p, t, { spacing: scaled }), k * hausdorff(p, t, { spacing }));
      close(hausdorff(p, t, { spacing: scaled, percentile: 95 }), k * hausdorff(p, t, { spacing, percentile: 95 }));
      close(meanSurfaceDistance(p, t, { spacing: scaled }).average, k * meanSurfaceDistance(p, t, { spacing }).average);
    },
  );
});

describe('surfaceOverlap', () => {
  const f = (v: number[]): Float64Array => Float64Array.from(v);
  it('is the surface area within the tolerance over the total area (hand-computed record)', () => {
    // pred elements at 0 mm (area 1) and 2 mm (area 3); truth element at 1 mm (area 2).
    const sd: SurfaceDistances = { predToTruth: f([0, 2]), predAreas: f([1, 3]), truthToPred: f([1]), truthAreas: f([2]), dimensions: 3 };
    expect(surfaceOverlap(sd, 1)).toBeCloseTo((1 + 2) / (1 + 3 + 2), 15);
    expect(surfaceOverlap(sd, 0.5)).toBeCloseTo(1 / 6, 15);
    expect(surfaceOverlap(sd, 2)).toBe(1);
  });
  it('is 0 when one surface is empty, NaN when both are, and refuses bad input', () => {
    const e = f([]);
    expect(surfaceOverlap({ predToTruth: e, predAreas: e, truthToPred: f([Infinity]), truthAreas: f([1]), dimensions: 3 }, 1)).toBe(0);
    expect(surfaceOverlap({ predToTruth: e, predAreas: e, truthToPred: e, truthAreas: e, dimensions: 3 }, 1)).toBeNaN();
    const sd: SurfaceDistances = { predToTruth: f([0]), predAreas: f([1]), truthToPred: f([0]), truthAreas: f([1]), dimensions: 3 };
    expect(() => surfaceOverlap(sd, -1)).toThrow(ValueError);
    expect(() => surfaceOverlap({} as SurfaceDistances, 1)).toThrow(ValueError);
  });
});

import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, pad, toTypedArray, zeros } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { surfaceDistances } from '../src/index.js';
import { contourLengths2d, surfelAreas3d } from '../src/internal/surfels.js';
import { arbMaskOf, arbMaskPair, arbSpacing, voxels } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

type Surfels = { readonly points: number[][]; readonly areas: number[] };

/**
 * Surfels by brute force over every corner of the full (uncropped) corner
 * grid: corner (z, y, x) lies between voxels z - 1 and z of each axis; its
 * neighbour code has bit 2^(7 - (4 c0 + 2 c1 + c2)) set when voxel
 * (z - 1 + c0, y - 1 + c1, x - 1 + c2) is foreground (DeepMind's 2x2x2 kernel
 * [[[128, 64], [32, 16]], [[8, 4], [2, 1]]]); in 2D, bit 2^(3 - (2 c1 + c2))
 * of voxel (y - 1 + c1, x - 1 + c2) (kernel [[8, 4], [2, 1]]). A corner is a
 * surfel unless its code is 0 or full. Points are in mm.
 */
function bruteSurfels(mask: NDArray, spacing: readonly number[], dims: 2 | 3): Surfels {
  const [D, H, W] = mask.shape as [number, number, number];
  const v = toTypedArray(mask);
  const at = (z: number, y: number, x: number): boolean => z >= 0 && z < D && y >= 0 && y < H && x >= 0 && x < W && v[(z * H + y) * W + x] !== 0;
  const table = dims === 3 ? surfelAreas3d([spacing[0]!, spacing[1]!, spacing[2]!]) : contourLengths2d([spacing[1]!, spacing[2]!]);
  const points: number[][] = [];
  const areas: number[] = [];
  for (let z = 0; z <= (dims === 3 ? D : 0); z++) {
    for (let y = 0; y <= H; y++) {
      for (let x = 0; x <= W; x++) {
        let code = 0;
        if (dims === 3) {
          for (let c0 = 0; c0 < 2; c0++)
            for (let c1 = 0; c1 < 2; c1++) for (let c2 = 0; c2 < 2; c2++) if (at(z - 1 + c0, y - 1 + c1, x - 1 + c2)) code += 2 ** (7 - (4 * c0 + 2 * c1 + c2));
        } else {
          for (let c1 = 0; c1 < 2; c1++) for (let c2 = 0; c2 < 2; c2++) if (at(0, y - 1 + c1, x - 1 + c2)) code += 2 ** (3 - (2 * c1 + c2));
        }
        if (code === 0 || code === (dims === 3 ? 255 : 15)) continue;
        points.push([z * spacing[0]!, y * spacing[1]!, x * spacing[2]!]);
        areas.push(table[code]!);
      }
    }
  }
  return { points, areas };
}

/** For each surfel of `a`, the distance to the nearest surfel of `b` (Infinity when `b` has none), paired with its area and sorted. */
function bruteDirected(a: Surfels, b: Surfels): [number, number][] {
  return a.points
    .map((p, i): [number, number] => [Math.min(...b.points.map((q) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!))), a.areas[i]!])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/**
 * Compares (distance, area) lists as multisets: distances computed two ways
 * may differ in the last bits, which can reorder surfels of equal distance,
 * so both sides are sorted by (distance rounded to 1e-9, area) first.
 */
function expectPairs(distances: Float64Array, areas: Float64Array, expected: [number, number][]): void {
  expect(distances.length).toBe(expected.length);
  const key = (d: number): number => (d === Infinity ? d : Math.round(d * 1e9) / 1e9);
  const order = (pairs: [number, number][]): [number, number][] =>
    pairs.map(([d, a]): [number, number] => [key(d), a]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const got = order(Array.from(distances, (d, i): [number, number] => [d, areas[i]!]));
  const want = order(expected);
  want.forEach(([d, a], i) => {
    if (d === Infinity) expect(got[i]![0]).toBe(Infinity);
    else expect(got[i]![0]).toBeCloseTo(d, 8);
    expect(got[i]![1]).toBeCloseTo(a, 12);
  });
  // The implementation's own list is sorted by distance.
  for (let i = 1; i < distances.length; i++) expect(distances[i]!).toBeGreaterThanOrEqual(distances[i - 1]!);
}

describe('examples', () => {
  it('two single voxels three apart along w, anisotropic spacing: the corners of each, 1 and 1.5 mm away', () => {
    const a = voxels([3, 3, 5], [[1, 1, 0]]);
    const b = voxels([3, 3, 5], [[1, 1, 3]]);
    const sd = surfaceDistances(a, b, { spacing: [2, 1, 0.5] });
    expect(sd.dimensions).toBe(3);
    expect(Array.from(sd.predToTruth)).toEqual([1, 1, 1, 1, 1.5, 1.5, 1.5, 1.5]);
    expect(Array.from(sd.truthToPred)).toEqual([1, 1, 1, 1, 1.5, 1.5, 1.5, 1.5]);
    // Each corner holds one triangle with area vector (1/8)(+-1, +-1, +-1) in voxels, scaled by the spacing.
    const corner = Math.hypot(1 * 0.5, 2 * 0.5, 2 * 1) / 8;
    for (const area of [...sd.predAreas, ...sd.truthAreas]) expect(area).toBeCloseTo(corner, 15);
  });

  it('a single voxel has total surfel area |(s_h s_w, s_d s_w, s_d s_h)| (unit spacing: sqrt 3, an octahedron)', () => {
    const a = voxels([1, 1, 1], [[0, 0, 0]]);
    const total = (s: readonly [number, number, number]): number => surfaceDistances(a, a, { spacing: s, dimensions: 3 }).predAreas.reduce((x, y) => x + y, 0);
    expect(total([1, 1, 1])).toBeCloseTo(Math.sqrt(3), 14);
    expect(total([3, 0.8, 0.5])).toBeCloseTo(Math.hypot(0.8 * 0.5, 3 * 0.5, 3 * 0.8), 14);
  });

  it('2D (D = 1): contours on the corner grid of the [H, W] plane, lengths in mm', () => {
    const a = array([1, 0, 0, 0], [1, 1, 4], 'uint8');
    const b = array([0, 0, 0, 1], [1, 1, 4], 'uint8');
    const sd = surfaceDistances(a, b, { spacing: [9, 1, 0.5] });
    expect(sd.dimensions).toBe(2);
    expect(Array.from(sd.predToTruth)).toEqual([1, 1, 1.5, 1.5]);
    // A pixel's contour is a diamond through its edge midpoints: 4 segments of length |(s_h, s_w)| / 2.
    for (const l of sd.predAreas) expect(l).toBeCloseTo(Math.hypot(1, 0.5) / 2, 15);
    // A 3 x 3 square: 4 (n - 1) straight unit segments plus 4 corner diagonals of sqrt(2)/2.
    const sq = surfaceDistances(array([1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 3, 3], 'uint8'), zeros([1, 3, 3]));
    expect(sq.predAreas.reduce((x, y) => x + y, 0)).toBeCloseTo(8 + 2 * Math.SQRT2, 14);
    // [h, w] spacing is accepted in 2D.
    expect(Array.from(surfaceDistances(a, b, { spacing: [1, 0.5] }).predToTruth)).toEqual([1, 1, 1.5, 1.5]);
    // Rank-2 masks are [H, W] slices.
    expect(Array.from(surfaceDistances(array([1, 0, 0, 0], [1, 4]), array([0, 0, 0, 1], [1, 4])).predToTruth)).toEqual([2, 2, 3, 3]);
  });

  it('a D = 1 slab as a 3D volume (dimensions: 3) has caps: every corner of the mask is a surfel', () => {
    const a = array([1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 3, 3], 'uint8');
    expect(surfaceDistances(a, a).predAreas.length).toBe(12); // the ring of the square's 4 x 4 corner grid
    expect(surfaceDistances(a, a, { dimensions: 3 }).predAreas.length).toBe(32); // both planes, all 16 corners
  });

  it('empty masks: empty lists, and Infinity for the surfels of the other', () => {
    const e = zeros([2, 2, 2], 'uint8');
    const a = voxels([2, 2, 2], [[0, 1, 1]]);
    const both = surfaceDistances(e, e);
    expect([both.predToTruth.length, both.predAreas.length, both.truthToPred.length, both.truthAreas.length]).toEqual([0, 0, 0, 0]);
    const one = surfaceDistances(e, a);
    expect(one.predToTruth.length).toBe(0);
    expect(Array.from(one.truthToPred)).toEqual(new Array(8).fill(Infinity));
  });

  it('rejects bad ranks, shapes, spacings and dimensions', () => {
    const a = zeros([2, 2, 2]);
    expect(() => surfaceDistances(zeros([1, 2, 2, 2]), zeros([1, 2, 2, 2]))).toThrow(ShapeError);
    expect(() => surfaceDistances(a, zeros([2, 2, 3]))).toThrow(/^surfaceDistances: pred and truth must have one shape/);
    expect(() => surfaceDistances(a, a, { spacing: [1, 1] })).toThrow(ValueError);
    expect(() => surfaceDistances(a, a, { spacing: [1, 0, 1] })).toThrow(/spacing must be a positive finite number/);
    expect(() => surfaceDistances(a, a, { spacing: NaN })).toThrow(ValueError);
    expect(() => surfaceDistances(a, a, { dimensions: 2 })).toThrow(/dimensions 2 needs D = 1/);
    expect(() => surfaceDistances(a, a, { dimensions: 4 as never })).toThrow(ValueError);
  });
});

describe('properties', () => {
  test.prop([arbMaskPair(4), arbSpacing], { numRuns: 40 })('3D: equals brute force over enumerated surfels (distances with their areas)', ([p, t], spacing) => {
    const sd = surfaceDistances(p, t, { spacing, dimensions: 3 });
    const bp = bruteSurfels(p, spacing, 3);
    const bt = bruteSurfels(t, spacing, 3);
    expect(sd.dimensions).toBe(3);
    expectPairs(sd.predToTruth, sd.predAreas, bruteDirected(bp, bt));
    expectPairs(sd.truthToPred, sd.truthAreas, bruteDirected(bt, bp));
  });

  const arb2d = fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
    .chain(([h, w]) => fc.tuple(arbMaskOf([1, h, w]), arbMaskOf([1, h, w])));
  test.prop([arb2d, arbSpacing], { numRuns: 40 })('2D (D = 1): equals brute force over enumerated contour elements', ([p, t], spacing) => {
    const sd = surfaceDistances(p, t, { spacing });
    expect(sd.dimensions).toBe(2);
    const bp = bruteSurfels(p, spacing, 2);
    const bt = bruteSurfels(t, spacing, 2);
    expectPairs(sd.predToTruth, sd.predAreas, bruteDirected(bp, bt));
    expectPairs(sd.truthToPred, sd.truthAreas, bruteDirected(bt, bp));
  });

  test.prop([arbMaskPair(3), arbSpacing, fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))], { numRuns: 25 })(
    'zero padding around both masks changes nothing (cropping to the bounding box is exact)',
    ([p, t], spacing, [a, b, c, d, e, f]) => {
      const widths: [number, number][] = [
        [a, b],
        [c, d],
        [e, f],
      ];
      const sd = surfaceDistances(p, t, { spacing, dimensions: 3 });
      const padded = surfaceDistances(pad(p, widths), pad(t, widths), { spacing, dimensions: 3 });
      expect(Array.from(padded.predToTruth)).toEqual(Array.from(sd.predToTruth));
      expect(Array.from(padded.truthAreas)).toEqual(Array.from(sd.truthAreas));
    },
  );
});

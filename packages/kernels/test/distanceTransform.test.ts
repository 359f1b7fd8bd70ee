import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, get, zeros } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distanceTransform, signedDistance } from '../src/reference.js';
import { expectAllClose, values } from './helpers.js';

/** Random small masks [D, H, W] with a random density, as uint8. */
const arbMask = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true }))
  .chain(([d, h, w, density]) =>
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: d * h * w, maxLength: d * h * w }).map((u) =>
      array(
        u.map((v) => (v < density * 0.5 ? 1 : 0)),
        [d, h, w],
        'uint8',
      ),
    ),
  );
const arbSpacing = fc.tuple(
  fc.double({ min: 0.2, max: 4, noNaN: true }),
  fc.double({ min: 0.2, max: 4, noNaN: true }),
  fc.double({ min: 0.2, max: 4, noNaN: true }),
);

/** min over voxels where `target(v)` of the Euclidean distance in mm, by brute force. */
function bruteForce(mask: NDArray, spacing: readonly number[], target: (v: number) => boolean): number[] {
  const [D, H, W] = mask.shape as [number, number, number];
  const sites: number[][] = [];
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (target(get(mask, [z, y, x]))) sites.push([z, y, x]);
  const out: number[] = [];
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let best = Infinity;
        for (const [a, b, c] of sites) {
          best = Math.min(best, Math.sqrt(((z - a!) * spacing[0]!) ** 2 + ((y - b!) * spacing[1]!) ** 2 + ((x - c!) * spacing[2]!) ** 2));
        }
        out.push(best);
      }
  return out;
}

describe('examples', () => {
  it('distances along a line, in mm', () => {
    expect(values(distanceTransform(array([0, 0, 1, 0], [1, 1, 4], 'uint8'), { spacing: [1, 1, 2] }))).toEqual([4, 2, 0, 2]);
  });

  it('uses the spacing of each axis', () => {
    const m = zeros([3, 3, 3], 'uint8');
    const mask = array(
      values(m).map((_, i) => (i === 0 ? 1 : 0)),
      [3, 3, 3],
      'uint8',
    );
    const d = distanceTransform(mask, { spacing: [3, 2, 1] });
    expect(get(d, [2, 2, 2])).toBeCloseTo(Math.sqrt(36 + 16 + 4), 12);
    expect(get(d, [1, 0, 0])).toBe(3);
    expect(d.dtype).toBe('float64');
  });

  it('is Infinity everywhere for an empty mask, and 0 everywhere for a full one', () => {
    expect(values(distanceTransform(zeros([2, 2, 2], 'uint8')))).toEqual(new Array(8).fill(Infinity));
    expect(values(distanceTransform(array(new Array(8).fill(1), [2, 2, 2], 'uint8')))).toEqual(new Array(8).fill(0));
  });

  it('signed distance: negative inside, positive outside, never 0', () => {
    const sd = values(signedDistance(array([0, 1, 1, 1, 0, 0], [1, 1, 6], 'uint8'), { spacing: 0.5 }));
    expect(sd).toEqual([0.5, -0.5, -1, -0.5, 0.5, 1]);
    expect(values(signedDistance(zeros([1, 1, 2])))).toEqual([Infinity, Infinity]);
    expect(values(signedDistance(array([1, 1], [1, 1, 2])))).toEqual([-Infinity, -Infinity]);
  });

  it('treats any non-zero value as foreground', () => {
    expect(values(distanceTransform(array([0, -2.5, 0], [1, 1, 3], 'float32')))).toEqual([1, 0, 1]);
  });

  it('rejects bad masks and spacings, naming the op', () => {
    expect(() => distanceTransform(zeros([2, 2]))).toThrow(ShapeError);
    expect(() => distanceTransform(zeros([1, 2, 2, 2]))).toThrow(/^distanceTransform: mask must have rank 3/);
    expect(() => distanceTransform(zeros([2, 2, 2]), { spacing: [1, 0, 1] })).toThrow(ValueError);
    expect(() => signedDistance(zeros([2, 2, 2]), { spacing: -1 })).toThrow(/^signedDistance: spacing/);
  });
});

describe('properties', () => {
  test.prop([arbMask, arbSpacing], { numRuns: 100 })('equals the brute-force distance to the nearest foreground voxel', (mask, spacing) => {
    const expected = array(
      bruteForce(mask, spacing, (v) => v !== 0),
      mask.shape,
      'float64',
    );
    expectAllClose(distanceTransform(mask, { spacing }), expected, 1e-12);
  });

  test.prop([arbMask, arbSpacing], { numRuns: 50 })('signed distance equals brute force on both sides', (mask, spacing) => {
    const out = bruteForce(mask, spacing, (v) => v !== 0);
    const inn = bruteForce(mask, spacing, (v) => v === 0);
    const expected = array(
      values(mask).map((v, i) => (v !== 0 ? -inn[i]! : out[i]!)),
      mask.shape,
      'float64',
    );
    expectAllClose(signedDistance(mask, { spacing }), expected, 1e-12);
  });
});

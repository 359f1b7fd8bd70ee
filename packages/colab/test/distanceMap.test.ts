import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array, get, zeros } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { caseDilatedMask, distanceMap, roiMask, softDilatedMask } from '../src/index.js';
import { expectAllClose, values } from './helpers.js';
import { arbMask, arbSpacing } from '@colab-ts/ndarray/testing';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

/** Distance from every voxel to the nearest non-zero voxel, by brute force, in the unit of `spacing`. */
function bruteForce(mask: NDArray, spacing: readonly number[]): number[] {
  const [D, H, W] = mask.shape.slice(-3) as [number, number, number];
  const sites: [number, number, number][] = [];
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (get(mask, [z, y, x]) !== 0) sites.push([z, y, x]);
  const out: number[] = [];
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let best = Infinity;
        for (const [a, b, c] of sites) best = Math.min(best, Math.hypot((z - a) * spacing[0]!, (y - b) * spacing[1]!, (x - c) * spacing[2]!));
        out.push(best);
      }
  return out;
}

/** Small random masks of low to moderate density (2 to 50% of the voxels set, on average). */
const arbRoi = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
  .chain((shape) => arbMask(shape, { density: [0.02, 0.5] }));

describe('examples', () => {
  it('distance in voxels by default, zero inside the ROI', () => {
    const m = array([0, 0, 1, 0, 0, 0], [1, 1, 6], 'uint8');
    expect(values(distanceMap(m))).toEqual([2, 1, 0, 1, 2, 3]);
    expect(values(distanceMap(m, { spacing: [1, 1, 2.5] }))).toEqual([5, 2.5, 0, 2.5, 5, 7.5]);
  });

  it('batched [N, C, D, H, W]: any ROI channel counts, one map per case; Infinity without ROI', () => {
    const y = zeros([2, 2, 1, 1, 3], 'uint8');
    const m = array([1, 0, 0, 0, 0, 1, /* case 2 */ 0, 0, 0, 0, 0, 0], [2, 2, 1, 1, 3], 'uint8');
    expect(y.shape).toEqual(m.shape);
    const d = distanceMap(m);
    expect(d.shape).toEqual([2, 1, 1, 1, 3]);
    expect(values(d)).toEqual([0, 1, 0, Infinity, Infinity, Infinity]);
    expect(values(softDilatedMask(d, { margin: 0.5, temperature: 1 }))).toEqual([1, Math.exp(-0.5), 1, 0, 0, 0]);
  });

  it('roiMask takes every channel but the last (background)', () => {
    const y = array([1, 0, 0, /* class 2 */ 0, 1, 0, /* bg */ 0, 0, 1], [1, 3, 1, 1, 3]);
    expect(values(roiMask(y))).toEqual([1, 1, 0]);
  });

  it('Eq. 8 by hand: m = 30, tau = 20', () => {
    const d = array([0, 29.9, 30, 50, 70, 130], [6], 'float64');
    expectAllClose(softDilatedMask(d), [1, 1, 1, Math.exp(-1), Math.exp(-2), Math.exp(-5)], { atol: 1e-15, rtol: 1e-15 });
    expectAllClose(softDilatedMask(d, { margin: 10, temperature: 5 }), [1, Math.exp(-19.9 / 5), Math.exp(-4), Math.exp(-8), Math.exp(-12), Math.exp(-24)], {
      atol: 0,
      rtol: 1e-12,
    });
    expect(() => softDilatedMask(d, { temperature: 0 })).toThrow(ValueError);
    expect(() => softDilatedMask(array([-1], [1]))).toThrow(/>= 0/);
  });
});

describe('properties', () => {
  test.prop([arbRoi, arbSpacing({ min: 0.3 })], { numRuns: 40 })('the distance map equals brute force with anisotropic spacing', (mask, spacing) => {
    expectAllClose(distanceMap(mask, { spacing }), bruteForce(mask, spacing), { atol: 1e-9, rtol: 1e-9 });
    // Batched [N, C, ...] form: the same map per case.
    const batched = distanceMap(array(values(mask), [1, 1, ...mask.shape], 'uint8'), { spacing });
    expectAllClose(batched, bruteForce(mask, spacing), { atol: 1e-9, rtol: 1e-9 });
  });

  test.prop(
    // Distances on a 0.01 grid (as on a voxel grid), so that neighbours beyond the margin differ by a representable amount.
    [
      fc.array(
        fc.integer({ min: 0, max: 40000 }).map((i) => i / 100),
        { minLength: 2, maxLength: 40 },
      ),
      fc.integer({ min: 0, max: 6000 }).map((i) => i / 100),
      fc.double({ min: 1, max: 50, noNaN: true }),
    ],
    { numRuns: 100 },
  )('M is 1 within the margin, strictly decreasing beyond it, and in (0, 1]', (ds, margin, temperature) => {
    const sorted = [...ds].sort((a, b) => a - b);
    const M = values(softDilatedMask(array(sorted, [sorted.length], 'float64'), { margin, temperature }));
    sorted.forEach((d, i) => {
      expect(M[i]).toBeGreaterThan(0);
      expect(M[i]).toBeLessThanOrEqual(1);
      if (d < margin) expect(M[i]).toBe(1);
      if (i > 0 && sorted[i - 1]! >= margin && d > sorted[i - 1]!) expect(M[i]).toBeLessThan(M[i - 1]!);
    });
  });

  test.prop([arbRoi, arbSpacing({ min: 0.3 }), fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0.5, max: 5, noNaN: true })], { numRuns: 40 })(
    'caseDilatedMask is Eq. 8 of the brute-force whole-case distance (float32), and 1 everywhere for a case without ROI',
    (mask, spacing, margin, temperature) => {
      const label = array(
        values(mask).map((v) => v * 2),
        [1, ...mask.shape],
        'uint8',
      );
      const M = caseDilatedMask(label, { spacing, margin, temperature });
      expect(M.dtype).toBe('float32');
      expect(M.shape).toEqual([1, ...mask.shape]);
      const d = bruteForce(mask, spacing);
      const want = values(mask).some((v) => v !== 0) ? d.map((x) => (x < margin ? 1 : Math.exp((margin - x) / temperature))) : d.map(() => 1);
      expectAllClose(M, want, { atol: 1e-6, rtol: 1e-6 });
    },
  );
});

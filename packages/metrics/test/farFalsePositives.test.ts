import { ShapeError, ValueError, array, zeros } from '@colab-ts/ndarray';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classMask, evaluateCase, farFalsePositives } from '../src/index.js';
import { arbMaskPair, arbSpacing, box, values, voxels } from './helpers.js';

/** Brute force: for every false positive, the smallest distance (mm) to any truth voxel, by a loop over all pairs. */
function bruteFar(pred: ReturnType<typeof zeros>, truth: ReturnType<typeof zeros>, spacing: readonly [number, number, number], beyond: number): number {
  const [D, H, W] = pred.shape as [number, number, number];
  const p = values(pred);
  const t = values(truth);
  const at = (i: number): [number, number, number] => [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
  const truthAt = t.flatMap((v, i) => (v !== 0 ? [at(i)] : []));
  let far = 0;
  for (let i = 0; i < D * H * W; i++) {
    if (p[i] === 0 || t[i] !== 0) continue;
    const [z, y, x] = at(i);
    let best = Number.POSITIVE_INFINITY;
    for (const [a, b, c] of truthAt) best = Math.min(best, Math.hypot((z - a) * spacing[0], (y - b) * spacing[1], (x - c) * spacing[2]));
    if (best > beyond) far++;
  }
  return far;
}

describe('farFalsePositives', () => {
  it('counts the false positives farther than `beyond` mm, by hand', () => {
    // truth: one voxel at (0, 2, 2) of a [1, 5, 8] slice with 1 x 1 x 2 mm voxels.
    const truth = voxels([1, 5, 8], [[0, 2, 2]]);
    // pred: the truth voxel (a true positive), (0, 4, 2) at 2 mm, (0, 2, 4) at 4 mm, (0, 0, 7) at sqrt(2^2 + 10^2) = 10.198 mm.
    const pred = voxels(
      [1, 5, 8],
      [
        [0, 2, 2],
        [0, 4, 2],
        [0, 2, 4],
        [0, 0, 7],
      ],
    );
    const spacing = [1, 1, 2] as const;
    expect(farFalsePositives(pred, truth, { beyond: 1.9, spacing })).toBe(3);
    expect(farFalsePositives(pred, truth, { beyond: 3, spacing })).toBe(2);
    // strictly farther: the false positive at exactly 4 mm is not far at beyond = 4
    expect(farFalsePositives(pred, truth, { beyond: 4, spacing })).toBe(1);
    expect(farFalsePositives(pred, truth, { beyond: 10.19, spacing })).toBe(1);
    expect(farFalsePositives(pred, truth, { beyond: 10.2, spacing })).toBe(0);
    // without spacing, distances are in voxels: 2, 2 and sqrt(4 + 25) = 5.39
    expect(farFalsePositives(pred, truth, { beyond: 2 })).toBe(1);
    // [h, w] spacing for a D = 1 slice means the same as [1, h, w]
    expect(farFalsePositives(pred, truth, { beyond: 3, spacing: [1, 2] })).toBe(2);
  });

  it('counts every false positive when the truth is empty, and none when there are none', () => {
    const pred = box([2, 4, 4], [0, 0, 0], [1, 1, 1]);
    expect(farFalsePositives(pred, zeros([2, 4, 4], 'uint8'), { beyond: 1000 })).toBe(8);
    expect(farFalsePositives(pred, pred, { beyond: 0 })).toBe(0);
    expect(farFalsePositives(zeros([2, 4, 4], 'uint8'), pred, { beyond: 0 })).toBe(0);
  });

  it('agrees with a brute-force search over all voxel pairs (property)', () => {
    fc.assert(
      fc.property(arbMaskPair(6, 4), arbSpacing, fc.double({ min: 0, max: 8, noNaN: true }), ([pred, truth], spacing, beyond) => {
        const s = spacing as unknown as readonly [number, number, number];
        expect(farFalsePositives(pred, truth, { beyond, spacing: s })).toBe(bruteFar(pred, truth, s, beyond));
      }),
      { numRuns: 200 },
    );
  });

  it('is 0 at beyond = Infinity-like distances and never more than the false positives (property)', () => {
    fc.assert(
      fc.property(arbMaskPair(5), fc.double({ min: 0, max: 20, noNaN: true }), ([pred, truth], beyond) => {
        const p = values(pred);
        const t = values(truth);
        const fp = p.filter((v, i) => v !== 0 && t[i] === 0).length;
        const far = farFalsePositives(pred, truth, { beyond });
        expect(far).toBeGreaterThanOrEqual(0);
        expect(far).toBeLessThanOrEqual(fp);
        // monotone in beyond
        expect(farFalsePositives(pred, truth, { beyond: beyond + 1 })).toBeLessThanOrEqual(far);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a bad distance, shape or spacing with a clear error', () => {
    const m = box([1, 4, 4], [0, 1, 1], [0, 2, 2]);
    for (const beyond of [-1, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number]) {
      expect(() => farFalsePositives(m, m, { beyond })).toThrow(ValueError);
      expect(() => farFalsePositives(m, m, { beyond })).toThrow(/beyond must be a finite distance/);
    }
    expect(() => farFalsePositives(m, box([1, 4, 5], [0, 1, 1], [0, 2, 2]), { beyond: 1 })).toThrow(ShapeError);
    expect(() => farFalsePositives(m, m, { beyond: 1, spacing: [1, 0, 1] })).toThrow(/spacing must be/);
  });
});

describe('evaluateCase with farBeyond', () => {
  it('adds farFp per class, equal to farFalsePositives on the class masks', () => {
    const shape = [1, 6, 10] as const;
    // class 1: a block at x 0-1, predicted there and at x 8-9 (6 mm away at 1 mm); class 2 at x 5, predicted at x 4-5.
    const truth = array(
      Array.from({ length: 60 }, (_, i) => (i % 10 < 2 ? 1 : i % 10 === 5 ? 2 : 0)),
      shape,
      'int32',
    );
    const pred = array(
      Array.from({ length: 60 }, (_, i) => (i % 10 < 2 || i % 10 > 7 ? 1 : i % 10 === 4 || i % 10 === 5 ? 2 : 0)),
      shape,
      'int32',
    );
    const rows = evaluateCase(pred, truth, { classes: [1, 2], farBeyond: 3, spacing: [1, 1, 1] });
    // class 1: 12 false positives at x 8 and 9, 7 and 8 voxels from x = 1; class 2: 6 at x = 4, 1 voxel away
    expect(rows.map((r) => [r.class, r.fp, r.farFp, r.farBeyond])).toEqual([
      ['1', 12, 12, 3],
      ['2', 6, 0, 3],
    ]);
    expect(rows[0]!.farFp).toBe(farFalsePositives(classMask(pred, 1), classMask(truth, 1), { beyond: 3, spacing: [1, 1, 1] }));
    expect(evaluateCase(pred, truth, { classes: [1, 2] })[0]!).not.toHaveProperty('farFp');
  });
});

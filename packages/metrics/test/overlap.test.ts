import { array, zeros } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { confusion, dice, iou, perClass, precision, sensitivity, specificity } from '../src/index.js';
import { arbMaskPair, countSet, values } from './helpers.js';
import { test } from '@fast-check/vitest';

/** Dice by plain loops: 2 |P and T| / (|P| + |T|), NaN for two empty masks. */
function bruteDice(p: readonly number[], t: readonly number[]): number {
  let both = 0;
  let np = 0;
  let nt = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== 0) np++;
    if (t[i] !== 0) nt++;
    if (p[i] !== 0 && t[i] !== 0) both++;
  }
  return np + nt === 0 ? NaN : (2 * both) / (np + nt);
}

describe('examples', () => {
  const p = array([1, 1, 1, 0, 0, 0], [1, 1, 6], 'uint8');
  const t = array([0, 1, 1, 1, 1, 0], [1, 1, 6], 'uint8');
  // tp 2, fp 1, fn 2, tn 1

  it('hand-computed ratios', () => {
    expect(dice(p, t)).toBeCloseTo(4 / 7, 15);
    expect(iou(p, t)).toBeCloseTo(2 / 5, 15);
    expect(sensitivity(p, t)).toBeCloseTo(2 / 4, 15);
    expect(precision(p, t)).toBeCloseTo(2 / 3, 15);
    expect(specificity(p, t)).toBeCloseTo(1 / 2, 15);
  });

  it('take confusion counts too, and per class', () => {
    const c = confusion(p, t);
    expect(dice(c)).toBe(dice(p, t));
    expect(precision(c)).toBe(precision(p, t));
    const labels = array([0, 1, 2, 2], [1, 2, 2], 'int32');
    const ref = array([0, 1, 1, 2], [1, 2, 2], 'int32');
    expect(perClass(labels, ref, [1, 2]).map(dice)).toEqual([2 / 3, 2 / 3]);
    expect(perClass(labels, ref, [1, 2]).map(sensitivity)).toEqual([1 / 2, 1]);
    expect(perClass(labels, ref, [1, 2]).map(precision)).toEqual([1, 1 / 2]);
  });

  it('single voxels: 1 when equal, 0 when apart', () => {
    const a = array([0, 1, 0], [1, 1, 3], 'uint8');
    const b = array([0, 0, 1], [1, 1, 3], 'uint8');
    expect(dice(a, a)).toBe(1);
    expect(dice(a, b)).toBe(0);
    expect(sensitivity(a, b)).toBe(0);
    expect(precision(a, b)).toBe(0);
  });

  it('empty masks: a ratio with a zero denominator is NaN (nnU-Net)', () => {
    const e = zeros([1, 2, 2], 'uint8');
    const f = array([1, 0, 0, 0], [1, 2, 2], 'uint8');
    expect(dice(e, e)).toBeNaN();
    expect(iou(e, e)).toBeNaN();
    expect(sensitivity(e, e)).toBeNaN();
    expect(precision(e, e)).toBeNaN();
    expect(specificity(e, e)).toBe(1);
    // Empty prediction, non-empty truth: Dice 0, sensitivity 0, precision undefined.
    expect(dice(e, f)).toBe(0);
    expect(sensitivity(e, f)).toBe(0);
    expect(precision(e, f)).toBeNaN();
    // Non-empty prediction, empty truth: Dice 0, precision 0, sensitivity undefined.
    expect(dice(f, e)).toBe(0);
    expect(precision(f, e)).toBe(0);
    expect(sensitivity(f, e)).toBeNaN();
    const full = array([1, 1], [1, 1, 2], 'uint8');
    expect(specificity(full, full)).toBeNaN();
  });
});

describe('properties', () => {
  test.prop([arbMaskPair(5)], { numRuns: 60 })('Dice equals plain loops, lies in [0, 1] and is symmetric', ([p, t]) => {
    const d = dice(p, t);
    const ref = bruteDice(values(p), values(t));
    if (Number.isNaN(ref)) expect(d).toBeNaN();
    else {
      expect(d).toBeCloseTo(ref, 14);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1);
    }
    expect(Object.is(dice(t, p), d)).toBe(true);
  });

  test.prop([arbMaskPair(4)], { numRuns: 60 })('Dice is 1 iff the masks are equal and non-empty, NaN iff both are empty', ([p, t]) => {
    const equal = values(p).every((v, i) => (v !== 0) === (values(t)[i] !== 0));
    const bothEmpty = countSet(p) === 0 && countSet(t) === 0;
    expect(Number.isNaN(dice(p, t))).toBe(bothEmpty);
    expect(dice(p, t) === 1).toBe(equal && !bothEmpty);
    expect(dice(p, p) === 1).toBe(countSet(p) > 0);
  });

  test.prop([arbMaskPair(4)], { numRuns: 40 })('Dice and IoU determine each other: J = D / (2 - D); sensitivity and precision swap', ([p, t]) => {
    const d = dice(p, t);
    if (!Number.isNaN(d)) expect(iou(p, t)).toBeCloseTo(d / (2 - d), 14);
    expect(Object.is(sensitivity(p, t), precision(t, p))).toBe(true);
  });
});

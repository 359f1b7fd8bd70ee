import { ValueError, array, zeros } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { classMask, dice, evaluateCase, hausdorff, meanSurfaceDistance, surfaceDice, toCsv } from '../src/index.js';
import { box } from './helpers.js';

describe('examples', () => {
  const shape = [4, 6, 6] as const;
  const one = box(shape, [1, 1, 1], [2, 4, 4]);
  const two = box(shape, [0, 0, 0], [0, 1, 1]);
  const labels = (a: typeof one, b: typeof one) =>
    array(
      Array.from(a.data, (v, i) => (v ? 1 : b.data[i] ? 2 : 0)),
      shape,
      'int32',
    );
  const truth = labels(one, two);
  const pred = labels(box(shape, [1, 1, 2], [2, 4, 5]), zeros(shape, 'uint8'));
  const spacing = [3, 0.8, 0.8] as const;

  it('one row per class with overlap and surface metrics that match the single functions', () => {
    const rows = evaluateCase(pred, truth, { classes: [1, 2, [1, 2]], spacing, tolerance: 1, caseId: 'case_001' });
    expect(rows.map((r) => r.class)).toEqual(['1', '2', '1+2']);
    const r1 = rows[0]!;
    expect(r1).toMatchObject({ case: 'case_001', tp: 24, fp: 8, fn: 8, dice: 0.75, percentile: 95, tolerance: 1 });
    const p1 = classMask(pred, 1);
    const t1 = classMask(truth, 1);
    expect(r1.dice).toBe(dice(p1, t1));
    expect(r1.hausdorff).toBe(hausdorff(p1, t1, { spacing }));
    expect(r1.hausdorff).toBeCloseTo(0.8, 15);
    expect(r1.robustHausdorff).toBe(hausdorff(p1, t1, { spacing, percentile: 95 }));
    expect(r1.msd).toBe(meanSurfaceDistance(p1, t1, { spacing }).average);
    expect(r1.surfaceDice).toBe(surfaceDice(p1, t1, { spacing, tolerance: 1 }));
    // Class 2 is missing from the prediction: Dice 0, precision NaN, distances Infinity.
    const r2 = rows[1]!;
    expect(r2.dice).toBe(0);
    expect(r2.precision).toBeNaN();
    expect(r2.hausdorff).toBe(Infinity);
    expect(r2.surfaceDice).toBe(0);
    expect(toCsv(rows).split('\n')[2]).toMatch(/^case_001,2,0,0,4,140,0,0,0,NaN,Infinity,95,Infinity,Infinity,Infinity,Infinity,1,0$/);
  });

  it('binary masks by default; surface metrics can be skipped', () => {
    const rows = evaluateCase(classMask(pred, 1), classMask(truth, 1));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.class).toBe('1');
    expect(rows[0]!.hausdorff).toBe(1);
    expect(rows[0]!.surfaceDice).toBeUndefined();
    const fast = evaluateCase(pred, truth, { classes: [1], surface: false });
    expect(Object.keys(fast[0]!)).toEqual(['case', 'class', 'tp', 'fp', 'fn', 'tn', 'dice', 'iou', 'sensitivity', 'precision']);
  });

  it('rejects a bad case id', () => {
    expect(() => evaluateCase(pred, truth, { caseId: 3 as never })).toThrow(ValueError);
  });
});

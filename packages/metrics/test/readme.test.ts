import { array } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { dice, evaluateCase, hausdorff, meanSurfaceDistance, perClass, sensitivity, summarize, summarizeColumns, toCsv } from '../src/index.js';

describe('examples', () => {
  it('the README example runs', () => {
    // Label maps [D, H, W]: class 1 is a 2 x 4 x 4 block, the prediction is shifted one voxel along w.
    const block = (x0: number) => {
      const v = new Int32Array(4 * 6 * 8);
      for (let z = 1; z < 3; z++) for (let y = 1; y < 5; y++) for (let x = x0; x < x0 + 4; x++) v[(z * 6 + y) * 8 + x] = 1;
      return array(v, [4, 6, 8], 'int32');
    };
    const truth = block(1);
    const pred = block(2);
    const spacing = [3, 0.8, 0.8] as const; // mm per voxel along [d, h, w]

    expect(dice(pred, truth)).toBe(0.75);
    expect(perClass(pred, truth, [1]).map(sensitivity)).toEqual([0.75]);
    expect(hausdorff(pred, truth, { spacing })).toBeCloseTo(0.8, 15); // one voxel along w
    const hd95 = hausdorff(pred, truth, { spacing, percentile: 95 });
    expect(hd95).toBeGreaterThan(0);
    expect(hd95).toBeLessThanOrEqual(0.8);
    const msd = meanSurfaceDistance(pred, truth, { spacing });
    expect(msd.average).toBeCloseTo(msd.predToTruth, 12);

    const rows = [
      ...evaluateCase(pred, truth, { classes: [1], spacing, caseId: 'case_001' }),
      ...evaluateCase(array(new Int32Array(4 * 6 * 8), [4, 6, 8], 'int32'), truth, { classes: [1], spacing, caseId: 'case_002' }),
    ];
    const csv = toCsv(rows);
    expect(csv.split('\n')[0]).toBe(
      'case,class,tp,fp,fn,tn,dice,iou,sensitivity,precision,hausdorff,percentile,robustHausdorff,msd,msdPredToTruth,msdTruthToPred',
    );
    const s = summarizeColumns(rows, ['dice', 'robustHausdorff'], { by: 'class' })['1']!;
    expect(s.dice).toMatchObject({ n: 2, nFinite: 2, mean: 0.375 });
    expect(s.robustHausdorff).toMatchObject({ n: 2, nFinite: 1, nInfinite: 1, mean: hd95 });
    expect(summarize([0.9, NaN, 0.7])).toMatchObject({ n: 3, nFinite: 2, nNaN: 1 });
  });
});

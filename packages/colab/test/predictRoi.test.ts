import { array } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { predictRoi } from '../src/index.js';
import { values } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

describe('examples', () => {
  it('argmax over all channels (the authors rule) vs ROI against the summed background', () => {
    // Binary ROI, t = 2; voxel 0: ROI wins the argmax but the two sub-classes outweigh it together.
    const z = [Math.log(0.4), Math.log(0.1), /* sub 1 */ Math.log(0.3), Math.log(0.1), /* sub 2 */ Math.log(0.3), Math.log(0.8)];
    const logits = array(z, [1, 3, 1, 1, 2], 'float64');
    expect(values(predictRoi(logits, 2))).toEqual([1, 0]);
    expect(values(predictRoi(logits, 2, { rule: 'roi-vs-summed-background' }))).toEqual([0, 0]);
    expect(predictRoi(logits, 2).shape).toEqual([1, 1, 1, 1, 2]);
  });

  it('multi-class ROI: label k for channel k - 1, 0 for any background sub-class', () => {
    // c = 3 (2 ROI classes), t = 2: voxels won by channels 0, 1, 2, 3.
    const z = [5, 0, 0, 0, /* ch1 */ 0, 5, 0, 0, /* ch2 */ 0, 0, 5, 0, /* ch3 */ 0, 0, 0, 5];
    expect(values(predictRoi(array(z, [1, 4, 1, 1, 4]), 3))).toEqual([1, 2, 0, 0]);
    expect(values(predictRoi(array(z, [1, 4, 1, 1, 4]), 3, { rule: 'roi-vs-summed-background' }))).toEqual([1, 2, 0, 0]);
  });

  it('ties go to the ROI', () => {
    expect(values(predictRoi(array([0, 0], [1, 2, 1, 1, 1]), 2))).toEqual([1]);
  });
});

describe('properties', () => {
  test.prop([fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 4, maxLength: 4 })], { numRuns: 60 })(
    'with t = 1 the two rules agree; the summed rule never marks more ROI than argmax',
    (z) => {
      const two = array(z, [1, 2, 1, 1, 2], 'float64');
      expect(values(predictRoi(two, 2))).toEqual(values(predictRoi(two, 2, { rule: 'roi-vs-summed-background' })));
      const three = array([...z, z[0]! - 1, z[1]! + 1], [1, 3, 1, 1, 2], 'float64');
      const a = values(predictRoi(three, 2));
      const b = values(predictRoi(three, 2, { rule: 'roi-vs-summed-background' }));
      b.forEach((v, i) => expect(v).toBeLessThanOrEqual(a[i]!));
    },
  );
});

import { array } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizedMutualInformation } from '../src/index.js';

describe('examples', () => {
  it('a hand-computed pair: a = [0,0,0,1], b = [0,0,1,1]', () => {
    // H(a) = -(3/4 ln 3/4 + 1/4 ln 1/4), H(b) = ln 2,
    // I = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2 (joint counts (0,0):2, (0,1):1, (1,1):1).
    const ha = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    const hb = Math.log(2);
    const mi = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);
    expect(normalizedMutualInformation(array([0, 0, 0, 1], [4], 'int32'), array([0, 0, 1, 1], [4], 'int32'))).toBeCloseTo((2 * mi) / (ha + hb), 12);
  });

  it('1 for a renaming, 0 for independent labelings, NaN for an empty mask', () => {
    expect(normalizedMutualInformation(array([0, 0, 1, 1, 2], [5], 'int32'), array([7, 7, 3, 3, 9], [5], 'int32'))).toBeCloseTo(1, 12);
    expect(normalizedMutualInformation(array([0, 0, 1, 1], [4], 'int32'), array([0, 1, 0, 1], [4], 'int32'))).toBeCloseTo(0, 12);
    expect(normalizedMutualInformation(array([0, 1], [2], 'int32'), array([0, 1], [2], 'int32'), { mask: array([0, 0], [2], 'uint8') })).toBeNaN();
  });

  it('the mask restricts the voxels that count', () => {
    const a = array([0, 1, 0, 1, 1, 1], [6], 'int32');
    const b = array([0, 1, 1, 0, 0, 0], [6], 'int32');
    expect(normalizedMutualInformation(a, b, { mask: array([1, 1, 0, 0, 0, 0], [6], 'uint8') })).toBeCloseTo(1, 12);
  });

  it('refuses shape mismatches and non-integer labels', () => {
    expect(() => normalizedMutualInformation(array([0, 1], [2], 'int32'), array([0, 1, 1], [3], 'int32'))).toThrow(/same shape/);
    expect(() => normalizedMutualInformation(array([0, 0.5], [2], 'float32'), array([0, 1], [2], 'int32'))).toThrow(/integers/);
  });
});

describe('properties', () => {
  const labels = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 });
  test.prop([labels, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 40 }), fc.constantFrom([3, 2, 1, 0], [1, 0, 3, 2])], { numRuns: 50 })(
    'symmetric, in [0, 1], invariant to renaming',
    (xs, ys0, perm) => {
      const ys = ys0.slice(0, xs.length);
      const a = array(xs, [xs.length], 'int32');
      const b = array(ys, [xs.length], 'int32');
      const v = normalizedMutualInformation(a, b);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1 + 1e-12);
      expect(normalizedMutualInformation(b, a)).toBeCloseTo(v, 12);
      expect(
        normalizedMutualInformation(
          array(
            xs.map((x) => perm[x]!),
            [xs.length],
            'int32',
          ),
          b,
        ),
      ).toBeCloseTo(v, 12);
    },
  );
});

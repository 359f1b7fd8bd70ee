import { ShapeError, array, mean, mul, sub, zeros } from '@colab-ts/ndarray';
import { arbShapeWithin } from '@colab-ts/ndarray/testing';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { instanceNormStats } from '../src/reference.js';
import { arbSeed, expectAllClose, rand, values } from './helpers.js';

describe('examples', () => {
  it('mean and biased variance per (n, c), shaped [N, C, 1, 1, 1]', () => {
    const x = array([1, 2, 3, 4, 5, 5, 5, 5], [1, 2, 1, 2, 2], 'float64');
    const { mean: m, variance: v } = instanceNormStats(x);
    expect(m.shape).toEqual([1, 2, 1, 1, 1]);
    expect(values(m)).toEqual([2.5, 5]);
    expect(values(v)).toEqual([1.25, 0]);
  });

  it('does not lose the variance under a large offset (two passes in float64)', () => {
    // E[x^2] - E[x]^2 would be off by ~100 here; two passes are exact.
    const x = array([1e9 + 1, 1e9 + 2, 1e9 + 3], [1, 1, 1, 1, 3], 'float64');
    expect(values(instanceNormStats(x).variance)[0]).toBeCloseTo(2 / 3, 12);
    expect(instanceNormStats(zeros([1, 1, 1, 1, 2])).mean.dtype).toBe('float32');
  });

  it('needs [N, C, D, H, W] with spatial voxels', () => {
    expect(() => instanceNormStats(zeros([2, 3]))).toThrow(ShapeError);
    expect(() => instanceNormStats(zeros([1, 1, 0, 2, 2]))).toThrow(/^instanceNormStats: input \[1,1,0,2,2\] has no spatial voxels/);
  });
});

describe('properties', () => {
  const arbShape = arbShapeWithin([1, 1, 1, 1, 1], [3, 3, 3, 3, 3]);
  test.prop([arbShape, arbSeed], { numRuns: 40 })('equals ndarray mean and mean of squared deviations', (shape, seed) => {
    const x = rand(seed, shape);
    const { mean: m, variance: v } = instanceNormStats(x);
    const mu = mean(x, { axes: [2, 3, 4], keepDims: true });
    const d = sub(x, mu);
    expectAllClose(m, mu, 1e-13);
    expectAllClose(v, mean(mul(d, d), { axes: [2, 3, 4], keepDims: true }), 1e-13);
  });
});

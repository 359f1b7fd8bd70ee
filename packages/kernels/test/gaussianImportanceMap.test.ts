import { ValueError, get } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gaussianImportanceMap } from '../src/reference.js';
import { expectClose, values } from './helpers.js';

describe('examples', () => {
  it('is 1 at the centre and exp(-d^2 / 2 sigma^2) along an axis', () => {
    const g = gaussianImportanceMap([8, 16, 16]);
    expect(g.dtype).toBe('float32');
    expect(g.shape).toEqual([8, 16, 16]);
    expect(get(g, [4, 8, 8])).toBe(1);
    // sigma along W = 16 / 8 = 2
    expectClose(get(g, [4, 8, 11]), Math.exp(-9 / 8), 1e-7);
    expectClose(get(g, [5, 8, 8]), Math.exp(-1 / 2), 1e-7);
  });

  it('replaces the zeros beyond the 4-sigma truncation by the smallest non-zero value', () => {
    // sigma 0.25, radius floor(1.5) = 1: the voxels 2 away are 0 in scipy's filter.
    const g = values(gaussianImportanceMap([5], 0.05));
    const edge = Math.fround(Math.exp(-1 / (2 * 0.0625)));
    expect(g).toEqual([edge, edge, 1, edge, edge]);
  });

  it('rejects bad arguments, naming the op', () => {
    expect(() => gaussianImportanceMap([0, 4, 4])).toThrow(ValueError);
    expect(() => gaussianImportanceMap([4, 4, 4], 0)).toThrow(/^gaussianImportanceMap: sigmaScale/);
  });
});

describe('properties', () => {
  const arbPatch = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 });
  test.prop([arbPatch, fc.double({ min: 0.02, max: 1, noNaN: true })], { numRuns: 40 })(
    'max is 1, no zeros, symmetric about the centre',
    (patch, sigmaScale) => {
      const g = gaussianImportanceMap(patch, sigmaScale);
      const v = values(g);
      expect(Math.max(...v)).toBe(1);
      expect(v.every((x) => x > 0 && x <= 1)).toBe(true);
      const centre = patch.map((p) => Math.floor(p / 2));
      expect(get(g, centre)).toBe(1);
      // Mirror every index through the centre where the mirror is inside the patch.
      const strides = patch.map((_, i) => patch.slice(i + 1).reduce((a, b) => a * b, 1));
      v.forEach((x, flat) => {
        const idx = patch.map((_, a) => Math.floor(flat / strides[a]!) % patch[a]!);
        const mirror = idx.map((i, a) => 2 * centre[a]! - i);
        if (mirror.every((m, a) => m >= 0 && m < patch[a]!)) expect(get(g, mirror)).toBe(x);
      });
    },
  );
});

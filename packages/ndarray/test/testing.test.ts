import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { broadcastShapes, isNDArray } from '../src/index.js';
import { arbBroadcastPair, arbBroadcastShapes, arbMask, arbNDArray, arbNDArrayOfShape, arbPermutation, arbShape, arbSpacing } from '../src/testing.js';
import { arbShapeWithin, arbValue, relError } from '../src/testing.js';
import { sizeOf } from './helpers.js';

describe('examples', () => {
  it('arbitraries produce values from a fixed seed', () => {
    const [s] = fc.sample(arbShape({ rank: 3, maxDim: 2 }), { seed: 1, numRuns: 1 });
    expect(s).toHaveLength(3);
    const [x] = fc.sample(arbNDArrayOfShape([2, 2], { dtype: 'uint8' }), { seed: 1, numRuns: 1 });
    expect(x!.dtype).toBe('uint8');
    expect(x!.shape).toEqual([2, 2]);
    const [p] = fc.sample(arbPermutation(4), { seed: 1, numRuns: 1 });
    expect(p!.slice().sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('properties', () => {
  it('relError is the largest difference over the largest reference magnitude; Infinity for different lengths', () => {
    expect(relError([1, 2.5, -4], [1, 2, -4])).toBe(0.5 / 4);
    expect(relError([0, 0], [0, 0])).toBe(0);
    expect(relError([1], [1, 2])).toBe(Infinity);
  });

  test.prop([arbMask([2, 3, 4], { density: [0.1, 0.6] })], { numRuns: 30 })('arbMask makes packed uint8 0/1 masks of the shape', (m) => {
    expect(m.dtype).toBe('uint8');
    expect(m.shape).toEqual([2, 3, 4]);
    expect(Array.from(m.data).every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('arbMask with a density range past [0, 1] gives empty and full masks', () => {
    const counts = fc.sample(arbMask([2, 2], { density: [-0.5, 1.5] }), { seed: 3, numRuns: 60 }).map((m) => Array.from(m.data).filter((v) => v === 1).length);
    expect(counts).toContain(0);
    expect(counts).toContain(4);
  });

  test.prop([arbShapeWithin([1, 0, 3], [2, 0, 5])], { numRuns: 30 })('arbShapeWithin draws each extent from its own range', (s) => {
    expect(s).toHaveLength(3);
    expect(s[0] >= 1 && s[0] <= 2 && s[1] === 0 && s[2] >= 3 && s[2] <= 5 && s.every(Number.isInteger)).toBe(true);
  });

  test.prop([arbSpacing({ min: 0.3, max: 2 })], { numRuns: 30 })('arbSpacing gives three spacings in range', (s) => {
    expect(s).toHaveLength(3);
    expect(s.every((v) => v >= 0.3 && v <= 2)).toBe(true);
  });

  test.prop([arbShape({ minRank: 1, maxRank: 3, maxDim: 4, maxSize: 20 })], { numRuns: 60 })('arbShape respects rank, extents and size', (s) => {
    expect(s.length >= 1 && s.length <= 3).toBe(true);
    expect(s.every((d) => Number.isInteger(d) && d >= 1 && d <= 4)).toBe(true);
    expect(sizeOf(s)).toBeLessThanOrEqual(20);
  });

  test.prop([arbShape({ rank: 2, minDim: 0, maxDim: 2 })], { numRuns: 30 })('minDim 0 allows empty axes', (s) => {
    expect(s).toHaveLength(2);
    expect(s.every((d) => d >= 0 && d <= 2)).toBe(true);
  });

  test.prop([arbValue(10)], { numRuns: 100 })('arbValue is finite, in bounds, float32-representable and never -0', (v) => {
    expect(Number.isFinite(v) && Math.abs(v) <= 10).toBe(true);
    expect(Math.fround(v)).toBe(v);
    expect(Object.is(v, -0)).toBe(false);
  });

  for (const dtype of ['float32', 'float64', 'int32', 'uint8'] as const) {
    test.prop([arbNDArray({ dtype, maxSize: 32 })], { numRuns: 30 })(`arbNDArray makes packed ${dtype} arrays`, (x) => {
      expect(isNDArray(x)).toBe(true);
      expect(x.dtype).toBe(dtype);
      expect(x.data.length).toBe(sizeOf(x.shape));
      if (dtype === 'uint8') expect(Array.from(x.data).every((v) => v >= 0 && v <= 255)).toBe(true);
    });
  }

  test.prop([arbNDArray({ values: fc.constant(3), rank: 2 })], { numRuns: 20 })('custom values are used', (x) => {
    expect(Array.from(x.data).every((v) => v === 3)).toBe(true);
  });

  test.prop([arbBroadcastShapes({ maxSize: 64 })], { numRuns: 60 })('arbBroadcastShapes pairs broadcast', ([a, b]) => {
    expect(() => broadcastShapes('t', a, b)).not.toThrow();
  });

  test.prop([arbBroadcastPair({ maxSize: 64, dtype: 'int32' })], { numRuns: 40 })('arbBroadcastPair arrays broadcast', ([a, b]) => {
    expect(a.dtype).toBe('int32');
    expect(() => broadcastShapes('t', a.shape, b.shape)).not.toThrow();
  });

  test.prop([fc.integer({ min: 0, max: 6 }).chain(arbPermutation)], { numRuns: 40 })('arbPermutation is a permutation', (p) => {
    expect(p.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: p.length }, (_, i) => i));
  });
});

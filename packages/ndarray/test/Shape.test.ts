import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ShapeError, broadcastShapes, checkShape, contiguousStrides, normalizeAxes, normalizeAxis, shapeSize, shapesEqual } from '../src/index.js';
import { arbBroadcastShapes, arbShape } from '../src/testing.js';

describe('examples', () => {
  it('shapeSize multiplies extents; the scalar shape has one element', () => {
    expect(shapeSize([2, 3, 4])).toBe(24);
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([3, 0])).toBe(0);
  });

  it('contiguousStrides are row-major', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([5])).toEqual([1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('checkShape accepts non-negative integers only', () => {
    expect(checkShape('op', [2, 0])).toEqual([2, 0]);
    expect(() => checkShape('op', [2, -1])).toThrow('op: shape [2,-1] has an invalid extent -1');
    expect(() => checkShape('op', [NaN])).toThrow(ShapeError);
    expect(() => checkShape('op', [2.5])).toThrow(ShapeError);
    expect(() => checkShape('op', 3)).toThrow('op: shape must be an array of integers, got 3');
  });

  it('shapesEqual', () => {
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([2], [2, 1])).toBe(false);
    expect(shapesEqual([], [])).toBe(true);
  });

  it('normalizeAxis and normalizeAxes map negatives and reject bad axes', () => {
    expect(normalizeAxis('op', -1, 3)).toBe(2);
    expect(normalizeAxis('op', 0, 3)).toBe(0);
    expect(() => normalizeAxis('op', 3, 3)).toThrow('op: axis 3 is out of range for rank 3');
    expect(() => normalizeAxis('op', -4, 3)).toThrow(ShapeError);
    expect(() => normalizeAxis('op', 0.5, 3)).toThrow(ShapeError);
    expect(normalizeAxes('op', undefined, 3)).toEqual([0, 1, 2]);
    expect(normalizeAxes('op', -1, 3)).toEqual([2]);
    expect(normalizeAxes('op', [2, -3], 3)).toEqual([2, 0]);
    expect(() => normalizeAxes('op', [1, -2], 3)).toThrow('op: repeated axis in [1,-2]');
  });

  it('broadcastShapes follows NumPy', () => {
    expect(broadcastShapes('op', [2, 1], [3])).toEqual([2, 3]);
    expect(broadcastShapes('op', [5, 1, 4], [3, 1])).toEqual([5, 3, 4]);
    expect(broadcastShapes('op', [], [2])).toEqual([2]);
    expect(broadcastShapes('op', [1], [0])).toEqual([0]);
    expect(broadcastShapes('op', [2], [2], [1, 1])).toEqual([1, 2]);
    expect(broadcastShapes('op')).toEqual([]);
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrow('add: cannot broadcast [2,3] with [4]');
    try {
      broadcastShapes('add', [2, 3], [4]);
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError);
      expect((e as ShapeError).op).toBe('add');
      expect((e as ShapeError).got).toBe('[2,3] and [4]');
    }
  });
});

describe('properties', () => {
  test.prop([arbBroadcastShapes({ maxSize: 64 })], { numRuns: 80 })('broadcasting is symmetric and matches a per-axis rule', ([a, b]) => {
    const r = broadcastShapes('op', a, b);
    expect(broadcastShapes('op', b, a)).toEqual(r);
    expect(r.length).toBe(Math.max(a.length, b.length));
    r.forEach((d, i) => {
      const da = a[i - (r.length - a.length)] ?? 1;
      const db = b[i - (r.length - b.length)] ?? 1;
      expect(d).toBe(da === 1 ? db : da);
      expect(da === 1 || db === 1 || da === db).toBe(true);
    });
  });

  test.prop([arbShape({ maxSize: 256 })], { numRuns: 60 })('strides times extents: the first stride times the first extent is the size', (s) => {
    const st = contiguousStrides(s);
    if (s.length > 0) expect(st[0]! * s[0]!).toBe(shapeSize(s));
    st.forEach((v, i) => i + 1 < st.length && expect(v).toBe(st[i + 1]! * s[i + 1]!));
  });

  test.prop([fc.integer({ min: 1, max: 6 }).chain((r) => fc.tuple(fc.constant(r), fc.integer({ min: -r, max: r - 1 })))], { numRuns: 40 })(
    'normalizeAxis lands in [0, rank) and is congruent mod rank',
    ([r, a]) => {
      const n = normalizeAxis('op', a, r);
      expect(n >= 0 && n < r).toBe(true);
      expect((n - a) % r).toBe(0);
    },
  );
});

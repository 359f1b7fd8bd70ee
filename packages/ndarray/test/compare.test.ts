import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { add, allClose, array, arrayEqual, ones, reshape, scalar, transpose, zeros } from '../src/index.js';
import { arbNDArray } from '../src/testing.js';

const f = (xs: number[], shape?: number[]) => array(xs, shape, 'float64');

describe('examples', () => {
  it('arrayEqual needs the same dtype, shape and elements', () => {
    expect(arrayEqual(f([1, 2]), f([1, 2]))).toBe(true);
    expect(arrayEqual(f([1, 2]), f([1, 3]))).toBe(false);
    expect(arrayEqual(f([1, 2]), array([1, 2], [2], 'float32'))).toBe(false);
    expect(arrayEqual(f([1, 2]), f([1, 2], [1, 2]))).toBe(false);
    expect(arrayEqual(f([NaN]), f([NaN]))).toBe(false);
    expect(arrayEqual(f([NaN]), f([NaN]), { equalNaN: true })).toBe(true);
    expect(arrayEqual(f([0]), f([-0]))).toBe(true);
    // a view compares by its logical elements
    expect(arrayEqual(transpose(f([1, 2, 3, 4], [2, 2])), f([1, 3, 2, 4], [2, 2]))).toBe(true);
    expect(() => arrayEqual(null as never, f([1]))).toThrow('arrayEqual: a must be an NDArray, got null');
  });

  it('allClose: |a - b| <= atol + rtol * |b|, broadcast, NaN only with equalNaN', () => {
    expect(allClose(f([1]), f([1 + 1e-6]))).toBe(true);
    expect(allClose(f([1]), f([1 + 1e-4]))).toBe(false);
    expect(allClose(f([1]), f([1.1]), { rtol: 0, atol: 0.2 })).toBe(true);
    expect(allClose(f([0]), f([1e-9]))).toBe(true);
    expect(allClose(f([0]), f([1e-7]))).toBe(false);
    expect(allClose(f([Infinity, -Infinity]), f([Infinity, -Infinity]))).toBe(true);
    expect(allClose(f([Infinity]), f([-Infinity]))).toBe(false);
    expect(allClose(f([Infinity]), f([1e308]))).toBe(false);
    expect(allClose(f([NaN]), f([NaN]))).toBe(false);
    expect(allClose(f([NaN]), f([NaN]), { equalNaN: true })).toBe(true);
    expect(allClose(scalar(1), ones([2, 3]))).toBe(true);
    expect(allClose(zeros([2]), zeros([3]))).toBe(false);
    expect(allClose(array([1], [1], 'int32'), f([1]))).toBe(true);
    expect(() => allClose(f([1]), 'x' as never)).toThrow('allClose: b must be an NDArray, got string');
  });
});

describe('properties', () => {
  test.prop([arbNDArray({ maxSize: 64 })], { numRuns: 50 })('an array equals itself and its reshaped round trip', (x) => {
    expect(arrayEqual(x, x)).toBe(true);
    expect(arrayEqual(reshape(reshape(x, [-1]), x.shape), x)).toBe(true);
    expect(allClose(x, x)).toBe(true);
  });

  test.prop([arbNDArray({ maxSize: 64, minRank: 1, dtype: 'float64' }), fc.double({ min: 1e-3, max: 1, noNaN: true })], { numRuns: 50 })(
    'a shift by more than atol + rtol*|b| breaks allClose; less keeps it',
    (x, d) => {
      expect(allClose(add(x, d), x, { atol: 2 * d, rtol: 0 })).toBe(true);
      expect(allClose(add(x, d), x, { atol: d / 2, rtol: 0 })).toBe(false);
      expect(arrayEqual(add(x, d), x)).toBe(false);
    },
  );
});

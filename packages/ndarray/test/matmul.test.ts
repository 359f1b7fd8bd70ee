import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ShapeError, array, matmul, transpose, zeros } from '../src/index.js';
import type { NDArray } from '../src/index.js';
import { arbNDArrayOfShape } from '../src/testing.js';
import { allNear, at, elements } from './helpers.js';

const f = (xs: number[], shape?: number[]) => array(xs, shape, 'float64');

/** The textbook triple loop over packed [m,k] @ [k,n]. */
function naive(a: NDArray, b: NDArray): number[] {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(a, [i, p]) * at(b, [p, j]);
      out.push(s);
    }
  return out;
}

describe('examples', () => {
  it('multiplies matrices', () => {
    // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]]
    const r = matmul(f([1, 2, 3, 4], [2, 2]), f([5, 6, 7, 8], [2, 2]));
    expect(r.shape).toEqual([2, 2]);
    expect(elements(r)).toEqual([19, 22, 43, 50]);
    // [1,2,3] row @ [3,2]
    expect(elements(matmul(f([1, 2, 3], [1, 3]), f([1, 0, 0, 1, 1, 1], [3, 2])))).toEqual([4, 5]);
  });

  it('1-D operands are vectors whose axis is dropped', () => {
    expect(matmul(f([1, 2]), f([3, 4])).shape).toEqual([]);
    expect(elements(matmul(f([1, 2]), f([3, 4])))).toEqual([11]);
    const m = f([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(elements(matmul(m, f([1, 0, -1])))).toEqual([-2, -2]);
    expect(elements(matmul(f([1, -1]), m))).toEqual([-3, -3, -3]);
  });

  it('batches over broadcast leading axes', () => {
    const a = f([1, 0, 0, 1, 2, 0, 0, 2], [2, 2, 2]); // [I, 2I]
    const b = f([1, 2, 3, 4], [2, 2]);
    const r = matmul(a, b);
    expect(r.shape).toEqual([2, 2, 2]);
    expect(elements(r)).toEqual([1, 2, 3, 4, 2, 4, 6, 8]);
    expect(matmul(zeros([8, 2, 3]), zeros([3, 4])).shape).toEqual([8, 2, 4]);
    expect(matmul(zeros([2, 1, 2, 3]), zeros([5, 3, 4])).shape).toEqual([2, 5, 2, 4]);
  });

  it('reads strided operands and promotes dtypes', () => {
    const a = f([1, 2, 3, 4], [2, 2]);
    // a^T @ a = [[1,3],[2,4]] @ [[1,2],[3,4]] = [[10,14],[14,20]]
    expect(elements(matmul(transpose(a), a))).toEqual([10, 14, 14, 20]);
    expect(matmul(array([1], [1, 1], 'int32'), array([1], [1, 1], 'float32')).dtype).toBe('float32');
    expect(matmul(array([2], [1, 1], 'int32'), array([3], [1, 1], 'int32')).dtype).toBe('int32');
  });

  it('propagates NaN and Infinity through zero entries (0 * NaN is NaN)', () => {
    // [0, 1] @ [[NaN, 1], [2, 1]] = [0*NaN + 2, 0*1 + 1] = [NaN, 1]
    expect(elements(matmul(f([0, 1], [1, 2]), f([NaN, 1, 2, 1], [2, 2])))).toEqual([NaN, 1]);
    expect(elements(matmul(f([0]), f([Infinity])))).toEqual([NaN]);
  });

  it('errors name the op and the shapes', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 2]))).toThrow('matmul: inner dimensions differ: [2,3] @ [4,2] (3 != 4)');
    expect(() => matmul(zeros([2, 3]), zeros([4, 2]))).toThrow(ShapeError);
    expect(() => matmul(zeros([]), zeros([2]))).toThrow('matmul: operands must have rank >= 1, got [] and [2]');
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 1]))).toThrow('matmul: cannot broadcast [2] with [3]');
    expect(() => matmul(null as never, zeros([1]))).toThrow('matmul: a must be an NDArray, got null');
  });
});

describe('properties', () => {
  const dims = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 5 }));
  test.prop([dims.chain(([m, k, n]) => fc.tuple(arbNDArrayOfShape([m, k], { dtype: 'float64' }), arbNDArrayOfShape([k, n], { dtype: 'float64' })))], {
    numRuns: 60,
  })('matches the triple loop', ([a, b]) => {
    expect(allNear(elements(matmul(a, b)), naive(a, b), 1e-12)).toBe(true);
  });

  test.prop([dims.chain(([m, k, n]) => fc.tuple(arbNDArrayOfShape([m, k], { dtype: 'float64' }), arbNDArrayOfShape([k, n], { dtype: 'float64' })))], {
    numRuns: 40,
  })('(a @ b)^T = b^T @ a^T', ([a, b]) => {
    expect(allNear(elements(transpose(matmul(a, b))), elements(matmul(transpose(b), transpose(a))), 1e-12)).toBe(true);
  });
});

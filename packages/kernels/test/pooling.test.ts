import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, add, array, astype, key, mul, permutation, reshape, scalar, sub, zeros } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { avgPool3d, avgPool3dBackward, maxPool3d, maxPool3dBackward, maxPool3dShape } from '../src/reference.js';
import { arbPoolCase, dot, expectAdjoint, expectClose, rand, values } from './helpers.js';

const f64 = (data: number[], shape: number[]): NDArray => array(data, shape, 'float64');
const row = (data: number[]): NDArray => f64(data, [1, 1, 1, 1, data.length]);

describe('examples: maxPool3d', () => {
  it('takes the maximum of each window and sends the gradient there', () => {
    const x = f64([1, 3, 4, 2], [1, 1, 1, 2, 2]);
    expect(values(maxPool3d(x, { kernelSize: [1, 2, 2] }))).toEqual([4]);
    expect(values(maxPool3dBackward(f64([5], [1, 1, 1, 1, 1]), x, { kernelSize: [1, 2, 2] }))).toEqual([0, 0, 5, 0]);
  });

  it('never lets padding win, even over negative values', () => {
    expect(values(maxPool3d(row([1, 2, 3, 4]), { kernelSize: [1, 1, 3], stride: 1, padding: [0, 0, 1] }))).toEqual([2, 3, 4, 4]);
    expect(values(maxPool3d(row([-5, -6]), { kernelSize: [1, 1, 2], stride: 1, padding: [0, 0, 1] }))).toEqual([-5, -5, -6]);
  });

  it('gives a tied window gradient to its first maximum, and sums overlapping windows', () => {
    const x = row([7, 7, 7]);
    expect(values(maxPool3dBackward(row([1, 10]), x, { kernelSize: [1, 1, 2], stride: 1 }))).toEqual([1, 10, 0]);
  });

  it('propagates NaN', () => {
    expect(values(maxPool3d(row([1, NaN, 3, 0]), { kernelSize: [1, 1, 2] })).map(Number.isNaN)).toEqual([true, false]);
  });

  it('rejects bad options and shapes, naming the op', () => {
    expect(() => maxPool3d(zeros([1, 1, 4, 4, 4]), { kernelSize: 2, padding: 2 })).toThrow(ValueError);
    expect(() => maxPool3d(zeros([1, 1, 4, 4, 4]), { kernelSize: 2, padding: 2 })).toThrow(/^maxPool3d: padding 2 along d must be at most half the window 2/);
    expect(() => maxPool3d(zeros([1, 1, 1, 4, 4]), { kernelSize: 2 })).toThrow(ShapeError);
    expect(() => maxPool3d(zeros([1, 4, 4]), { kernelSize: 2 })).toThrow(/^maxPool3d: input must have rank 5/);
    expect(() => maxPool3dBackward(zeros([1, 1, 1, 1, 1]), zeros([1, 1, 4, 4, 4]), { kernelSize: 2 })).toThrow(/^maxPool3dBackward: dy has shape/);
    expect(maxPool3dShape([2, 3, 9, 8, 7], { kernelSize: 3, stride: 2, padding: 1 })).toEqual([2, 3, 5, 4, 4]);
  });
});

describe('examples: avgPool3d', () => {
  it('averages windows, counting padding as zeros (count_include_pad)', () => {
    expect(values(avgPool3d(row([1, 2, 3, 4]), { kernelSize: [1, 1, 3], stride: 1, padding: [0, 0, 1] }))).toEqual([1, 2, 3, 7 / 3]);
    expect(values(avgPool3d(f64([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 2, 2]), { kernelSize: 2 }))).toEqual([4.5]);
  });

  it('spreads the gradient evenly over the window', () => {
    expect(values(avgPool3dBackward(row([3, 6]), [1, 1, 1, 1, 4], { kernelSize: [1, 1, 2] }))).toEqual([1.5, 1.5, 3, 3]);
    expect(() => avgPool3dBackward(row([3]), [1, 1, 1, 1, 4], { kernelSize: [1, 1, 2] })).toThrow(
      /^avgPool3dBackward: dy has shape \[1,1,1,1,1\], expected \[1,1,1,1,2\]/,
    );
  });

  it('keeps the dtype', () => {
    expect(avgPool3d(zeros([1, 1, 2, 2, 2]), { kernelSize: 2 }).dtype).toBe('float32');
    expect(maxPool3d(zeros([1, 1, 2, 2, 2], 'float64'), { kernelSize: 2 }).dtype).toBe('float64');
  });
});

describe('properties', () => {
  test.prop([arbPoolCase], { numRuns: 60 })('<avgPool3d(x), y> = <x, avgPool3dBackward(y)>', (c) => {
    expectAdjoint(
      (x) => avgPool3d(x, c),
      (y) => avgPool3dBackward(y, c.xShape, c),
      rand(c.seed, c.xShape),
      c.seed + 1,
      1e-12,
    );
  });

  test.prop([arbPoolCase], { numRuns: 60 })('maxPool3dBackward is the derivative of maxPool3d (distinct values)', (c) => {
    // Distinct values 1 apart: a perturbation of 1e-3 never changes which voxel is the maximum,
    // so maxPool3d is exactly linear there and its backward must be the adjoint of that map.
    const n = c.xShape.reduce((a, b) => a * b, 1);
    const x = reshape(astype(permutation(key(c.seed), n), 'float64'), c.xShape);
    const v = rand(c.seed + 1, c.xShape);
    const eps = 1e-3;
    const px = maxPool3d(x, c);
    const jv = mul(sub(maxPool3d(add(x, mul(v, scalar(eps, 'float64'))), c), px), scalar(1 / eps, 'float64'));
    const dy = rand(c.seed + 2, px.shape);
    expectClose(dot(jv, dy), dot(v, maxPool3dBackward(dy, x, c)), 1e-9);
  });

  test.prop([arbPoolCase], { numRuns: 30 })('each max-pool gradient lands on a voxel equal to its window maximum', (c) => {
    const x = rand(c.seed, c.xShape);
    const px = maxPool3d(x, c);
    const ones = array(new Float64Array(px.data.length).fill(1), px.shape, 'float64');
    const g = values(maxPool3dBackward(ones, x, c));
    const xv = values(x);
    const maxima = new Set(values(px));
    g.forEach((gi, i) => {
      if (gi !== 0) expect(maxima.has(xv[i]!)).toBe(true);
    });
    expect(g.reduce((a, b) => a + b, 0)).toBe(px.data.length);
  });
});

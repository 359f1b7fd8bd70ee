import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import { arange, array, broadcastTo, expandDims, flip, isContiguous, isNDArray, isPacked, ndim, reshape, scalar, size, slice } from '../src/index.js';
import { transpose, zeros } from '../src/index.js';
import { arbNDArray } from '../src/testing.js';
import { sizeOf } from './helpers.js';

describe('examples', () => {
  it('size and ndim', () => {
    expect(size(zeros([2, 3]))).toBe(6);
    expect(ndim(zeros([2, 3]))).toBe(2);
    expect(size(scalar(1))).toBe(1);
    expect(ndim(scalar(1))).toBe(0);
    expect(size(zeros([4, 0]))).toBe(0);
  });

  it('isNDArray recognizes records with matching typed data', () => {
    expect(isNDArray(zeros([2]))).toBe(true);
    expect(isNDArray({ dtype: 'float32', shape: [1], strides: [1], offset: 0, data: new Float32Array(1) })).toBe(true);
    expect(isNDArray({ dtype: 'int32', shape: [1], strides: [1], offset: 0, data: new Float32Array(1) })).toBe(false);
    expect(isNDArray({ dtype: 'float32', shape: [1], strides: [1], offset: 0, data: [0] })).toBe(false);
    expect(isNDArray(null)).toBe(false);
    expect(isNDArray(new Float32Array(2))).toBe(false);
  });

  it('arrays are frozen records', () => {
    const x = zeros([2]);
    expect(Object.isFrozen(x)).toBe(true);
    expect(Object.isFrozen(x.shape)).toBe(true);
    expect(Object.isFrozen(x.strides)).toBe(true);
  });

  it('isContiguous and isPacked tell views apart', () => {
    const x = reshape(arange(12), [3, 4]);
    expect(isContiguous(x) && isPacked(x)).toBe(true);
    const rows = slice(x, [{ start: 1 }]);
    expect(isContiguous(rows)).toBe(true);
    expect(isPacked(rows)).toBe(false);
    expect(isContiguous(transpose(x))).toBe(false);
    expect(isContiguous(slice(x, [null, { step: 2 }]))).toBe(false);
    expect(isContiguous(flip(x))).toBe(false);
    expect(isContiguous(expandDims(x, 1))).toBe(true);
    expect(isContiguous(broadcastTo(array([1]), [3]))).toBe(false);
    expect(isContiguous(zeros([0, 3]))).toBe(true);
  });
});

describe('properties', () => {
  test.prop([arbNDArray({ maxSize: 64 })], { numRuns: 40 })('fresh arrays are packed with row-major strides', (x) => {
    expect(isPacked(x)).toBe(true);
    expect(x.data.length).toBe(sizeOf(x.shape));
    expect(size(x)).toBe(sizeOf(x.shape));
    expect(ndim(x)).toBe(x.shape.length);
  });
});

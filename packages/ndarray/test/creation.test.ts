import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError, arange, array, astype, contiguous, fromNested, full, get, isPacked, item, linspace } from '../src/index.js';
import { ones, scalar, slice, toNested, toTypedArray, transpose, zeros } from '../src/index.js';
import type { Nested } from '../src/index.js';
import { arbNDArray, arbShape } from '../src/testing.js';
import { elements, sizeOf } from './helpers.js';

describe('examples', () => {
  it('array copies flat data into a packed array of the given shape', () => {
    const src = [1, 2, 3, 4, 5, 6];
    const x = array(src, [2, 3]);
    expect(x.dtype).toBe('float32');
    expect(x.shape).toEqual([2, 3]);
    expect(x.strides).toEqual([3, 1]);
    expect(x.offset).toBe(0);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 5, 6]);
    src[0] = 99;
    expect(x.data[0]).toBe(1);
    expect(array([1, 2, 3]).shape).toEqual([3]);
  });

  it('array takes the dtype of a typed array, or the one given', () => {
    expect(array(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(array(new Uint8Array([1, 2])).dtype).toBe('uint8');
    expect(array(new Float64Array([0.1])).dtype).toBe('float64');
    const t = new Float64Array([0.1, 0.2]);
    const y = array(t);
    expect(y.data).not.toBe(t);
    expect(Array.from(array([1.9, -1.9], [2], 'int32').data)).toEqual([1, -1]);
    expect(Array.from(array([0.1], [1], 'float64').data)).toEqual([0.1]);
    expect(array([0.1], [1], 'float32').data[0]).toBe(Math.fround(0.1));
  });

  it('array rejects a mismatched size, bad shapes, bad dtypes and non-finite integers', () => {
    expect(() => array([1, 2, 3], [2, 2])).toThrow('array: 3 values cannot fill shape [2,2]');
    expect(() => array([1, 2, 3], [2, 2])).toThrow(ShapeError);
    expect(() => array([1], [-1])).toThrow(/^array: shape \[-1\] has an invalid extent -1/);
    expect(() => array([1], [1.5])).toThrow(ShapeError);
    expect(() => array([1], [1], 'int64' as never)).toThrow(DTypeError);
    expect(() => array([1], [1], 'int64' as never)).toThrow('array: unknown dtype "int64"');
    expect(() => array([NaN], [1], 'int32')).toThrow('array: cannot store NaN at index 0 in a int32 array');
    expect(() => array([1, Infinity], [2], 'uint8')).toThrow(ValueError);
  });

  it('full, zeros, ones and scalar', () => {
    const f = full([2, 2], 7, 'int32');
    expect(f.dtype).toBe('int32');
    expect(Array.from(f.data)).toEqual([7, 7, 7, 7]);
    expect(Array.from(zeros([3]).data)).toEqual([0, 0, 0]);
    expect(zeros([3]).dtype).toBe('float32');
    expect(zeros([2, 0]).data.length).toBe(0);
    const o = ones([3], 'uint8');
    expect(o.dtype).toBe('uint8');
    expect(Array.from(o.data)).toEqual([1, 1, 1]);
    const s = scalar(2.5, 'float64');
    expect(s.shape).toEqual([]);
    expect(s.strides).toEqual([]);
    expect(Array.from(s.data)).toEqual([2.5]);
    expect(scalar(3).dtype).toBe('float32');
    expect(() => full([2], NaN, 'int32')).toThrow('full: cannot store NaN at index 0 in a int32 array');
    expect(() => zeros([2, -3])).toThrow(/^full: shape \[2,-3\] has an invalid extent -3/);
    expect(Array.from(full([2], NaN).data)).toEqual([NaN, NaN]);
  });

  it('arange counts like NumPy, int32 for integer arguments', () => {
    const a = arange(5);
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(arange(2, 5).data)).toEqual([2, 3, 4]);
    expect(Array.from(arange(5, 0, -2).data)).toEqual([5, 3, 1]);
    expect(Array.from(arange(0, 10, 3).data)).toEqual([0, 3, 6, 9]);
    expect(arange(3, 1).shape).toEqual([0]);
    const f = arange(0, 1, 0.25);
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(3, undefined, 1, 'float64').dtype).toBe('float64');
    expect(() => arange(0, 3, 0)).toThrow('arange: step must not be 0');
    expect(() => arange(Infinity)).toThrow(ValueError);
  });

  it('linspace includes the endpoint unless told not to', () => {
    expect(Array.from(linspace(0, 1, 5).data)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(linspace(0, 1, 4, { endpoint: false }).data)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(Array.from(linspace(3, 3, 1).data)).toEqual([3]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    const d = linspace(0, 0.3, 4, { dtype: 'float64' });
    expect(d.dtype).toBe('float64');
    expect(d.data[3]).toBe(0.3);
    expect(d.data[1]).toBeCloseTo(0.1, 15);
    expect(() => linspace(0, 1, -1)).toThrow('linspace: num must be a non-negative integer, got -1');
    expect(() => linspace(0, NaN, 2)).toThrow(ValueError);
  });

  it('fromNested reads the shape from the nesting; toNested writes it back', () => {
    const x = fromNested([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.shape).toEqual([2, 3]);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fromNested(7).shape).toEqual([]);
    expect(fromNested([]).shape).toEqual([0]);
    expect(fromNested([[]]).shape).toEqual([1, 0]);
    expect(fromNested([[1], [2]], 'int32').dtype).toBe('int32');
    expect(() => fromNested([[1, 2], [3]])).toThrow('fromNested: ragged nesting at root[1]: expected a list of 2');
    expect(() => fromNested([[1, 2], 3] as Nested)).toThrow(ShapeError);
    expect(() => fromNested([1, [2]] as Nested)).toThrow('fromNested: ragged nesting at root[1]: expected a number');
    expect(toNested(x)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(toNested(scalar(4))).toBe(4);
    // Of a strided view: the transpose of [[1,2,3],[4,5,6]] by hand.
    expect(toNested(transpose(x))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('toTypedArray is always a fresh packed copy in row-major order', () => {
    const x = array([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const t = toTypedArray(x);
    expect(t).toBeInstanceOf(Int32Array);
    expect(t).not.toBe(x.data);
    expect(Array.from(t)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(toTypedArray(transpose(x)))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(toTypedArray(slice(x, [null, { step: -2 }])))).toEqual([3, 1, 6, 4]);
  });

  it('contiguous returns a packed input itself and packs a strided one', () => {
    const x = array([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(contiguous(x)).toBe(x);
    const t = contiguous(transpose(x));
    expect(isPacked(t)).toBe(true);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([1, 4, 2, 5, 3, 6]);
    const s = contiguous(slice(x, [{ start: 1 }]));
    expect(s.offset).toBe(0);
    expect(Array.from(s.data)).toEqual([4, 5, 6]);
  });

  it('astype truncates toward zero, wraps integers and refuses NaN', () => {
    expect(Array.from(astype(array([1.7, -1.7, 2.5]), 'int32').data)).toEqual([1, -1, 2]);
    expect(Array.from(astype(array([256, 257, -1], [3], 'int32'), 'uint8').data)).toEqual([0, 1, 255]);
    const f = astype(array([1, 2], [2], 'int32'), 'float64');
    expect(f.dtype).toBe('float64');
    expect(Array.from(f.data)).toEqual([1, 2]);
    const x = zeros([2]);
    expect(astype(x, 'float32')).toBe(x);
    expect(() => astype(array([NaN]), 'int32')).toThrow('astype: cannot store NaN at index 0 in a int32 array');
    expect(() => astype(x, 'bool' as never)).toThrow(DTypeError);
    // Of a view: elements in logical order.
    expect(Array.from(astype(transpose(array([1, 2, 3, 4], [2, 2])), 'int32').data)).toEqual([1, 3, 2, 4]);
  });

  it('get and item read single elements', () => {
    const x = array([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(get(x, [1, 2])).toBe(6);
    expect(get(x, [-1, -3])).toBe(4);
    expect(get(transpose(x), [2, 0])).toBe(3);
    expect(() => get(x, [2, 0])).toThrow('get: index 2 out of range for axis 0 of extent 2');
    expect(() => get(x, [0])).toThrow('get: index of length 1 for an array of rank 2');
    expect(item(scalar(5))).toBe(5);
    expect(item(array([9], [1, 1]))).toBe(9);
    expect(() => item(x)).toThrow('item: needs exactly one element, got shape [2,3]');
  });

  it('conversions name themselves when given something that is not an array', () => {
    expect(() => toNested(null as never)).toThrow('toNested: x must be an NDArray, got null');
    expect(() => toTypedArray([1, 2] as never)).toThrow('toTypedArray: x must be an NDArray, got object');
    expect(() => contiguous(undefined as never)).toThrow('contiguous: x must be an NDArray, got undefined');
    expect(() => astype(3 as never, 'int32')).toThrow('astype: x must be an NDArray, got number');
    expect(() => get(null as never, [0])).toThrow(ValueError);
    expect(() => item(null as never)).toThrow('item: x must be an NDArray, got null');
  });
});

describe('properties', () => {
  test.prop([arbNDArray({ maxSize: 64 })], { numRuns: 60 })('fromNested(toNested(x)) equals x', (x) => {
    const y = fromNested(toNested(x), x.dtype);
    expect(y.shape).toEqual(x.shape);
    expect(elements(y)).toEqual(elements(x));
  });

  test.prop([arbNDArray({ maxSize: 64, minRank: 1 })], { numRuns: 60 })('toTypedArray of any view matches the hand-read elements', (x) => {
    const v = transpose(x);
    expect(Array.from(toTypedArray(v))).toEqual(elements(v));
    expect(Array.from(contiguous(v).data)).toEqual(elements(v));
  });

  test.prop([arbShape({ maxSize: 64 }), fc.integer({ min: -50, max: 50 })], { numRuns: 50 })('full fills every element', (shape, v) => {
    const x = full(shape, v, 'int32');
    expect(x.data.length).toBe(sizeOf(shape));
    expect(Array.from(x.data).every((e) => e === v)).toBe(true);
  });

  test.prop([fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 }), fc.integer({ min: -5, max: 5 }).filter((s) => s !== 0)], {
    numRuns: 80,
  })('arange matches a plain loop', (start, stop, step) => {
    const expected: number[] = [];
    if (step > 0) for (let v = start; v < stop; v += step) expected.push(v);
    else for (let v = start; v > stop; v += step) expected.push(v);
    expect(Array.from(arange(start, stop, step).data)).toEqual(expected);
  });
});

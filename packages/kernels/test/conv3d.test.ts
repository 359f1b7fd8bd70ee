import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, astype, get, matmul, pad, reshape, zeros } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { conv3d, conv3dBackwardInput, conv3dBackwardWeights, conv3dShape } from '../src/reference.js';
import type { ConvCase } from './helpers.js';
import { arbConvCase, expectAdjoint, expectAllClose, expectClose, rand, values } from './helpers.js';

const f64 = (data: number[], shape: number[]): NDArray => array(data, shape, 'float64');

/**
 * conv3d written differently: pad explicitly, gather patches into columns
 * (im2col) with `get`, then one matrix product per batch element.
 */
function conv3dIm2col(x: NDArray, w: NDArray, c: Omit<ConvCase, 'seed' | 'xShape' | 'wShape'>): NDArray {
  const [N, Ci, ...sp] = x.shape as [number, number, number, number, number];
  const [Co, , ...k] = w.shape as [number, number, number, number, number];
  const xp = pad(x, [[0, 0], [0, 0], ...c.padding.map((p): [number, number] => [p, p])]);
  const out = sp.map((d, i) => Math.floor((d + 2 * c.padding[i]! - c.dilation[i]! * (k[i]! - 1) - 1) / c.stride[i]!) + 1);
  const rows = Ci * k[0]! * k[1]! * k[2]!;
  const cols = out[0]! * out[1]! * out[2]!;
  const w2 = reshape(w, [Co, rows]);
  const results: number[] = [];
  for (let n = 0; n < N; n++) {
    const col = new Float64Array(rows * cols);
    let r = 0;
    for (let ci = 0; ci < Ci; ci++)
      for (let a = 0; a < k[0]!; a++)
        for (let b = 0; b < k[1]!; b++)
          for (let e = 0; e < k[2]!; e++, r++) {
            let q = 0;
            for (let z = 0; z < out[0]!; z++)
              for (let y = 0; y < out[1]!; y++)
                for (let v = 0; v < out[2]!; v++, q++) {
                  const at = [z * c.stride[0] + a * c.dilation[0], y * c.stride[1] + b * c.dilation[1], v * c.stride[2] + e * c.dilation[2]];
                  col[r * cols + q] = get(xp, [n, ci, ...at]);
                }
          }
    results.push(...values(matmul(w2, array(col, [rows, cols], 'float64'))));
  }
  return array(results, [N, Co, ...out], 'float64');
}

describe('examples', () => {
  it('a 1-D difference kernel, without and with padding', () => {
    const x = f64([1, 2, 3], [1, 1, 1, 1, 3]);
    const w = f64([1, -1], [1, 1, 1, 1, 2]);
    expect(values(conv3d(x, w, null))).toEqual([-1, -1]);
    expect(values(conv3d(x, w, null, { padding: [0, 0, 1] }))).toEqual([-1, -1, -1, 3]);
    expect(values(conv3d(x, w, f64([10], [1]), { padding: [0, 0, 1] }))).toEqual([9, 9, 9, 13]);
  });

  it('dilation and stride along one axis', () => {
    const x = f64([1, 2, 3, 4, 5], [1, 1, 1, 1, 5]);
    const w = f64([1, 1], [1, 1, 1, 1, 2]);
    expect(values(conv3d(x, w, null, { dilation: [1, 1, 2] }))).toEqual([4, 6, 8]);
    expect(values(conv3d(x, w, null, { dilation: [1, 1, 2], stride: [1, 1, 2] }))).toEqual([4, 8]);
  });

  it('a box filter on a 3x3x3 cube of ones counts in-bounds neighbours', () => {
    const x = array(new Float64Array(27).fill(1), [1, 1, 3, 3, 3], 'float64');
    const w = array(new Float64Array(27).fill(1), [1, 1, 3, 3, 3], 'float64');
    const y = conv3d(x, w, null, { padding: 1 });
    expect(get(y, [0, 0, 1, 1, 1])).toBe(27);
    expect(get(y, [0, 0, 0, 0, 0])).toBe(8);
    expect(get(y, [0, 0, 0, 0, 1])).toBe(12);
    expect(get(y, [0, 0, 0, 1, 1])).toBe(18);
  });

  it('mixes channels through the weight', () => {
    const x = f64([2, 3], [1, 2, 1, 1, 1]);
    const w = f64([1, 10, 100, 1000], [2, 2, 1, 1, 1]);
    expect(values(conv3d(x, w, null))).toEqual([32, 3200]);
  });

  it('the gradients of a small case, by hand', () => {
    // y = [x0 - x1, x1 - x2] with w = [1, -1]
    const w = f64([1, -1], [1, 1, 1, 1, 2]);
    const dy = f64([1, 10], [1, 1, 1, 1, 2]);
    expect(values(conv3dBackwardInput(dy, w, [1, 1, 1, 1, 3]))).toEqual([1, 9, -10]);
    const x = f64([1, 2, 3], [1, 1, 1, 1, 3]);
    expect(values(conv3dBackwardWeights(x, dy, [1, 1, 1, 1, 2]))).toEqual([1 + 20, 2 + 30]);
  });

  it('keeps float32 as float32 and float64 as float64', () => {
    const x32 = zeros([1, 1, 2, 2, 2]);
    const w32 = zeros([1, 1, 1, 1, 1]);
    expect(conv3d(x32, w32, null).dtype).toBe('float32');
    expect(conv3d(rand(1, [1, 1, 2, 2, 2]), rand(2, [1, 1, 1, 1, 1]), null).dtype).toBe('float64');
  });

  it('rejects bad shapes and options before running, naming the op', () => {
    const x = zeros([1, 4, 3, 3, 3]);
    expect(() => conv3d(x, zeros([2, 8, 1, 1, 1]), null)).toThrow(ShapeError);
    expect(() => conv3d(x, zeros([2, 8, 1, 1, 1]), null)).toThrow('conv3d: input channels 4 != weight in-channels 8');
    expect(() => conv3d(x, zeros([2, 4, 1, 1, 1]), zeros([3]))).toThrow(/^conv3d: bias has shape \[3\], expected \[2\]/);
    expect(() => conv3d(zeros([4, 3, 3, 3]), zeros([2, 4, 1, 1, 1]), null)).toThrow(/^conv3d: input must have rank 5/);
    expect(() => conv3d(x, zeros([2, 4, 5, 1, 1]), null)).toThrow(/^conv3d: kernel extent 5 .* along d/);
    expect(() => conv3d(x, zeros([2, 4, 1, 1, 1]), null, { stride: 0 })).toThrow(ValueError);
    expect(() => conv3d(x, zeros([2, 4, 1, 1, 1]), null, { padding: [1, 1] as unknown as [number, number, number] })).toThrow(/^conv3d: padding/);
    expect(() => conv3dBackwardInput(zeros([1, 2, 2, 2, 2]), zeros([2, 4, 1, 1, 1]), [1, 4, 3, 3, 3])).toThrow(
      /^conv3dBackwardInput: dy has shape \[1,2,2,2,2\], expected \[1,2,3,3,3\]/,
    );
    expect(() => conv3dBackwardWeights(x, zeros([1, 2, 3, 3, 3]), [2, 4, 2, 1, 1])).toThrow(/^conv3dBackwardWeights: dy has shape/);
  });

  it('computes output shapes with the PyTorch rule', () => {
    expect(conv3dShape([2, 3, 7, 8, 9], [5, 3, 3, 3, 3], null, { stride: [1, 2, 3], padding: [1, 0, 2], dilation: [2, 1, 1] })).toEqual([2, 5, 5, 3, 4]);
  });
});

describe('properties', () => {
  const tol = 1e-10;

  test.prop([arbConvCase], { numRuns: 40 })('conv3d equals an im2col formulation', (c) => {
    const x = rand(c.seed, c.xShape);
    const w = rand(c.seed + 1, c.wShape);
    expectAllClose(conv3d(x, w, null, c), conv3dIm2col(x, w, c), tol);
  });

  test.prop([arbConvCase], { numRuns: 60 })('<conv3d(x, w), y> = <x, conv3dBackwardInput(y, w)>', (c) => {
    const w = rand(c.seed + 1, c.wShape);
    expectAdjoint(
      (x) => conv3d(x, w, null, c),
      (y) => conv3dBackwardInput(y, w, c.xShape, c),
      rand(c.seed, c.xShape),
      c.seed + 2,
      tol,
    );
  });

  test.prop([arbConvCase], { numRuns: 60 })('<conv3d(x, w), y> = <w, conv3dBackwardWeights(x, y)>', (c) => {
    const x = rand(c.seed, c.xShape);
    expectAdjoint(
      (w) => conv3d(x, w, null, c),
      (y) => conv3dBackwardWeights(x, y, c.wShape, c),
      rand(c.seed + 1, c.wShape),
      c.seed + 2,
      tol,
    );
  });

  test.prop([arbConvCase], { numRuns: 20 })('the bias adds a constant per output channel', (c) => {
    const x = rand(c.seed, c.xShape);
    const w = rand(c.seed + 1, c.wShape);
    const b = rand(c.seed + 3, [c.wShape[0]]);
    const y0 = conv3d(x, w, null, c);
    const y1 = conv3d(x, w, b, c);
    const [n, co, ...sp] = y0.shape as number[];
    const m = sp.reduce((p, q) => p * q, 1);
    const v0 = values(y0);
    const v1 = values(y1);
    const bv = values(b);
    for (let i = 0; i < n! * co! * m; i++) expectClose(v1[i]!, v0[i]! + bv[Math.floor(i / m) % co!]!, tol);
  });

  test.prop([arbConvCase], { numRuns: 10 })('float32 inputs agree with float64 to float32 precision', (c) => {
    const x32 = astype(rand(c.seed, c.xShape), 'float32');
    const w32 = astype(rand(c.seed + 1, c.wShape), 'float32');
    const y32 = conv3d(x32, w32, null, c);
    expect(y32.dtype).toBe('float32');
    expectAllClose(astype(y32, 'float64'), conv3d(astype(x32, 'float64'), astype(w32, 'float64'), null, c), 1e-6);
  });
});

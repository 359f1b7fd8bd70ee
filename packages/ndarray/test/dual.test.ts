import { fc, test } from '@fast-check/vitest';
import { pipe } from 'fp-ts/function';
import { describe, expect, it } from 'vitest';
import {
  add,
  argmax,
  argmin,
  array,
  broadcastTo,
  clip,
  div,
  dual,
  equal,
  expandDims,
  flip,
  greater,
  greaterEqual,
  less,
  lessEqual,
  logSumExp,
  logicalAnd,
  logicalOr,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  notEqual,
  pad,
  pow,
  reshape,
  slice,
  softmax,
  squeeze,
  sub,
  sum,
  transpose,
} from '../src/index.js';
import type { NDArray } from '../src/index.js';
import { arbNDArray } from '../src/testing.js';
import { elements } from './helpers.js';

const x = () => array([1, 2, 3, 4, 5, 6], [2, 3], 'float64');
const same = (a: NDArray, b: NDArray) => {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(elements(a)).toEqual(elements(b));
};

describe('examples', () => {
  it('dual by arity: data-first with enough arguments, data-last otherwise', () => {
    const scale: { (k: number): (v: number) => number; (v: number, k: number): number } = dual(2, (v: number, k: number) => v * k);
    expect(scale(3, 2)).toBe(6);
    expect(scale(2)(3)).toBe(6);
    expect(pipe(3, scale(2))).toBe(6);
  });

  it('dual by predicate: for optional options', () => {
    const inc: { (by?: number): (v: string) => string; (v: string, by?: number): string } = dual(
      (args: readonly unknown[]) => typeof args[0] === 'string',
      (v: string, by = 1) => `${v}+${by}`,
    );
    expect(inc('a')).toBe('a+1');
    expect(inc('a', 2)).toBe('a+2');
    expect(inc()('a')).toBe('a+1');
    expect(pipe('a', inc(3))).toBe('a+3');
  });

  it('sum(x, opts) and pipe(x, sum(opts)) agree', () => {
    same(sum(x(), { axes: [1] }), pipe(x(), sum({ axes: [1] })));
    same(sum(x()), pipe(x(), sum()));
    expect(elements(pipe(x(), sum({ axes: 0 })))).toEqual([5, 7, 9]);
  });

  it('a pipeline of data-last calls', () => {
    // ((x + 1) * 2) summed over rows: [[4,6,8],[10,12,14]] -> [18, 36]
    const r = pipe(x(), add(1), mul(2), sum({ axes: 1 }));
    expect(elements(r)).toEqual([18, 36]);
    // sub(b) subtracts b from the piped value
    expect(elements(pipe(x(), sub(1), reshape([-1])))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(elements(pipe(x(), div(2), transpose(), flip(0)))).toEqual([1.5, 3, 1, 2.5, 0.5, 2]);
  });

  it('every dual operation gives the same result in both styles', () => {
    const y = array([3, 1, 2, 6, 5, 4], [2, 3], 'float64');
    const v = array([1, 0, 1], [3], 'float64');
    const cases: [string, NDArray, NDArray][] = [
      ['add', add(y, v), pipe(y, add(v))],
      ['sub', sub(y, v), pipe(y, sub(v))],
      ['mul', mul(y, v), pipe(y, mul(v))],
      ['div', div(y, 2), pipe(y, div(2))],
      ['pow', pow(y, 2), pipe(y, pow(2))],
      ['maximum', maximum(y, 3), pipe(y, maximum(3))],
      ['minimum', minimum(y, 3), pipe(y, minimum(3))],
      ['equal', equal(y, 3), pipe(y, equal(3))],
      ['notEqual', notEqual(y, 3), pipe(y, notEqual(3))],
      ['less', less(y, 3), pipe(y, less(3))],
      ['lessEqual', lessEqual(y, 3), pipe(y, lessEqual(3))],
      ['greater', greater(y, 3), pipe(y, greater(3))],
      ['greaterEqual', greaterEqual(y, 3), pipe(y, greaterEqual(3))],
      ['logicalAnd', logicalAnd(y, v), pipe(y, logicalAnd(v))],
      ['logicalOr', logicalOr(y, v), pipe(y, logicalOr(v))],
      ['clip', clip(y, 2, 4), pipe(y, clip(2, 4))],
      ['reshape', reshape(y, [3, 2]), pipe(y, reshape([3, 2]))],
      ['transpose', transpose(y, [1, 0]), pipe(y, transpose([1, 0]))],
      ['slice', slice(y, [null, { step: -1 }]), pipe(y, slice([null, { step: -1 }]))],
      ['expandDims', expandDims(y, 1), pipe(y, expandDims(1))],
      ['squeeze', squeeze(expandDims(y, 0), 0), pipe(expandDims(y, 0), squeeze(0))],
      ['broadcastTo', broadcastTo(v, [2, 3]), pipe(v, broadcastTo([2, 3]))],
      ['flip', flip(y, 1), pipe(y, flip(1))],
      ['sum', sum(y, { axes: 0 }), pipe(y, sum({ axes: 0 }))],
      ['mean', mean(y, { axes: 1, keepDims: true }), pipe(y, mean({ axes: 1, keepDims: true }))],
      ['max', max(y, { axes: 1 }), pipe(y, max({ axes: 1 }))],
      ['min', min(y), pipe(y, min())],
      ['argmax', argmax(y, { axis: 1 }), pipe(y, argmax({ axis: 1 }))],
      ['argmin', argmin(y), pipe(y, argmin())],
      ['logSumExp', logSumExp(y, { axes: 1 }), pipe(y, logSumExp({ axes: 1 }))],
      ['softmax', softmax(y, 0), pipe(y, softmax(0))],
      ['matmul', matmul(y, transpose(y)), pipe(y, matmul(transpose(y)))],
      ['pad', pad(y, 1, { value: 9 }), pipe(y, pad(1, { value: 9 }))],
    ];
    for (const [, a, b] of cases) same(a, b);
    // the data-last pipe(x, sub(1)) is x - 1, not 1 - x
    expect(elements(pipe(y, sub(1)))).toEqual([2, 0, 1, 5, 4, 3]);
    expect(elements(pipe(y, matmul(array([1, 0, 0], [3, 1], 'float64'))))).toEqual([3, 6]);
  });

  it('a non-array first argument reaches the argument check instead of turning data-last', () => {
    expect(() => sum(null as never, { axes: 0 })).toThrow('sum: x must be an NDArray, got null');
    expect(() => transpose(undefined as never, [0])).toThrow('transpose: x must be an NDArray, got undefined');
    expect(() => flip('x' as never)).toThrow('flip: x must be an NDArray, got string');
    expect(() => pad({ shape: [1] } as never, 1, {})).toThrow('pad: x must be an NDArray, got object');
  });
});

describe('properties', () => {
  test.prop([arbNDArray({ minRank: 1, maxSize: 64 }), fc.boolean()], { numRuns: 50 })('reductions agree in both styles', (a, keepDims) => {
    const axes = [a.shape.length - 1];
    same(sum(a, { axes, keepDims }), pipe(a, sum({ axes, keepDims })));
    same(max(a, { axes, keepDims }), pipe(a, max({ axes, keepDims })));
    same(softmax(a), pipe(a, softmax()));
  });
});

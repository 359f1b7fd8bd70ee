import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  add,
  arange,
  argmax,
  argmin,
  array,
  contiguous,
  flip,
  logSumExp,
  max,
  mean,
  min,
  reshape,
  softmax,
  sum,
  transpose,
  zeros,
} from '../src/index.js';
import type { NDArray } from '../src/index.js';
import { arbNDArray, arbPermutation } from '../src/testing.js';
import { allNear, at, elements, sizeOf, unravel } from './helpers.js';

const f = (xs: number[], shape?: number[]) => array(xs, shape, 'float64');
const m23 = () => f([1, 5, 3, 4, 2, 6], [2, 3]);

/** A plain-loop reduction over `axes` (keepDims shape), for the properties. */
function loopReduce(x: NDArray, axes: number[], init: number, step: (acc: number, v: number) => number): { shape: number[]; values: number[] } {
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const values = new Array<number>(sizeOf(shape)).fill(init);
  for (let i = 0; i < sizeOf(x.shape); i++) {
    const idx = unravel(i, x.shape);
    let o = 0;
    idx.forEach((j, a) => (o = o * shape[a]! + (axes.includes(a) ? 0 : j)));
    values[o] = step(values[o]!, at(x, idx));
  }
  return { shape, values };
}

describe('examples', () => {
  it('sum over all axes, one axis, several axes, with keepDims', () => {
    const x = m23();
    expect(elements(sum(x))).toEqual([21]);
    expect(sum(x).shape).toEqual([]);
    expect(elements(sum(x, { axes: 0 }))).toEqual([5, 7, 9]);
    expect(elements(sum(x, { axes: [1] }))).toEqual([9, 12]);
    expect(elements(sum(x, { axes: -1 }))).toEqual([9, 12]);
    expect(sum(x, { axes: 1, keepDims: true }).shape).toEqual([2, 1]);
    expect(sum(x, { keepDims: true }).shape).toEqual([1, 1]);
    expect(elements(sum(x, { axes: [] }))).toEqual(elements(x));
    expect(elements(sum(transpose(x), { axes: 0 }))).toEqual([9, 12]);
  });

  it('sum dtypes: integers sum to int32, floats keep their dtype; empty sums are 0', () => {
    const u = array([200, 100], [2], 'uint8');
    expect(sum(u).dtype).toBe('int32');
    expect(elements(sum(u))).toEqual([300]);
    expect(sum(zeros([2])).dtype).toBe('float32');
    expect(sum(m23()).dtype).toBe('float64');
    expect(elements(sum(zeros([0, 3]), { axes: 0 }))).toEqual([0, 0, 0]);
  });

  it('mean is floating point and NaN when empty', () => {
    expect(elements(mean(m23()))).toEqual([3.5]);
    expect(elements(mean(m23(), { axes: 0 }))).toEqual([2.5, 3.5, 4.5]);
    expect(mean(array([1, 2], [2], 'int32')).dtype).toBe('float32');
    expect(elements(mean(array([1, 2], [2], 'int32')))).toEqual([1.5]);
    expect(mean(m23(), { axes: 1, keepDims: true }).shape).toEqual([2, 1]);
    expect(elements(mean(zeros([0])))).toEqual([NaN]);
  });

  it('max and min over axes', () => {
    const x = m23();
    expect(elements(max(x))).toEqual([6]);
    expect(elements(min(x))).toEqual([1]);
    expect(elements(max(x, { axes: 0 }))).toEqual([4, 5, 6]);
    expect(elements(min(x, { axes: 1 }))).toEqual([1, 2]);
    expect(max(array([3, 1], [2], 'uint8')).dtype).toBe('uint8');
    expect(max(x, { axes: 0, keepDims: true }).shape).toEqual([1, 3]);
  });

  it('NaN propagates through max and min; argmax and argmin point at the first NaN', () => {
    const x = f([1, NaN, 3, NaN], [4]);
    expect(elements(max(x))).toEqual([NaN]);
    expect(elements(min(x))).toEqual([NaN]);
    expect(elements(argmax(x))).toEqual([1]);
    expect(elements(argmin(x))).toEqual([1]);
    const rows = f([1, 2, NaN, 4, 5, 6], [2, 3]);
    expect(elements(max(rows, { axes: 1 }))).toEqual([NaN, 6]);
    expect(elements(argmax(rows, { axis: 1 }))).toEqual([2, 2]);
    expect(elements(max(f([-Infinity, -Infinity])))).toEqual([-Infinity]);
  });

  it('argmax and argmin: first index on ties, flattened by default', () => {
    const x = f([1, 5, 5, 4, 0, 6], [2, 3]);
    expect(argmax(x).dtype).toBe('int32');
    expect(elements(argmax(x))).toEqual([5]);
    expect(elements(argmin(x))).toEqual([4]);
    expect(elements(argmax(x, { axis: 1 }))).toEqual([1, 2]);
    expect(elements(argmax(x, { axis: 0 }))).toEqual([1, 0, 1]);
    expect(elements(argmin(x, { axis: -1 }))).toEqual([0, 1]);
    expect(argmax(x, { axis: 0, keepDims: true }).shape).toEqual([1, 3]);
    expect(argmax(x, { keepDims: true }).shape).toEqual([1, 1]);
    expect(elements(argmax(flip(x, 1), { axis: 1 }))).toEqual([0, 0]);
  });

  it('logSumExp is stable for large and -Infinity inputs', () => {
    expect(allNear(elements(logSumExp(f([0, Math.log(3)]))), [Math.log(4)], 1e-15)).toBe(true);
    expect(allNear(elements(logSumExp(f([1000, 1000]))), [1000 + Math.LN2], 1e-15)).toBe(true);
    expect(elements(logSumExp(f([-Infinity, -Infinity])))).toEqual([-Infinity]);
    const r = logSumExp(f([0, 0, 1, 1], [2, 2]), { axes: 1 });
    expect(r.shape).toEqual([2]);
    expect(allNear(elements(r), [Math.LN2, 1 + Math.LN2], 1e-15)).toBe(true);
    expect(logSumExp(f([0, 0, 1, 1], [2, 2]), { axes: 1, keepDims: true }).shape).toEqual([2, 1]);
    expect(logSumExp(array([1, 2], [2], 'int32')).dtype).toBe('float32');
  });

  it('softmax along the last axis by default, or the given one', () => {
    const s = softmax(f([0, Math.log(3)]));
    expect(allNear(elements(s), [0.25, 0.75], 1e-15)).toBe(true);
    const x = f([0, Math.log(3), 1000, 1000], [2, 2]);
    expect(allNear(elements(softmax(x)), [0.25, 0.75, 0.5, 0.5], 1e-15)).toBe(true);
    const c = softmax(f([0, 0, 0, Math.log(3)], [2, 2]), 0);
    expect(allNear(elements(c), [0.5, 0.25, 0.5, 0.75], 1e-15)).toBe(true);
    expect(softmax(array([1, 2], [2], 'int32')).dtype).toBe('float32');
  });

  it('bad axes and empty reductions throw, naming the op', () => {
    expect(() => sum(m23(), { axes: 2 })).toThrow('sum: axis 2 is out of range for rank 2');
    expect(() => sum(m23(), { axes: [0, -2] })).toThrow('sum: repeated axis in [0,-2]');
    expect(() => max(zeros([0, 3]), { axes: 0 })).toThrow('max: zero-size reduction over axes [0] of [0,3]');
    expect(() => min(zeros([0]))).toThrow(ShapeError);
    expect(max(zeros([3, 0]), { axes: 0 }).shape).toEqual([0]);
    expect(() => argmax(zeros([0]))).toThrow(/^argmax: zero-size reduction/);
    expect(() => argmin(m23(), { axis: 5 })).toThrow('argmin: axis 5 is out of range for rank 2');
    expect(() => softmax(zeros([]))).toThrow('softmax: axis -1 is out of range for rank 0');
    expect(() => mean(null as never)).toThrow('mean: x must be an NDArray, got null');
    expect(() => sum({ shape: [2], data: [1, 2] } as never)).toThrow('sum: x must be an NDArray, got object');
    expect(() => max([1, 2] as never, { axes: 0 })).toThrow('max: x must be an NDArray, got object');
    expect(() => argmax('x' as never)).toThrow('argmax: x must be an NDArray, got string');
    expect(() => softmax(null as never, 0)).toThrow('softmax: x must be an NDArray, got null');
    expect(() => logSumExp(m23(), { axes: 3 })).toThrow(/^logSumExp: axis 3/);
  });
});

describe('properties', () => {
  const arbWithOrder = (dtype: 'float32' | 'float64') =>
    arbNDArray({ minRank: 1, maxRank: 4, maxSize: 256, dtype }).chain((x) => fc.tuple(fc.constant(x), arbPermutation(x.shape.length)));

  /**
   * Tolerance: float32 sums store every stage's partial sums in float32, so each
   * of the <= 4 stages may add a relative rounding of 2^-24 (6e-8) of the
   * magnitudes involved; 1e-6 * sum|x| bounds all of them with room to spare.
   * For float64 the same argument gives 2^-53 per stage; we allow 1e-12 * sum|x|.
   */
  const TOL = { float32: 1e-6, float64: 1e-12 } as const;

  for (const dtype of ['float32', 'float64'] as const) {
    test.prop([arbWithOrder(dtype)], { numRuns: 60 })(`${dtype}: summing axes one at a time in any order equals the flat loop sum`, ([x, order]) => {
      let flat = 0;
      let mag = 0;
      for (const v of x.data) {
        flat += v;
        mag += Math.abs(v);
      }
      // keepDims keeps axis numbers stable across steps
      let k: NDArray = x;
      for (const a of order) k = sum(k, { axes: a, keepDims: true });
      expect(k.shape).toEqual(x.shape.map(() => 1));
      // without keepDims: renumber the remaining axes after each step
      let r: NDArray = x;
      const left = x.shape.map((_, i) => i);
      for (const a of order) {
        r = sum(r, { axes: left.indexOf(a) });
        left.splice(left.indexOf(a), 1);
      }
      expect(r.shape).toEqual([]);
      for (const got of [k.data[0]!, r.data[0]!, sum(x).data[0]!]) expect(Math.abs(got - flat)).toBeLessThanOrEqual(TOL[dtype] * mag + 1e-12);
    });
  }

  test.prop(
    [arbWithOrder('float64').chain(([x, p]) => fc.tuple(fc.constant(x), fc.subarray(p), fc.constant(p), fc.constantFrom('packed', 'transposed', 'flipped')))],
    { numRuns: 60 },
  )('sum, max, min over any axis subset equal plain loops (packed and strided inputs)', ([x0, axes, p, layout]) => {
    const x =
      layout === 'packed'
        ? x0
        : layout === 'flipped'
          ? flip(contiguous(flip(x0)))
          : transpose(
              contiguous(transpose(x0, p)),
              p.map((_, i) => p.indexOf(i)),
            );
    const s = loopReduce(x, axes, 0, (a, v) => a + v);
    const got = sum(x, { axes, keepDims: true });
    expect(got.shape).toEqual(s.shape);
    expect(allNear(elements(got), s.values, 1e-12)).toBe(true);
    expect(elements(max(x, { axes, keepDims: true }))).toEqual(loopReduce(x, axes, -Infinity, Math.max).values);
    expect(elements(min(x, { axes, keepDims: true }))).toEqual(loopReduce(x, axes, Infinity, Math.min).values);
    const mn = elements(mean(x, { axes, keepDims: true }));
    const count = axes.reduce((a, i) => a * x.shape[i]!, 1);
    expect(
      allNear(
        mn,
        s.values.map((v) => v / count),
        1e-12,
      ),
    ).toBe(true);
  });

  test.prop(
    [arbNDArray({ minRank: 1, maxSize: 64, dtype: 'float64' }).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.shape.length - 1 })))],
    {
      numRuns: 60,
    },
  )('argmax/argmin point at the max/min along the axis', ([x, axis]) => {
    const am = argmax(x, { axis, keepDims: true });
    const mx = max(x, { axes: axis, keepDims: true });
    const an = argmin(x, { axis, keepDims: true });
    const mn = min(x, { axes: axis, keepDims: true });
    for (let i = 0; i < sizeOf(am.shape); i++) {
      const idx = unravel(i, am.shape);
      const jMax = at(am, idx);
      const jMin = at(an, idx);
      const pick = (j: number) =>
        at(
          x,
          idx.map((v, a) => (a === axis ? j : v)),
        );
      expect(pick(jMax)).toBe(at(mx, idx));
      expect(pick(jMin)).toBe(at(mn, idx));
      for (let j = 0; j < jMax; j++) expect(pick(j)).toBeLessThan(pick(jMax));
      for (let j = 0; j < jMin; j++) expect(pick(j)).toBeGreaterThan(pick(jMin));
    }
  });

  const arbAxisCase = arbNDArray({ minRank: 1, maxSize: 64, dtype: 'float64' }).chain((x) =>
    fc.tuple(fc.constant(x), fc.integer({ min: -x.shape.length, max: x.shape.length - 1 }), fc.double({ min: -50, max: 50, noNaN: true })),
  );

  // Values lie in [-100, 100]; float64 softmax rounds to ~1e-15 relative, so 1e-12 is generous.
  test.prop([arbAxisCase], { numRuns: 80 })('softmax sums to 1 along its axis and is invariant to a shift', ([x, axis, c]) => {
    const s = softmax(x, axis);
    const sums = elements(sum(s, { axes: axis }));
    expect(sums.every((v) => Math.abs(v - 1) <= 1e-12)).toBe(true);
    expect(elements(s).every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(allNear(elements(softmax(add(x, c), axis)), elements(s), 1e-9)).toBe(true);
  });

  test.prop([arbAxisCase], { numRuns: 60 })('float32 softmax sums to 1 within 1e-5', ([x64, axis]) => {
    const x = array(Array.from(x64.data), x64.shape, 'float32');
    const sums = elements(sum(softmax(x, axis), { axes: axis }));
    expect(sums.every((v) => Math.abs(v - 1) <= 1e-5)).toBe(true);
  });

  test.prop([arbAxisCase], { numRuns: 60 })('logSumExp equals log of the plain sum of exps', ([x, axis]) => {
    const a = axis < 0 ? axis + x.shape.length : axis;
    const ref = loopReduce(x, [a], 0, (acc, v) => acc + Math.exp(v)).values.map(Math.log);
    expect(allNear(elements(logSumExp(x, { axes: axis })), ref, 1e-12)).toBe(true);
  });

  test.prop([arbNDArray({ maxSize: 64, dtype: 'int32' })], { numRuns: 40 })('integer sums are exact', (x) => {
    let s = 0;
    for (const v of x.data) s += v;
    expect(elements(sum(x))).toEqual([s]);
    expect(elements(sum(reshape(x, [-1]), { axes: 0 }))).toEqual([s]);
  });

  it('sum of a long arange is exact in int32 (within range) and float64', () => {
    expect(elements(sum(arange(10000)))).toEqual([(10000 * 9999) / 2]);
    expect(elements(sum(arange(100000, undefined, 1, 'float64')))).toEqual([(100000 * 99999) / 2]);
  });

  test.prop(
    [
      arbNDArray({ minRank: 1, minDim: 0, maxDim: 3, maxRank: 3, dtype: 'float64' }).chain((x) =>
        fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.shape.length - 1 })),
      ),
    ],
    {
      numRuns: 50,
    },
  )('reductions with empty axes: sums are 0, max throws only when a non-empty output needs an empty reduction', ([x, axis]) => {
    const s = sum(x, { axes: axis });
    const outShape = x.shape.filter((_, i) => i !== axis);
    expect(s.shape).toEqual(outShape);
    if (x.shape[axis] === 0) expect(elements(s).every((v) => v === 0)).toBe(true);
    const needsEmpty = x.shape[axis] === 0 && sizeOf(outShape) > 0;
    if (needsEmpty) expect(() => max(x, { axes: axis })).toThrow(ShapeError);
    else expect(max(x, { axes: axis }).shape).toEqual(outShape);
  });
});

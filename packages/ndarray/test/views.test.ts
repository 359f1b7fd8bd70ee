import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, arange, array, broadcastTo, expandDims, flip, isContiguous, reshape, slice, sliceIndices, squeeze } from '../src/index.js';
import { transpose, zeros } from '../src/index.js';
import type { NDArray, SliceSpec } from '../src/index.js';
import { arbNDArray, arbNDArrayOfShape, arbPermutation, arbShape } from '../src/testing.js';
import { at, elements, pySliceIndices, ravel, sizeOf, unravel } from './helpers.js';

const x23 = () => array([1, 2, 3, 4, 5, 6], [2, 3]);

describe('examples', () => {
  it('reshape of packed data is a view; -1 is inferred', () => {
    const x = arange(6);
    const r = reshape(x, [2, -1]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.strides).toEqual([3, 1]);
    expect(r.data).toBe(x.data);
    expect(reshape(x, [3, 2, 1]).shape).toEqual([3, 2, 1]);
    expect(reshape(array([5]), []).shape).toEqual([]);
    expect(elements(reshape(x, [3, 2]))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reshape of a contiguous slice is a view with an offset; of a strided view, a copy', () => {
    const x = arange(12);
    const rows = slice(reshape(x, [4, 3]), [{ start: 1, stop: 3 }]);
    const r = reshape(rows, [6]);
    expect(r.data).toBe(x.data);
    expect(elements(r)).toEqual([3, 4, 5, 6, 7, 8]);
    const t = reshape(transpose(reshape(x, [3, 4])), [12]);
    expect(t.data).not.toBe(x.data);
    // transpose of [[0..3],[4..7],[8..11]] read by rows
    expect(elements(t)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });

  it('reshape errors name the op and the shapes', () => {
    expect(() => reshape(arange(6), [4, 2])).toThrow('reshape: cannot reshape 6 elements into [4,2]');
    expect(() => reshape(arange(6), [-1, -1])).toThrow('reshape: at most one -1 allowed in [-1,-1]');
    expect(() => reshape(arange(6), [4, -1])).toThrow(ShapeError);
    expect(() => reshape(arange(6), [2, -2])).toThrow('reshape: invalid extent -2 in [2,-2]');
  });

  it('transpose reverses axes by default and permutes without copying', () => {
    const x = x23();
    const t = transpose(x);
    expect(t.shape).toEqual([3, 2]);
    expect(t.strides).toEqual([1, 3]);
    expect(t.data).toBe(x.data);
    expect(elements(t)).toEqual([1, 4, 2, 5, 3, 6]);
    const y = reshape(arange(24), [2, 3, 4]);
    const p = transpose(y, [1, 2, 0]);
    expect(p.shape).toEqual([3, 4, 2]);
    expect(at(p, [2, 1, 1])).toBe(1 * 12 + 2 * 4 + 1);
    expect(transpose(y, [-1, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(() => transpose(y, [0, 1])).toThrow('transpose: axes [0,1] is not a permutation of 3 axes');
    expect(() => transpose(y, [0, 0, 1])).toThrow('transpose: repeated axis in [0,0,1]');
    expect(() => transpose(y, [0, 1, 3])).toThrow('transpose: axis 3 is out of range for rank 3');
  });

  it('slice takes start/stop/step per axis, Python-style, as a view', () => {
    const x = reshape(arange(12), [3, 4]);
    const s = slice(x, [{ start: 1 }, { start: 1, stop: 3 }]);
    expect(s.shape).toEqual([2, 2]);
    expect(s.data).toBe(x.data);
    expect(elements(s)).toEqual([5, 6, 9, 10]);
    expect(elements(slice(x, [null, { step: 2 }]))).toEqual([0, 2, 4, 6, 8, 10]);
    expect(elements(slice(x, [{ start: -1 }]))).toEqual([8, 9, 10, 11]);
    expect(elements(slice(x, [{ step: -1 }, { start: -1, stop: 0, step: -2 }]))).toEqual([11, 9, 7, 5, 3, 1]);
    expect(elements(slice(arange(5), [{ stop: -6, step: -1 }]))).toEqual([4, 3, 2, 1, 0]);
    expect(elements(slice(arange(5), [{ start: 10, step: -2 }]))).toEqual([4, 2, 0]);
    expect(slice(arange(5), [{ start: 3, stop: 1 }]).shape).toEqual([0]);
    expect(slice(arange(5), [{ start: 100 }]).shape).toEqual([0]);
    expect(slice(x, []).shape).toEqual([3, 4]);
  });

  it('slice rejects a zero step, fractional bounds and too many specs', () => {
    expect(() => slice(arange(5), [{ step: 0 }])).toThrow('slice: step must be a non-zero integer on axis 0, got 0');
    expect(() => slice(arange(5), [{ start: 0.5 }])).toThrow(ValueError);
    expect(() => slice(arange(5), [null, null])).toThrow('slice: 2 slice specs for an array of rank 1');
  });

  it('expandDims inserts an axis of extent 1', () => {
    const x = arange(3);
    expect(expandDims(x, 0).shape).toEqual([1, 3]);
    expect(expandDims(x, 1).shape).toEqual([3, 1]);
    expect(expandDims(x, -1).shape).toEqual([3, 1]);
    expect(expandDims(x, 0).data).toBe(x.data);
    expect(elements(expandDims(x, 1))).toEqual([0, 1, 2]);
    expect(() => expandDims(x, 2)).toThrow('expandDims: axis 2 is out of range for rank 2');
  });

  it('squeeze removes extent-1 axes (all, or the given ones)', () => {
    const x = zeros([1, 3, 1]);
    expect(squeeze(x).shape).toEqual([3]);
    expect(squeeze(x, 0).shape).toEqual([3, 1]);
    expect(squeeze(x, [0, -1]).shape).toEqual([3]);
    expect(squeeze(x).data).toBe(x.data);
    expect(() => squeeze(x, 1)).toThrow('squeeze: axis 1 has extent 3, not 1, in [1,3,1]');
  });

  it('broadcastTo repeats with stride 0, as a view', () => {
    const x = array([1, 2, 3]);
    const b = broadcastTo(x, [2, 3]);
    expect(b.shape).toEqual([2, 3]);
    expect(b.strides).toEqual([0, 1]);
    expect(b.data).toBe(x.data);
    expect(elements(b)).toEqual([1, 2, 3, 1, 2, 3]);
    const c = broadcastTo(array([1, 2], [2, 1]), [2, 3]);
    expect(elements(c)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(() => broadcastTo(x, [2, 4])).toThrow('broadcastTo: cannot broadcast [3] with [2,4]');
    expect(() => broadcastTo(zeros([2, 3]), [3])).toThrow('broadcastTo: cannot broadcast [2,3] to [3]');
    expect(() => broadcastTo(zeros([3]), [1])).toThrow(ShapeError);
    expect(() => broadcastTo(zeros([3]), [-1, 3])).toThrow('broadcastTo: shape [-1,3] has an invalid extent -1');
    expect(() => broadcastTo(zeros([3]), [2.5, 3])).toThrow(ShapeError);
  });

  it('flip reverses along axes, as a view', () => {
    const x = x23();
    expect(elements(flip(x))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(elements(flip(x, 1))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(elements(flip(x, [0]))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(flip(x).data).toBe(x.data);
    expect(flip(zeros([0, 2])).shape).toEqual([0, 2]);
    expect(() => flip(x, 2)).toThrow('flip: axis 2 is out of range for rank 2');
  });
});

/** Arrays with a random non-packed layout: a transpose or a slice of a packed one. */
const arbStrided = arbNDArray({ minRank: 1, maxSize: 64 }).chain((x) =>
  fc.oneof(
    fc.constant(x),
    arbPermutation(x.shape.length).map((p) => transpose(x, p)),
    fc.constant(flip(x)),
  ),
);

describe('properties', () => {
  test.prop([arbStrided], { numRuns: 80 })('reshape to flat and back is the identity', (x) => {
    const back = reshape(reshape(x, [-1]), x.shape);
    expect(back.shape).toEqual(x.shape);
    expect(elements(back)).toEqual(elements(x));
  });

  test.prop([arbNDArray({ minRank: 1, maxRank: 4, maxSize: 64 }).chain((x) => fc.tuple(fc.constant(x), arbPermutation(x.shape.length)))], {
    numRuns: 80,
  })('transpose by p then by the inverse of p is the identity, and moves elements as a plain index map says', ([x, p]) => {
    const t = transpose(x, p);
    const inv = p.map((_, i) => p.indexOf(i));
    const back = transpose(t, inv);
    expect(back.shape).toEqual(x.shape);
    expect(elements(back)).toEqual(elements(x));
    for (let i = 0; i < sizeOf(t.shape); i++) {
      const ti = unravel(i, t.shape);
      const xi = new Array<number>(p.length);
      p.forEach((a, j) => (xi[a] = ti[j]!));
      expect(at(t, ti)).toBe(x.data[ravel(xi, x.shape)]);
    }
  });

  const arbSpec = (d: number): fc.Arbitrary<SliceSpec | null> =>
    fc.option(
      fc.record({
        start: fc.option(fc.integer({ min: -d - 2, max: d + 2 }), { nil: undefined }),
        stop: fc.option(fc.integer({ min: -d - 2, max: d + 2 }), { nil: undefined }),
        step: fc.option(
          fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
          { nil: undefined },
        ),
      }),
      { nil: null },
    );

  test.prop(
    [
      arbShape({ minRank: 1, maxRank: 3, maxSize: 60 })
        .chain((s) => arbNDArrayOfShape(s))
        .chain((x) => fc.tuple(fc.constant(x), fc.tuple(...x.shape.map(arbSpec)))),
    ],
    { numRuns: 100 },
  )('slices (negative steps included) match a plain Python-style index computation', ([x, specs]) => {
    const s = slice(x, specs);
    const picks = x.shape.map((d, a) => {
      const sp = specs[a];
      return sp === null || sp === undefined ? pySliceIndices(d, undefined, undefined, 1) : pySliceIndices(d, sp.start, sp.stop, sp.step ?? 1);
    });
    expect(s.shape).toEqual(picks.map((p) => p.length));
    expect(s.data).toBe(x.data);
    for (let i = 0; i < sizeOf(s.shape); i++) {
      const si = unravel(i, s.shape);
      const xi = si.map((j, a) => picks[a]![j]!);
      expect(at(s, si)).toBe(x.data[ravel(xi, x.shape)]);
    }
  });

  test.prop(
    [
      fc.integer({ min: 0, max: 9 }),
      fc.option(fc.integer({ min: -12, max: 12 }), { nil: undefined }),
      fc.option(fc.integer({ min: -12, max: 12 }), { nil: undefined }),
      fc.integer({ min: -4, max: 4 }).filter((k) => k !== 0),
    ],
    { numRuns: 200 },
  )('sliceIndices gives the start, length and step of the Python-style index list', (d, start, stop, step) => {
    const picks = pySliceIndices(d, start, stop, step);
    const r = sliceIndices({ start, stop, step }, d, 0);
    expect(r.length).toBe(picks.length);
    expect(r.step).toBe(step);
    if (picks.length > 0) expect(r.start).toBe(picks[0]);
    expect(sliceIndices(null, d, 0)).toEqual({ start: 0, length: d, step: 1 });
  });

  test.prop([arbNDArray({ maxSize: 64 })], { numRuns: 60 })('flip twice is the identity; squeeze(expandDims) is the identity', (x) => {
    expect(elements(flip(flip(x)))).toEqual(elements(x));
    const e = expandDims(x, 0);
    expect(e.shape).toEqual([1, ...x.shape]);
    expect(squeeze(e, 0).shape).toEqual(x.shape);
    expect(elements(squeeze(e, 0))).toEqual(elements(x));
  });

  test.prop([arbNDArray({ maxSize: 32, maxRank: 3 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 })], { numRuns: 60 })(
    'broadcastTo a shape with new leading axes repeats the array',
    (x: NDArray, lead) => {
      const b = broadcastTo(x, [...lead, ...x.shape]);
      const inner = elements(x);
      const reps = sizeOf(lead);
      expect(elements(b)).toEqual(Array.from({ length: reps }, () => inner).flat());
      expect(isContiguous(b)).toBe(reps <= 1 || inner.length === 0);
    },
  );

  test.prop([arbNDArray({ minDim: 0, maxDim: 3, maxRank: 3 }).chain((x) => fc.tuple(fc.constant(x), arbPermutation(x.shape.length)))], { numRuns: 50 })(
    'views of arrays with empty axes keep their shapes',
    ([x, p]) => {
      expect(reshape(reshape(x, [-1]), x.shape).shape).toEqual(x.shape);
      expect(transpose(x, p).shape).toEqual(p.map((a) => x.shape[a]!));
      expect(flip(x).shape).toEqual(x.shape);
      expect(
        elements(
          slice(
            x,
            x.shape.map(() => ({ step: -1 })),
          ),
        ),
      ).toEqual(elements(flip(x)));
    },
  );
});

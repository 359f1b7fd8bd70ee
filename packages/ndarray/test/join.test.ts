import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, array, concat, pad, reshape, slice, stack, transpose, zeros } from '../src/index.js';
import { arbNDArray, arbNDArrayOfShape, arbShape } from '../src/testing.js';
import { at, elements, sizeOf, unravel } from './helpers.js';

const f = (xs: number[], shape?: number[]) => array(xs, shape, 'float64');

describe('examples', () => {
  it('concat joins along an existing axis', () => {
    const a = f([1, 2, 3, 4], [2, 2]);
    const b = f([5, 6], [1, 2]);
    const c = concat([a, b], 0);
    expect(c.shape).toEqual([3, 2]);
    expect(elements(c)).toEqual([1, 2, 3, 4, 5, 6]);
    const d = concat([a, f([7, 8], [2, 1])], 1);
    expect(elements(d)).toEqual([1, 2, 7, 3, 4, 8]);
    expect(elements(concat([a, a], -1))).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
    expect(elements(concat([transpose(a), zeros([2, 0], 'float64')], 1))).toEqual([1, 3, 2, 4]);
    expect(concat([array([1], [1], 'uint8'), array([0.5], [1], 'float32')]).dtype).toBe('float32');
  });

  it('stack joins along a new axis', () => {
    const a = f([1, 2]);
    const b = f([3, 4]);
    expect(stack([a, b]).shape).toEqual([2, 2]);
    expect(elements(stack([a, b]))).toEqual([1, 2, 3, 4]);
    expect(elements(stack([a, b], 1))).toEqual([1, 3, 2, 4]);
    expect(elements(stack([a, b], -1))).toEqual([1, 3, 2, 4]);
    expect(stack([reshape(f([1]), [])]).shape).toEqual([1]);
  });

  it('pad adds a constant border', () => {
    const x = f([1, 2, 3, 4], [2, 2]);
    const p = pad(x, [
      [1, 0],
      [0, 2],
    ]);
    expect(p.shape).toEqual([3, 4]);
    expect(elements(p)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    expect(elements(pad(f([5]), 1, { value: -1 }))).toEqual([-1, 5, -1]);
    expect(pad(array([1], [1], 'int32'), 1).dtype).toBe('int32');
    // a value the integer dtype cannot hold makes the result float32 instead of wrapping or truncating
    const u = pad(array([7], [1], 'uint8'), 1, { value: 300 });
    expect(u.dtype).toBe('float32');
    expect(elements(u)).toEqual([300, 7, 300]);
    expect(elements(pad(array([7], [1], 'int32'), [[0, 1]], { value: 0.5 }))).toEqual([7, 0.5]);
    expect(pad(array([7], [1], 'uint8'), 1, { value: 255 }).dtype).toBe('uint8');
    expect(
      elements(
        pad(transpose(x), [
          [0, 0],
          [1, 0],
        ]),
      ),
    ).toEqual([0, 1, 3, 0, 2, 4]);
  });

  it('errors name the op and the shapes', () => {
    expect(() => concat([])).toThrow('concat: needs at least one array');
    expect(() => concat([zeros([2, 2]), zeros([2, 3])], 0)).toThrow('concat: shapes [2,2], [2,3] differ off axis 0');
    expect(() => concat([zeros([2]), zeros([2, 1])])).toThrow(ShapeError);
    expect(() => concat([zeros([])])).toThrow('concat: cannot concatenate rank-0 arrays; use stack');
    expect(() => concat([zeros([2])], 1)).toThrow('concat: axis 1 is out of range for rank 1');
    expect(() => concat([zeros([2]), null as never])).toThrow('concat: arrays[1] must be an NDArray, got null');
    expect(() => stack([zeros([2]), zeros([3])])).toThrow('stack: shapes differ: [2], [3]');
    expect(() => stack([])).toThrow(ValueError);
    expect(() =>
      pad(zeros([2]), [
        [1, 1],
        [1, 1],
      ]),
    ).toThrow('pad: 2 pad widths for an array of rank 1');
    expect(() => pad(zeros([2]), [[-1, 0]])).toThrow('pad: widths must be non-negative integers, got [-1, 0]');
    expect(() => pad(null as never, 1)).toThrow('pad: x must be an NDArray, got null');
  });
});

describe('properties', () => {
  const arbCut = arbShape({ minRank: 1, maxRank: 3, maxSize: 64 })
    .chain((s) => arbNDArrayOfShape(s))
    .chain((x) =>
      fc
        .integer({ min: 0, max: x.shape.length - 1 })
        .chain((axis) => fc.tuple(fc.constant(x), fc.constant(axis), fc.uniqueArray(fc.integer({ min: 0, max: x.shape[axis]! }), { maxLength: 3 }))),
    );

  test.prop([arbCut], { numRuns: 80 })('slicing into pieces along an axis, then concat, restores the array', ([x, axis, cuts]) => {
    const bounds = [0, ...cuts.sort((a, b) => a - b), x.shape[axis]!];
    const pieces = bounds.slice(1).map((hi, i) =>
      slice(
        x,
        x.shape.map((_, a) => (a === axis ? { start: bounds[i]!, stop: hi } : null)),
      ),
    );
    const back = concat(pieces, axis);
    expect(back.shape).toEqual(x.shape);
    expect(back.dtype).toBe(x.dtype);
    expect(elements(back)).toEqual(elements(x));
  });

  test.prop([arbNDArray({ maxSize: 32 }).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.shape.length }), fc.integer({ min: 1, max: 3 })))], {
    numRuns: 50,
  })('stack of n copies puts copy j at index j of the new axis', ([x, axis, n]) => {
    const s = stack(
      Array.from({ length: n }, () => x),
      axis,
    );
    expect(s.shape).toEqual([...x.shape.slice(0, axis), n, ...x.shape.slice(axis)]);
    for (let i = 0; i < sizeOf(s.shape); i++) {
      const idx = unravel(i, s.shape);
      idx.splice(axis, 1);
      expect(at(s, unravel(i, s.shape))).toBe(at(x, idx));
    }
  });

  test.prop(
    [
      arbNDArray({ minRank: 1, maxSize: 32 }).chain((x) =>
        fc.tuple(fc.constant(x), fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: x.shape.length, maxLength: x.shape.length })),
      ),
    ],
    {
      numRuns: 50,
    },
  )('pad then slice out the interior restores the array; the border is the constant', ([x, w]) => {
    const p = pad(x, w, { value: 7 });
    const inner = slice(
      p,
      w.map(([lo], a) => ({ start: lo, stop: lo + x.shape[a]! })),
    );
    expect(elements(inner)).toEqual(elements(x));
    const border = elements(p).filter((v) => v === 7).length;
    expect(border).toBeGreaterThanOrEqual(sizeOf(p.shape) - sizeOf(x.shape));
  });
});

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  DTYPES,
  ShapeError,
  ValueError,
  abs,
  add,
  array,
  astype,
  broadcastShapes,
  contiguous,
  flip,
  broadcastTo,
  clip,
  div,
  equal,
  exp,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  map,
  maximum,
  minimum,
  mul,
  neg,
  notEqual,
  pow,
  scalar,
  slice,
  sqrt,
  sub,
  transpose,
  where,
  zeros,
} from '../src/index.js';
import type { DType, NDArray } from '../src/index.js';
import { arbBroadcastPair, arbNDArray, arbPermutation } from '../src/testing.js';
import { at, elements, sizeOf, unravel } from './helpers.js';

const f = (xs: number[], shape?: number[]) => array(xs, shape, 'float64');

describe('examples', () => {
  it('add, sub, mul, div broadcast a row against a column', () => {
    const col = f([1, 2], [2, 1]);
    const row = f([10, 20, 30]);
    expect(add(col, row).shape).toEqual([2, 3]);
    expect(elements(add(col, row))).toEqual([11, 21, 31, 12, 22, 32]);
    expect(elements(sub(col, row))).toEqual([-9, -19, -29, -8, -18, -28]);
    expect(elements(mul(col, row))).toEqual([10, 20, 30, 20, 40, 60]);
    expect(elements(div(row, col))).toEqual([10, 20, 30, 5, 10, 15]);
  });

  it('plain numbers are weakly typed scalars', () => {
    const i = array([1, 2, 3], [3], 'int32');
    expect(add(i, 1).dtype).toBe('int32');
    expect(elements(add(i, 1))).toEqual([2, 3, 4]);
    expect(add(i, 0.5).dtype).toBe('float32');
    expect(elements(add(i, 0.5))).toEqual([1.5, 2.5, 3.5]);
    expect(elements(sub(10, i))).toEqual([9, 8, 7]);
    expect(add(array([1], [1], 'uint8'), 2).dtype).toBe('uint8');
    expect(mul(f([1]), 3).dtype).toBe('float64');
    expect(add(1, 2).shape).toEqual([]);
    expect(elements(add(1, 2))).toEqual([3]);
    expect(add(i, Infinity).dtype).toBe('float32');
  });

  it('an integer scalar that the integer array cannot hold is not wrapped', () => {
    const u = array([0, 5, 255], [3], 'uint8');
    // comparisons see the number actually given
    expect(elements(greater(u, -1))).toEqual([1, 1, 1]);
    expect(elements(less(u, 256))).toEqual([1, 1, 1]);
    expect(elements(equal(u, 261))).toEqual([0, 0, 0]);
    const i = array([-(2 ** 31), 0, 2 ** 31 - 1], [3], 'int32');
    expect(elements(equal(i, -(2 ** 31) - 1))).toEqual([0, 0, 0]);
    expect(elements(less(i, 2 ** 31))).toEqual([1, 1, 1]);
    expect(elements(greaterEqual(2 ** 32, i))).toEqual([1, 1, 1]);
    // arithmetic goes to float32, like a fractional scalar
    const m = maximum(u, -1);
    expect(m.dtype).toBe('float32');
    expect(elements(m)).toEqual([0, 5, 255]);
    expect(elements(add(u, 300))).toEqual([300, 305, 555]);
    expect(elements(where(greater(u, 1), u, -1))).toEqual([-1, 5, 255]);
    // in-range integers keep the array's dtype
    expect(add(u, 1).dtype).toBe('uint8');
    expect(elements(equal(u, 255))).toEqual([0, 0, 1]);
    // a float array keeps NumPy's weak-scalar rule: the number is rounded to float32
    expect(elements(equal(array([0.1], [1], 'float32'), 0.1))).toEqual([1]);
    expect(() => add(1, null as never)).toThrow('add: x must be an NDArray, got null');
  });

  it('arrays promote uint8 < int32 < float32 < float64; div always gives floats', () => {
    const of = (d: DType) => array([2], [1], d);
    const table: [DType, DType, DType][] = [
      ['uint8', 'uint8', 'uint8'],
      ['uint8', 'int32', 'int32'],
      ['int32', 'float32', 'float32'],
      ['uint8', 'float64', 'float64'],
      ['float32', 'float64', 'float64'],
      ['int32', 'int32', 'int32'],
    ];
    for (const [a, b, r] of table) {
      expect(add(of(a), of(b)).dtype).toBe(r);
      expect(mul(of(b), of(a)).dtype).toBe(r);
    }
    expect(div(of('int32'), of('int32')).dtype).toBe('float32');
    expect(elements(div(array([1], [1], 'int32'), array([2], [1], 'int32')))).toEqual([0.5]);
    expect(div(of('float64'), of('int32')).dtype).toBe('float64');
    expect(sqrt(of('uint8')).dtype).toBe('float32');
    expect(abs(of('int32')).dtype).toBe('int32');
    expect(neg(of('float64')).dtype).toBe('float64');
  });

  it('integer results wrap like typed arrays', () => {
    expect(elements(add(array([250], [1], 'uint8'), array([10], [1], 'uint8')))).toEqual([4]);
    expect(elements(neg(array([1], [1], 'uint8')))).toEqual([255]);
  });

  it('unary math', () => {
    expect(elements(neg(f([1, -2])))).toEqual([-1, 2]);
    expect(elements(exp(f([0, 1])))).toEqual([1, Math.E]);
    expect(elements(log(f([1, Math.E, 0, -1])))).toEqual([0, 1, -Infinity, NaN]);
    expect(elements(sqrt(f([4, 2, -1])))).toEqual([2, Math.SQRT2, NaN]);
    expect(elements(abs(f([-3, 3, -0])))).toEqual([3, 3, 0]);
    expect(exp(array([0], [1], 'int32')).dtype).toBe('float32');
  });

  it('pow, maximum, minimum (NaN wins)', () => {
    expect(elements(pow(f([2, 3, 4]), 2))).toEqual([4, 9, 16]);
    expect(elements(pow(2, f([0, 1, 10])))).toEqual([1, 2, 1024]);
    expect(elements(pow(f([4]), 0.5))).toEqual([2]);
    expect(elements(pow(array([2, 3], [2], 'int32'), array([3, 0], [2], 'int32')))).toEqual([8, 1]);
    expect(elements(pow(f([2]), -1))).toEqual([0.5]);
    expect(() => pow(array([2], [1], 'int32'), -1)).toThrow("pow: integer int32 to a negative power (-1); use astype(x, 'float32') first");
    expect(() => pow(array([2, 2], [2], 'uint8'), array([1, -2], [2], 'int32'))).toThrow(ValueError);
    expect(pow(array([2], [1], 'int32'), -0.5).dtype).toBe('float32');
    expect(elements(maximum(f([1, 5, NaN, 2]), f([3, 2, 1, NaN])))).toEqual([3, 5, NaN, NaN]);
    expect(elements(minimum(f([1, 5, NaN, 2]), f([3, 2, 1, NaN])))).toEqual([1, 2, NaN, NaN]);
    expect(elements(maximum(f([-1, 0, 2]), 0))).toEqual([0, 0, 2]);
  });

  it('comparisons return uint8 0/1 and treat NaN as unordered', () => {
    const a = f([1, 2, 3, NaN]);
    const b = f([2, 2, 2, NaN]);
    const cases: [(x: NDArray, y: NDArray) => NDArray, number[]][] = [
      [equal, [0, 1, 0, 0]],
      [notEqual, [1, 0, 1, 1]],
      [less, [1, 0, 0, 0]],
      [lessEqual, [1, 1, 0, 0]],
      [greater, [0, 0, 1, 0]],
      [greaterEqual, [0, 1, 1, 0]],
    ];
    for (const [op, expected] of cases) {
      const r = op(a, b);
      expect(r.dtype).toBe('uint8');
      expect(elements(r)).toEqual(expected);
    }
    expect(elements(greater(f([0.2, 0.7]), 0.5))).toEqual([0, 1]);
  });

  it('logical and, or, not on truthiness', () => {
    const a = array([0, 1, 2, 0], [4], 'int32');
    const b = f([0, 0, -1, 3]);
    expect(elements(logicalAnd(a, b))).toEqual([0, 0, 1, 0]);
    expect(elements(logicalOr(a, b))).toEqual([0, 1, 1, 1]);
    expect(elements(logicalNot(a))).toEqual([1, 0, 0, 1]);
    expect(logicalNot(a).dtype).toBe('uint8');
  });

  it('map applies a callback into the requested dtype', () => {
    expect(elements(map(f([1, 2, 3]), (v) => v * v))).toEqual([1, 4, 9]);
    const m = map(f([1.5, 2.5]), (v) => v * 2, 'int32');
    expect(m.dtype).toBe('int32');
    expect(elements(m)).toEqual([3, 5]);
    expect(elements(map(transpose(f([1, 2, 3, 4], [2, 2])), (v) => -v))).toEqual([-1, -3, -2, -4]);
  });

  it('clip limits to [lo, hi] and keeps NaN', () => {
    expect(elements(clip(f([-1, 0.5, 2, NaN]), 0, 1))).toEqual([0, 0.5, 1, NaN]);
    expect(clip(array([5], [1], 'int32'), 0, 3).dtype).toBe('int32');
    expect(() => clip(f([1]), 2, 1)).toThrow('clip: needs lo <= hi, got [2, 1]');
    expect(() => clip(f([1]), NaN, 1)).toThrow(ValueError);
    // bounds are weak scalars: a fractional bound makes an integer array float32, so no result lies outside [lo, hi]
    const ci = clip(array([0, 2, 5], [3], 'int32'), 0.5, 3);
    expect(ci.dtype).toBe('float32');
    expect(elements(ci)).toEqual([0.5, 2, 3]);
    expect(clip(array([0, 5], [2], 'uint8'), -Infinity, 3).dtype).toBe('uint8');
    expect(elements(clip(array([0, 5], [2], 'uint8'), 260, 300))).toEqual([260, 260]);
    expect(() => clip(null as never, 0, 1)).toThrow('clip: x must be an NDArray, got null');
    expect(() => map(null as never, (v) => v)).toThrow('map: x must be an NDArray, got null');
  });

  it('where picks from a or b by a broadcast condition', () => {
    const cond = array([1, 0, 1], [3], 'uint8');
    expect(elements(where(cond, f([1, 2, 3]), f([10, 20, 30])))).toEqual([1, 20, 3]);
    const x = f([-1, 2, -3, 4], [2, 2]);
    expect(elements(where(greater(x, 0), x, 0))).toEqual([0, 2, 0, 4]);
    const w = where(array([1, 0], [2, 1], 'uint8'), f([1, 2, 3]), -1);
    expect(w.shape).toEqual([2, 3]);
    expect(elements(w)).toEqual([1, 2, 3, -1, -1, -1]);
    expect(where(cond, array([1, 2, 3], [3], 'int32'), 0).dtype).toBe('int32');
    expect(() => where(cond, f([1, 2]), 0)).toThrow('where: cannot broadcast [3] with [2] with []');
    expect(() => where(null as never, 1, 2)).toThrow('where: cond must be an NDArray, got null');
  });

  it('works on strided views', () => {
    const x = f([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(elements(add(transpose(x), 1))).toEqual([2, 5, 3, 6, 4, 7]);
    expect(elements(mul(slice(x, [null, { step: -1 }]), x))).toEqual([3, 4, 3, 24, 25, 24]);
  });

  it('bad input: shapes that do not broadcast and non-arrays', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow('add: cannot broadcast [2,3] with [4]');
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(ShapeError);
    expect(() => mul(zeros([2]), zeros([3, 1, 3]))).toThrow('mul: cannot broadcast [2] with [3,1,3]');
    expect(() => exp('x' as never)).toThrow('exp: x must be an NDArray, got string');
    expect(() => add({} as never, 1)).toThrow(ValueError);
  });
});

describe('properties', () => {
  const dtypeArb = fc.constantFrom<DType>(...DTYPES);

  test.prop([arbBroadcastPair({ maxSize: 64 })], { numRuns: 80 })('broadcasting add is commutative', ([a, b]) => {
    expect(elements(add(a, b))).toEqual(elements(add(b, a)));
    expect(add(a, b).shape).toEqual(add(b, a).shape);
  });

  test.prop([arbBroadcastPair({ maxSize: 64, dtype: 'float64' })], { numRuns: 80 })(
    'add of broadcast operands equals add after an explicit broadcastTo, and a plain loop',
    ([a, b]) => {
      const shape = broadcastShapes('test', a.shape, b.shape);
      const r = add(a, b);
      expect(r.shape).toEqual(shape);
      expect(elements(add(broadcastTo(a, shape), broadcastTo(b, shape)))).toEqual(elements(r));
      // plain loop: index each operand by right-aligned, extent-1-clamped indices
      const get = (x: NDArray, idx: number[]) => {
        const lead = idx.length - x.shape.length;
        let flat = 0;
        x.shape.forEach((d, k) => (flat = flat * d + (d === 1 ? 0 : idx[lead + k]!)));
        return x.data[flat]!;
      };
      const expected = Array.from({ length: sizeOf(shape) }, (_, i) => {
        const idx = unravel(i, shape);
        return get(a, idx) + get(b, idx);
      });
      expect(elements(r)).toEqual(expected);
    },
  );

  test.prop([dtypeArb, dtypeArb], { numRuns: 30 })('result dtype is the later one in uint8 < int32 < float32 < float64', (da, db) => {
    const expected = DTYPES[Math.max(DTYPES.indexOf(da), DTYPES.indexOf(db))];
    expect(sub(zeros([1], da), zeros([1], db)).dtype).toBe(expected);
    expect(less(zeros([1], da), zeros([1], db)).dtype).toBe('uint8');
  });

  test.prop([arbNDArray({ maxSize: 64, dtype: 'float64' })], { numRuns: 60 })('sub(x, x) is 0, neg(neg(x)) is x, maximum/minimum bracket x', (x) => {
    expect(elements(sub(x, x)).every((v) => v === 0)).toBe(true);
    expect(elements(neg(neg(x)))).toEqual(elements(x));
    const hi = elements(maximum(x, 0));
    const lo = elements(minimum(x, 0));
    elements(x).forEach((v, i) => {
      expect(hi[i]).toBe(Math.max(v, 0));
      expect(lo[i]).toBe(Math.min(v, 0));
    });
  });

  test.prop([arbNDArray({ maxSize: 64 }), fc.float({ min: -50, max: 50, noNaN: true })], { numRuns: 60 })(
    'clip equals maximum then minimum; comparison complements',
    (x, c) => {
      expect(elements(clip(x, -10, 10))).toEqual(elements(minimum(maximum(x, -10), 10)));
      const gt = elements(greater(x, c));
      const le = elements(lessEqual(x, c));
      gt.forEach((g, i) => expect(g + le[i]!).toBe(1));
      expect(elements(where(greater(x, c), 1, 0))).toEqual(gt);
    },
  );

  test.prop([arbNDArray({ maxSize: 32, dtype: 'float64' })], { numRuns: 40 })('scalar operands broadcast like rank-0 arrays', (x) => {
    expect(elements(mul(x, 3))).toEqual(elements(mul(x, scalar(3, 'float64'))));
    expect(elements(div(x, 4))).toEqual(elements(x).map((v) => v / 4));
  });

  test.prop([arbBroadcastPair({ minDim: 0, maxDim: 3, maxRank: 3 })], { numRuns: 50 })(
    'broadcasting with empty axes gives empty results of the broadcast shape',
    ([a, b]) => {
      const shape = broadcastShapes('t', a.shape, b.shape);
      const r = add(a, b);
      expect(r.shape).toEqual(shape);
      expect(r.data.length).toBe(sizeOf(shape));
    },
  );

  /** A random view of x with the same logical shape as some packed array: transpose twice, or flip twice. */
  const arbViewPair = arbBroadcastPair({ maxSize: 64, dtype: 'float64' }).chain(([a, b]) =>
    fc.tuple(fc.constant(a), fc.constant(b), arbPermutation(a.shape.length), arbPermutation(b.shape.length), fc.boolean(), fc.constantFrom<DType>(...DTYPES)),
  );

  test.prop([arbViewPair], { numRuns: 80 })('strided, flipped and mixed-dtype operands match a plain loop on their elements', ([a, b, pa, pb, flipIt, db]) => {
    // same logical arrays, non-trivial layouts: a^T^T via a materialized transpose, b via flip(flip(.)) of a cast
    const a2 = transpose(
      contiguous(transpose(a, pa)),
      pa.map((_, i) => pa.indexOf(i)),
    );
    const bc = astype(map(b, Math.round), db);
    const b2 = flipIt
      ? flip(contiguous(flip(bc)))
      : transpose(
          contiguous(transpose(bc, pb)),
          pb.map((_, i) => pb.indexOf(i)),
        );
    expect(elements(a2)).toEqual(elements(a));
    const shape = broadcastShapes('t', a.shape, b.shape);
    const get = (x: NDArray, idx: number[]) => {
      const lead = idx.length - x.shape.length;
      return at(
        x,
        x.shape.map((d, k) => (d === 1 ? 0 : idx[lead + k]!)),
      );
    };
    const r = mul(a2, b2);
    expect(r.dtype).toBe('float64');
    const expected = Array.from({ length: sizeOf(shape) }, (_, i) => {
      const idx = unravel(i, shape);
      return get(a2, idx) * get(b2, idx);
    });
    expect(elements(r)).toEqual(expected);
    const c = greater(b2, a2);
    expect(elements(c)).toEqual(
      Array.from({ length: sizeOf(shape) }, (_, i) => {
        const idx = unravel(i, shape);
        return get(b2, idx) > get(a2, idx) ? 1 : 0;
      }),
    );
  });
});

import { ShapeError, ValueError, array, toTypedArray, transpose, zeros } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { classMask, confusion, perClass } from '../src/index.js';
import { arbMaskPair, arbShape3, values } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

/** Confusion counts by plain loops over the elements. */
function bruteConfusion(p: readonly number[], t: readonly number[], inClass: (v: number) => boolean = (v) => v !== 0) {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  p.forEach((v, i) => {
    const a = inClass(v);
    const b = inClass(t[i]!);
    if (a && b) c.tp++;
    if (a && !b) c.fp++;
    if (!a && b) c.fn++;
    if (!a && !b) c.tn++;
  });
  return c;
}

/** Label maps of one shape with labels 0..3. */
const arbLabelPair = arbShape3(4).chain((s) => {
  const n = s[0] * s[1] * s[2];
  const lab = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }).map((v) => array(v, s, 'int32'));
  return fc.tuple(lab, lab);
});

describe('examples', () => {
  it('counts the four cells of a 1-D pair', () => {
    expect(confusion(array([1, 1, 0, 0]), array([1, 0, 1, 0]))).toEqual({ tp: 1, fp: 1, fn: 1, tn: 1 });
  });

  it('treats any non-zero value as foreground, of any dtype and rank', () => {
    expect(confusion(array([0.5, -2, 0, 7], [2, 2]), array([3, 0, 0, 1], [2, 2], 'int32'))).toEqual({ tp: 2, fp: 1, fn: 0, tn: 1 });
  });

  it('reads strided views in row-major order', () => {
    const view = transpose(array([1, 0, 0, 0, 1, 0], [2, 3], 'uint8')); // [[1, 0], [0, 1], [0, 0]]
    expect(confusion(view, array([1, 0, 0, 0, 0, 0], [3, 2], 'uint8'))).toEqual({ tp: 1, fp: 1, fn: 0, tn: 4 });
  });

  it('counts per class and per region of a label map', () => {
    const p = array([0, 1, 2, 2, 1, 0], [1, 2, 3], 'int32');
    const t = array([0, 1, 1, 2, 2, 0], [1, 2, 3], 'int32');
    expect(perClass(p, t, [1, 2, [1, 2]])).toEqual([
      { tp: 1, fp: 1, fn: 1, tn: 3 },
      { tp: 1, fp: 1, fn: 1, tn: 3 },
      { tp: 4, fp: 0, fn: 0, tn: 2 },
    ]);
  });

  it('classMask selects one class or region', () => {
    const l = array([0, 1, 2, 3], [1, 2, 2], 'int32');
    expect(values(classMask(l, 2))).toEqual([0, 0, 1, 0]);
    expect(values(classMask(l, [1, 3]))).toEqual([0, 1, 0, 1]);
    expect(classMask(l, 2).dtype).toBe('uint8');
    expect(classMask(l, 2).shape).toEqual([1, 2, 2]);
  });

  it('rejects mismatched shapes, non-arrays and bad classes', () => {
    expect(() => confusion(zeros([2, 2]), zeros([4]))).toThrow(ShapeError);
    expect(() => confusion(zeros([2, 2]), zeros([4]))).toThrow(/^confusion: pred and truth must have one shape, got \[2,2\] and \[4\]/);
    expect(() => confusion([1, 0] as never, zeros([2]))).toThrow(ValueError);
    expect(() => perClass(zeros([2]), zeros([2]), [[]])).toThrow(ValueError);
    expect(() => perClass(zeros([2]), zeros([2]), [NaN])).toThrow(/perClass: classes/);
    expect(() => classMask(zeros([2]), 'a' as never)).toThrow(ValueError);
  });
});

describe('properties', () => {
  test.prop([arbMaskPair(5)], { numRuns: 60 })('confusion equals plain loops and sums to the size', ([p, t]) => {
    const c = confusion(p, t);
    expect(c).toEqual(bruteConfusion(values(p), values(t)));
    expect(c.tp + c.fp + c.fn + c.tn).toBe(toTypedArray(p).length);
  });

  test.prop([arbLabelPair], { numRuns: 40 })('perClass equals plain loops and confusion of the class masks', ([p, t]) => {
    const classes: readonly (number | readonly number[])[] = [0, 1, 2, 3, [1, 2]];
    const got = perClass(p, t, classes);
    classes.forEach((c, i) => {
      const inClass = (v: number): boolean => (typeof c === 'number' ? v === c : c.includes(v));
      expect(got[i]).toEqual(bruteConfusion(values(p), values(t), inClass));
      expect(got[i]).toEqual(confusion(classMask(p, c), classMask(t, c)));
    });
  });

  test.prop([arbMaskPair(4)], { numRuns: 40 })('swapping pred and truth swaps FP and FN', ([p, t]) => {
    const a = confusion(p, t);
    const b = confusion(t, p);
    expect(b).toEqual({ tp: a.tp, fp: a.fn, fn: a.fp, tn: a.tn });
  });
});

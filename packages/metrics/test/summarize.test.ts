import { ValueError } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { summarize, summarizeColumns, toCsv } from '../src/index.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

describe('examples', () => {
  it('statistics over the finite values, with NaN and infinite ones counted', () => {
    const s = summarize([0.9, 0.7, NaN, Infinity, 0.8, -Infinity, 0.6]);
    expect(s.n).toBe(7);
    expect(s.nFinite).toBe(4);
    expect(s.nNaN).toBe(1);
    expect(s.nInfinite).toBe(2);
    expect(s.nPosInfinite).toBe(1);
    expect(s.nNegInfinite).toBe(1);
    expect(s.mean).toBeCloseTo(0.75, 15);
    expect(s.std).toBeCloseTo(Math.sqrt((0.15 ** 2 + 0.05 ** 2 + 0.05 ** 2 + 0.15 ** 2) / 3), 15);
    expect(s.median).toBeCloseTo(0.75, 15);
    expect(s.q1).toBeCloseTo(0.675, 15);
    expect(s.q3).toBeCloseTo(0.825, 15);
    expect(s.min).toBe(0.6);
    expect(s.max).toBe(0.9);
  });

  it('no finite values: NaN statistics, counts still there', () => {
    const s = summarize([NaN, Infinity]);
    expect(s).toMatchObject({ n: 2, nFinite: 0, nNaN: 1, nInfinite: 1 });
    expect(s.mean).toBeNaN();
    expect(s.median).toBeNaN();
    expect(s.min).toBeNaN();
    expect(summarize([]).n).toBe(0);
    expect(summarize([3]).std).toBeNaN();
    expect(summarize(new Float64Array([1, 2])).mean).toBe(1.5);
  });

  it('rejects non-numbers', () => {
    expect(() => summarize(['a'] as never)).toThrow(ValueError);
  });

  it('summarizes columns per group and writes CSV with NaN and Infinity visible', () => {
    const rows = [
      { case: 'a', class: '1', dice: 0.9, hd95: 2 },
      { case: 'a', class: '2', dice: NaN, hd95: NaN },
      { case: 'b,"x"', class: '1', dice: 0.7, hd95: Infinity },
    ];
    const s = summarizeColumns(rows, ['dice', 'hd95'], { by: 'class' });
    expect(s['1']!.dice!.mean).toBeCloseTo(0.8, 15);
    expect(s['1']!.hd95!.nInfinite).toBe(1);
    expect(s['2']!.dice!.nNaN).toBe(1);
    expect(summarizeColumns(rows, ['dice']).all!.dice!.n).toBe(3);
    expect(() => summarizeColumns(rows, ['case'])).toThrow(ValueError);
    expect(toCsv(rows)).toBe('case,class,dice,hd95\na,1,0.9,2\na,2,NaN,NaN\n"b,""x""",1,0.7,Infinity\n');
    expect(toCsv(rows, { columns: ['dice'] })).toBe('dice\n0.9\nNaN\n0.7\n');
  });
});

describe('properties', () => {
  const arbValues = fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity)), { maxLength: 30 });

  test.prop([arbValues], { numRuns: 100 })('counts add up; statistics ignore non-finite values and are ordered', (v) => {
    const s = summarize(v);
    const finite = v.filter(Number.isFinite);
    expect(s.nFinite + s.nNaN + s.nInfinite).toBe(v.length);
    expect(s).toEqual({ ...summarize(finite), n: v.length, nNaN: s.nNaN, nInfinite: s.nInfinite, nPosInfinite: s.nPosInfinite, nNegInfinite: s.nNegInfinite });
    if (finite.length > 0) {
      expect(s.min).toBeLessThanOrEqual(s.q1);
      expect(s.q1).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.q3);
      expect(s.q3).toBeLessThanOrEqual(s.max);
      expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-9 * Math.abs(s.min));
      expect(s.mean).toBeLessThanOrEqual(s.max + 1e-9 * Math.abs(s.max));
    }
  });
});

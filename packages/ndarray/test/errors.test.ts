import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { DTypeError, OpError, ShapeError, ValueError, add, astype, showShape, zeros } from '../src/index.js';

describe('examples', () => {
  it('typed errors lead with the op and carry expected/got', () => {
    const s = new ShapeError('conv3d', 'input channels 4 != weight in-channels 8', { expected: '8', got: '4' });
    expect(s).toBeInstanceOf(Error);
    expect(s.name).toBe('ShapeError');
    expect(s.message).toBe('conv3d: input channels 4 != weight in-channels 8');
    expect([s.op, s.expected, s.got]).toEqual(['conv3d', '8', '4']);
    const d = new DTypeError('op', 'bad');
    expect(d.name).toBe('DTypeError');
    expect(d.message).toBe('op: bad');
    expect(d.expected).toBeUndefined();
    const v = new ValueError('clip', 'needs lo <= hi');
    expect(v.name).toBe('ValueError');
    expect(v.op).toBe('clip');
    expect(v.message).toBe('clip: needs lo <= hi');
    for (const e of [s, d, v]) expect(e).toBeInstanceOf(OpError);
  });

  it('showShape prints shapes the way messages do', () => {
    expect(showShape([2, 3])).toBe('[2,3]');
    expect(showShape([])).toBe('[]');
  });

  it('library functions throw these types', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(ShapeError);
    expect(() => astype(zeros([1]), 'x' as never)).toThrow(DTypeError);
    expect(() => add(zeros([1]), null as never)).toThrow(ValueError);
  });
});

describe('properties', () => {
  test.prop([fc.array(fc.nat({ max: 9 }), { maxLength: 5 })], { numRuns: 30 })('showShape is the bracketed comma list', (s) => {
    expect(showShape(s)).toBe(`[${s.join(',')}]`);
    expect(JSON.parse(showShape(s))).toEqual(s);
  });
});

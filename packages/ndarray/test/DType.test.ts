import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DTYPES, DTypeError, allocate, dtypeOfData, floatResult, isDType, isFloat, promoteTypes } from '../src/index.js';
import type { DType } from '../src/index.js';

describe('examples', () => {
  it('DTYPES lists the four dtypes in promotion order', () => {
    expect(DTYPES).toEqual(['uint8', 'int32', 'float32', 'float64']);
  });

  it('isDType, isFloat and floatResult', () => {
    expect(DTYPES.every(isDType)).toBe(true);
    expect(isDType('int64')).toBe(false);
    expect(isDType(undefined)).toBe(false);
    expect(DTYPES.filter(isFloat)).toEqual(['float32', 'float64']);
    expect(DTYPES.map(floatResult)).toEqual(['float32', 'float32', 'float32', 'float64']);
  });

  it('promoteTypes: the later of uint8 < int32 < float32 < float64', () => {
    expect(promoteTypes('uint8', 'int32')).toBe('int32');
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('float64', 'float32')).toBe('float64');
    expect(promoteTypes('uint8', 'uint8')).toBe('uint8');
  });

  it('allocate and dtypeOfData map dtypes to typed arrays and back', () => {
    const classes = [Uint8Array, Int32Array, Float32Array, Float64Array];
    DTYPES.forEach((d, i) => {
      const a = allocate(d, 3);
      expect(a).toBeInstanceOf(classes[i]!);
      expect(a.length).toBe(3);
      expect(Array.from(a)).toEqual([0, 0, 0]);
      expect(dtypeOfData(a)).toBe(d);
    });
    expect(dtypeOfData([1, 2])).toBeUndefined();
    expect(dtypeOfData(new Int16Array(1))).toBeUndefined();
    expect(() => allocate('int8' as DType, 1)).toThrow('allocate: unknown dtype int8');
    expect(() => allocate('int8' as DType, 1)).toThrow(DTypeError);
  });
});

describe('properties', () => {
  const d = fc.constantFrom<DType>(...DTYPES);
  test.prop([d, d, d], { numRuns: 64 })('promotion is commutative, associative and idempotent', (a, b, c) => {
    expect(promoteTypes(a, b)).toBe(promoteTypes(b, a));
    expect(promoteTypes(promoteTypes(a, b), c)).toBe(promoteTypes(a, promoteTypes(b, c)));
    expect(promoteTypes(a, a)).toBe(a);
    expect(DTYPES.indexOf(promoteTypes(a, b))).toBe(Math.max(DTYPES.indexOf(a), DTYPES.indexOf(b)));
  });
});

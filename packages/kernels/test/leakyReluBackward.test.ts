import { DTypeError, ShapeError, add, array, mul, scalar, sub, zeros } from '@colab-ts/ndarray';
import { arbShapeWithin } from '@colab-ts/ndarray/testing';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceKernels } from '../src/reference.js';
import { arbSeed, dot, expectClose, rand, values } from './helpers.js';

const { leakyRelu, leakyReluBackward } = referenceKernels;

describe('examples', () => {
  it('passes dy where x > 0 and scales it by the slope elsewhere (x = 0 included)', () => {
    const x = array([2, -1, 0, 3, -0.5], [5], 'float64');
    const dy = array([1, 4, 8, -2, 0.5], [5], 'float64');
    expect(values(leakyReluBackward(x, dy, 0.25))).toEqual([1, 1, 2, -2, 0.125]);
  });

  it('keeps dy dtype, rounding the slope as a weak float32 scalar', () => {
    const y = leakyReluBackward(array([-1], [1], 'float32'), array([1], [1], 'float32'), 0.1);
    expect(y.dtype).toBe('float32');
    expect(values(y)).toEqual([Math.fround(0.1)]);
  });

  it('checks operands, naming the op', () => {
    expect(() => leakyReluBackward(zeros([2, 3]), zeros([3, 2]), 0.1)).toThrow(ShapeError);
    expect(() => leakyReluBackward(zeros([2, 3]), zeros([3, 2]), 0.1)).toThrow(/^leakyReluBackward: dy has shape \[3,2\], expected \[2,3\]/);
    expect(() => leakyReluBackward(zeros([2], 'int32'), zeros([2]), 0.1)).toThrow(DTypeError);
  });
});

describe('properties', () => {
  test.prop([arbShapeWithin([1, 1, 1, 1, 1], [2, 3, 3, 3, 3]), arbSeed, fc.constantFrom(0.01, 0.3, 2, -0.5)], { numRuns: 30 })(
    'is the derivative of leakyRelu: <leakyReluBackward(x, dy), v> matches central finite differences of <leakyRelu(x), dy>',
    (shape, seed, slope) => {
      // |x| >= 0.5 keeps every element's kink farther than the step.
      const x0 = rand(seed, shape);
      const x = array(
        values(x0).map((u) => (u >= 0 ? u + 0.5 : u - 0.5)),
        shape,
        'float64',
      );
      const dy = rand(seed + 1, shape);
      const v = rand(seed + 2, shape);
      const h = 1e-4;
      const hv = mul(v, scalar(h, 'float64'));
      const fd = (dot(leakyRelu(add(x, hv), slope), dy) - dot(leakyRelu(sub(x, hv), slope), dy)) / (2 * h);
      expectClose(dot(leakyReluBackward(x, dy, slope), v), fd, 1e-9);
    },
  );
});

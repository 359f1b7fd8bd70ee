import { ShapeError, add, array, mul, scalar, softmax as ndSoftmax, sub, sum, zeros } from '@colab-ts/ndarray';
import { arbShapeWithin } from '@colab-ts/ndarray/testing';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { softmax, softmaxBackward } from '../src/reference.js';
import { arbSeed, dot, expectAllClose, expectClose, rand, values } from './helpers.js';

const arbShape = arbShapeWithin([1, 1, 1, 1, 1], [2, 4, 2, 3, 3]);

describe('examples', () => {
  it('normalises exp over the channel axis', () => {
    const y = values(softmax(array([0, Math.log(3)], [1, 2, 1, 1, 1], 'float64')));
    expectClose(y[0]!, 0.25, 1e-15);
    expectClose(y[1]!, 0.75, 1e-15);
  });

  it('is safe for large logits', () => {
    expect(values(softmax(array([1000, 1000, -1000, 1000], [1, 2, 2], 'float64')))).toEqual([1, 0.5, 0, 0.5]);
  });

  it('the backward of a uniform softmax', () => {
    // y = [0.5, 0.5], dy = [1, 3]: y * (dy - 2) = [-0.5, 0.5]
    expect(values(softmaxBackward(array([0.5, 0.5], [1, 2], 'float64'), array([1, 3], [1, 2], 'float64')))).toEqual([-0.5, 0.5]);
  });

  it('checks shapes, naming the op', () => {
    expect(() => softmax(zeros([3]))).toThrow(ShapeError);
    expect(() => softmaxBackward(zeros([1, 2]), zeros([1, 3]))).toThrow(/^softmaxBackward: dy has shape \[1,3\], expected \[1,2\]/);
  });
});

describe('properties', () => {
  test.prop([arbShape, arbSeed], { numRuns: 30 })('sums to one over channels and equals ndarray softmax on axis 1', (shape, seed) => {
    const x = mul(rand(seed, shape), scalar(20, 'float64'));
    const y = softmax(x);
    expectAllClose(sum(y, { axes: [1] }), array(new Float64Array(y.data.length / shape[1]).fill(1), [shape[0], ...shape.slice(2)], 'float64'), 1e-14);
    expectAllClose(y, ndSoftmax(x, 1), 1e-14);
  });

  test.prop([arbShape, arbSeed], { numRuns: 30 })('softmaxBackward matches central finite differences', (shape, seed) => {
    const x = mul(rand(seed, shape), scalar(3, 'float64'));
    const dy = rand(seed + 1, shape);
    const v = rand(seed + 2, shape);
    const h = 1e-5;
    const hv = mul(v, scalar(h, 'float64'));
    const fd = (dot(softmax(add(x, hv)), dy) - dot(softmax(sub(x, hv)), dy)) / (2 * h);
    expectClose(dot(softmaxBackward(softmax(x), dy), v), fd, 1e-8);
  });
});

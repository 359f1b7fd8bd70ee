import { ShapeError, ValueError, add, array, astype, div, mean, mul, reshape, sqrt, sub, sum, zeros } from '@colab-ts/ndarray';
import type { NDArray } from '@colab-ts/ndarray';
import { arbShapeWithin } from '@colab-ts/ndarray/testing';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instanceNorm, instanceNormAffineBackward, instanceNormBackward, instanceNormLeakyRelu, referenceBackend } from '../src/reference.js';
import { arbSeed, dot, expectAllClose, expectClose, rand, values } from './helpers.js';

/** The composite: ndarray mean and biased variance, then the affine map, all in float64. */
function composite(x: NDArray, scale: NDArray, bias: NDArray, eps: number): NDArray {
  const c = x.shape[1]!;
  const centred = sub(x, mean(x, { axes: [2, 3, 4], keepDims: true }));
  const inv = div(1, sqrt(add(mean(mul(centred, centred), { axes: [2, 3, 4], keepDims: true }), eps)));
  return add(mul(mul(centred, inv), reshape(scale, [1, c, 1, 1, 1])), reshape(bias, [1, c, 1, 1, 1]));
}

describe('examples', () => {
  it('normalises per (n, c) and applies the channel affine', () => {
    // channel 0: 1, 3 (mean 2, var 1); channel 1: 5, 5 (var 0)
    const x = array([1, 3, 5, 5], [1, 2, 1, 1, 2], 'float64');
    expect(values(instanceNorm(x, array([2, 1], [2], 'float64'), array([0, 7], [2], 'float64'), 0)).slice(0, 2)).toEqual([-2, 2]);
    const y2 = instanceNorm(x, array([2, 1], [2], 'float64'), array([0, 7], [2], 'float64'), 1);
    const s = 1 / Math.sqrt(2);
    expect(values(y2)).toEqual([-2 * s, 2 * s, 7, 7]);
  });

  it('has the input cotangent scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))', () => {
    const x = array([1, 3], [1, 1, 1, 1, 2], 'float64'); // xhat = [-1, 1], inv = 1 (eps 0)
    const dx = instanceNormBackward(x, array([3], [1], 'float64'), array([1, 0], [1, 1, 1, 1, 2], 'float64'), 0);
    // mean(dy) = 0.5, mean(dy * xhat) = -0.5: 3 * (1 - 0.5 - 0.5) = 0, 3 * (0 - 0.5 + 0.5) = 0
    expect(values(dx)).toEqual([0, 0]);
    const dx2 = instanceNormBackward(x, array([3], [1], 'float64'), array([1, 1], [1, 1, 1, 1, 2], 'float64'), 0);
    expect(values(dx2)).toEqual([0, 0]); // a constant shift of y does not depend on x
  });

  it('has the affine cotangents [sum(dy * xhat), sum(dy)] over N, D, H, W', () => {
    // xhat (eps 0): n = 0 channel 0 of 1, 3 and channel 1 of 5, 7 is -1, 1; n = 1: 4, 2 gives 1, -1 and 0, 2 gives -1, 1
    const x = array([1, 3, 5, 7, 4, 2, 0, 2], [2, 2, 1, 1, 2], 'float64');
    const dy = array([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 1, 2], 'float64');
    // scale: (-1 + 2) + (5 - 6) = 0 and (-3 + 4) + (-7 + 8) = 2; bias: 1 + 2 + 5 + 6 = 14 and 3 + 4 + 7 + 8 = 22
    const g = instanceNormAffineBackward(x, dy, 0);
    expect(g.shape).toEqual([2, 2]);
    expect(values(g)).toEqual([0, 2, 14, 22]);
    expect(() => instanceNormAffineBackward(zeros([1, 2, 1, 1, 2]), zeros([1, 2, 1, 2, 1]), 1e-5)).toThrow(
      /^instanceNormAffineBackward: dy has shape \[1,2,1,2,1\], expected \[1,2,1,1,2\]/,
    );
  });

  it('rounds float32 once and checks shapes and eps', () => {
    expect(instanceNorm(zeros([1, 1, 1, 1, 2]), zeros([1]), zeros([1]), 1e-5).dtype).toBe('float32');
    expect(instanceNorm(zeros([1, 1, 1, 1, 2], 'float64'), zeros([1]), zeros([1]), 1e-5).dtype).toBe('float64');
    expect(() => instanceNorm(zeros([1, 2, 1, 1, 2]), zeros([3]), zeros([2]), 1e-5)).toThrow(/^instanceNorm: scale has shape \[3\], expected \[2\]/);
    expect(() => instanceNorm(zeros([1, 2, 0, 1, 2]), zeros([2]), zeros([2]), 1e-5)).toThrow(ShapeError);
    expect(() => instanceNorm(zeros([1, 2, 1, 1, 2]), zeros([2]), zeros([2]), -1)).toThrow(ValueError);
    expect(() => instanceNormBackward(zeros([1, 2, 1, 1, 2]), zeros([2]), zeros([1, 2, 1, 2, 1]), 1e-5)).toThrow(
      /^instanceNormBackward: dy has shape \[1,2,1,2,1\], expected \[1,2,1,1,2\]/,
    );
  });
});

describe('instanceNormLeakyRelu', () => {
  it('is leaky ReLU of the normalised values (hand-computed) and checks slope', () => {
    // xhat = [-1, 1] (eps 0); scale 2, bias 1: [-1, 3]; leaky ReLU with slope 0.5: [-0.5, 3]
    const x = array([1, 3], [1, 1, 1, 1, 2], 'float64');
    expect(values(instanceNormLeakyRelu(x, array([2], [1], 'float64'), array([1], [1], 'float64'), 0, 0.5))).toEqual([-0.5, 3]);
    expect(values(instanceNormLeakyRelu(x, array([2], [1], 'float64'), array([1], [1], 'float64'), 0, 0))).toEqual([-0, 3]);
    for (const slope of [-0.01, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => instanceNormLeakyRelu(x, array([2], [1], 'float64'), array([1], [1], 'float64'), 0, slope)).toThrow(
        /^instanceNormLeakyRelu: slope must be a finite number >= 0/,
      );
    expect(() => instanceNormLeakyRelu(zeros([1, 2, 1, 1, 2]), zeros([3]), zeros([2]), 1e-5, 0.01)).toThrow(
      /^instanceNormLeakyRelu: scale has shape \[3\], expected \[2\]/,
    );
  });

  const arbShape = arbShapeWithin([1, 1, 1, 1, 2], [2, 3, 3, 3, 3]);
  test.prop(
    [
      arbShape,
      arbSeed,
      fc.double({ min: 1e-5, max: 1, noNaN: true }),
      fc.oneof(fc.constantFrom(0, 0.01), fc.double({ min: 0, max: 2, noNaN: true })),
      fc.constantFrom('float32', 'float64'),
    ],
    { numRuns: 60 },
  )('equals the leakyRelu kernel applied to the instanceNorm kernel, bit for bit (float32 and float64)', async (shape, seed, eps, slope, dtype) => {
    const [x, scale, bias] = [rand(seed, shape), rand(seed + 1, [shape[1]]), rand(seed + 2, [shape[1]])].map((a) =>
      astype(a, dtype as 'float32' | 'float64'),
    ) as [NDArray, NDArray, NDArray];
    const want = await referenceBackend.kernels.leakyRelu(instanceNorm(x, scale, bias, eps), slope);
    const got = instanceNormLeakyRelu(x, scale, bias, eps, slope);
    expect(got.dtype).toBe(dtype);
    expect(values(got)).toEqual(values(want));
  });
});

describe('properties', () => {
  const arbShape = arbShapeWithin([1, 1, 1, 1, 2], [2, 3, 3, 3, 3]);
  const arbEps = fc.double({ min: 1e-5, max: 1, noNaN: true });

  test.prop([arbShape, arbSeed, arbEps], { numRuns: 40 })('equals the composite of ndarray mean, variance and affine (float64)', (shape, seed, eps) => {
    const [x, scale, bias] = [rand(seed, shape), rand(seed + 1, [shape[1]]), rand(seed + 2, [shape[1]])];
    expectAllClose(instanceNorm(x, scale, bias, eps), composite(x, scale, bias, eps), 1e-12);
  });

  test.prop([arbShape, arbSeed, arbEps], { numRuns: 40 })('float32 results are the float64 results rounded once', (shape, seed, eps) => {
    const [x, scale, bias] = [
      astype(rand(seed, shape), 'float32'),
      astype(rand(seed + 1, [shape[1]]), 'float32'),
      astype(rand(seed + 2, [shape[1]]), 'float32'),
    ];
    const y64 = instanceNorm(astype(x, 'float64'), astype(scale, 'float64'), astype(bias, 'float64'), eps);
    expect(values(instanceNorm(x, scale, bias, eps))).toEqual(values(astype(y64, 'float32')));
  });

  // eps >= 0.1 bounds 1/sqrt(var + eps), so central differences stay accurate even for a channel of tiny variance.
  test.prop([arbShape, arbSeed, fc.double({ min: 0.1, max: 1, noNaN: true })], { numRuns: 40 })(
    'instanceNormBackward is the vjp: <dy, central difference along v> = <dx, v> (float64)',
    (shape, seed, eps) => {
      const [x, scale, bias, dy, v] = [rand(seed, shape), rand(seed + 1, [shape[1]]), rand(seed + 2, [shape[1]]), rand(seed + 3, shape), rand(seed + 4, shape)];
      const h = 1e-5;
      const fd = (dot(dy, instanceNorm(add(x, mul(v, h)), scale, bias, eps)) - dot(dy, instanceNorm(sub(x, mul(v, h)), scale, bias, eps))) / (2 * h);
      expectClose(dot(instanceNormBackward(x, scale, dy, eps), v), fd, 1e-6);
    },
  );

  test.prop([arbShape, arbSeed, arbEps], { numRuns: 40 })(
    'instanceNormAffineBackward equals the composite [sum(dy * xhat), sum(dy)] (float64), and rounds float32 once',
    (shape, seed, eps) => {
      const [x, dy] = [rand(seed, shape), rand(seed + 3, shape)];
      const c = shape[1];
      const ones = array(new Float64Array(c).fill(1), [c], 'float64');
      const want = [sum(mul(dy, composite(x, ones, zeros([c], 'float64'), eps)), { axes: [0, 2, 3, 4] }), sum(dy, { axes: [0, 2, 3, 4] })];
      const got = instanceNormAffineBackward(x, dy, eps);
      expectAllClose(got, reshape(array([...values(want[0]!), ...values(want[1]!)], [2 * c], 'float64'), [2, c]), 1e-12);
      const g32 = instanceNormAffineBackward(astype(x, 'float32'), astype(dy, 'float32'), eps);
      const g64 = instanceNormAffineBackward(astype(astype(x, 'float32'), 'float64'), astype(astype(dy, 'float32'), 'float64'), eps);
      expect(g32.dtype).toBe('float32');
      expect(values(g32)).toEqual(values(astype(g64, 'float32')));
    },
  );
});

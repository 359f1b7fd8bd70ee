import { test as fcTest } from '@fast-check/vitest';
import type { NDArray } from '@colab-ts/ndarray';
import * as nd from '@colab-ts/ndarray';
import { arbShape } from '@colab-ts/ndarray/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.js';
import * as ad from '../src/index.js';
import { arbNormal } from './gradCases.js';

const close = (got: NDArray, want: NDArray): void => {
  expect(got.shape).toEqual(want.shape);
  const a = nd.toTypedArray(got);
  const b = nd.toTypedArray(want);
  b.forEach((v, i) => expect(Math.abs(a[i]! - v)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v))));
};

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
// Elementwise composites against plain Math on every element (values scaled to reach the tails).
const ELEMENTWISE: readonly [string, (x: Tensor) => Tensor, (v: number) => number][] = [
  ['square', ad.square, (v) => v * v],
  ['abs', ad.abs, Math.abs],
  ['relu', ad.relu, (v) => Math.max(v, 0)],
  ['leakyRelu', (x) => ad.leakyRelu(x, { slope: 0.1 }), (v) => (v > 0 ? v : 0.1 * v)],
  ['sigmoid', ad.sigmoid, sigmoid],
  ['softplus', ad.softplus, (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))],
  ['logSigmoid', ad.logSigmoid, (v) => -(Math.max(-v, 0) + Math.log1p(Math.exp(-Math.abs(v))))],
  ['tanh', ad.tanh, Math.tanh],
  ['minimum with 0.3', (x) => ad.minimum(x, 0.3), (v) => Math.min(v, 0.3)],
];

const arbX = arbShape({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) => fc.tuple(arbNormal(s), fc.constantFrom(1, 10, 40)));

describe('properties', () => {
  for (const [name, f, ref] of ELEMENTWISE) {
    fcTest.prop([arbX], { numRuns: 10 })(`${name} matches its definition`, async ([x0, scale]) => {
      const x = nd.mul(x0, scale);
      const got = await ad.realize(f(ad.tensor(x)));
      const want = nd.map(x, ref);
      // tanh through sigmoid loses relative accuracy near 0; compare absolutely there.
      const a = nd.toTypedArray(got);
      nd.toTypedArray(want).forEach((v, i) => expect(Math.abs(a[i]! - v)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v)) + (name === 'tanh' ? 1e-15 : 0)));
    });
  }

  const arbAxes = arbShape({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) =>
    fc.tuple(
      arbNormal(s).map((x) => nd.mul(x, 10)),
      fc.subarray(
        s.map((_, i) => i),
        { minLength: 1 },
      ),
      fc.boolean(),
    ),
  );

  fcTest.prop([arbAxes], { numRuns: 15 })(
    'reductions match @colab-ts/ndarray (mean, logSumExp, softmax, logSoftmax, variance)',
    async ([x, axes, keepDims]) => {
      const t = ad.tensor(x);
      const r = await ad.realize({
        mean: ad.mean(t, { axes, keepDims }),
        lse: ad.logSumExp(t, { axes, keepDims }),
        softmax: ad.softmax(t, { axes }),
        logSoftmax: ad.logSoftmax(t, { axes }),
        variance: ad.variance(t, { axes, keepDims }),
      });
      close(r.mean, nd.mean(x, { axes, keepDims }));
      close(r.lse, nd.logSumExp(x, { axes, keepDims }));
      const e = nd.exp(nd.sub(x, nd.max(x, { axes, keepDims: true })));
      close(r.softmax, nd.div(e, nd.sum(e, { axes, keepDims: true })));
      close(r.logSoftmax, nd.sub(x, nd.logSumExp(x, { axes, keepDims: true })));
      const m = nd.mean(x, { axes, keepDims: true });
      close(r.variance, nd.mean(nd.mul(nd.sub(x, m), nd.sub(x, m)), { axes, keepDims }));
    },
  );
});

describe('examples', () => {
  // At x = 0, against sigmoid(0) = 1/2 and sigmoid'(0) = 1/4 (not against the rules themselves).
  const at0 = ad.tensor(nd.array([0, -0], [2], 'float64'));
  const d1 = (f: (t: Tensor) => Tensor) => ad.grad((t: Tensor) => ad.sum(f(t)));
  const d2 = (f: (t: Tensor) => Tensor) => d1((t) => d1(f)(t));

  it('softplus: first derivative sigmoid(0) = 1/2, second sigmoid(0)(1 - sigmoid(0)) = 1/4 at 0, in both modes', async () => {
    const [, tan] = ad.jvp(ad.softplus, [at0], [ad.tensor(nd.array([1, 1], [2], 'float64'))]);
    const r = await ad.realize({ g: d1(ad.softplus)(at0), tan, h: d2(ad.softplus)(at0) });
    expect(nd.toNested(r.g)).toEqual([sigmoid(0), sigmoid(0)]);
    expect(nd.toNested(r.tan)).toEqual([sigmoid(0), sigmoid(0)]);
    expect(nd.toNested(r.h)).toEqual([0.25, 0.25]);
  });

  it('logSigmoid: first derivative 1 - sigmoid(0) = 1/2, second -1/4 at 0, in both modes', async () => {
    const [, tan] = ad.jvp(ad.logSigmoid, [at0], [ad.tensor(nd.array([1, 1], [2], 'float64'))]);
    const r = await ad.realize({ g: d1(ad.logSigmoid)(at0), tan, h: d2(ad.logSigmoid)(at0) });
    expect(nd.toNested(r.g)).toEqual([1 - sigmoid(0), 1 - sigmoid(0)]);
    expect(nd.toNested(r.tan)).toEqual([1 - sigmoid(0), 1 - sigmoid(0)]);
    expect(nd.toNested(r.h)).toEqual([-0.25, -0.25]);
  });
});

import type { NDArray } from '@colab-ts/ndarray';
import * as nd from '@colab-ts/ndarray';
import { arbShapeWithin } from '@colab-ts/ndarray/testing';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.js';
import * as ad from '../src/index.js';

const close = (a: NDArray, b: NDArray, tol: number): void => {
  expect(a.shape).toEqual(b.shape);
  const x = nd.toTypedArray(a);
  const y = nd.toTypedArray(b);
  for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i]! - y[i]!) <= tol * (1 + Math.abs(y[i]!)))) expect.fail(`element ${i}: ${x[i]} vs ${y[i]}`);
};

const arbCase = fc.record({
  shape: arbShapeWithin([1, 1, 1, 1, 2], [2, 3, 2, 3, 3]),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  eps: fc.constantFrom(1e-5, 1e-3, 0.1),
});
const draw = ({ shape, seed }: { shape: readonly number[]; seed: number }) => {
  const k = nd.key(seed);
  const n = (i: number, s: readonly number[]) => nd.normal(nd.foldIn(k, i), s, { dtype: 'float64' });
  return { x: n(0, shape), scale: n(1, [shape[1]!]), bias: n(2, [shape[1]!]), dy: n(3, shape), v: n(4, shape) };
};

describe('examples', () => {
  it('checks shapes and dtypes when the node is built', () => {
    const x = ad.tensor(nd.zeros([1, 2, 1, 1, 3]));
    expect(() => ad.instanceNorm(x, ad.tensor(nd.zeros([3])), ad.tensor(nd.zeros([2])))).toThrow(/^instanceNorm: scale has shape \[3\], expected \[2\]/);
    expect(() => ad.instanceNorm(x, ad.tensor(nd.zeros([2], 'float64')), ad.tensor(nd.zeros([2])))).toThrow(/^instanceNorm: scale has dtype float64/);
  });
});

describe('properties', () => {
  test.prop([arbCase], { numRuns: 15 })('the fused primitive equals the composite: values, gradients and Hessian-vector products (float64)', async (c) => {
    const { x, scale, bias, dy, v } = draw(c);
    const fused = (a: Tensor, s: Tensor, b: Tensor) => ad.instanceNorm(a, s, b, { eps: c.eps });
    const comp = (a: Tensor, s: Tensor, b: Tensor) => ad.instanceNormComposite(a, s, b, c.eps);
    // a scalar loss that is not linear in the output, so second derivatives see both
    const loss = (f: typeof fused) => (a: Tensor, s: Tensor, b: Tensor) => ad.sum(ad.mul(ad.square(f(a, s, b)), ad.tensor(dy)));
    const both = (f: typeof fused) => {
      const y = f(ad.tensor(x), ad.tensor(scale), ad.tensor(bias));
      const g = ad.grad(loss(f), { argnums: [0, 1, 2] })(ad.tensor(x), ad.tensor(scale), ad.tensor(bias));
      const hvp = ad.jvp((a: Tensor) => ad.grad(loss(f))(a, ad.tensor(scale), ad.tensor(bias)), [ad.tensor(x)], [ad.tensor(v)])[1];
      const gBack = ad.vjp((a: Tensor) => ad.instanceNormBackward(a, ad.tensor(scale), ad.tensor(dy), c.eps), [ad.tensor(x)])[1](ad.tensor(v))[0];
      return { y, g, hvp, gBack };
    };
    const r = await ad.realize({ fused: both(fused), comp: both(comp) });
    close(r.fused.y, r.comp.y, 1e-10);
    r.fused.g.forEach((g: NDArray, i: number) => close(g, r.comp.g[i]!, 1e-8));
    close(r.fused.hvp, r.comp.hvp, 1e-8);
    close(r.fused.gBack, r.comp.gBack, 1e-8);
  });

  test.prop([arbCase, fc.constantFrom(0, 0.01, 0.5)], { numRuns: 15 })(
    'instanceNormLeakyRelu equals leakyRelu(instanceNorm(...)): values, gradients and Hessian-vector products (float64)',
    async (c, slope) => {
      const { x, scale, bias, dy, v } = draw(c);
      const fused = (a: Tensor, s: Tensor, b: Tensor) => ad.instanceNormLeakyRelu(a, s, b, { eps: c.eps, slope });
      const comp = (a: Tensor, s: Tensor, b: Tensor) => ad.leakyRelu(ad.instanceNormComposite(a, s, b, c.eps), { slope });
      const loss = (f: typeof fused) => (a: Tensor, s: Tensor, b: Tensor) => ad.sum(ad.mul(ad.square(f(a, s, b)), ad.tensor(dy)));
      const both = (f: typeof fused) => ({
        y: f(ad.tensor(x), ad.tensor(scale), ad.tensor(bias)),
        g: ad.grad(loss(f), { argnums: [0, 1, 2] })(ad.tensor(x), ad.tensor(scale), ad.tensor(bias)),
        hvp: ad.jvp((a: Tensor) => ad.grad(loss(f), { argnums: [0, 1, 2] })(a, ad.tensor(scale), ad.tensor(bias)), [ad.tensor(x)], [ad.tensor(v)])[1],
        // the tangent along (x, scale, bias) -> (v, bias, scale)
        tangent: ad.jvp(f, [ad.tensor(x), ad.tensor(scale), ad.tensor(bias)], [ad.tensor(v), ad.tensor(bias), ad.tensor(scale)])[1],
      });
      const r = await ad.realize({ fused: both(fused), comp: both(comp) });
      close(r.fused.y, r.comp.y, 1e-10);
      r.fused.g.forEach((g: NDArray, i: number) => close(g, r.comp.g[i]!, 1e-8));
      r.fused.hvp.forEach((h: NDArray, i: number) => close(h, r.comp.hvp[i]!, 1e-8));
      close(r.fused.tangent, r.comp.tangent, 1e-8);
    },
  );

  test.prop([arbCase], { numRuns: 10 })('float32: instanceNormLeakyRelu gives the bits of leakyRelu(instanceNorm(...)), and so do its gradients', async (c) => {
    const { x, scale, bias, dy } = draw(c);
    const f32 = (a: NDArray) => ad.tensor(nd.astype(a, 'float32'));
    const loss = (f: (a: Tensor, s: Tensor, b: Tensor) => Tensor) => (a: Tensor, s: Tensor, b: Tensor) => ad.sum(ad.mul(f(a, s, b), f32(dy)));
    const fused = (a: Tensor, s: Tensor, b: Tensor) => ad.instanceNormLeakyRelu(a, s, b, { eps: c.eps });
    const pair = (a: Tensor, s: Tensor, b: Tensor) => ad.leakyRelu(ad.instanceNorm(a, s, b, { eps: c.eps }), { slope: 0.01 });
    const both = (f: typeof fused) => ({ y: f(f32(x), f32(scale), f32(bias)), g: ad.grad(loss(f), { argnums: [0, 1, 2] })(f32(x), f32(scale), f32(bias)) });
    const r = await ad.realize({ fused: both(fused), pair: both(pair) });
    expect(r.fused.y.dtype).toBe('float32');
    expect(Array.from(nd.toTypedArray(r.fused.y))).toEqual(Array.from(nd.toTypedArray(r.pair.y)));
    r.fused.g.forEach((g: NDArray, i: number) => expect(Array.from(nd.toTypedArray(g))).toEqual(Array.from(nd.toTypedArray(r.pair.g[i]!))));
  });

  it('rejects a negative or non-finite slope when the node is built', () => {
    const x = ad.tensor(nd.zeros([1, 2, 1, 1, 3]));
    const p = ad.tensor(nd.zeros([2]));
    for (const slope of [-0.01, Number.NaN])
      expect(() => ad.instanceNormLeakyRelu(x, p, p, { slope })).toThrow(/^instanceNormLeakyRelu: slope must be a finite number >= 0/);
  });

  test.prop([arbCase], { numRuns: 15 })(
    'instanceNormAffineBackward equals the composite cotangents [sum(dy xhat), sum(dy)], and its second derivatives in x and dy too (float64)',
    async (c) => {
      const { x, dy, v, scale, bias } = draw(c);
      const axes = [0, 2, 3, 4];
      const fused = (a: Tensor, d: Tensor) => ad.instanceNormAffineBackward(a, d, c.eps);
      const ones = ad.tensor(nd.full([c.shape[1]!], 1, 'float64'));
      const zeros = ad.tensor(nd.zeros([c.shape[1]!], 'float64'));
      const comp = (a: Tensor, d: Tensor) =>
        ad.concat(
          [ad.sum(ad.mul(d, ad.instanceNormComposite(a, ones, zeros, c.eps)), { axes, keepDims: false }), ad.sum(d, { axes })].map((t) =>
            ad.reshape(t, [1, c.shape[1]!]),
          ),
          0,
        );
      // a scalar of the [2, C] result that is not linear in it
      const weights = ad.reshape(ad.concat([ad.tensor(scale), ad.tensor(bias)], 0), [2, c.shape[1]!]);
      const loss = (f: typeof fused) => (a: Tensor, d: Tensor) => ad.sum(ad.mul(ad.square(f(a, d)), weights));
      const both = (f: typeof fused) => ({
        y: f(ad.tensor(x), ad.tensor(dy)),
        hx: ad.jvp((a: Tensor) => ad.grad(loss(f), { argnums: [0, 1] })(a, ad.tensor(dy)), [ad.tensor(x)], [ad.tensor(v)])[1],
        hd: ad.jvp((d: Tensor) => ad.grad(loss(f), { argnums: [0, 1] })(ad.tensor(x), d), [ad.tensor(dy)], [ad.tensor(v)])[1],
      });
      const r = await ad.realize({ fused: both(fused), comp: both(comp) });
      close(r.fused.y, r.comp.y, 1e-10);
      r.fused.hx.forEach((h: NDArray, i: number) => close(h, r.comp.hx[i]!, 1e-8));
      r.fused.hd.forEach((h: NDArray, i: number) => close(h, r.comp.hd[i]!, 1e-8));
    },
  );
});

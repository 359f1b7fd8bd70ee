import { test as fcTest } from '@fast-check/vitest';
import { array, item, toNested } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import type { PrimName } from '../src/index.js';
import * as ad from '../src/index.js';
import { checkGrads } from '../src/testing.js';
import { EXEMPT, GRAD_CASES, arbNormal, arbSliceSpecs } from './gradCases.js';
import { arbShape } from '@colab-ts/ndarray/testing';
import * as nd from '@colab-ts/ndarray';
import fc from 'fast-check';

// AUTODIFF_RUNS=20 multiplies every row's runs (a local stress pass; CI keeps the small default).
const SCALE = Math.max(1, Number(process.env.AUTODIFF_RUNS ?? 1));

describe('properties', () => {
  it('every primitive has a gradient row or a stated exemption', () => {
    const covered = new Set<string>([...GRAD_CASES.flatMap((c) => (c.prim ? [c.prim] : [])), ...Object.keys(EXEMPT)]);
    const missing = (Object.keys(ad.primitives) as PrimName[]).filter((p) => !covered.has(p));
    expect(missing).toEqual([]);
  });

  it("PrimName is the literal union of the record's keys", () => {
    // @ts-expect-error softmax is a composite, not a primitive
    const notPrimitive: PrimName = 'softmax';
    const conv: PrimName = 'conv3d';
    expect([notPrimitive, conv]).toEqual(['softmax', 'conv3d']);
  });

  fcTest.prop([arbShape({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) => fc.tuple(arbNormal(s), arbSliceSpecs(s)))], { numRuns: 30 })(
    'slice with any step equals @colab-ts/ndarray slice',
    async ([x, specs]) => {
      const got = await ad.realize(ad.slice(ad.tensor(x), specs));
      const want = nd.slice(x, specs);
      expect(got.shape).toEqual(want.shape);
      expect(nd.toNested(got)).toEqual(nd.toNested(want));
    },
  );

  for (const c of GRAD_CASES) {
    fcTest.prop([c.arb], { numRuns: SCALE * (c.numRuns ?? (c.order === 2 ? 6 : 10)) })(
      `${c.name}: jvp and vjp agree with finite differences (order ${c.order})`,
      async ({ args, f }) => {
        await checkGrads(f, args, { order: c.order, ...c.tol });
      },
    );
  }
});

const f64 = (v: number[], shape = [v.length]) => ad.tensor(array(v, shape, 'float64'));

describe('examples', () => {
  it("conv3d's bias is the kernel's third input: the same values, gradients and bias-only tangent as adding it after", async () => {
    const k = nd.key(7);
    const [x, w, b, tb] = [
      nd.normal(nd.foldIn(k, 0), [2, 2, 3, 4, 3], { dtype: 'float64' }),
      nd.normal(nd.foldIn(k, 1), [3, 2, 3, 3, 3], { dtype: 'float64' }),
      nd.normal(nd.foldIn(k, 2), [3], { dtype: 'float64' }),
      nd.normal(nd.foldIn(k, 3), [3], { dtype: 'float64' }),
    ].map(ad.tensor) as [ad.Tensor, ad.Tensor, ad.Tensor, ad.Tensor];
    const fused = (a: ad.Tensor, c: ad.Tensor, d: ad.Tensor): ad.Tensor => ad.conv3d(a, c, { padding: 1, stride: [1, 2, 1], bias: d });
    const after = (a: ad.Tensor, c: ad.Tensor, d: ad.Tensor) => ad.add(ad.conv3d(a, c, { padding: 1, stride: [1, 2, 1] }), ad.reshape(d, [3, 1, 1, 1]));
    expect(fused(x, w, b).op).toBe('conv3d');
    expect(fused(x, w, b).inputs.length).toBe(3);
    const loss = (f: typeof fused) => (a: ad.Tensor, c: ad.Tensor, d: ad.Tensor) => ad.sum(ad.square(f(a, c, d)));
    const both = (f: typeof fused) => ({
      y: f(x, w, b),
      g: ad.grad(loss(f), { argnums: [0, 1, 2] })(x, w, b),
      tan: ad.jvp((d: ad.Tensor) => f(x, w, d), [b], [tb])[1],
    });
    const r = await ad.realize({ fused: both(fused), after: both(after) });
    const close = (u: nd.NDArray, v: nd.NDArray) => expect(nd.item(nd.max(nd.abs(nd.sub(u, v))))).toBeLessThan(1e-12);
    close(r.fused.y, r.after.y);
    r.fused.g.forEach((g: nd.NDArray, i: number) => close(g, r.after.g[i]!));
    close(r.fused.tan, r.after.tan);
  });

  it('checkGrads detects a wrong derivative in either mode', async () => {
    const wrong = (t: ad.Tensor) => ad.mul(ad.stopGradient(t), t); // true derivative 2x, rules give x
    await expect(checkGrads(wrong, [array([0.5, -1], [2], 'float64')], { order: 1, modes: ['fwd'] })).rejects.toThrow(/jvp output 0 vs finite differences/);
    await expect(checkGrads(wrong, [array([0.5, -1], [2], 'float64')], { order: 1, modes: ['rev'] })).rejects.toThrow(
      /<vjp\(u\), v> vs <u, finite differences>/,
    );
    // exp in value and first derivative, but a zero second derivative: only order 2 catches it.
    const sg = ad.stopGradient;
    const wrong2 = (t: ad.Tensor) => ad.add(ad.exp(sg(t)), ad.mul(ad.sub(t, sg(t)), sg(ad.exp(t))));
    const x = [array([0.3], [1], 'float64')];
    await checkGrads(wrong2, x, { order: 1 });
    await expect(checkGrads(wrong2, x, { order: 2 })).rejects.toThrow(/order 2/);
  });

  it('linearJvp: a zero tangent stays zero (null, no node); otherwise the map applied to the tangent', async () => {
    const rule = ad.linearJvp((t: ad.Tensor, { k }: { readonly k: number }) => ad.mul(t, k));
    const x = f64([1, 2]);
    expect(rule([x], [null], { k: 3 })).toBeNull();
    expect(toNested(await ad.realize(rule([x], [f64([5, 7])], { k: 3 })!))).toEqual([15, 21]);
  });

  it('stopGradient: value kept, derivative zero', async () => {
    const x = f64([3]);
    const g = ad.grad((t: ad.Tensor) => ad.sum(ad.mul(ad.stopGradient(t), t)))(x);
    const [, tan] = ad.jvp((t: ad.Tensor) => ad.stopGradient(t), [x], [f64([1])]);
    const r = await ad.realize({ g, tan, v: ad.stopGradient(x) });
    expect(toNested(r.g)).toEqual([3]);
    expect(toNested(r.tan)).toEqual([0]);
    expect(toNested(r.v)).toEqual([3]);
  });

  it('max splits its derivative equally among ties', async () => {
    const x = f64([1, 3, 3, 2]);
    const g = ad.grad((t: ad.Tensor) => ad.max(t))(x);
    expect(toNested(await ad.realize(g))).toEqual([0, 0.5, 0.5, 0]);
  });

  it('maximum gives half the derivative to each side on ties', async () => {
    const [ga, gb] = ad.grad((a: ad.Tensor, b: ad.Tensor) => ad.sum(ad.maximum(a, b)), { argnums: [0, 1] })(f64([1, 2, 3]), f64([3, 2, 1]));
    const r = await ad.realize({ ga, gb });
    expect(toNested(r.ga)).toEqual([0, 0.5, 1]);
    expect(toNested(r.gb)).toEqual([1, 0.5, 0]);
  });

  it('maxPool3d routes the derivative to the first maximum of each window', async () => {
    // Windows {1, 5, 0, 7} and {5, 2, 7, 7}: the 7s at (1, 1) and (1, 2), the latter the first of a tie.
    const x = ad.tensor(array([1, 5, 5, 2, 0, 7, 7, 7], [1, 1, 1, 2, 4], 'float64'));
    const g = ad.grad((t: ad.Tensor) => ad.sum(ad.maxPool3d(t, { kernelSize: [1, 2, 2] })))(x);
    expect(toNested(await ad.realize(g))).toEqual([
      [
        [
          [
            [0, 0, 0, 0],
            [0, 1, 1, 0],
          ],
        ],
      ],
    ]);
  });

  it('overlapping max-pooling windows: first maximum of each window, in both modes', async () => {
    const x = ad.tensor(array([1, 4, 4, 2, 9], [1, 1, 1, 1, 5], 'float64'));
    const o = { kernelSize: [1, 1, 3] as const, stride: 1, padding: [0, 0, 1] as const };
    // Windows (padded): {-, 1, 4} {1, 4, 4} {4, 4, 2} {4, 2, 9} {2, 9, -}: maxima at 1, 1, 1, 4, 4.
    expect(toNested(await ad.realize(ad.maxPool3d(x, o)))).toEqual([[[[[4, 4, 4, 9, 9]]]]]);
    const g = ad.grad((t: ad.Tensor) => ad.sum(ad.maxPool3d(t, o)))(x);
    const [, tan] = ad.jvp((t: ad.Tensor) => ad.maxPool3d(t, o), [x], [ad.tensor(array([10, 20, 30, 40, 50], [1, 1, 1, 1, 5], 'float64'))]);
    const r = await ad.realize({ g, tan });
    expect(toNested(r.g)).toEqual([[[[[0, 3, 0, 0, 2]]]]]);
    expect(toNested(r.tan)).toEqual([[[[[20, 20, 20, 50, 50]]]]]);
  });

  it('shapes are checked when a node is built', () => {
    const x = ad.tensor(array(new Array(4 * 8).fill(0), [1, 4, 2, 2, 2], 'float64'));
    const w = ad.tensor(array(new Array(2 * 8 * 27).fill(0), [2, 8, 3, 3, 3], 'float64'));
    expect(() => ad.conv3d(x, w)).toThrow('conv3d: input channels 4 != weight in-channels 8');
    expect(() => ad.add(f64([1, 2]), f64([1, 2, 3]))).toThrow(/add: cannot broadcast/);
    expect(() => ad.matmul(f64([1, 2]), f64([1, 2, 3]))).toThrow(/matmul: inner dimensions differ/);
  });

  it('comparisons give uint8 and carry no derivative', async () => {
    const y = ad.greater(f64([1, 2]), 1.5);
    expect(y.dtype).toBe('uint8');
    expect(toNested(await ad.realize(y))).toEqual([0, 1]);
  });

  it('numbers are accepted where tensors are expected in arithmetic', async () => {
    expect(item(await ad.realize(ad.add(2, ad.mul(f64([3], []), 4))))).toBe(14);
  });

  it('parameterized ops are dual (data-first and data-last)', async () => {
    const x = f64([1, 2, 3, 4], [2, 2]);
    const r = await ad.realize({ a: ad.sum(x, { axes: [1] }), b: ad.sum({ axes: [1] })(x), c: ad.reshape([4])(x), d: ad.transpose()(x) });
    expect(toNested(r.a)).toEqual([3, 7]);
    expect(toNested(r.b)).toEqual([3, 7]);
    expect(toNested(r.c)).toEqual([1, 2, 3, 4]);
    expect(toNested(r.d)).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });
});

import { test as fcTest } from '@fast-check/vitest';
import type { Backend, Kernels } from '@colab-ts/kernels';
import { createWasmBackend, referenceBackend } from '@colab-ts/kernels';
import type { NDArray } from '@colab-ts/ndarray';
import { array, isNDArray, key, normal, toNested, toTypedArray, uniform } from '@colab-ts/ndarray';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../src/index.js';
import { paramsEqual, paramsHash } from '../src/realize.js';

type Box = { readonly nd: NDArray };

/** The reference backend behind opaque handles that count live buffers, as a device backend would hold them. */
function trackingBackend() {
  const live = new Set<Box>();
  let peak = 0;
  let disposedTwice = 0;
  const wrap = (nd: NDArray): Box => {
    const b = { nd };
    live.add(b);
    peak = Math.max(peak, live.size);
    return b;
  };
  const unwrap = (x: unknown): unknown => (Array.isArray(x) ? x.map(unwrap) : typeof x === 'object' && x !== null && 'nd' in x ? (x as Box).nd : x);
  const kernels = Object.fromEntries(
    Object.entries(referenceBackend.kernels).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        const out: unknown = await (fn as (...a: unknown[]) => Promise<unknown>)(...args.map(unwrap));
        return isNDArray(out) ? wrap(out) : out;
      },
    ]),
  ) as unknown as Kernels<Box>;
  const backend: Backend<Box> = {
    name: 'reference',
    device: 'tracking reference',
    upload: async (x) => wrap(x),
    download: async (b) => b.nd,
    dispose: (b) => {
      if (!live.delete(b)) disposedTwice++;
    },
    shapeOf: (b) => b.nd.shape,
    dtypeOf: (b) => b.nd.dtype,
    kernels,
  };
  return { backend, live: () => live.size, peak: () => peak, disposedTwice: () => disposedTwice };
}

const x = ad.tensor(array([0, 1, 2], [3], 'float64'));

describe('realize', () => {
  it('runs shared nodes once and keeps the tree shape (other leaves pass through)', async () => {
    const y = ad.exp(x);
    const { value, stats } = await ad.realizeWithStats({ a: y, b: [y, ad.add(y, y)], label: 'kept', n: 3 });
    expect(stats.kernels).toBe(2);
    expect(stats.uploads).toBe(1);
    expect(value.label).toBe('kept');
    expect(value.n).toBe(3);
    expect(toNested(value.b[1]!)).toEqual([2, 2 * Math.E, 2 * Math.exp(2)]);
    expect(ad.lastRealizeStats()).toEqual(stats);
  });

  it('runs structurally equal nodes once: an expression built twice, and the forward pass a gradient traces again', async () => {
    const f = (t: ad.Tensor): ad.Tensor => ad.sum(ad.mul(ad.exp(ad.neg(t)), ad.add(t, 2)));
    const one = await ad.realizeWithStats(f(x));
    const two = await ad.realizeWithStats({ a: f(x), b: f(x) });
    expect(two.stats.kernels).toBe(one.stats.kernels);
    expect(toTypedArray(two.value.a)).toEqual(toTypedArray(one.value));
    expect(two.value.b).toBe(two.value.a);
    // The value and the gradient of f at x: grad's trace repeats f's forward nodes, which now run once.
    const g = await ad.realizeWithStats(ad.grad(f)(x));
    const both = await ad.realizeWithStats({ y: f(x), g: ad.grad(f)(x) });
    // (y adds only its last two nodes, mul and sum, which the gradient does not need)
    expect(both.stats.kernels).toBe(g.stats.kernels + 2);
    expect(toTypedArray(both.value.g)).toEqual(toTypedArray(g.value));
    expect(toTypedArray(both.value.y)).toEqual(toTypedArray(one.value));
  });

  fcTest.prop([fc.array(fc.tuple(fc.constantFrom('exp', 'neg', 'add', 'mul', 'sum', 'slice'), fc.nat(), fc.nat()), { minLength: 1, maxLength: 12 })], {
    numRuns: 25,
  })('a random expression built twice runs once, with the values it has alone', async (ops) => {
    const base = ad.tensor(array([0.5, -1, 2, 0.25], [4], 'float64'));
    // Replays `ops` on fresh nodes: each step combines earlier results (by index), so the DAG has shared nodes too.
    const build = (): ad.Tensor => {
      const xs: ad.Tensor[] = [base];
      for (const [op, i, j] of ops) {
        const a = xs[i % xs.length]!;
        const b = xs[j % xs.length]!;
        const r =
          op === 'exp'
            ? ad.exp(ad.mul(a, 0.1))
            : op === 'neg'
              ? ad.neg(a)
              : op === 'add'
                ? ad.add(a, b)
                : op === 'mul'
                  ? ad.mul(a, b)
                  : op === 'sum'
                    ? ad.add(a, ad.sum(b))
                    : ad.add(a, ad.sum(ad.slice(b, [{ start: i % 4, stop: 4 }])));
        xs.push(r);
      }
      return xs[xs.length - 1]!;
    };
    const alone = await ad.realizeWithStats(build());
    const twice = await ad.realizeWithStats({ a: build(), b: build() });
    expect(twice.stats.kernels).toBe(alone.stats.kernels);
    expect(toTypedArray(twice.value.a)).toEqual(toTypedArray(alone.value));
    expect(twice.value.b).toBe(twice.value.a);
  });

  it('keeps nodes apart whose parameters differ, down to the sign of a zero', async () => {
    const neg = ad.tensor(array([-2, -1, 3], [3], 'float64'));
    const { value, stats } = await ad.realizeWithStats({
      a: ad.leakyRelu(neg, { slope: 0.1 }),
      b: ad.leakyRelu(neg, { slope: 0.2 }),
      c: ad.leakyRelu(neg, { slope: 0.1 }),
    });
    expect(stats.kernels).toBe(2);
    expect(toNested(value.b)).toEqual([-0.4, -0.2, 3]);
    expect(value.c).toBe(value.a);
    const zeros = await ad.realizeWithStats({ p: ad.leakyRelu(neg, { slope: 0 }), m: ad.leakyRelu(neg, { slope: -0 }) });
    expect(zeros.stats.kernels).toBe(2);
    // Equal-looking arrays in the parameters are told apart by identity; anything JSON would blur is never merged.
    const a = array([1], [1], 'float64');
    const b = array([1], [1], 'float64');
    const h = (p: unknown): number | undefined => paramsHash(p, (o) => (o === a ? 1 : o === b ? 2 : 3));
    expect(h({ v: a })).toBe(h({ v: a }));
    expect(paramsEqual({ v: a }, { v: a })).toBe(true);
    expect(paramsEqual({ v: a }, { v: b })).toBe(false);
    const kinds = [{ n: 0 }, { n: -0 }, { n: Number.NaN }, { n: Number.POSITIVE_INFINITY }, { n: null }, { n: '0' }, { n: [0] }, { m: 0 }, {}];
    for (const [i, p] of kinds.entries()) for (const [j, q] of kinds.entries()) expect(paramsEqual(p, q)).toBe(i === j);
    expect(h({ n: 0 })).not.toBe(h({ n: -0 }));
    expect(h({ f: () => 1 })).toBeUndefined();
    expect(h({ m: new Map() })).toBeUndefined();
    expect(h({ axes: [0, 1], keep: true })).toBe(h({ axes: [0, 1], keep: true }));
    expect(paramsEqual({ axes: [0, 1], keep: true }, { keep: true, axes: [0, 1] })).toBe(true);
  });

  it('frees every intermediate after its last consumer and every buffer by the end', async () => {
    const t = trackingBackend();
    let y = x;
    for (let i = 0; i < 20; i++) y = ad.mul(ad.exp(ad.neg(y)), 0.5);
    const { stats } = await ad.realizeWithStats(y, { backend: t.backend });
    expect(t.live()).toBe(0);
    expect(t.disposedTwice()).toBe(0);
    // A chain never holds more than a few buffers at once, however long it is.
    expect(t.peak()).toBeLessThanOrEqual(5);
    expect(stats.peakBytes).toBeLessThanOrEqual(5 * 3 * 8);
  });

  it('runs no kernel for identity and stopGradient, and frees buffers when a kernel throws', async () => {
    const { stats } = await ad.realizeWithStats(ad.stopGradient(ad.stopGradient(x)));
    expect(stats.kernels).toBe(0);
    const t = trackingBackend();
    const failing: Backend<Box> = { ...t.backend, kernels: { ...t.backend.kernels, unary: async () => Promise.reject(new Error('device lost')) } };
    await expect(ad.realizeWithStats(ad.exp(ad.add(x, 1)), { backend: failing })).rejects.toThrow('device lost');
    expect(t.live()).toBe(0);
  });

  it('a kernel that returns its input buffer (a no-op) is not freed twice', async () => {
    const t = trackingBackend();
    const aliasing: Backend<Box> = { ...t.backend, kernels: { ...t.backend.kernels, flip: async (b) => b } };
    const y = ad.exp(ad.flip(ad.exp(x), { axes: [0] }));
    await ad.realizeWithStats(y, { backend: aliasing });
    expect(t.live()).toBe(0);
    expect(t.disposedTwice()).toBe(0);
  });

  it('on the wasm backend (buffer pool), results and re-used results keep their values through later realizes', async () => {
    const be = await createWasmBackend({ threads: 1 });
    try {
      const x = uniform(key(5), [3, 64], { low: -1, high: 1 });
      const f = (t: ad.Tensor): ad.Tensor => ad.mul(ad.exp(ad.add(t, 1)), ad.reshape(ad.reshape(t, [64, 3]), [3, 64]));
      const first = await ad.realize(f(ad.tensor(x)), { backend: be });
      const saved = Array.from(toTypedArray(first));
      let last = first;
      for (let i = 0; i < 5; i++) last = await ad.realize(f(ad.tensor(last)), { backend: be }); // results as the next leaves
      expect(Array.from(toTypedArray(first))).toEqual(saved);
      expect(Array.from(toTypedArray(await ad.realize(f(ad.tensor(x)), { backend: referenceBackend })))).toEqual(saved);
      expect(Array.from(toTypedArray(last))).not.toEqual(saved);
    } finally {
      await be.close();
    }
  });

  it('runs a reduction of an intermediate as soon as it frees it, not where a later output asks for it', async () => {
    const big = ad.tensor(uniform(key(3), [1000], { low: -1, high: 1 }));
    const c1 = ad.exp(big);
    const c2 = ad.exp(c1);
    const c3 = ad.exp(c2);
    // A post-order of [sum(c3), sum(c1), sum(c2)] holds c1, c2 and c3 at once; sum(c1) can run (and free c1) once c2 exists.
    const { value, stats } = await ad.realizeWithStats([ad.sum(c3), ad.sum(c1), ad.sum(c2)]);
    expect(stats.peakBytes).toBeLessThanOrEqual(2 * 1000 * 4 + 3 * 4);
    const alone = await Promise.all([c3, c1, c2].map((c) => ad.realize(ad.sum(c))));
    expect(value.map((v) => toNested(v))).toEqual(alone.map((v) => toNested(v)));
  });

  // A post-order reaches the first layer's weight gradient first, so it would hold every layer's output gradient
  // (n buffers besides the activations) until the end; run early, each weight gradient frees its output gradient.
  fcTest.prop([fc.integer({ min: 8, max: 14 }), fc.integer({ min: 0, max: 1000 })], { numRuns: 4 })(
    'weight gradients of a deep conv chain hold under 3/4 of an activation per layer, and equal those realized one at a time',
    async (n, seed) => {
      const x = ad.tensor(normal(key(seed), [1, 1, 6, 6, 6]));
      const ws = Array.from({ length: n }, (_, i) => ad.tensor(normal(key(seed + 1 + i), [1, 1, 3, 3, 3])));
      const f = (...w: ad.Tensor[]): ad.Tensor => ad.sum(ad.square(w.reduce((h, wi) => ad.conv3d(h, wi, { padding: 1 }), x)));
      const g = ad.grad(f, { argnums: ws.map((_, i) => i) })(...ws) as ad.Tensor[];
      const { value, stats } = await ad.realizeWithStats(g);
      expect(stats.peakBytes).toBeLessThanOrEqual(((3 * n) / 4 + 2) * 216 * 8);
      for (const [i, gi] of g.entries()) expect(toTypedArray(value[i]!)).toEqual(toTypedArray(await ad.realize(gi)));
    },
  );

  it('differentiates without running anything until realize', async () => {
    const t = trackingBackend();
    const g = ad.grad((v: ad.Tensor) => ad.sum(ad.exp(v)))(x);
    expect(t.peak()).toBe(0);
    expect(toNested(await ad.realize(g, { backend: t.backend }))).toEqual([1, Math.E, Math.exp(2)]);
  });
});

describe('shape rules agree with the kernels on every dtype', () => {
  it('integer and float inputs give the dtypes the kernels return (realize checks each node)', async () => {
    const i = ad.tensor(array([1, 2, 3], [3], 'int32'));
    const u = ad.tensor(array([1, 0, 3], [3], 'uint8'));
    const f = ad.tensor(array([1, 2, 3], [3], 'float32'));
    const r = await ad.realize({
      add: ad.add(i, 1),
      div: ad.div(i, 2),
      exp: ad.exp(i),
      sum: ad.sum(u),
      max: ad.max(i),
      cmp: ad.less(i, f),
      mixed: ad.mul(u, f),
      cast: ad.cast(f, 'int32'),
      where: ad.where(u, i, 0),
      half: ad.add(i, 0.5),
    });
    expect(r.half.dtype).toBe('float32');
    expect(toNested(r.half)).toEqual([1.5, 2.5, 3.5]);
    expect(r.add.dtype).toBe('int32');
    expect(r.div.dtype).toBe('float32');
    expect(r.exp.dtype).toBe('float32');
    expect(r.sum.dtype).toBe('int32');
    expect(r.max.dtype).toBe('int32');
    expect(r.cmp.dtype).toBe('uint8');
    expect(r.mixed.dtype).toBe('float32');
    expect(toNested(r.where)).toEqual([1, 0, 3]);
  });
});

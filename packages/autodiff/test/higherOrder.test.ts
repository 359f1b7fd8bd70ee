import type { NDArray } from '@colab-ts/ndarray';
import { array, item, key, normal, split, toNested, toTypedArray } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.js';
import * as ad from '../src/index.js';

const s = (v: number): Tensor => ad.scalarTensor(v, 'float64');
const num = async (t: Tensor): Promise<number> => item(await ad.realize(t));
const flat = (x: NDArray): number[] => Array.from(toTypedArray(x));

/** `<a, b>` summed over the leaves of two trees of one shape. */
const treeDot = (a: unknown, b: unknown): Tensor => {
  const la = ad.treeLeaves(a);
  const lb = ad.treeLeaves(b);
  return la.map((x, i) => ad.vdot(x, lb[i]!)).reduce((p, q) => ad.add(p, q));
};

function expectClose(got: readonly number[], want: readonly number[], rtol: number, atol = rtol): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i]!)));
}

// A small 3D conv net, smooth except for max pooling: conv -> tanh -> maxPool -> conv -> upsample -> conv -> loss.
type Params = { w1: Tensor; b1: Tensor; w2: Tensor; w3: Tensor };
const ks = split(key(42), 8);
const rnd = (i: number, shape: number[], std = 0.5): Tensor => ad.tensor(normal(ks[i]!, shape, { dtype: 'float64', std }));
const params: Params = { w1: rnd(0, [2, 1, 3, 3, 3]), b1: rnd(1, [2]), w2: rnd(2, [2, 2, 1, 3, 3]), w3: rnd(3, [1, 2, 1, 1, 1]) };
const input = rnd(4, [1, 1, 2, 4, 4], 1);
const target = rnd(5, [1, 1, 2, 4, 4], 1);
const net = (p: Params, x: Tensor): Tensor => {
  const h1 = ad.tanh(ad.conv3d(x, p.w1, { padding: 1, bias: p.b1 }));
  const h2 = ad.sigmoid(ad.conv3d(ad.maxPool3d(h1, { kernelSize: [1, 2, 2] }), p.w2, { padding: [0, 1, 1] }));
  return ad.conv3d(ad.upsample3d(h2, { scale: [1, 2, 2], mode: 'trilinear' }), p.w3);
};
const loss = (p: Params, x: Tensor): Tensor => ad.mean(ad.square(ad.sub(net(p, x), target)));
const direction: Params = {
  w1: rnd(6, [2, 1, 3, 3, 3], 1),
  b1: ad.tensor(array([0.3, -0.7], [2], 'float64')),
  w2: rnd(7, [2, 2, 1, 3, 3], 1),
  w3: ad.tensor(array([1, -1], [1, 2, 1, 1, 1], 'float64')),
};

describe('Hessian-vector products on a small conv net', () => {
  it('jvp(grad(f)), grad(<grad(f), v>) and finite differences of the gradient agree', async () => {
    const g = ad.grad(loss);
    const [, hvpFwd] = ad.jvp((p: Params) => g(p, input), [params], [direction]);
    const [hvpRev] = [ad.grad((p: Params) => treeDot(g(p, input), direction))(params)];
    const eps = 1e-5;
    const shifted = (e: number): Params => ad.treeMap((t, d) => ad.add(t, ad.mul(d!, e)), params, direction);
    const r = await ad.realize({ hvpFwd, hvpRev, plus: g(shifted(eps), input), minus: g(shifted(-eps), input) });
    for (const k of ['w1', 'b1', 'w2', 'w3'] as const) {
      const fd = flat(r.plus[k]).map((v, i) => (v - flat(r.minus[k])[i]!) / (2 * eps));
      expectClose(flat(r.hvpFwd[k]), flat(r.hvpRev[k]), 1e-10, 1e-12);
      expectClose(flat(r.hvpFwd[k]), fd, 1e-5, 1e-7);
    }
  });

  it('the CoLab meta-gradient: reverse-over-reverse equals forward-over-reverse', async () => {
    // d/dw L_roi(theta - a grad_theta L_seg(theta, w)) both ways (DESIGN.md, Eq. 12-15).
    const a = 0.1;
    const lSeg = (theta: Params, w: Tensor): Tensor => ad.mean(ad.mul(ad.square(ad.sub(net(theta, input), target)), ad.sigmoid(w)));
    const lRoi = (theta: Params): Tensor => ad.mean(ad.square(net(theta, target)));
    const w = rnd(6, [1, 1, 2, 4, 4], 1);
    const step = (theta: Params, wt: Tensor): Params => {
      const gt = ad.grad(lSeg)(theta, wt);
      return ad.treeMap((t, g) => ad.sub(t, ad.mul(g!, a)), theta, gt);
    };
    const rr = ad.grad((wt: Tensor) => lRoi(step(params, wt)))(w);
    const v = ad.grad(lRoi)(step(params, w));
    const [, fr] = ad.jvp((theta: Params) => ad.grad(lSeg, { argnums: 1 })(theta, w), [params], [v]);
    const r = await ad.realize({ rr, fr: ad.mul(fr, -a) });
    expectClose(flat(r.rr), flat(r.fr), 1e-9, 1e-13);
  });
});

describe('nesting', () => {
  it('argnums closes over the other arguments: d/dx (df/dw) for f = (w x)^2 at w=3, x=2 is 24', async () => {
    const f = (w: Tensor, x: Tensor): Tensor => ad.square(ad.mul(w, x));
    const dfdw = ad.grad(f, { argnums: 0 });
    expect(await num(dfdw(s(3), s(2)))).toBe(24); // 2 w x^2
    expect(await num(ad.grad((x: Tensor) => dfdw(s(3), x))(s(2)))).toBe(24); // 4 w x
    expect(await num(ad.grad((w: Tensor, x: Tensor) => dfdw(w, x), { argnums: 1 })(s(3), s(2)))).toBe(24);
  });

  it('grad(grad(tanh)) and grad(grad(sigmoid)) match the hand-computed values', async () => {
    for (const x of [-1.3, 0, 0.4, 2]) {
      const t = Math.tanh(x);
      const sg = 1 / (1 + Math.exp(-x));
      expect(await num(ad.grad(ad.grad(ad.tanh))(s(x)))).toBeCloseTo(-2 * t * (1 - t * t), 12);
      expect(await num(ad.grad(ad.grad(ad.sigmoid))(s(x)))).toBeCloseTo(sg * (1 - sg) * (1 - 2 * sg), 12);
      expect(await num(ad.grad(ad.grad(ad.grad(ad.exp)))(s(x)))).toBeCloseTo(Math.exp(x), 12);
    }
  });

  it('no perturbation confusion: d/dx [x * d/dy (x * y)] = 2x and d/dx [x * d/dy (x + y)] = 1', async () => {
    const inner = (x: Tensor) => ad.grad((y: Tensor) => ad.mul(x, y))(s(5));
    expect(await num(ad.grad((x: Tensor) => ad.mul(x, inner(x)))(s(3)))).toBe(6);
    // Siskind & Pearlmutter's example: a confused implementation gives 2.
    expect(await num(ad.grad((x: Tensor) => ad.mul(x, ad.grad((y: Tensor) => ad.add(x, y))(s(7))))(s(3)))).toBe(1);
    expect(await num(ad.jvp((x: Tensor) => ad.mul(x, ad.jvp((y: Tensor) => ad.add(x, y), [s(7)], [s(1)])[1]), [s(3)], [s(1)])[1])).toBe(1);
  });

  it('the same tensor passed twice, and an outer variable equal to the argument, are kept apart', async () => {
    const x = s(3);
    const [ga, gb] = ad.grad((a: Tensor, b: Tensor) => ad.mul(a, b), { argnums: [0, 1] })(x, x);
    expect([await num(ga), await num(gb)]).toEqual([3, 3]);
    expect(await num(ad.grad((y: Tensor) => ad.mul(x, y))(x))).toBe(3);
    expect(await num(ad.grad((y: Tensor) => ad.mul(y, y))(x))).toBe(6);
  });

  it('forward over forward and reverse over forward give second derivatives', async () => {
    const d1 = (x: Tensor) => ad.jvp(ad.exp, [x], [s(1)])[1];
    expect(await num(ad.jvp(d1, [s(0.5)], [s(1)])[1])).toBeCloseTo(Math.exp(0.5), 14);
    expect(await num(ad.grad(d1)(s(0.5)))).toBeCloseTo(Math.exp(0.5), 14);
    const cube = (x: Tensor) => ad.pow(x, 3);
    expect(await num(ad.grad((x: Tensor) => ad.jvp(cube, [x], [s(1)])[1])(s(2)))).toBeCloseTo(12, 12);
  });

  it('hasAux passes aux through every transformation', async () => {
    const f = (x: Tensor): readonly [Tensor, { twice: Tensor }] => [ad.sum(ad.square(x)), { twice: ad.mul(x, 2) }];
    const x = ad.tensor(array([1, 2], [2], 'float64'));
    const [g, aux] = ad.grad(f, { hasAux: true })(x);
    const [[v, aux2], g2] = ad.valueAndGrad(f, { hasAux: true })(x);
    const [out, pullback, aux3] = ad.vjp(f, [x], { hasAux: true });
    const [, tan, aux4] = ad.jvp(f, [x], [x], { hasAux: true });
    const r = await ad.realize({ g, aux, v, aux2, g2, out, ct: pullback(s(1)), aux3, tan, aux4 });
    expect(toNested(r.g)).toEqual([2, 4]);
    expect(toNested(r.g2)).toEqual([2, 4]);
    expect(toNested(r.ct[0])).toEqual([2, 4]);
    expect(item(r.v)).toBe(5);
    expect(item(r.tan)).toBe(10);
    for (const a of [r.aux, r.aux2, r.aux3, r.aux4]) expect(toNested(a.twice)).toEqual([2, 4]);
    expect(item(r.out)).toBe(5);
  });

  it('unused arguments get zero gradients, and grad rejects non-scalar outputs', async () => {
    const [gx, gy] = ad.grad((x: Tensor, _y: Tensor) => ad.sum(x), { argnums: [0, 1] })(s(1), ad.tensor(array([1, 2], [2], 'float64')));
    const r = await ad.realize({ gx, gy });
    expect(item(r.gx)).toBe(1);
    expect(toNested(r.gy)).toEqual([0, 0]);
    expect(() => ad.grad((x: Tensor) => ad.mul(x, 1))(ad.tensor(array([1, 2], [2], 'float64')))).toThrow(/scalar/);
  });
});

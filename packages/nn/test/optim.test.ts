import { array, key, normal, toTypedArray, type NDArray } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { grad, realize, scalarTensor, square, sum, tensor, type Tensor } from '@colab-ts/autodiff';
import { adam, clipGradNorm, globalNorm, polyLr, sgd, sgdUpdate } from '../src/index.js';

const vals = (x: NDArray): number[] => Array.from(toTypedArray(x));
const f64 = (xs: number[]): NDArray => array(xs, [xs.length], 'float64');

describe('examples', () => {
  it('SGD with Nesterov momentum and weight decay follows PyTorch for three steps', () => {
    // lr 0.1, momentum 0.9, weight decay 0.1, p0 = 1, grads 0.5, -0.25, 1 (PyTorch SGD, by hand):
    // 1: g = 0.5 + 0.1*1 = 0.6; buf = 0.6; d = 0.6 + 0.9*0.6 = 1.14; p = 1 - 0.114 = 0.886
    // 2: g = -0.25 + 0.0886 = -0.1614; buf = 0.54 - 0.1614 = 0.3786; d = -0.1614 + 0.34074 = 0.17934; p = 0.868066
    // 3: g = 1 + 0.0868066 = 1.0868066; buf = 0.34074 + 1.0868066 = 1.4275466; d = 1.0868066 + 1.28479194 = 2.37159854; p = 0.630906146
    const opt = sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
    let params = { w: f64([1]) };
    let state = opt.init(params);
    const want = [0.886, 0.868066, 0.630906146];
    [0.5, -0.25, 1].forEach((g, i) => {
      [params, state] = opt.step(params, { w: f64([g]) }, state);
      expect(vals(params.w)[0]).toBeCloseTo(want[i]!, 12);
    });
    expect(state.step).toBe(3);
    expect(vals((state.momentum as { w: NDArray }).w)[0]).toBeCloseTo(1.4275466, 12);
  });

  it('SGD with plain momentum and dampening, and without momentum', () => {
    // momentum 0.5, dampening 0.5, lr 1: buf1 = g1 = 2 (no dampening on the first step), p = -2;
    // buf2 = 0.5*2 + 0.5*4 = 3, p = -5
    const opt = sgd({ lr: 1, momentum: 0.5, dampening: 0.5 });
    let p = f64([0]);
    let s = opt.init(p);
    [p, s] = opt.step(p, f64([2]), s);
    expect(vals(p)).toEqual([-2]);
    [p, s] = opt.step(p, f64([4]), s);
    expect(vals(p)).toEqual([-5]);
    const plain = sgd({ lr: 0.5 });
    const [q, s2] = plain.step([f64([1, 2])], [f64([2, -2])], plain.init(null));
    expect(vals(q[0]!)).toEqual([0, 3]);
    expect(s2.momentum).toBeUndefined();
  });

  it('Adam follows PyTorch for three steps (weight decay 0.01)', () => {
    // Scalar recurrence of torch.optim.Adam: g += wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    // p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). Step 1 moves by lr * (1 - 2e-8) against the sign of g.
    const opt = adam({ lr: 0.1, weightDecay: 0.01 });
    let params = { layer: [{ w: f64([1, -2]) }] };
    let state = opt.init(params);
    const grads = [
      [0.5, -1],
      [-0.25, 0.3],
      [1, 0],
    ];
    const want = [
      [0.9000000019607843, -1.9000000009803921],
      [0.8712293476231743, -1.8551761608807558],
      [0.8046143342173858, -1.8194114845187794],
    ];
    grads.forEach((g, i) => {
      [params, state] = opt.step(params, { layer: [{ w: f64(g) }] }, state);
      const got = vals(params.layer[0]!.w);
      expect(got[0]).toBeCloseTo(want[i]![0]!, 13);
      expect(got[1]).toBeCloseTo(want[i]![1]!, 13);
    });
    expect(state.step).toBe(3);
  });

  it('a learning-rate schedule sees the step number, starting at 0', () => {
    const seen: number[] = [];
    const opt = sgd({
      lr: (s) => {
        seen.push(s);
        return 0.1;
      },
    });
    let p = f64([0]);
    let s = opt.init(p);
    for (let i = 0; i < 3; i++) [p, s] = opt.step(p, f64([1]), s);
    expect(seen).toEqual([0, 1, 2]);
    expect(vals(p)[0]).toBeCloseTo(-0.3, 14);
  });

  it('poly schedule: lr0 (1 - step/total)^0.9', () => {
    const lr = polyLr(0.01, 100);
    expect(lr(0)).toBe(0.01);
    expect(lr(50)).toBeCloseTo(0.005358867312681466, 15);
    expect(lr(99)).toBeCloseTo(0.00015848931924611134, 16);
    expect(lr(100)).toBe(0);
    expect(lr(150)).toBe(0);
    expect(polyLr(1, 4, 1)(1)).toBe(0.75);
  });

  it('gradient clipping by the global L2 norm, as clip_grad_norm_', () => {
    const g = { a: f64([3, 0]), b: [f64([0, 4])] };
    expect(globalNorm(g)).toBe(5);
    const [c, n] = clipGradNorm(g, 1);
    expect(n).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(vals(c.a)[0]).toBeCloseTo(3 * coef, 15);
    expect(vals(c.b[0]!)[1]).toBeCloseTo(4 * coef, 15);
    const [same, n2] = clipGradNorm(g, 12);
    expect(same).toBe(g);
    expect(n2).toBe(5);
  });

  it('keeps the parameter dtype and never writes to its inputs', () => {
    const p = { w: array([1, 2], [2], 'float32') };
    const g = { w: array([0.5, 0.5], [2], 'float32') };
    const opt = adam();
    const s0 = opt.init(p);
    const [p1] = opt.step(p, g, s0);
    expect(p1.w.dtype).toBe('float32');
    expect(vals(p.w)).toEqual([1, 2]);
    expect(vals(g.w)).toEqual([0.5, 0.5]);
    expect(s0.step).toBe(0);
  });
});

describe('sgdUpdate (in the graph)', () => {
  it('is params - lr * grads on tensor trees, differentiable in lr and in the params', async () => {
    const p = { w: tensor(f64([1, 2])), b: [tensor(f64([3]))] };
    const g = { w: tensor(f64([0.5, -1])), b: [tensor(f64([2]))] };
    const q = sgdUpdate(p, g, 0.1);
    expect(vals(await realize(q.w))).toEqual([0.95, 2.1]);
    expect(vals(await realize(q.b[0]!))).toEqual([2.8]);
    // L(a) = sum((w - a * 2w)^2) = (1 - 2a)^2 sum(w^2); dL/da at a = 0.1 is -4 * 0.8 * 5 = -16
    const loss = (a: Tensor, w: Tensor): Tensor => {
      const g2 = grad((v: Tensor) => sum(square(v)))(w);
      const ws = sgdUpdate({ w }, { w: g2 }, a).w;
      return sum(square(ws));
    };
    const da = await realize(grad(loss)(scalarTensor(0.1, 'float64'), tensor(f64([1, 2]))));
    expect(vals(da)[0]).toBeCloseTo(-16, 12);
    expect(() => sgdUpdate(p, { w: tensor(f64([1])), b: [tensor(f64([3]))] }, 0.1)).toThrow(/sgdUpdate: gradient 0 has shape \[1\], expected \[2\]/);
  });
});

describe('errors', () => {
  it('rejects mismatched trees, bad options and bad state', () => {
    const opt = sgd({ lr: 0.1, momentum: 0.9 });
    const p = { w: f64([1, 2]) };
    expect(() => opt.step(p, { w: f64([1]) }, opt.init(p))).toThrow(/sgd: grads at \.w has shape \[1\], expected \[2\]/);
    expect(() => opt.step(p, { v: f64([1, 2]) }, opt.init(p))).toThrow(/grads has \.v where the parameters have \.w/);
    expect(() => opt.step(p, { w: 1 }, opt.init(p))).toThrow(/not an NDArray/);
    expect(() => opt.step(p, p, { step: -1, momentum: undefined })).toThrow(/state must come from init/);
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum > 0/);
    expect(() => sgd({ lr: -1 })).toThrow(/learning rate/);
    expect(() => adam({ beta1: 1 })).toThrow(/beta1 must be in \[0, 1\)/);
    expect(() => polyLr(0.01, 0)).toThrow(/total must be a positive integer/);
    expect(() => clipGradNorm(p, 0)).toThrow(/maxNorm must be > 0/);
  });
});

describe('properties', () => {
  it('SGD without momentum is p - lr (g + wd p) on random trees', () => {
    const p = { a: normal(key(0), [3, 4], { dtype: 'float64' }), b: [normal(key(1), [5], { dtype: 'float64' })] };
    const g = { a: normal(key(2), [3, 4], { dtype: 'float64' }), b: [normal(key(3), [5], { dtype: 'float64' })] };
    const opt = sgd({ lr: 0.3, weightDecay: 0.2 });
    const [q] = opt.step(p, g, opt.init(p));
    const check = (pp: NDArray, gg: NDArray, qq: NDArray): void => {
      const [x, y, z] = [vals(pp), vals(gg), vals(qq)];
      x.forEach((xi, i) => expect(z[i]).toBeCloseTo(xi - 0.3 * (y[i]! + 0.2 * xi), 13));
    };
    check(p.a, g.a, q.a);
    check(p.b[0]!, g.b[0]!, q.b[0]!);
  });
});

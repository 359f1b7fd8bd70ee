// The gradient of CE + soft Dice through a tiny U-Net (2 stages, 4 features,
// 8^3 input, float64) against central finite differences, for every parameter
// tensor: one random direction per tensor, <grad, v> vs (L(p + e v) - L(p - e v)) / 2e.
// All 2 * (number of tensors) perturbed losses and the gradient run in one realize.
import { add as addT, grad, jvp, realize, valueAndGrad, type Tensor } from '@colab-ts/autodiff';
import { add, array, foldIn, key, mul, normal, softmax, toTypedArray, type NDArray } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { ceDiceLoss, flattenArrays, mapArrays, oneVsAllBce, toTensors, unetApply, unetInit, type UNetConfig, type UNetParams } from '../src/index.js';
import { tinyUNetConfig } from '../src/testing.js';

const config: UNetConfig = tinyUNetConfig({ outChannels: 3, dtype: 'float64' });

const dot = (a: NDArray, b: NDArray): number => {
  const x = toTypedArray(a);
  const y = toTypedArray(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
};

async function checkEveryParameter(params: unknown, loss: (p: never) => Tensor, eps = 1e-7): Promise<{ path: string; analytic: number; numeric: number }[]> {
  const { leaves, paths, unflatten } = flattenArrays('test', params);
  const dirs = leaves.map((l, i) => normal(foldIn(key(99), i), l.shape, { dtype: 'float64' }));
  const shifted = (i: number, e: number): unknown => unflatten(leaves.map((l, j) => (j === i ? add(l, mul(dirs[i]!, e)) : l)));
  const [, g] = valueAndGrad(loss)(toTensors(params) as never);
  const plus = leaves.map((_, i) => loss(toTensors(shifted(i, eps)) as never));
  const minus = leaves.map((_, i) => loss(toTensors(shifted(i, -eps)) as never));
  const r = await realize({ g: g as unknown, plus, minus });
  const gl = flattenArrays('test', r.g).leaves;
  return leaves.map((_, i) => ({
    path: paths[i]!,
    analytic: dot(gl[i]!, dirs[i]!),
    numeric: (toTypedArray(r.plus[i]!)[0]! - toTypedArray(r.minus[i]!)[0]!) / (2 * eps),
  }));
}

describe('examples', () => {
  it('tiny U-Net: d(CE + soft Dice)/d(every parameter) matches central differences', async () => {
    // Move away from the special initial point (zero biases, unit norm scales).
    const p0 = unetInit(key(0), config);
    let i = 0;
    const params = mapArrays((l) => add(l, mul(normal(foldIn(key(5), i++), l.shape, { dtype: 'float64' }), 0.1)), p0);
    const x = normal(key(1), [1, 1, 8, 8, 8], { dtype: 'float64' });
    const target = softmax(mul(normal(key(2), [1, 3, 8, 8, 8], { dtype: 'float64' }), 2), 1);
    const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target);
    const rows = await checkEveryParameter(params, loss);
    expect(rows.length).toBe(28);
    for (const row of rows) {
      const tol = 3e-7 + 1e-5 * Math.abs(row.numeric);
      expect(Math.abs(row.analytic - row.numeric), `${row.path}: analytic ${row.analytic}, numeric ${row.numeric}`).toBeLessThan(tol);
    }
    // Not vacuous: all parameters but the conv biases in front of an instance norm move the loss.
    const live = rows.filter((r) => !/convs\[\d+\]\.conv\.b$/.test(r.path));
    for (const r of live) expect(Math.abs(r.numeric), r.path).toBeGreaterThan(1e-6);
    // Those biases are removed by the normalisation: their gradient is zero up to rounding.
    for (const r of rows.filter((q) => /convs\[\d+\]\.conv\.b$/.test(q.path))) expect(Math.abs(r.analytic)).toBeLessThan(1e-10);
  });

  it('deep supervision and one-vs-all BCE: gradients through every head match central differences', async () => {
    const params = unetInit(key(3), { ...config, stages: [...config.stages, { kernel: [1, 3, 3], stride: [1, 2, 2] }], deepSupervision: true });
    const x = normal(key(4), [1, 1, 2, 8, 8], { dtype: 'float64' });
    const t0 = softmax(normal(key(6), [1, 3, 2, 8, 8], { dtype: 'float64' }), 1);
    const t1 = softmax(normal(key(7), [1, 3, 1, 4, 4], { dtype: 'float64' }), 1);
    const roi = Float64Array.from(toTypedArray(normal(key(8), [1, 2, 8, 8], { dtype: 'float64' })), (v) => (v > 0 ? 1 : 0));
    const binary = array(roi, [1, 2, 8, 8], 'float64');
    const loss = (p: Parameters<typeof unetApply>[0]) => {
      const [o0, o1] = unetApply(p as never, x) as unknown as [Tensor, Tensor];
      return add3(ceDiceLoss(o0, t0), ceDiceLoss(o1, t1), oneVsAllBce(o0, binary, { channel: 1 }));
    };
    const rows = await checkEveryParameter(params, loss as never);
    for (const row of rows) {
      expect(Math.abs(row.analytic - row.numeric), `${row.path}: analytic ${row.analytic}, numeric ${row.numeric}`).toBeLessThan(
        3e-7 + 1e-5 * Math.abs(row.numeric),
      );
    }
    expect(rows.filter((r) => r.path.startsWith('.heads')).every((r) => Math.abs(r.numeric) > 1e-6)).toBe(true);
  });
});

const add3 = (a: Tensor, b: Tensor, c: Tensor): Tensor => addT(addT(a, b), c);

describe('second order', () => {
  it('Hessian-vector product through the U-Net (jvp of grad) matches differences of gradients', async () => {
    // CoLab's meta-gradient differentiates a gradient of the segmentation loss again, so every layer must be twice differentiable.
    const params = unetInit(key(20), config);
    const x = normal(key(21), [1, 1, 8, 8, 8], { dtype: 'float64' });
    const target = softmax(normal(key(22), [1, 3, 8, 8, 8], { dtype: 'float64' }), 1);
    const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target);
    let i = 0;
    const v = mapArrays((l) => normal(foldIn(key(23), i++), l.shape, { dtype: 'float64' }), params);
    const u = mapArrays((l) => normal(foldIn(key(24), i++), l.shape, { dtype: 'float64' }), params);
    const eps = 1e-6;
    const at = (e: number) => mapArrays((p, d) => add(p, mul(d, e)), params, v);
    const [, hv] = jvp(grad(loss), [toTensors(params)], [toTensors(v)]);
    const r = await realize({ hv, gp: grad(loss)(toTensors(at(eps))), gm: grad(loss)(toTensors(at(-eps))) });
    const [hl, pl, ml, ul] = [r.hv, r.gp, r.gm, u].map((t) => flattenArrays('test', t).leaves);
    let analytic = 0;
    let numeric = 0;
    ul!.forEach((ui, k) => {
      analytic += dot(hl![k]!, ui);
      numeric += (dot(pl![k]!, ui) - dot(ml![k]!, ui)) / (2 * eps);
    });
    expect(Math.abs(analytic - numeric), `analytic ${analytic}, numeric ${numeric}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
    expect(Math.abs(numeric)).toBeGreaterThan(1e-3);
  });
});

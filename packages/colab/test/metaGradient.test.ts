import type { Tensor } from '@colab-ts/autodiff';
import { realize, tensor } from '@colab-ts/autodiff';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { array, astype, key, normal, split, toTypedArray } from '@colab-ts/ndarray';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetaGradientMode, MetaProblem } from '../src/index.js';
import { distanceMap, metaGradient, metaGradientParts, roiLoss, roiMask, roiOneHot, segmentationLoss, softDilatedMask } from '../src/index.js';
import { relError } from './helpers.js';
import type { TinyNet } from './models.js';
import { asTensors, tinyNetApply, tinyNetInit } from './models.js';

const T = 2;
/** A 2-case 1x6x6 batch: a square ROI in each case, M with a small margin so that it varies. */
function makeBatch(dtype: 'float32' | 'float64') {
  const [kx] = split(key(11), 1) as [Key];
  const labels = new Int32Array(2 * 36);
  for (const [i, r0, c0] of [
    [0, 1, 1],
    [1, 3, 2],
  ] as const)
    for (let r = r0; r < r0 + 2; r++) for (let c = c0; c < c0 + 2; c++) labels[i * 36 + r * 6 + c] = 1;
  const yNd = roiOneHot(array(labels, [2, 1, 1, 6, 6], 'int32'), 2, dtype);
  const M = astype(softDilatedMask(distanceMap(roiMask(yNd)), { margin: 1.5, temperature: 1 }), dtype);
  const x = normal(kx, [2, 1, 1, 6, 6], { dtype });
  return { x: tensor(x), y: tensor(yNd), M: tensor(M) };
}
type Batch = ReturnType<typeof makeBatch>;

const problem = (dtype: 'float32' | 'float64', mode: MetaGradientMode): MetaProblem<TinyNet<Tensor>, TinyNet<Tensor>, Batch> => ({
  seg: (th, b) => tinyNetApply(true)(th, b.x),
  gen: (om, b) => tinyNetApply(true)(om, b.x),
  alpha: dtype === 'float64' ? 0.5 : 0.5,
  lossSeg: segmentationLoss(),
  lossRoi: roiLoss(),
  mode,
});

const flat = (p: TinyNet<NDArray>): number[] => [p.w1, p.b1, p.w2, p.b2].flatMap((a) => Array.from(toTypedArray(a)));

const init = (dtype: 'float32' | 'float64') => ({
  theta: tinyNetInit(key(1), 1, 3, 1 + T, dtype),
  omega: tinyNetInit(key(2), 1, 2, T, dtype, 2),
});

describe('metaGradient on small conv models', () => {
  const results: Partial<Record<MetaGradientMode, number[]>> = {};
  const reference: number[] = [];

  beforeAll(async () => {
    const { theta, omega } = init('float64');
    const b = makeBatch('float64');
    for (const mode of ['forward-over-reverse', 'reverse-over-reverse', 'finite-difference'] as const) {
      results[mode] = flat(await realize(metaGradient(problem('float64', mode), asTensors(theta), asTensors(omega), b)));
    }
    // Central finite differences of w -> L_ROI(theta*(w)), element by element, in float64.
    const F = (om: TinyNet<NDArray>): Promise<NDArray> =>
      realize(metaGradientParts(problem('float64', 'forward-over-reverse'), asTensors(theta), asTensors(om), b).roiLossAfter);
    const keys = ['w1', 'b1', 'w2', 'b2'] as const;
    const eps = 1e-5;
    for (const k of keys) {
      const base = Float64Array.from(toTypedArray(omega[k]));
      for (let i = 0; i < base.length; i++) {
        const at = async (d: number) => {
          const v = Float64Array.from(base);
          v[i] = v[i]! + d;
          return toTypedArray(await F({ ...omega, [k]: array(v, omega[k].shape, 'float64') }))[0]!;
        };
        reference.push(((await at(eps)) - (await at(-eps))) / (2 * eps));
      }
    }
  }, 120_000);

  it('forward-over-reverse equals reverse-over-reverse in float64', () => {
    const e = relError(results['forward-over-reverse']!, results['reverse-over-reverse']!);
    console.log(`[metaGradient] float64 |fwd-over-rev - rev-over-rev| / |g| = ${e.toExponential(2)}`);
    expect(e).toBeLessThan(1e-12);
  });

  it('both match central finite differences of w -> L_ROI(theta*(w)) (float64)', () => {
    const scale = Math.max(...reference.map(Math.abs));
    expect(scale).toBeGreaterThan(1e-6); // a non-trivial gradient
    const e1 = relError(results['forward-over-reverse']!, reference);
    const e2 = relError(results['reverse-over-reverse']!, reference);
    console.log(`[metaGradient] float64 vs direct finite differences: fwd-over-rev ${e1.toExponential(2)}, rev-over-rev ${e2.toExponential(2)}`);
    expect(e1).toBeLessThan(1e-7);
    expect(e2).toBeLessThan(1e-7);
  });

  it("the finite-difference mode (the authors' estimate) agrees to its truncation error", () => {
    const e = relError(results['finite-difference']!, results['forward-over-reverse']!);
    console.log(`[metaGradient] float64 finite-difference mode vs exact: ${e.toExponential(2)}`);
    // R = 0.01/|v|: the central difference errs by O(R^2 |v|^2) = O(1e-4) relative.
    expect(e).toBeLessThan(1e-3);
  });

  it('forward-over-reverse equals reverse-over-reverse in float32 to rounding', async () => {
    const { theta, omega } = init('float32');
    const b = makeBatch('float32');
    const g1 = flat(await realize(metaGradient(problem('float32', 'forward-over-reverse'), asTensors(theta), asTensors(omega), b)));
    const g2 = flat(await realize(metaGradient(problem('float32', 'reverse-over-reverse'), asTensors(theta), asTensors(omega), b)));
    const e = relError(g1, g2);
    console.log(`[metaGradient] float32 |fwd-over-rev - rev-over-rev| / |g| = ${e.toExponential(2)}`);
    expect(e).toBeLessThan(1e-4);
    // And float32 against the float64 value.
    expect(relError(g1, results['forward-over-reverse']!)).toBeLessThan(1e-3);
  });

  it('rejects bad problems', () => {
    const { theta, omega } = init('float64');
    const b = makeBatch('float64');
    expect(() =>
      metaGradient({ ...problem('float64', 'forward-over-reverse'), mode: 'nope' as MetaGradientMode }, asTensors(theta), asTensors(omega), b),
    ).toThrow(/mode must be/);
    expect(() => metaGradient({ ...problem('float64', 'forward-over-reverse'), alpha: Number.NaN }, asTensors(theta), asTensors(omega), b)).toThrow(/alpha/);
    expect(() => metaGradient(problem('float64', 'forward-over-reverse'), theta as never, asTensors(omega), b)).toThrow(/Tensors/);
  });
});

import type { Tensor } from '@colab-ts/autodiff';
import { realize } from '@colab-ts/autodiff';
import { key } from '@colab-ts/ndarray';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetaGradientMode, MetaProblem } from '../src/index.js';
import { metaGradient, roiLoss, segmentationLoss } from '../src/index.js';
import { relError } from './helpers.js';
import type { SquaresBatch } from './meta.js';
import { finiteDifferenceMetaGradient, flatNet, squaresBatch } from './meta.js';
import type { TinyNet } from './models.js';
import { asTensors, tinyNetApply, tinyNetInit } from './models.js';

const T = 2;
const makeBatch = squaresBatch;
type Batch = SquaresBatch;

const problem = (dtype: 'float32' | 'float64', mode: MetaGradientMode): MetaProblem<TinyNet<Tensor>, TinyNet<Tensor>, Batch> => ({
  seg: (th, b) => tinyNetApply(true)(th, b.x),
  gen: (om, b) => tinyNetApply(true)(om, b.x),
  alpha: dtype === 'float64' ? 0.5 : 0.5,
  lossSeg: segmentationLoss(),
  lossRoi: roiLoss(),
  mode,
});

const flat = flatNet;

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
    reference.push(...(await finiteDifferenceMetaGradient(problem('float64', 'forward-over-reverse'), theta, omega, b)));
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

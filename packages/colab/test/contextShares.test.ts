import { flatten, realize, tensor } from '@colab-ts/autodiff';
import { checkGrads } from '@colab-ts/autodiff/testing';
import type { NDArray } from '@colab-ts/ndarray';
import { array, isNDArray, key, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharesNegEntropy, weightedEntropy, weightedShares } from '../src/colabStep.js';
import { colabInit, colabStep, contextProbabilities, decodeColabConfig } from '../src/index.js';
import { tinyNetApply, tinyNetInit } from './models.js';
import { syntheticBatch } from './synthetic.js';

const apply = tinyNetApply(false);
const flattenLeaves = (tree: unknown): NDArray[] => flatten('test', tree, { isLeaf: isNDArray, strict: false }).leaves as NDArray[];

const shares = async (q: number[], w: number[], shape: number[]): Promise<number[]> => {
  const [n, t, ...sp] = shape as [number, number, ...number[]];
  const r = await realize(weightedShares(tensor(array(Float32Array.from(q), shape, 'float32')), tensor(array(Float32Array.from(w), [n, 1, ...sp], 'float32'))));
  return Array.from(toTypedArray(r), Number).slice(0, t);
};

describe('weightedShares (the context sub-classes near the ROI)', () => {
  it('by hand: three voxels weighted 1, 0.5 and 0', async () => {
    // q: voxel 0 (0.2, 0.8), voxel 1 (0.6, 0.4), voxel 2 (1, 0); shares (0.2 + 0.3) / 1.5 and (0.8 + 0.2) / 1.5.
    const s = await shares([0.2, 0.6, 1, 0.8, 0.4, 0], [1, 0.5, 0], [1, 2, 1, 1, 3]);
    expect(s[0]).toBeCloseTo(1 / 3, 6);
    expect(s[1]).toBeCloseTo(2 / 3, 6);
  });

  it('equals a plain loop over the voxels and sums to 1 (random q and weights)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 36, maxLength: 36 }),
        fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
        async (n, t, v, logits, weights) => {
          const q: number[] = new Array(n * t * v).fill(0);
          const w = weights.slice(0, n * v);
          w[0] = 0.5; // a positive total weight
          for (let b = 0; b < n; b++)
            for (let i = 0; i < v; i++) {
              const z = Array.from({ length: t }, (_, k) => Math.exp(logits[(b * t + k) * v + i]!));
              const s = z.reduce((a, c) => a + c, 0);
              for (let k = 0; k < t; k++) q[(b * t + k) * v + i] = z[k]! / s;
            }
          const got = await shares(q, w, [n, t, 1, 1, v]);
          const total = w.reduce((a, c) => a + Math.fround(c), 0);
          for (let k = 0; k < t; k++) {
            let acc = 0;
            for (let b = 0; b < n; b++) for (let i = 0; i < v; i++) acc += Math.fround(q[(b * t + k) * v + i]!) * Math.fround(w[b * v + i]!);
            expect(got[k]).toBeCloseTo(acc / total, 5);
          }
          expect(got.reduce((a, c) => a + c, 0)).toBeCloseTo(1, 5);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('colabStep reports the shares', () => {
  it('one number per sub-class, each in [0, 1], summing to 1, on every iteration', async () => {
    const step = colabStep({ seg: apply, gen: apply, totalIterations: 4, margin: 3, temperature: 2, generatorEvery: 2 });
    let state = colabInit(tinyNetInit(key(1), 1, 4, 3, 'float32'), tinyNetInit(key(2), 1, 2, 2, 'float32'));
    for (let i = 0; i < 2; i++) {
      const r = await step(state, syntheticBatch(i, 1, 8));
      state = r.state;
      const s = r.metrics.contextShares;
      expect(s).toHaveLength(2);
      for (const v of s) expect(v >= 0 && v <= 1).toBe(true);
      expect(s[0]! + s[1]!).toBeCloseTo(1, 5);
    }
  });
});

describe("the generator's regularisers: sharesNegEntropy (generatorBalance) and weightedEntropy (generatorConfidence)", () => {
  // q: voxel 0 (0.2, 0.8), voxel 1 (0.6, 0.4), voxel 2 (1, 0), weighted 1, 0.5 and 0: shares 1/3 and 2/3.
  const h = (a: number, b: number): number => -(a * Math.log(a) + b * Math.log(b));
  it.each([
    ['sharesNegEntropy', sharesNegEntropy, -h(1 / 3, 2 / 3)],
    ['weightedEntropy', weightedEntropy, (h(0.2, 0.8) + 0.5 * h(0.6, 0.4)) / 1.5],
  ] as const)('%s by hand: three voxels weighted 1, 0.5 and 0', async (_, f, expected) => {
    const q = tensor(array(Float32Array.from([0.2, 0.6, 1, 0.8, 0.4, 0]), [1, 2, 1, 1, 3], 'float32'));
    const w = tensor(array(Float32Array.from([1, 0.5, 0]), [1, 1, 1, 1, 3], 'float32'));
    expect(toTypedArray(await realize(f(q, w)))[0]!).toBeCloseTo(expected, 6);
  });

  it.each([
    ['sharesNegEntropy', sharesNegEntropy],
    ['weightedEntropy', weightedEntropy],
  ] as const)('%s: derivatives through the softmax of the logits agree with finite differences (float64, orders 1 and 2)', async (_, f) => {
    const z = array(Float64Array.from([0.3, -1.2, 0.8, 0.1, 0.5, -0.4, 1.1, -0.7]), [2, 2, 1, 1, 2], 'float64');
    const w = array(Float64Array.from([1, 0.25, 0.6, 0]), [2, 1, 1, 1, 2], 'float64');
    await checkGrads((zz) => f(contextProbabilities(zz), tensor(w)), [z], { order: 2, eps: 1e-5, rtol: 1e-6, atol: 1e-8 });
  });

  it.each(['generatorBalance', 'generatorConfidence'])('%s is refused when negative or not a number', (k) => {
    for (const v of [-0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      expect(E.isLeft(decodeColabConfig({ seg: apply, gen: apply, [k]: v }))).toBe(true);
    expect(E.isRight(decodeColabConfig({ seg: apply, gen: apply, [k]: 0.2 }))).toBe(true);
  });
});

describe('generatorBalance (MAXL collapsing-class prevention)', () => {
  it('moves a one-sided generator toward equal shares; 0 leaves the step as it was', async () => {
    const batch = syntheticBatch(5, 2, 16);
    // A generator whose second output starts far below the first: nearly all of the near-ROI background in sub-class 0.
    const gen0 = tinyNetInit(key(2), 1, 4, 2, 'float32');
    const b2 = Float32Array.from(toTypedArray(gen0.b2));
    b2[0] = 3;
    b2[1] = -3;
    const omega = { ...gen0, b2: array(b2, gen0.b2.shape, 'float32') };
    const theta = tinyNetInit(key(1), 1, 4, 3, 'float32');
    const run = async (balance: number | undefined): Promise<{ share: number; state: unknown }> => {
      const cfg = { seg: apply, gen: apply, totalIterations: 20, margin: 3, temperature: 2, generatorEvery: 1, generatorLr: 1e-2 };
      const step = colabStep(balance === undefined ? cfg : { ...cfg, generatorBalance: balance });
      let state = colabInit(theta, omega);
      let share = Number.NaN;
      for (let i = 0; i < 20; i++) {
        const r = await step(state, batch);
        state = r.state;
        share = r.metrics.contextShares[1]!;
      }
      return { share, state };
    };
    const off = await run(undefined);
    const zero = await run(0);
    const on = await run(1);
    // sub-class 1 starts near e^-6 / (1 + e^-6) = 0.25%; the term lifts it
    expect(on.share).toBeGreaterThan(off.share + 0.05);
    expect(on.share).toBeLessThanOrEqual(0.5 + 1e-6);
    const leaves = (s: unknown): number[] => flattenLeaves(s).flatMap((a) => Array.from(toTypedArray(a), Number));
    expect(leaves(zero.state)).toEqual(leaves(off.state));
  }, 60_000);
});

describe('generatorConfidence (confident labels; with generatorBalance, information maximisation)', () => {
  it('with generatorBalance turns near-uniform labels into confident ones with both sub-classes used; 0 leaves the step', async () => {
    const batch = syntheticBatch(5, 2, 16);
    // A generator whose outputs start nearly equal everywhere: q about 1/2 at every voxel, the state E54's balance term left.
    const gen0 = tinyNetInit(key(2), 1, 4, 2, 'float32');
    const small = (a: NDArray): NDArray =>
      array(
        Float32Array.from(toTypedArray(a), (v) => v * 0.05),
        a.shape,
        'float32',
      );
    const omega = { ...gen0, w2: small(gen0.w2), b2: array(new Float32Array(2), gen0.b2.shape, 'float32') };
    const theta = tinyNetInit(key(1), 1, 4, 3, 'float32');
    const run = async (extra: object): Promise<{ entropy: number; shares: readonly number[]; state: unknown }> => {
      const step = colabStep({ seg: apply, gen: apply, totalIterations: 30, margin: 3, temperature: 2, generatorEvery: 1, generatorLr: 3e-2, ...extra });
      let state = colabInit(theta, omega);
      let m = { contextEntropy: Number.NaN, contextShares: [] as readonly number[] };
      for (let i = 0; i < 30; i++) {
        const r = await step(state, batch);
        state = r.state;
        m = r.metrics;
      }
      return { entropy: m.contextEntropy, shares: m.contextShares, state };
    };
    const balanced = await run({ generatorBalance: 1 });
    const informed = await run({ generatorBalance: 1, generatorConfidence: 1 });
    expect(balanced.entropy).toBeGreaterThan(0.6); // ln 2 = 0.693: still near-uniform labels
    expect(informed.entropy).toBeLessThan(balanced.entropy - 0.15);
    expect(Math.min(...informed.shares)).toBeGreaterThan(0.1); // not collapsed into one sub-class
    const leaves = (s: unknown): number[] => flattenLeaves(s).flatMap((a) => Array.from(toTypedArray(a), Number));
    expect(leaves((await run({ generatorBalance: 1, generatorConfidence: 0 })).state)).toEqual(leaves(balanced.state));
  }, 60_000);
});

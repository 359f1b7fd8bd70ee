import { flatten, realize, tensor } from '@colab-ts/autodiff';
import { checkGrads } from '@colab-ts/autodiff/testing';
import type { NDArray } from '@colab-ts/ndarray';
import { array, isNDArray, key, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchMask, neighbourFlips, sharesNegEntropy, weightedEntropy, weightedShares } from '../src/colabStep.js';
import { colabInit, colabStep, contextProbabilities, decodeColabConfig } from '../src/index.js';
import type { TinyNet } from './models.js';
import { asTensors, tinyNetApply, tinyNetInit } from './models.js';
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

describe('neighbourFlips (checkerboard context labels)', () => {
  // q [1, 2, 1, 2, 4]: two rows of four voxels; sub-class 1 wins where p1 > 0.5.
  const flips = (p1: number[], w: number[]): number => {
    const q = array(Float32Array.from([...p1.map((p) => 1 - p), ...p1]), [1, 2, 1, 2, 4], 'float32');
    return neighbourFlips(q, array(Float32Array.from(w), [1, 1, 1, 2, 4], 'float32'));
  };
  const all = [1, 1, 1, 1, 1, 1, 1, 1];
  it('by hand: a checkerboard 1, two regions 1/6, one sub-class 0; rows do not wrap; weights below 1/2 leave a pair out', () => {
    expect(flips([0.9, 0.1, 0.9, 0.1, 0.1, 0.9, 0.1, 0.9], all)).toBe(1);
    // row 0: 0 0 1 1 (one change of three pairs), row 1: 1 1 1 1; the last of row 0 and the first of row 1 are no pair
    expect(flips([0.1, 0.2, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9], all)).toBeCloseTo(1 / 6, 12);
    expect(flips([0.2, 0.3, 0.1, 0.4, 0.2, 0.1, 0.3, 0.4], all)).toBe(0);
    // only the pairs (0,1) and (5,6) count: voxel 1 differs from 0, voxels 5 and 6 agree
    expect(flips([0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1], [1, 0.5, 0.4, 0, 0, 0.7, 0.6, 0.2])).toBe(0.5);
    expect(flips([0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1], [1, 0.4, 1, 0.4, 0, 0, 0, 0])).toBeNaN();
  });

  it('equals a count over explicit (n, d, h, w) coordinates (random q and weights, t = 3)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (N, H, W, seed) => {
          const t = 3;
          let st = seed;
          const rnd = (): number => {
            st = (st * 1103515245 + 12345) % 2 ** 31;
            return st / 2 ** 31;
          };
          const qv = Array.from({ length: N * t * H * W }, rnd);
          const wv = Array.from({ length: N * H * W }, rnd);
          const at = (n: number, k: number, h: number, w: number): number => qv[((n * t + k) * H + h) * W + w]!;
          const arg = (n: number, h: number, w: number): number => [0, 1, 2].reduce((b, k) => (at(n, k, h, w) > at(n, b, h, w) ? k : b), 0);
          let pairs = 0;
          let diff = 0;
          for (let n = 0; n < N; n++)
            for (let h = 0; h < H; h++)
              for (let w = 0; w + 1 < W; w++)
                if (wv[(n * H + h) * W + w]! >= 0.5 && wv[(n * H + h) * W + w + 1]! >= 0.5) {
                  pairs++;
                  if (arg(n, h, w) !== arg(n, h, w + 1)) diff++;
                }
          const got = neighbourFlips(array(Float64Array.from(qv), [N, t, 1, H, W], 'float64'), array(Float64Array.from(wv), [N, 1, 1, H, W], 'float64'));
          if (pairs === 0) expect(got).toBeNaN();
          else expect(got).toBeCloseTo(diff / pairs, 12);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it("colabStep reports it for the batch: the updated generator's labels over its background near the ROI", async () => {
    const batch = syntheticBatch(5, 2, 16);
    const cfg = { seg: apply, gen: apply, totalIterations: 2, margin: 3, temperature: 2 };
    const r = await colabStep(cfg)(colabInit(tinyNetInit(key(1), 1, 4, 3, 'float32'), tinyNetInit(key(2), 1, 4, 2, 'float32')), batch);
    const q = await realize(contextProbabilities(apply(asTensors(r.state.omega as TinyNet<NDArray>), tensor(batch.x))));
    const M = toTypedArray(batchMask(batch, { margin: 3, temperature: 2, spacing: undefined }, 'float32'));
    const y = toTypedArray(batch.y);
    const N = batch.y.shape[0]!;
    const n = M.length / N;
    // background channel (1 of [N, 2, ...]) times M
    const w = Float32Array.from(M, (m, i) => m * y[(Math.floor(i / n) * 2 + 1) * n + (i % n)]!);
    const expected = neighbourFlips(q, array(w, [N, 1, ...batch.y.shape.slice(2)], 'float32'));
    expect(Number.isFinite(expected)).toBe(true);
    expect(r.metrics.contextFlips).toBe(expected);
  }, 60_000);
});

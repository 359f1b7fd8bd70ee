import { realize, tensor } from '@colab-ts/autodiff';
import { array, key, toTypedArray } from '@colab-ts/ndarray';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightedShares } from '../src/colabStep.js';
import { colabInit, colabStep } from '../src/index.js';
import { tinyNetApply, tinyNetInit } from './models.js';
import { syntheticBatch } from './synthetic.js';

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
    const step = colabStep({ seg: tinyNetApply(false), gen: tinyNetApply(false), totalIterations: 4, margin: 3, temperature: 2, generatorEvery: 2 });
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

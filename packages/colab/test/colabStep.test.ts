import { realize, tensor } from '@colab-ts/autodiff';
import { toTensors } from '@colab-ts/nn';
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array, key, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import {
  colabDefaults,
  colabInit,
  colabStep,
  contextProbabilities,
  decodeColabConfig,
  labelGenerator,
  roiLoss,
  roiOneHot,
  segmentationInit,
  segmentationStep,
} from '../src/index.js';
import { flatten } from '@colab-ts/autodiff';
import { isNDArray } from '@colab-ts/ndarray';
import { tinyNetApply, tinyNetInit } from './models.js';
import { syntheticBatch } from './synthetic.js';

const apply = tinyNetApply(false);

describe('configuration', () => {
  it('fills the defaults of the paper and the authors', () => {
    const r = decodeColabConfig({ seg: apply, gen: apply });
    expect(E.isRight(r)).toBe(true);
    if (E.isRight(r)) {
      expect(r.right).toMatchObject({
        lr: 1e-2,
        momentum: 0.99,
        weightDecay: 3e-5,
        generatorLr: 3e-4,
        generatorEvery: 5,
        contextClasses: 2,
        margin: 30,
        temperature: 20,
        metaGradientMode: 'forward-over-reverse',
        alpha: undefined,
      });
    }
    expect(colabDefaults.polyExponent).toBe(0.9);
  });

  it('reports every problem at once', () => {
    const r = decodeColabConfig({ seg: 1, lr: -1, generatorEvery: 0, momentum: 1, spacing: [1, 2], metaGradientMode: 'exact' });
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) expect(r.left.map((i) => i.path).sort()).toEqual(['gen', 'generatorEvery', 'lr', 'metaGradientMode', 'momentum', 'seg', 'spacing']);
    expect(() => colabStep({ seg: apply, gen: apply, lr: -1, temperature: 0 })).toThrow(ValueError);
    expect(() => colabStep({ seg: apply, gen: apply, lr: -1, temperature: 0 })).toThrow(/2 problems(?=[\s\S]*\nlr: must be)(?=[\s\S]*\ntemperature: must be)/);
  });
});

describe('colabStep (Algorithm 1)', () => {
  it('updates the generator every generatorEvery iterations, the segmentation model every iteration', async () => {
    const step = colabStep({ seg: apply, gen: apply, totalIterations: 10, margin: 3, temperature: 2, generatorEvery: 2 });
    let state = colabInit(tinyNetInit(key(1), 1, 4, 3, 'float32'), tinyNetInit(key(2), 1, 2, 2, 'float32'));
    const seen: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const before = state;
      const r = await step(state, syntheticBatch(i, 1, 8));
      state = r.state;
      seen.push(r.metrics.generatorUpdated);
      expect(state.iteration).toBe(i + 1);
      expect(state.thetaOpt.step).toBe(i + 1);
      expect(state.theta).not.toBe(before.theta);
      expect(state.omega === before.omega).toBe(!r.metrics.generatorUpdated);
      expect(Number.isFinite(r.metrics.segLoss) && Number.isFinite(r.metrics.roiLoss)).toBe(true);
      if (r.metrics.generatorUpdated) expect(r.metrics.metaGradNorm).toBeGreaterThan(0);
    }
    expect(seen).toEqual([true, false, true, false]);
    expect(state.omegaOpt.step).toBe(2);
  });

  it('runs with a multi-class ROI (c = 3, t = 2: four segmentation outputs)', async () => {
    const step = colabStep({ seg: apply, gen: apply, roiClasses: 2, totalIterations: 2, margin: 2, temperature: 2, generatorEvery: 1 });
    let state = colabInit(tinyNetInit(key(4), 1, 4, 4, 'float32'), tinyNetInit(key(5), 1, 2, 2, 'float32'));
    const b = syntheticBatch(3, 1, 8);
    // Class 2 = the right half of the ROI square.
    const lab = toTypedArray(toLabels(b.y)).map((v, i) => (v === 1 && i % 8 >= 4 ? 2 : v));
    const y = roiOneHot(array(lab, [1, 1, 1, 8, 8], 'int32'), 3);
    for (let i = 0; i < 2; i++) {
      const r = await step(state, { x: b.x, y });
      state = r.state;
      expect(r.metrics.generatorUpdated).toBe(true);
      expect(Number.isFinite(r.metrics.segLoss) && Number.isFinite(r.metrics.roiLoss) && r.metrics.metaGradNorm > 0).toBe(true);
    }
  });

  it('roiLoss: the configured L_c is the meta-objective (metrics.roiLoss equals roiLoss({ kind }) on the batch before the update)', async () => {
    const theta = tinyNetInit(key(1), 1, 4, 3, 'float32');
    const b = syntheticBatch(2, 2, 8);
    for (const kind of ['bce', 'dice', 'bce+dice'] as const) {
      const step = colabStep({ seg: apply, gen: apply, totalIterations: 4, margin: 3, temperature: 2, generatorEvery: 1, roiLoss: kind });
      const r = await step(colabInit(theta, tinyNetInit(key(2), 1, 2, 2, 'float32')), b);
      const direct = toTypedArray(await realize(roiLoss({ kind })(apply(toTensors(theta) as never, tensor(b.x)), { y: b.y })))[0]!;
      expect(r.metrics.roiLoss).toBeCloseTo(direct, 5);
      expect(r.metrics.metaGradNorm).toBeGreaterThan(0);
    }
  });

  it('generatorAverage: labels from the moving average w_avg + (1 - d)(w - w_avg), hand-computed per weight; d = 1 trains as a frozen generator', async () => {
    const leaves = (t: unknown): number[] => flatten('test', t, { isLeaf: isNDArray, strict: false }).leaves.flatMap((a) => [...toTypedArray(a as NDArray)]);
    const base = { seg: apply, gen: apply, totalIterations: 6, margin: 3, temperature: 2, generatorEvery: 2, generatorLr: 0.05 };
    const init = colabInit(tinyNetInit(key(1), 1, 4, 3, 'float32'), tinyNetInit(key(2), 1, 2, 2, 'float32'));
    // Off (the default): no average in the state, the labels come from the generator itself.
    const off = await colabStep(base)(init, syntheticBatch(0, 1, 8));
    expect(off.state.omegaAvg).toBeUndefined();
    expect(labelGenerator(off.state)).toBe(off.state.omega);
    // d = 0.75 over three iterations (two generator updates): the average follows the recurrence in float32.
    const d = 0.75;
    const step = colabStep({ ...base, generatorAverage: d });
    let state = init;
    let expected = leaves(init.omega);
    for (let i = 0; i < 3; i++) {
      const r = await step(state, syntheticBatch(i, 1, 8));
      if (r.metrics.generatorUpdated) {
        const w = leaves(r.state.omega);
        expected = expected.map((a, j) => Math.fround(a + Math.fround(Math.fround(w[j]! - a) * Math.fround(1 - d))));
      }
      state = r.state;
      expect(labelGenerator(state)).toBe(state.omegaAvg);
      expect(leaves(state.omegaAvg)).toEqual(expected);
    }
    expect(leaves(state.omega)).not.toEqual(expected);
    // d = 1: the labels stay the initial generator's while w trains, so theta follows the run whose generator never moves.
    let avg1 = init;
    let frozen = init;
    for (let i = 0; i < 3; i++) {
      avg1 = (await colabStep({ ...base, generatorAverage: 1 })(avg1, syntheticBatch(i, 1, 8))).state;
      frozen = (await colabStep({ ...base, generatorLr: 0 })(frozen, syntheticBatch(i, 1, 8))).state;
    }
    expect(leaves(avg1.omega)).not.toEqual(leaves(init.omega));
    expect(leaves(avg1.omegaAvg)).toEqual(leaves(init.omega));
    expect(leaves(avg1.theta)).toEqual(leaves(frozen.theta));
    expect(E.isLeft(decodeColabConfig({ seg: apply, gen: apply, generatorAverage: 1.5 }))).toBe(true);
  });

  it('checks the batch and the generator output', async () => {
    const step = colabStep({ seg: apply, gen: apply, contextClasses: 3, margin: 3 });
    const state = colabInit(tinyNetInit(key(1), 1, 4, 3, 'float32'), tinyNetInit(key(2), 1, 2, 2, 'float32'));
    await expect(step(state, syntheticBatch(0, 1, 8))).rejects.toThrow(/contextClasses/);
    const b = syntheticBatch(0, 1, 8);
    await expect(step(state, { x: b.x, y: roiOneHot(toLabels(b.y), 3) })).rejects.toThrow(/channels/);
  });
});

/** The label map [N, 1, ...] of a binary one-hot label. */
function toLabels(y: NDArray): NDArray {
  const v = toTypedArray(y);
  const n = y.shape[0]!;
  const vox = v.length / (2 * n);
  const out = new Int32Array(n * vox);
  for (let i = 0; i < n; i++) for (let j = 0; j < vox; j++) out[i * vox + j] = v[i * 2 * vox + j]! > 0.5 ? 1 : 0;
  return array(out, [n, 1, ...y.shape.slice(2)], 'int32');
}

describe('training check on a synthetic task with look-alikes far from the ROI', () => {
  it('a few hundred colabSteps reduce the ROI loss and learn non-uniform context labels', async () => {
    const N = 300;
    // A short run compresses a long schedule: the generator's Adam rate is raised from 3e-4 to 1e-2.
    // The patch is 16 x 16, so the margin is 3 voxels (m = 30 would cover it all).
    const step = colabStep({ seg: apply, gen: apply, totalIterations: N, margin: 3, temperature: 2, generatorLr: 1e-2 });
    let state = colabInit(tinyNetInit(key(1), 1, 8, 3, 'float32'), tinyNetInit(key(2), 1, 4, 2, 'float32'));
    const evalBatch = syntheticBatch(9999, 4);
    const ex = tensor(evalBatch.x);
    const evalRoi = async (theta: unknown): Promise<number> => (await realize(roiLoss()(apply(toTensors(theta) as never, ex), { y: evalBatch.y }))).data[0]!;
    const q = async (omega: unknown): Promise<NDArray> => realize(contextProbabilities(apply(toTensors(omega) as never, ex)));
    const before = await evalRoi(state.theta);
    const q0 = await q(state.omega);
    const t0 = performance.now();
    let entropy0 = Number.NaN;
    let entropy = Number.NaN;
    for (let i = 0; i < N; i++) {
      const r = await step(state, syntheticBatch(100 + i));
      state = r.state;
      if (i === 0) entropy0 = r.metrics.contextEntropy;
      entropy = r.metrics.contextEntropy;
    }
    const after = await evalRoi(state.theta);
    const q1 = await q(state.omega);
    let moved = 0;
    for (let i = 0; i < q0.data.length; i++) moved = Math.max(moved, Math.abs(q0.data[i]! - q1.data[i]!));
    console.log(
      `[training check] ${N} colabSteps in ${((performance.now() - t0) / 1000).toFixed(1)} s: held-out L_ROI ${before.toFixed(4)} -> ${after.toFixed(4)}; ` +
        `context-label entropy (nats, background near the ROI; uniform = ln 2 = ${Math.LN2.toFixed(4)}) ${entropy0.toFixed(4)} -> ${entropy.toFixed(4)}; max |q change| ${moved.toFixed(3)}`,
    );
    expect(after).toBeLessThan(0.25 * before);
    expect(entropy).toBeLessThan(0.95 * Math.LN2);
    expect(entropy).toBeLessThan(entropy0);
    expect(moved).toBeGreaterThan(0.05);
  }, 120_000);
});

describe('segmentationStep (the baselines iteration)', () => {
  it('trains the segmentation model on a fixed target', async () => {
    const step = segmentationStep({ seg: apply, totalIterations: 30 });
    let state = segmentationInit(tinyNetInit(key(3), 1, 4, 2, 'float32'));
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const b = syntheticBatch(i, 2, 8);
      const r = await step(state, { x: b.x, target: b.y });
      state = r.state;
      losses.push(r.metrics.loss);
    }
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5);
  });
});

import type { Tensor } from '@colab-ts/autodiff';
import { avgPool3d, realize, tensor } from '@colab-ts/autodiff';
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array, key, toTypedArray, uniform } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import {
  colabInit,
  colabStep,
  deepSupervised,
  deepSupervisionWeights,
  fixedLabelLoss,
  poolTargetTo,
  segmentationInit,
  segmentationStep,
} from '../src/index.js';
import type { TinyNet } from './models.js';
import { tinyNetApply, tinyNetInit } from './models.js';
import { syntheticBatch } from './synthetic.js';

const single = tinyNetApply(false);
/** A two-level stand-in for a deep-supervision U-Net: full resolution, then the same logits pooled 2x in-plane. */
const twoLevels = (p: TinyNet<Tensor>, x: Tensor): Tensor[] => {
  const o = single(p, x);
  return [o, avgPool3d(o, { kernelSize: [1, 2, 2], stride: [1, 2, 2] })];
};

/** 2x2 in-plane block means of a [N, C, 1, H, W] array, by loops. */
function blockMeans(a: NDArray): number[] {
  const [N, C, , H, W] = a.shape as [number, number, number, number, number];
  const d = toTypedArray(a);
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h += 2)
        for (let w = 0; w < W; w += 2) {
          const at = (hh: number, ww: number): number => d[((n * C + c) * H + hh) * W + ww]!;
          out.push((at(h, w) + at(h + 1, w) + at(h, w + 1) + at(h + 1, w + 1)) / 4);
        }
  return out;
}

describe('examples', () => {
  it("nnU-Net's weights: 1/2^k, the lowest level 0, normalised", () => {
    expect(deepSupervisionWeights(4).map((w) => w * 7)).toEqual([4, 2, 1, 0].map((v) => expect.closeTo(v, 12)));
    expect(deepSupervisionWeights(1)).toEqual([1]);
    expect(deepSupervisionWeights(2)).toEqual([1, 0]);
    expect(deepSupervisionWeights(3).map((w) => w * 3)).toEqual([2, 1, 0].map((v) => expect.closeTo(v, 12)));
    expect(() => deepSupervisionWeights(0)).toThrow(ValueError);
  });

  it('poolTargetTo averages the soft target over the size ratio (block means by hand)', async () => {
    const t = uniform(key(3), [2, 3, 1, 4, 6], { dtype: 'float64' });
    const like = { shape: [2, 3, 1, 2, 3] };
    const p = await realize(poolTargetTo(tensor(t), like));
    expect(p.shape).toEqual([2, 3, 1, 2, 3]);
    const want = blockMeans(t);
    Array.from(toTypedArray(p)).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    expect(() => poolTargetTo(tensor(t), { shape: [2, 3, 1, 3, 3] })).toThrow(/does not divide/);
  });

  it('deepSupervised is the weighted sum of the loss at each level against the pooled target', async () => {
    const b = syntheticBatch(1, 2, 8, 'float64');
    const loss = fixedLabelLoss({ roiClasses: 1 });
    const o0 = uniform(key(5), [2, 2, 1, 8, 8], { dtype: 'float64' });
    const o1 = uniform(key(6), [2, 2, 1, 4, 4], { dtype: 'float64' });
    const o2 = uniform(key(7), [2, 2, 1, 2, 2], { dtype: 'float64' });
    const pooled = array(blockMeans(b.y), [2, 2, 1, 4, 4], 'float64');
    const got = await realize(deepSupervised(loss)([tensor(o0), tensor(o1), tensor(o2)], tensor(b.y)));
    const l0 = await realize(loss(tensor(o0), tensor(b.y)));
    const l1 = await realize(loss(tensor(o1), tensor(pooled)));
    // Three levels: weights 2/3, 1/3, 0.
    expect(got.data[0]).toBeCloseTo((2 / 3) * l0.data[0]! + (1 / 3) * l1.data[0]!, 10);
  });
});

describe('training steps with deep supervision', () => {
  it('colabStep trains a multi-output model; its exact meta-gradient modes agree', async () => {
    const batch = syntheticBatch(2, 2, 8);
    const grads: number[] = [];
    for (const metaGradientMode of ['forward-over-reverse', 'reverse-over-reverse'] as const) {
      const step = colabStep({
        seg: twoLevels as never,
        gen: single,
        deepSupervision: true,
        totalIterations: 4,
        margin: 3,
        temperature: 2,
        generatorEvery: 1,
        metaGradientMode,
      });
      const state = colabInit(tinyNetInit(key(1), 1, 4, 3, 'float32'), tinyNetInit(key(2), 1, 2, 2, 'float32'));
      const r = await step(state, batch);
      expect(Number.isFinite(r.metrics.segLoss) && Number.isFinite(r.metrics.roiLoss)).toBe(true);
      expect(r.metrics.metaGradNorm).toBeGreaterThan(0);
      grads.push(r.metrics.metaGradNorm);
    }
    expect(Math.abs(grads[0]! - grads[1]!) / grads[1]!).toBeLessThan(1e-4);
  });

  it('segmentationStep trains a multi-output model; a mismatch between outputs and the flag is a clear error', async () => {
    const b = syntheticBatch(3, 2, 8);
    const ds = segmentationStep({ seg: twoLevels as never, deepSupervision: true, totalIterations: 2 });
    const r = await ds(segmentationInit(tinyNetInit(key(3), 1, 4, 2, 'float32')), { x: b.x, target: b.y });
    expect(Number.isFinite(r.metrics.loss)).toBe(true);
    const plain = segmentationStep({ seg: twoLevels as never, totalIterations: 2 });
    await expect(plain(segmentationInit(tinyNetInit(key(3), 1, 4, 2, 'float32')), { x: b.x, target: b.y })).rejects.toThrow(/deepSupervision/);
    const wrong = colabStep({ seg: single, gen: single, deepSupervision: true, totalIterations: 2 });
    await expect(wrong(colabInit(tinyNetInit(key(1), 1, 4, 3, 'float32'), tinyNetInit(key(2), 1, 2, 2, 'float32')), b)).rejects.toThrow(
      /one logits tensor per level/,
    );
  });
});

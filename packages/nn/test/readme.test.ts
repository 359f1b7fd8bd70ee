// The README's example, run as written (keep the two in step).
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import { key, normal, softmax } from '@colab-ts/ndarray';
import { expect, it } from 'vitest';
import { ceDiceLoss, polyLr, sgd, toTensors, unetApply, unetInit, type UNetConfig, type UNetParams } from '../src/index.js';

it('README: three SGD steps on a tiny U-Net', async () => {
  const config: UNetConfig = {
    inChannels: 1,
    outChannels: 3, // e.g. background, foreground, context
    stages: [
      { kernel: [1, 3, 3], stride: [1, 1, 1] }, // 2D-like first stage
      { kernel: [3, 3, 3], stride: [2, 2, 2] },
    ],
    baseFeatures: 4,
    maxFeatures: 8,
  };
  let params = unetInit(key(0), config); // a tree of NDArrays, He-initialised

  const x = normal(key(1), [1, 1, 8, 8, 8]);
  const target = softmax(normal(key(2), [1, 3, 8, 8, 8]), 1); // soft labels

  const opt = sgd({ lr: polyLr(1e-2, 100), momentum: 0.99, nesterov: true, weightDecay: 3e-5 }); // nnU-Net's
  let state = opt.init(params);

  const lossFn = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target);
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    const [loss, grads] = valueAndGrad(lossFn)(toTensors(params)); // lazy: nothing has run yet
    const r = await realize({ loss, grads }); // NDArrays
    [params, state] = opt.step(params, r.grads, state);
    losses.push(r.loss.data[0]!);
  }
  expect(state.step).toBe(3);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[2]!).toBeLessThan(losses[0]!);
});

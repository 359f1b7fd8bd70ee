// The README's example, run as written (keep the two in step).
import { realize, tensor, type Tensor } from '@colab-ts/autodiff';
import {
  aggregateLabels,
  colabInit,
  colabStep,
  contextProbabilities,
  distanceConstrainedLabels,
  distanceMap,
  metaGradient,
  predictRoi,
  roiLoss,
  roiMask,
  roiOneHot,
  segmentationLoss,
  softDilatedMask,
} from '../src/index.js';
import { toTensors, unetApply, unetInit, type UNetConfig, type UNetParams } from '@colab-ts/nn';
import { array, key, normal } from '@colab-ts/ndarray';
import { expect, it } from 'vitest';

it('README: labels, meta-gradient, colabStep and prediction', async () => {
  // A batch: image [N, 1, D, H, W] and a ROI label in CoLab's channel order [ROI, background].
  const labels = new Int32Array(2 * 16 * 16);
  for (let r = 4; r < 8; r++) for (let c = 4; c < 8; c++) labels[r * 16 + c] = labels[256 + (r + 4) * 16 + c + 2] = 1;
  const y = roiOneHot(array(labels, [2, 1, 1, 16, 16], 'int32'), 2);
  const x = normal(key(0), [2, 1, 1, 16, 16]);

  // Eq. 8: the soft dilated mask from the distance map (m and tau in voxels; the paper uses 30 and 20).
  const M = softDilatedMask(distanceMap(roiMask(y)), { margin: 4, temperature: 3 });

  // Two small U-Nets: the segmentation model (1 ROI + t = 2 sub-classes) and the task generator (t = 2).
  const unet = (outChannels: number): UNetConfig => ({
    inChannels: 1,
    outChannels,
    baseFeatures: 4,
    maxFeatures: 8,
    stages: [
      { kernel: [1, 3, 3], stride: [1, 1, 1] },
      { kernel: [1, 3, 3], stride: [1, 2, 2] },
    ],
  });
  const theta = unetInit(key(1), unet(3));
  const omega = unetInit(key(2), unet(2));

  // Eq. 4, 5 and 9: context probabilities, extended label, distance-constrained label (lazy tensors).
  const q = contextProbabilities(unetApply(toTensors(omega), tensor(x)));
  const yHat = distanceConstrainedLabels(aggregateLabels(tensor(y), q), tensor(M));

  // Eq. 10-15: the generator's meta-gradient, exact (forward-over-reverse by default).
  const batch = { x: tensor(x), y: tensor(y), M: tensor(M) };
  const seg = (p: UNetParams<Tensor>, b: typeof batch): Tensor => unetApply(p, b.x);
  const gOmega = metaGradient({ seg, gen: seg, alpha: 0.01, lossSeg: segmentationLoss(), lossRoi: roiLoss() }, toTensors(theta), toTensors(omega), batch);
  const { labels: constrained, grad } = await realize({ labels: yHat, grad: gOmega });

  // Algorithm 1: a few training iterations with the authors' defaults (SGD-Nesterov for theta,
  // Adam for the generator, generator every 5 iterations), then a prediction.
  const step = colabStep({ seg: unetApply, gen: unetApply, totalIterations: 10, margin: 4, temperature: 3 });
  let state = colabInit(theta, omega);
  const losses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { state: next, metrics } = await step(state, { x, y, M });
    state = next;
    losses.push(metrics.roiLoss);
  }
  const logits = await realize(unetApply(toTensors(state.theta), tensor(x)));
  const prediction = predictRoi(logits, 2); // int32 [N, 1, D, H, W]: 1 = ROI (argmax over all channels)
  expect(constrained.shape).toEqual([2, 3, 1, 16, 16]);
  expect(prediction.shape).toEqual([2, 1, 1, 16, 16]);
  expect(Object.keys(grad)).toEqual(Object.keys(omega));
  expect(losses.every(Number.isFinite)).toBe(true);
}, 60_000);

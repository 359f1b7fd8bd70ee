import type { Tensor } from '@colab-ts/autodiff';
import { realize, tensor } from '@colab-ts/autodiff';
import { array, key, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { MetaProblem, RoiLossKind } from '../src/index.js';
import { decodeColabConfig, metaGradient, roiLoss, segmentationLoss } from '../src/index.js';
import { relError } from './helpers.js';
import type { SquaresBatch } from './meta.js';
import { finiteDifferenceMetaGradient, flatNet, squaresBatch } from './meta.js';
import type { TinyNet } from './models.js';
import { asTensors, tinyNetApply, tinyNetInit } from './models.js';

const value = async (t: Tensor): Promise<number> => toTypedArray(await realize(t))[0]!;

/** Logits whose softmax over 3 channels is exactly `probs` (log-probabilities), `[2, 3, 1, 1, 2]`. */
function logitsOf(probs: readonly (readonly [number, number, number])[]): Tensor {
  // voxel v = (n, w): n = v >> 1, w = v & 1; layout [n][c][w]
  const data = new Float64Array(12);
  probs.forEach((p, v) => {
    const n = v >> 1;
    const w = v & 1;
    for (let c = 0; c < 3; c++) data[n * 6 + c * 2 + w] = Math.log(p[c]!);
  });
  return tensor(array(data, [2, 3, 1, 1, 2], 'float64'));
}

describe('roiLoss kinds (L_c of Eq. 10), hand-computed', () => {
  // ROI probabilities 0.5, 0.25, 0.8, 0.1 against the ROI mask 1, 0, 1, 0
  const x = logitsOf([
    [0.5, 0.3, 0.2],
    [0.25, 0.25, 0.5],
    [0.8, 0.1, 0.1],
    [0.1, 0.6, 0.3],
  ]);
  const roi = [1, 0, 1, 0];
  const yData = new Float64Array(8);
  roi.forEach((m, v) => {
    const n = v >> 1;
    const w = v & 1;
    yData[n * 4 + w] = m; // ROI channel
    yData[n * 4 + 2 + w] = 1 - m; // background channel
  });
  const y = tensor(array(yData, [2, 2, 1, 1, 2], 'float64'));
  const bce = -(Math.log(0.5) + Math.log(0.75) + Math.log(0.8) + Math.log(0.9)) / 4;
  // batch Dice: sum(p m) = 1.3, sum(p) = 1.65, sum(m) = 2
  const dice = 1 - (2 * 1.3 + 1e-5) / (1.65 + 2 + 1e-5);

  it('bce (the default), dice and bce+dice', async () => {
    expect(await value(roiLoss()(x, { y }))).toBeCloseTo(bce, 12);
    expect(await value(roiLoss({ kind: 'bce' })(x, { y }))).toBeCloseTo(bce, 12);
    expect(await value(roiLoss({ kind: 'dice' })(x, { y }))).toBeCloseTo(dice, 12);
    expect(await value(roiLoss({ kind: 'bce+dice' })(x, { y }))).toBeCloseTo(bce + dice, 12);
  });

  it('the Dice is over the whole batch: a sample without ROI does not score 0 alone', async () => {
    // sample 1 alone would have Dice (2 * 0.8 + s) / (0.9 + 1 + s); sample-wise averaging would differ from the batch value
    const sampleWise = 1 - ((2 * 0.5 + 1e-5) / (0.75 + 1 + 1e-5) + (2 * 0.8 + 1e-5) / (0.9 + 1 + 1e-5)) / 2;
    const got = await value(roiLoss({ kind: 'dice' })(x, { y }));
    expect(Math.abs(got - sampleWise)).toBeGreaterThan(1e-3);
  });

  it('rejects an unknown kind, in roiLoss and in the CoLab configuration', () => {
    expect(() => roiLoss({ kind: 'l2' as RoiLossKind })).toThrow(/kind must be one of bce, dice, bce\+dice, got "l2"/);
    const seg = () => x;
    const decoded = decodeColabConfig({ seg, gen: seg, roiLoss: 'focal' });
    expect(E.isLeft(decoded) && decoded.left.map((i) => i.path)).toEqual(['roiLoss']);
    const ok = decodeColabConfig({ seg, gen: seg });
    expect(E.isRight(ok) && ok.right.roiLoss).toBe('bce');
  });
});

const T = 2;

describe.each(['dice', 'bce+dice'] as const)('the meta-gradient with L_ROI = %s', (kind) => {
  it('matches central finite differences of w -> L_ROI(theta*(w)) in float64', async () => {
    const problem: MetaProblem<TinyNet<Tensor>, TinyNet<Tensor>, SquaresBatch> = {
      seg: (th, b) => tinyNetApply(true)(th, b.x),
      gen: (om, b) => tinyNetApply(true)(om, b.x),
      alpha: 0.5,
      lossSeg: segmentationLoss(),
      lossRoi: roiLoss({ kind }),
    };
    const theta = tinyNetInit(key(1), 1, 3, 1 + T, 'float64');
    const omega = tinyNetInit(key(2), 1, 2, T, 'float64', 2);
    const b = squaresBatch('float64');
    const g = await realize(metaGradient(problem, asTensors(theta), asTensors(omega), b));
    const reference = await finiteDifferenceMetaGradient(problem, theta, omega, b);
    expect(Math.max(...reference.map(Math.abs))).toBeGreaterThan(1e-6);
    const e = relError(flatNet(g), reference);
    console.log(`[roiLoss ${kind}] meta-gradient vs direct finite differences: ${e.toExponential(2)}`);
    expect(e).toBeLessThan(1e-7);
  }, 120_000);
});

/**
 * CoLab's meta-gradient, worked through on a small problem (runs in seconds):
 *
 *   npx tsx --conditions=@colab-ts/source examples/colab-meta-gradient.ts
 *
 * 1. builds a 2-case 1x12x12 batch with one ROI square per case and its soft
 *    dilated mask M (Eq. 8);
 * 2. takes two tiny U-Nets, the segmentation model f~_theta (1 ROI channel +
 *    t = 2 background sub-classes) and the task generator g_w (t = 2 outputs);
 * 3. computes grad_w L_ROI(theta*) (Eq. 12-15) with the three modes and
 *    compares them, and against a finite difference of w -> L_ROI(theta*(w))
 *    along a random direction;
 * 4. runs a few CoLab iterations (Algorithm 1) and prints their metrics.
 */
import type { Tensor } from '@colab-ts/autodiff';
import { realize, tensor } from '@colab-ts/autodiff';
import type { ColabBatch } from '@colab-ts/colab';
import {
  colabInit,
  colabStep,
  distanceMap,
  metaGradient,
  metaGradientModes,
  metaGradientParts,
  roiLoss,
  roiMask,
  roiOneHot,
  segmentationLoss,
  softDilatedMask,
} from '@colab-ts/colab';
import type { UNetConfig, UNetParams } from '@colab-ts/nn';
import { mapArrays, toTensors, unetApply, unetInit } from '@colab-ts/nn';
import { tinyUNetConfig, unetStages } from '@colab-ts/nn/testing';
import type { NDArray } from '@colab-ts/ndarray';
import { add, array, foldIn, key, mul, normal, slice, toTypedArray } from '@colab-ts/ndarray';

const S = 12;
// 1. The batch: an ROI square per case, the label in CoLab's channel order [ROI, background], and M.
const labels = new Int32Array(2 * S * S);
for (const [i, r0, c0] of [
  [0, 2, 2],
  [1, 6, 5],
] as const)
  for (let r = r0; r < r0 + 3; r++) for (let c = c0; c < c0 + 3; c++) labels[i * S * S + r * S + c] = 1;
const y = roiOneHot(array(labels, [2, 1, 1, S, S], 'int32'), 2, 'float64');
const x = add(normal(key(0), [2, 1, 1, S, S], { dtype: 'float64' }), mul(slice(y, [null, { start: 0, stop: 1 }]), 2)); // a bright ROI
const M = softDilatedMask(distanceMap(roiMask(y)), { margin: 3, temperature: 2 }); // m, tau scaled to the tiny patch
const batch: ColabBatch = { x: tensor(x), y: tensor(y), M: tensor(M) };

// 2. Two tiny 2D-like U-Nets, in float64 so that the finite difference below is meaningful.
const config = (outChannels: number): UNetConfig =>
  tinyUNetConfig({ outChannels, stages: unetStages(2, { planar: true }), convsPerStage: 1, dtype: 'float64' });
const theta = unetInit(key(1), config(3));
const omega = unetInit(key(2), config(2));
const seg = (p: UNetParams<Tensor>, b: ColabBatch): Tensor => unetApply(p, b.x);
const problem = { seg, gen: seg, alpha: 0.01, lossSeg: segmentationLoss(), lossRoi: roiLoss() };

// 3. The meta-gradient in each mode.
const flat = (tree: unknown): number[] =>
  (Array.isArray(tree) ? tree : Object.values(tree as object)).flatMap((c) =>
    c && typeof c === 'object' && 'data' in c ? Array.from(toTypedArray(c as NDArray)) : flat(c),
  );
const grads: Record<string, number[]> = {};
for (const mode of metaGradientModes) {
  const t0 = performance.now();
  grads[mode] = flat(await realize(metaGradient({ ...problem, mode }, toTensors(theta), toTensors(omega), batch)));
  console.log(`${mode.padEnd(21)} |grad_w L_ROI(theta*)| = ${Math.hypot(...grads[mode]!).toExponential(4)}  (${(performance.now() - t0).toFixed(0)} ms)`);
}
const diff = (a: number[], b: number[]): number => Math.hypot(...a.map((v, i) => v - b[i]!)) / Math.hypot(...b);
const exact = grads['forward-over-reverse']!;
console.log(`relative difference, reverse-over-reverse vs forward-over-reverse: ${diff(grads['reverse-over-reverse']!, exact).toExponential(2)}`);
console.log(
  `relative difference, finite-difference (R = 0.01/|v|) vs exact:     ${diff(grads['finite-difference']!, exact).toExponential(2)}  (an estimate: R is not small next to the leaky-ReLU kinks)`,
);

// A direct check: d/de L_ROI(theta*(w + e u)) at e = 0 equals <grad, u>.
let leaf = 0;
const u = mapArrays((a) => normal(foldIn(key(3), leaf++), a.shape, { dtype: 'float64' }), omega);
const roiAfter = async (om: typeof omega): Promise<number> =>
  toTypedArray(await realize(metaGradientParts(problem, toTensors(theta), toTensors(om), batch).roiLossAfter))[0]!;
const eps = 1e-5;
const fd =
  ((await roiAfter(mapArrays((a, d) => add(a, mul(d, eps)), omega, u))) - (await roiAfter(mapArrays((a, d) => add(a, mul(d, -eps)), omega, u)))) / (2 * eps);
const dot = exact.reduce((s, g, i) => s + g * flat(u)[i]!, 0);
console.log(`directional derivative along a random u: finite difference ${fd.toExponential(6)}, <grad, u> ${dot.toExponential(6)}`);

// 4. A few CoLab iterations (Algorithm 1): generator every 2 iterations here.
const step = colabStep({ seg: unetApply, gen: unetApply, totalIterations: 6, generatorEvery: 2, margin: 3, temperature: 2 });
let state = colabInit(theta, omega);
for (let i = 0; i < 6; i++) {
  const r = await step(state, { x, y, M });
  state = r.state;
  const m = r.metrics;
  console.log(
    `iteration ${m.iteration}: L_seg ${m.segLoss.toFixed(4)}  L_ROI ${m.roiLoss.toFixed(4)}  ${m.generatorUpdated ? `L_ROI(theta*) ${m.roiLossAfterInner.toFixed(4)}  |meta-grad| ${m.metaGradNorm.toExponential(2)}` : '(segmentation update only)'}  context entropy ${m.contextEntropy.toFixed(4)}`,
  );
}

// The checks this example makes (exit code 1 when one fails): both exact modes agree to rounding, and the
// meta-gradient predicts the change of L_ROI(theta*) along u (central difference in float64).
const modesAgree = diff(grads['reverse-over-reverse']!, exact) < 1e-10;
const directional = Math.abs(fd - dot) <= 1e-6 * Math.abs(dot);
console.log(modesAgree && directional ? 'agree' : 'DISAGREE');
if (!(modesAgree && directional)) process.exitCode = 1;

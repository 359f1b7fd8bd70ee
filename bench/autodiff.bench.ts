/**
 * The cost of autodiff's graph machinery against the kernels it runs, on one
 * U-Net forward + backward step (CE + soft Dice, gradients w.r.t. every
 * parameter), and the peak memory of that step. Target: graph overhead (building
 * the graph, differentiating it, scheduling and freeing buffers) under 10% of
 * the step. Results: bench/results/autodiff.json.
 *
 * overhead = (graph build + transformation time) + (realize time - time inside kernels)
 *
 * Run: pnpm bench:autodiff   (backend: COLAB_TS_BACKEND or the registry default)
 */
import { realizeWithStats, valueAndGrad } from '@colab-ts/autodiff';
import { getBackend } from '@colab-ts/kernels';
import '@colab-ts/kernels/gpu'; // COLAB_TS_BACKEND=gpu works too
import * as nd from '@colab-ts/ndarray';
import { ceDiceLoss, paramCount, toTensors, unetApply, unetInit, type UNetConfig, type UNetParams } from '@colab-ts/nn';
import { tinyUNetConfig, unetStages } from '@colab-ts/nn/testing';
import { machine, median, writeResults } from './harness.js';

const configs: { name: string; config: UNetConfig; input: [number, number, number, number, number] }[] = [
  {
    name: 'tiny 3D U-Net (2 stages, 4 features), 1x1x16^3',
    config: tinyUNetConfig({ outChannels: 3 }),
    input: [1, 1, 16, 16, 16],
  },
  {
    name: 'small 3D U-Net (3 stages, 8 features), 2x1x16x32x32',
    config: tinyUNetConfig({ outChannels: 3, stages: [...unetStages(1, { planar: true }), ...unetStages(3).slice(1)], baseFeatures: 8, maxFeatures: 32 }),
    input: [2, 1, 16, 32, 32],
  },
];

const backend = await getBackend();
const runs = 5;
const results = [];
for (const c of configs) {
  const params = unetInit(nd.key(0), c.config);
  const x = nd.normal(nd.key(1), c.input);
  const target = nd.softmax(nd.normal(nd.key(2), [c.input[0], c.config.outChannels, ...c.input.slice(2)]), 1);
  const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target);
  const samples: { buildMs: number; realizeMs: number; kernelMs: number; nodes: number; kernels: number; peakBytes: number }[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const t0 = performance.now();
    const [l, g] = valueAndGrad(loss)(toTensors(params));
    const buildMs = performance.now() - t0;
    const { stats } = await realizeWithStats({ l, g }, { backend });
    if (r > 0)
      samples.push({ buildMs, realizeMs: stats.totalMs, kernelMs: stats.kernelMs, nodes: stats.nodes, kernels: stats.kernels, peakBytes: stats.peakBytes });
  }
  const buildMs = median(samples.map((s) => s.buildMs));
  const realizeMs = median(samples.map((s) => s.realizeMs));
  const kernelMs = median(samples.map((s) => s.kernelMs));
  const stepMs = buildMs + realizeMs;
  const overheadMs = buildMs + (realizeMs - kernelMs);
  const s0 = samples[0]!;
  const row = {
    model: c.name,
    parameters: paramCount(params),
    nodes: s0.nodes,
    kernels: s0.kernels,
    buildMs: +buildMs.toFixed(2),
    realizeMs: +realizeMs.toFixed(2),
    kernelMs: +kernelMs.toFixed(2),
    overheadMs: +overheadMs.toFixed(2),
    overheadShare: +(overheadMs / stepMs).toFixed(4),
    withinTarget: overheadMs / stepMs < 0.1,
    peakMiB: +(s0.peakBytes / 2 ** 20).toFixed(2),
    inputMiB: +((nd.shapeSize(c.input) * 4) / 2 ** 20).toFixed(3),
  };
  results.push(row);
  console.log(row);
}

const path = writeResults('autodiff', {
  benchmark: 'autodiff',
  backend: `${backend.name} (${backend.device})`,
  target: 'graph overhead (build + transformations + scheduling, outside kernels) < 10% of a U-Net forward + backward step',
  statistic: `median of ${runs} steps after 1 warm-up`,
  machine: machine(),
  results,
});
console.log(`written ${path}`);

/**
 * The cost of CoLab: time of one CoLab iteration (Algorithm 1) over one
 * baseline iteration (the same U-Net trained on the ROI label alone, the
 * paper's "w/o context labels"), for the same U-Net architecture, batch and
 * patch, for each meta-gradient mode and for `generatorEvery` 1 and 5, in one
 * run. A CoLab iteration's time is the mean over whole cycles of
 * `generatorEvery` iterations (one generator update and `generatorEvery`
 * segmentation updates), against baseline iterations interleaved with them. The paper reports about 30% more training time
 * (generator updated every 5 iterations, PyTorch on a GPU).
 * Results: bench/results/colab.json.
 *
 * Run: npx tsx --conditions=@colab-ts/source bench/colab.bench.ts
 *   (COLAB_BENCH_CYCLES, COLAB_BENCH_PATCH=h,w to change the defaults)
 */
import type { Tensor } from '@colab-ts/autodiff';
import type { ColabTrainBatch, MetaGradientMode } from '@colab-ts/colab';
import { colabInit, colabStep, metaGradientModes, roiOneHot, segmentationInit, segmentationStep } from '@colab-ts/colab';
import { getBackend } from '@colab-ts/kernels';
import '@colab-ts/kernels/gpu'; // COLAB_TS_BACKEND=gpu works too
import type { UNetConfig, UNetParams } from '@colab-ts/nn';
import { paramCount, unetApply, unetInit } from '@colab-ts/nn';
import { tinyUNetConfig, unetStages } from '@colab-ts/nn/testing';
import { array, foldIn, key, normal, uniform } from '@colab-ts/ndarray';
import { machine, median, writeResults } from './harness.js';

const cycles = Number(process.env.COLAB_BENCH_CYCLES ?? 3);
const [H, W] = (process.env.COLAB_BENCH_PATCH ?? '32,32').split(',').map(Number) as [number, number];
const batchSize = 2;
const t = 2;

// A 2D-like nnU-Net-style U-Net ([1, 3, 3] kernels, [1, 2, 2] strides), small enough for the reference backend.
const unet = (outChannels: number): UNetConfig => tinyUNetConfig({ outChannels, stages: unetStages(3, { planar: true }), baseFeatures: 8, maxFeatures: 32 });
const apply = (p: UNetParams<Tensor>, x: Tensor): Tensor => unetApply(p, x);

function batch(seed: number): ColabTrainBatch {
  const k = key(seed);
  const x = normal(foldIn(k, 0), [batchSize, 1, 1, H, W]);
  const u = uniform(foldIn(k, 1), [batchSize, 2]).data;
  const labels = new Int32Array(batchSize * H * W);
  for (let i = 0; i < batchSize; i++) {
    const r0 = Math.floor(u[2 * i]! * (H - 6));
    const c0 = Math.floor(u[2 * i + 1]! * (W - 6));
    for (let r = r0; r < r0 + 6; r++) for (let c = c0; c < c0 + 6; c++) labels[i * H * W + r * W + c] = 1;
  }
  return { x, y: roiOneHot(array(labels, [batchSize, 1, 1, H, W], 'int32'), 2) };
}

const backend = await getBackend();
const batches = Array.from({ length: 10 }, (_, i) => batch(i));
const segParams = unetInit(key(1), unet(1 + t));
const genParams = unetInit(key(2), unet(t));
const baseParams = unetInit(key(1), unet(2));

// Baseline: one segmentation iteration of the 2-output U-Net on the ROI label.
const baseStep = segmentationStep({ seg: apply, totalIterations: 1000 });
let baseState = segmentationInit(baseParams);
let bi = 0;
const baselineOnce = async (): Promise<number> => {
  const b = batches[bi++ % batches.length]!;
  const t0 = performance.now();
  baseState = (await baseStep(baseState, { x: b.x, target: b.y })).state;
  return performance.now() - t0;
};

interface Row {
  mode: MetaGradientMode;
  generatorEvery: number;
  colabMsPerIteration: number;
  baselineMsPerIteration: number;
  ratio: number;
  generatorIterationMs: number;
  plainIterationMs: number;
}

const configs = metaGradientModes.flatMap((mode) => [1, 5].map((every) => ({ mode, every })));
const runners = configs.map(({ mode, every }) => {
  const step = colabStep({ seg: apply, gen: apply, totalIterations: 1000, generatorEvery: every, metaGradientMode: mode, margin: 30, temperature: 20 });
  let state = colabInit(segParams, genParams);
  let ci = 0;
  return async (): Promise<{ ms: number; generator: boolean }> => {
    const b = batches[ci++ % batches.length]!;
    const t0 = performance.now();
    const r = await step(state, b);
    state = r.state;
    return { ms: performance.now() - t0, generator: r.metrics.generatorUpdated };
  };
});

// Warm-up: every configuration and the baseline, until the JIT has seen every graph.
for (let w = 0; w < 2; w++) {
  for (let i = 0; i < 5; i++) await baselineOnce();
  for (const [k, run] of runners.entries()) for (let i = 0; i < configs[k]!.every; i++) await run();
}

// Measurement: whole cycles of `generatorEvery` CoLab iterations, each followed by as many
// baseline iterations, so that machine drift hits both alike; 5 cycles for generatorEvery 1.
const rows: Row[] = [];
for (const [k, run] of runners.entries()) {
  const { mode, every } = configs[k]!;
  const gen: number[] = [];
  const plain: number[] = [];
  const base: number[] = [];
  let colabTotal = 0;
  const n = cycles * (every === 1 ? 5 : 1);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < every; i++) {
      const r = await run();
      colabTotal += r.ms;
      (r.generator ? gen : plain).push(r.ms);
    }
    for (let i = 0; i < every; i++) base.push(await baselineOnce());
  }
  const baseMean = base.reduce((a, b) => a + b, 0) / base.length;
  const perIt = colabTotal / (n * every);
  rows.push({
    mode,
    generatorEvery: every,
    colabMsPerIteration: perIt,
    baselineMsPerIteration: baseMean,
    ratio: perIt / baseMean,
    generatorIterationMs: median(gen),
    plainIterationMs: plain.length > 0 ? median(plain) : Number.NaN,
  });
  const p = plain.length > 0 ? median(plain).toFixed(0) : '-';
  console.log(
    `${mode.padEnd(21)} generatorEvery ${every}: ${perIt.toFixed(0)} ms/iteration vs baseline ${baseMean.toFixed(0)} ms: ${(perIt / baseMean).toFixed(2)}x (generator iteration ${median(gen).toFixed(0)} ms, plain ${p} ms)`,
  );
}
const baselineMs = median(rows.map((r) => r.baselineMsPerIteration));

const path = writeResults('colab', {
  benchmark: 'colab',
  description:
    'Time of one CoLab iteration (Algorithm 1) over one baseline iteration (same U-Net, trained on the ROI label alone), per meta-gradient mode and generatorEvery; means over whole cycles, baseline iterations interleaved.',
  machine: machine(),
  backend: backend.name,
  setup: {
    unet: unet(1 + t),
    segOutputs: 1 + t,
    generatorOutputs: t,
    baselineOutputs: 2,
    paramsSeg: paramCount(segParams),
    paramsGen: paramCount(genParams),
    batch: [batchSize, 1, 1, H, W],
    dtype: 'float32',
    cycles,
  },
  baselineMsPerIteration: baselineMs,
  results: rows,
  paper: 'about 1.3x (generatorEvery 5, PyTorch on a GPU)',
});
console.log(`wrote ${path}`);

/**
 * Sliding-window inference of a whole volume with the 3D U-Net, colab-ts
 * (`predictLogits` of the CLI: `slidingWindow` over `realize` of `unetApply`
 * on the `wasm` backend, 50% overlap, Gaussian blending, 4 windows per batch,
 * no mirroring) against the PyTorch twin's `predict_run` (nnU-Net style: the
 * same window starts, Gaussian map and batch, under `torch.no_grad`), in the
 * same run, 2 threads each: runs alternate colab-ts, PyTorch, ... after a
 * warm-up on the whole volume each; the figure is the ratio of the medians.
 * Configuration: a 1x64x128x128 hash-filled volume, patch 32x64x64 (27
 * windows), U-Net of `unetConfigFor` with 16 features, 4 stages, 2 outputs.
 * Without PyTorch it prints one SKIP line and exits 0.
 * Results: bench/results/sliding-window.json and .md (SW_RESULTS renames them).
 *
 * Run: npx tsx --conditions=@colab-ts/source bench/slidingWindow.bench.ts   (SW_REPS, default 3)
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { predictLogits, unetConfigFor } from '@colab-ts/cli';
import { createWasmBackend } from '@colab-ts/kernels';
import * as nd from '@colab-ts/ndarray';
import { unetInit } from '@colab-ts/nn';
import { median, writeResults } from './harness.js';
import { hashFill, peakRssMiB, skipWithoutTwin, startTwin, twinMdHeader, twinMeta } from './twin.js';

skipWithoutTwin('bench:sliding-window');

const threads = 2;
const reps = Number(process.env.SW_REPS ?? 3);
const volume = [64, 128, 128] as const;
const patch = [32, 64, 64] as const;
const batch = 4;
const features = 16;
const stages = 4;

const be = await createWasmBackend({ threads });
const twin = startTwin(threads);
const info = await twin.ask({ cmd: 'info' });
const load0 = loadavg();
const cfg = unetConfigFor({ patch, features, stages, inChannels: 1 }, 2);
const params = unetInit(nd.key(0), cfg);
const image = nd.array(hashFill(nd.shapeSize(volume), 21), [1, ...volume], 'float32');
const ours = async (img: nd.NDArray): Promise<number> => {
  const t0 = performance.now();
  const out = await predictLogits(params, img, patch, { backend: be });
  const ms = performance.now() - t0;
  if (out.shape.join() !== [2, ...img.shape.slice(1)].join()) throw new Error(`bench:sliding-window: logits ${out.shape.join('x')}`);
  return ms;
};
const torchRun = async (): Promise<number> => ((await twin.ask({ cmd: 'predict_run', patch, batch, reps: 1 })).ms as number[])[0]!;

await twin.ask({ cmd: 'unet_setup', cfg, batch: 1, patch });
await twin.ask({ cmd: 'predict_setup', shape: volume });
// Warm-up: one whole volume each (the engine's kernels and the buffer pool at every batch size; PyTorch's allocator).
await ours(image);
await torchRun();
const oursMs: number[] = [];
const torchMs: number[] = [];
for (let r = 0; r < reps; r++) {
  oursMs.push(await ours(image));
  torchMs.push(await torchRun());
}
const ourPeakMiB = peakRssMiB();
const torchPeakMiB = (await twin.ask({ cmd: 'mem' })).hwm as number;
twin.close();
await be.close();
const row = {
  config: 'sliding-window',
  name: `sliding window: 1x${volume.join('x')} volume, patch ${patch.join('x')}, overlap 0.5, Gaussian, batch ${batch}, ${features} features, ${stages} stages`,
  unet: cfg,
  reps,
  colabTsMs: +median(oursMs).toFixed(1),
  torchMs: +median(torchMs).toFixed(1),
  ratio: +(median(oursMs) / median(torchMs)).toFixed(2),
  colabTsRunsMs: oursMs.map((v) => +v.toFixed(1)),
  torchRunsMs: torchMs.map((v) => +v.toFixed(1)),
  colabTsPeakRssMiB: +ourPeakMiB.toFixed(0),
  torchPeakRssMiB: +torchPeakMiB.toFixed(0),
};
console.log(`${row.name}: colab-ts ${row.colabTsMs} ms, PyTorch ${row.torchMs} ms, ratio ${row.ratio}`);
const meta = twinMeta(
  be.device,
  info,
  threads,
  load0,
  'whole-volume sliding-window inference (predictLogits of @colab-ts/cli vs the twin predict_run); runs alternate colab-ts and PyTorch after a whole-volume warm-up each; medians; ratio = colab-ts / PyTorch',
);
const resultsName = process.env.SW_RESULTS ?? 'sliding-window';
console.log(writeResults(resultsName, { ...meta, results: [row] }));
const md = [
  ...twinMdHeader('Sliding-window inference: colab-ts (wasm) vs PyTorch CPU', meta),
  '| configuration | colab-ts ms | PyTorch ms | ratio | runs colab-ts / PyTorch ms | peak RSS colab-ts / PyTorch MiB |',
  '|---|---|---|---|---|---|',
  `| ${row.name} | ${row.colabTsMs} | ${row.torchMs} | ${row.ratio} | ${row.colabTsRunsMs.join(', ')} / ${row.torchRunsMs.join(', ')} | ${row.colabTsPeakRssMiB} / ${row.torchPeakRssMiB} |`,
  '',
];
writeFileSync(join(import.meta.dirname ?? '.', 'results', `${resultsName}.md`), md.join('\n'));
process.exit(0);

/**
 * The `wasm` backend's buffer pool with and without its best fit (`poolFit`): the peak resident
 * set of a sliding-window pass (bench:sliding-window's configuration: a 1x64x128x128 volume,
 * patch 32x64x64, 16 features, 4 stages, two passes) and of 3D U-Net training steps (3d32 and
 * 3d64 of bench:unet, three steps each), each in a fresh process (peak RSS is per process), the
 * two settings alternating. Also the milliseconds of the last pass or step, for a regression
 * check only (one process each, not a benchmark of speed). Results:
 * bench/results/pool-fit.json and .md.
 *
 * Run: npx tsx --conditions=@colab-ts/source bench/poolFit.bench.ts   (POOL_FIT_REPS processes per cell, default 2)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import { predictLogits, unetConfigFor } from '@colab-ts/cli';
import { createWasmBackend } from '@colab-ts/kernels';
import * as nd from '@colab-ts/ndarray';
import { ceDiceLoss, sgd, toTensors, unetApply, unetInit, type UNetParams } from '@colab-ts/nn';
import { machine, median, writeResults } from './harness.js';
import { hashFill, peakRssMiB } from './twin.js';

const CASES = ['sliding-window', '3d32', '3d64'] as const;
type Case = (typeof CASES)[number];
const FITS = [1, 1.5] as const;

/** One measurement in this process: the peak RSS (MiB) and the last pass's milliseconds. */
async function child(c: Case, fit: number): Promise<{ peakMiB: number; lastMs: number }> {
  const be = await createWasmBackend({ threads: 2, poolFit: fit });
  let lastMs = 0;
  if (c === 'sliding-window') {
    const patch = [32, 64, 64] as const;
    const params = unetInit(nd.key(0), unetConfigFor({ patch, features: 16, stages: 4, inChannels: 1 }, 2));
    const image = nd.array(hashFill(64 * 128 * 128, 21), [1, 64, 128, 128], 'float32');
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      await predictLogits(params, image, patch, { backend: be });
      lastMs = performance.now() - t0;
    }
  } else {
    const side = c === '3d32' ? 32 : 64;
    const patch = [side, side, side] as const;
    let params = unetInit(nd.key(0), unetConfigFor({ patch, features: 16, stages: 4, inChannels: 1 }, 2)) as unknown as UNetParams<nd.NDArray>;
    const x = nd.normal(nd.key(1), [2, 1, ...patch]);
    const target = nd.softmax(nd.normal(nd.key(2), [2, 2, ...patch]), 1);
    const opt = sgd({ lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 });
    let state = opt.init(params);
    const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target, { channels: [0] });
    for (let s = 0; s < 3; s++) {
      const t0 = performance.now();
      const [l, g] = valueAndGrad(loss)(toTensors(params) as unknown as UNetParams);
      const r = await realize({ l, g }, { backend: be });
      [params, state] = opt.step(params, r.g, state);
      lastMs = performance.now() - t0;
    }
  }
  await be.close();
  return { peakMiB: peakRssMiB(), lastMs };
}

if (process.argv[2] === '--child') {
  const r = await child(process.argv[3] as Case, Number(process.argv[4]));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

const reps = Number(process.env.POOL_FIT_REPS ?? 2);
const self = fileURLToPath(import.meta.url);
const load0 = loadavg();
const rows: { case: Case; fit: number; peakMiB: number[]; lastMs: number[] }[] = [];
for (const c of CASES) {
  const cell = new Map<number, { peakMiB: number[]; lastMs: number[] }>(FITS.map((f) => [f, { peakMiB: [], lastMs: [] }]));
  for (let r = 0; r < reps; r++)
    for (const fit of FITS) {
      const out = spawnSync(process.execPath, [...process.execArgv, self, '--child', c, String(fit)], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`bench:pool-fit: ${c} fit ${fit} failed (${out.status}): ${out.stderr}`);
      const m = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { peakMiB: number; lastMs: number };
      cell.get(fit)!.peakMiB.push(+m.peakMiB.toFixed(0));
      cell.get(fit)!.lastMs.push(+m.lastMs.toFixed(0));
      console.log(`${c} fit ${fit}: peak ${m.peakMiB.toFixed(0)} MiB, last ${m.lastMs.toFixed(0)} ms`);
    }
  for (const fit of FITS) rows.push({ case: c, fit, ...cell.get(fit)! });
}
const load1 = loadavg();
const file = writeResults('pool-fit', { machine: machine(), loadAverageStart: load0, loadAverageEnd: load1, reps, rows });
const md = [
  '# The buffer pool with and without its best fit (peak RSS per process)',
  '',
  `${new Date().toISOString()}, ${reps} processes per cell, alternating; load average ${load0.map((v) => v.toFixed(2)).join('/')} at start, ${load1.map((v) => v.toFixed(2)).join('/')} at end.`,
  'poolFit 1: a request takes only a free buffer of its own length (before); 1.5: the default.',
  '',
  '| case | poolFit | peak RSS MiB (median; runs) | last pass / step ms (runs) |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.case} | ${r.fit} | ${median(r.peakMiB)} (${r.peakMiB.join(', ')}) | ${r.lastMs.join(', ')} |`),
  '',
];
writeFileSync(join(import.meta.dirname ?? '.', 'results', 'pool-fit.md'), md.join('\n'));
console.log(md.join('\n'));
console.log(`wrote ${file}`);

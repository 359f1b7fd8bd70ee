/**
 * One U-Net training step (forward, CE + soft Dice loss, backward, SGD with
 * Nesterov momentum) in colab-ts on the `wasm` backend against its PyTorch CPU
 * twin (/work/shared/peers/torch_unet_twin.py, or PEERS_DIR), in the same run:
 * bursts of UNET_BURST consecutive steps (default 3) alternate colab-ts, PyTorch,
 * colab-ts, ... with a 25 ms pause between systems, after UNET_WARMUP_S seconds
 * (default 8) of untimed warm-up steps each (V8's compilers need about 150 demo steps),
 * both on 2 threads; the first step of every burst is not timed, so both sides
 * are measured as in training, steps back to back (a lone step after the other
 * system ran pays PyTorch's thread wake-up: at the demo size that doubled its
 * time); the figure is the ratio of the medians. PyTorch runs with its own
 * OpenMP wait policy (TWIN_OMP_WAIT=passive: the passive policy that earlier
 * results used, which made PyTorch's small steps about 3 times slower).
 * Configurations (argv or UNET_CONFIGS, comma-separated):
 *   demo  2D-like U-Net of the demo: batch 4, 1x1x32x32, 8 features, 3 stages
 *   3d32  3D U-Net: batch 2, 1x32^3, 16 features, 4 stages
 *   3d64  the same at 64^3 (slow: opt in)
 * colab-ts runs as users run it: the built packages (`pnpm bench:unet` builds
 * them first). The TypeScript sources under tsx (`--conditions=@colab-ts/source`)
 * are 5-10% slower at the demo size (tsx wraps functions for their names).
 * Both sides build the network from the same `unetConfigFor` of the CLI, the
 * same hash-filled input and the same ball-shaped two-class target.
 * With UNET_BASELINE=1 a third system joins the rotation: a wasm backend
 * without its buffer pool and with the general kernels (elementwise, where,
 * compare, leakyRelu, leakyReluBackward, sum, max) of the reference, as it ran before issue #10
 * (the graph is today's: fused leakyRelu node, folded instance-norm scale, one-pass SGD).
 * Without PyTorch (`python3 -c 'import torch'` fails) it prints one SKIP line
 * and exits 0. Results: bench/results/unet.json and unet.md.
 *
 * Run: pnpm bench:unet [demo,3d32,3d64]   (UNET_REPS bursts, default 5; UNET_BURST steps per burst, default 3; UNET_COLAB=1,5 adds CoLab steps,
 *   UNET_COLAB_REPS cycles each, default 3; UNET_RESULTS names the results files, default unet)
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import { unetConfigFor } from '@colab-ts/cli';
import type { AnyBackend } from '@colab-ts/kernels';
import { createWasmBackend, referenceBackend } from '@colab-ts/kernels';
import type { NDArray } from '@colab-ts/ndarray';
import * as nd from '@colab-ts/ndarray';
import type { Tensor } from '@colab-ts/autodiff';
import { colabInit, colabStep } from '@colab-ts/colab';
import { ceDiceLoss, paramCount, sgd, toTensors, unetApply, unetInit, type UNetParams } from '@colab-ts/nn';
import { median, writeResults } from './harness.js';
import { hashFill, peakRssMiB, skipWithoutTwin, startTwin, twinMdHeader, twinMeta } from './twin.js';

skipWithoutTwin('bench:unet');

interface Setting {
  readonly name: string;
  readonly features: number;
  readonly stages: number;
  readonly batch: number;
  readonly patch: readonly [number, number, number];
}
const SETTINGS: Readonly<Record<string, Setting>> = {
  demo: { name: 'demo 2D: batch 4, 1x1x32x32, 8 features, 3 stages', features: 8, stages: 3, batch: 4, patch: [1, 32, 32] },
  '3d32': { name: '3D: batch 2, 1x32^3, 16 features, 4 stages', features: 16, stages: 4, batch: 2, patch: [32, 32, 32] },
  '3d64': { name: '3D: batch 2, 1x64^3, 16 features, 4 stages', features: 16, stages: 4, batch: 2, patch: [64, 64, 64] },
};
const chosen = (process.argv[2] ?? process.env.UNET_CONFIGS ?? 'demo,3d32').split(',').map((s) => s.trim());
for (const c of chosen) if (SETTINGS[c] === undefined) throw new Error(`bench:unet: unknown configuration ${c} (known: ${Object.keys(SETTINGS).join(', ')})`);
const reps = Number(process.env.UNET_REPS ?? 5);
/** Consecutive steps per system and repetition; all but the first are timed. */
const burst = Number(process.env.UNET_BURST ?? 3);
if (!Number.isInteger(burst) || burst < 1) throw new Error(`bench:unet: UNET_BURST must be a whole number >= 1, got ${process.env.UNET_BURST}`);
/** The timed steps of a burst (all of them when the burst is one step). */
const timed = (ms: readonly number[]): number[] => (ms.length > 1 ? ms.slice(1) : [...ms]);
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 25));
/**
 * Seconds of untimed steps each system runs before its first timed burst (and before each CoLab
 * setting). V8 compiles JavaScript and WebAssembly in tiers: at the demo size a step takes about
 * 80 ms for the first 5 steps, 25 for the next 15, 17 around step 50 and 12 from step 160 on
 * (measured 2026-12-04), so a few warm-up steps time the compilers, not the training loop.
 */
const warmupS = Number(process.env.UNET_WARMUP_S ?? 8);
if (!(warmupS >= 0)) throw new Error(`bench:unet: UNET_WARMUP_S must be a number of seconds >= 0, got ${process.env.UNET_WARMUP_S}`);
/** Runs `run` (which performs `n` steps) until `warmupS` seconds have passed, at least once. */
async function warmUp(run: (n: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  do {
    await run(n === 0 ? 1 : 4);
    n += n === 0 ? 1 : 4;
  } while (performance.now() - t0 < warmupS * 1000);
  return n;
}
// CoLab steps (Algorithm 1, forward-over-reverse meta-gradient, the default) with the generator every k iterations, per configuration.
const colabEvery = (process.env.UNET_COLAB ?? '')
  .split(',')
  .filter((v) => v.trim() !== '')
  .map(Number);
const colabReps = Number(process.env.UNET_COLAB_REPS ?? 3);
const threads = 2;

/** The twin's `ball_labels`: one ball (a disk when D = 1) per sample, one-hot `[B, 2, D, H, W]` (ROI first). */
function ballTarget(B: number, [D, H, W]: readonly [number, number, number]): NDArray {
  const r = Math.max(1, Math.min(H, W, D > 1 ? D : H) / 4);
  const v = D * H * W;
  const out = new Float32Array(B * 2 * v);
  for (let b = 0; b < B; b++)
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const inside = Math.hypot(z - (D - 1) / 2, y - (H / 2 + b), x - (W / 2 - b)) <= r ? 1 : 0;
          const i = (z * H + y) * W + x;
          out[b * 2 * v + i] = inside;
          out[(b * 2 + 1) * v + i] = 1 - inside;
        }
  return nd.array(out, [B, 2, D, H, W], 'float32');
}

/** The twin's Eq. 8 soft mask of `ball_labels`: 1 within 6 voxels of the ball, then `exp(-(d - 6) / 4)`, `[B, 1, D, H, W]`. */
function ballMask(B: number, [D, H, W]: readonly [number, number, number]): NDArray {
  const r = Math.max(1, Math.min(H, W, D > 1 ? D : H) / 4);
  const v = D * H * W;
  const out = new Float32Array(B * v);
  for (let b = 0; b < B; b++)
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const d = Math.max(0, Math.hypot(z - (D - 1) / 2, y - (H / 2 + b), x - (W / 2 - b)) - r);
          out[b * v + (z * H + y) * W + x] = d < 6 ? 1 : Math.exp(-(d - 6) / 4);
        }
  return nd.array(out, [B, 1, D, H, W], 'float32');
}

// UNET_POOL_MIB caps the wasm backend's buffer pool (default: the backend's own default).
const poolMiB = process.env.UNET_POOL_MIB === undefined ? undefined : Number(process.env.UNET_POOL_MIB);
const be = await createWasmBackend({ threads, ...(poolMiB === undefined ? {} : { poolBytes: poolMiB * 2 ** 20 }) });
const GENERAL = ['unary', 'binary', 'compare', 'where', 'leakyRelu', 'leakyReluBackward', 'sum', 'max'] as const;
// The backend as it was before its float32 loops and buffer pool: its own engine, no pool, the reference's general kernels.
const old = process.env.UNET_BASELINE === '1' ? await createWasmBackend({ threads, poolBytes: 0 }) : undefined;
const baseline: AnyBackend | undefined =
  old === undefined ? undefined : { ...old, kernels: { ...old.kernels, ...Object.fromEntries(GENERAL.map((k) => [k, referenceBackend.kernels[k]])) } };
const twin = startTwin(threads);
const info = await twin.ask({ cmd: 'info' });
const load0 = loadavg();
const rows = [];
for (const key of chosen) {
  const s = SETTINGS[key]!;
  const cfg = unetConfigFor({ patch: s.patch, features: s.features, stages: s.stages, inChannels: 1 }, 2);
  let params = unetInit(nd.key(0), cfg) as unknown as UNetParams<NDArray>;
  const x = nd.array(hashFill(s.batch * nd.shapeSize(s.patch), 11), [s.batch, 1, ...s.patch], 'float32');
  const target = ballTarget(s.batch, s.patch);
  const opt = sgd({ lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 });
  let state = opt.init(params);
  const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target, { channels: [0] });
  const step = async (backend: AnyBackend = be): Promise<number> => {
    const t0 = performance.now();
    const [l, g] = valueAndGrad(loss)(toTensors(params) as unknown as UNetParams);
    const r = await realize({ l, g }, { backend });
    [params, state] = opt.step(params, r.g, state);
    return performance.now() - t0;
  };
  const setup = await twin.ask({ cmd: 'unet_setup', cfg, batch: s.batch, patch: s.patch, colab: colabEvery.length > 0 });
  const ours: number[] = [];
  const torch: number[] = [];
  const before: number[] = [];
  const warmOurs = await warmUp(async (n) => {
    for (let i = 0; i < n; i++) await step();
  });
  if (baseline !== undefined)
    await warmUp(async (n) => {
      for (let i = 0; i < n; i++) await step(baseline);
    });
  const warmTorch = await warmUp((n) => twin.ask({ cmd: 'unet_plain_run', reps: n }));
  for (let r = 0; r < reps; r++) {
    const mine: number[] = [];
    for (let b = 0; b < burst; b++) mine.push(await step());
    ours.push(...timed(mine));
    await pause();
    if (baseline !== undefined) before.push(await step(baseline));
    torch.push(...timed((await twin.ask({ cmd: 'unet_plain_run', reps: burst })).ms as number[]));
    await pause();
  }
  // Peak RSS after the plain steps (before any CoLab step): the process's high-water mark so far.
  const ourPeakMiB = peakRssMiB();
  const torchPeakMiB = (await twin.ask({ cmd: 'mem' })).hwm as number;
  const colab = [];
  for (const every of colabEvery) {
    // The twin's CoLab: f with 1 + t outputs, g with t (t = 2), SGD Nesterov / Adam 3e-4, labels masked by the ball's Eq. 8 mask.
    const t = 2;
    const seg = (p: never, xx: Tensor) => unetApply(p as UNetParams, xx);
    const cstep = colabStep({ seg, gen: seg, generatorEvery: every, totalIterations: 1000 });
    let cstate = colabInit(
      unetInit(nd.key(1), unetConfigFor({ patch: s.patch, features: s.features, stages: s.stages, inChannels: 1 }, 1 + t)),
      unetInit(nd.key(2), unetConfigFor({ patch: s.patch, features: s.features, stages: s.stages, inChannels: 1 }, t)),
    );
    const batch = { x, y: target, M: ballMask(s.batch, s.patch) };
    const cycle = async (): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < every; i++) cstate = (await cstep(cstate, batch)).state;
      return (performance.now() - t0) / every;
    };
    const oursC: number[] = [];
    const torchC: number[] = [];
    await warmUp(async (n) => {
      for (let i = 0; i < n; i++) await cycle();
    });
    await warmUp((n) => twin.ask({ cmd: 'colab_run', mode: 'forward-over-reverse', every, reps: n }));
    for (let r = 0; r < colabReps; r++) {
      const mine: number[] = [];
      for (let b = 0; b < burst; b++) mine.push(await cycle());
      oursC.push(...timed(mine));
      await pause();
      torchC.push(...timed((await twin.ask({ cmd: 'colab_run', mode: 'forward-over-reverse', every, reps: burst })).ms as number[]).map((v) => v / every));
      await pause();
    }
    const c = {
      generatorEvery: every,
      colabTsMsPerIteration: +median(oursC).toFixed(1),
      torchMsPerIteration: +median(torchC).toFixed(1),
      ratio: +(median(oursC) / median(torchC)).toFixed(2),
      colabTsOverPlain: +(median(oursC) / median(ours)).toFixed(2),
      torchOverPlain: +(median(torchC) / median(torch)).toFixed(2),
      colabTsRunsMs: oursC.map((v) => +v.toFixed(1)),
      torchRunsMs: torchC.map((v) => +v.toFixed(1)),
    };
    colab.push(c);
    console.log(
      `  CoLab, generator every ${every}: colab-ts ${c.colabTsMsPerIteration} ms/iteration (${c.colabTsOverPlain}x its plain step), PyTorch ${c.torchMsPerIteration} ms (${c.torchOverPlain}x), ratio ${c.ratio}`,
    );
  }
  const row = {
    config: key,
    name: s.name,
    unet: cfg,
    parameters: paramCount(params),
    torchParameters: setup.params_base,
    reps,
    warmUpSteps: { colabTs: warmOurs, torch: warmTorch },
    colabTsMs: +median(ours).toFixed(1),
    torchMs: +median(torch).toFixed(1),
    ratio: +(median(ours) / median(torch)).toFixed(2),
    ...(baseline === undefined
      ? {}
      : {
          referenceGeneralMs: +median(before).toFixed(1),
          referenceGeneralRatio: +(median(before) / median(torch)).toFixed(2),
          referenceGeneralRunsMs: before.map((v) => +v.toFixed(1)),
        }),
    colabTsRunsMs: ours.map((v) => +v.toFixed(1)),
    torchRunsMs: torch.map((v) => +v.toFixed(1)),
    colabTsPeakRssMiB: +ourPeakMiB.toFixed(0),
    torchPeakRssMiB: +torchPeakMiB.toFixed(0),
    peakRssRatio: +(ourPeakMiB / torchPeakMiB).toFixed(2),
    colab,
  };
  rows.push(row);
  console.log(
    `${s.name}: colab-ts ${row.colabTsMs} ms, PyTorch ${row.torchMs} ms, ratio ${row.ratio}; peak RSS ${row.colabTsPeakRssMiB} vs ${row.torchPeakRssMiB} MiB${baseline === undefined ? '' : `; with the reference general kernels ${median(before).toFixed(1)} ms, ratio ${(median(before) / median(torch)).toFixed(2)}`}`,
  );
}
twin.close();
await be.close();
await old?.close();
const meta = {
  ...twinMeta(
    be.device,
    info,
    threads,
    load0,
    `one training step (forward, loss, backward, SGD Nesterov); bursts of ${burst} steps alternate colab-ts and PyTorch (25 ms apart) after ${warmupS} s of warm-up steps each, ${burst > 1 ? 'the first step of each burst not timed' : 'every step timed'}; medians; ratio = colab-ts / PyTorch; PyTorch's OpenMP wait policy: ${process.env.TWIN_OMP_WAIT === 'passive' ? 'passive (TWIN_OMP_WAIT)' : 'its own default'}`,
  ),
  poolMiB: poolMiB ?? 'default',
  // Which colab-ts code ran: the built packages (dist) or the TypeScript sources.
  code: import.meta.resolve('@colab-ts/kernels').includes('/dist/') ? 'built packages (dist)' : 'TypeScript sources (tsx)',
};
const resultsName = process.env.UNET_RESULTS ?? 'unet';
console.log(writeResults(resultsName, { ...meta, results: rows }));
const md = [
  ...twinMdHeader('U-Net training step: colab-ts (wasm) vs PyTorch CPU', meta),
  `colab-ts code: ${meta.code}; backend: ${meta.backend}.`,
  '',
  '| configuration | parameters | colab-ts ms | PyTorch ms | ratio | colab-ts, reference general kernels: ms (ratio) | peak RSS colab-ts / PyTorch MiB (ratio) |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.parameters} | ${r.colabTsMs} | ${r.torchMs} | ${r.ratio} | ${'referenceGeneralMs' in r ? `${r.referenceGeneralMs} (${r.referenceGeneralRatio})` : '-'} | ${r.colabTsPeakRssMiB} / ${r.torchPeakRssMiB} (${r.peakRssRatio}) |`,
  ),
  '',
  "Peak RSS: each process's high-water mark after the configuration's plain steps (so at least that of any configuration before it in the run).",
  '',
  ...(colabEvery.length === 0
    ? []
    : [
        'CoLab (Algorithm 1, forward-over-reverse meta-gradient; segmentation U-Net with 3 outputs, generator with 2; ms per iteration over whole cycles of `every` iterations, the first of which updates the generator):',
        '',
        '| configuration | generator every | colab-ts ms/it | PyTorch ms/it | ratio | colab-ts CoLab / plain step | PyTorch CoLab / plain step |',
        '|---|---|---|---|---|---|---|',
        ...rows.flatMap((r) =>
          r.colab.map(
            (c) =>
              `| ${r.name} | ${c.generatorEvery} | ${c.colabTsMsPerIteration} | ${c.torchMsPerIteration} | ${c.ratio} | ${c.colabTsOverPlain} | ${c.torchOverPlain} |`,
          ),
        ),
        '',
      ]),
];
writeFileSync(join(import.meta.dirname ?? '.', 'results', `${resultsName}.md`), md.join('\n'));
process.exit(0);

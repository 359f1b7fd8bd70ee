/**
 * @colab-ts/kernels against TensorFlow.js 4.22's CPU backend, in one run:
 * conv3d forward, and forward + both backward passes (input and weight
 * gradients), on batch 2, 16 -> 16 channels, 32^3 voxels, 3x3x3 kernel,
 * padding 1, float32, for TF.js cpu and this package's reference, wasm and
 * gpu backends. Inputs are identical for every system; before timing, TF.js
 * is checked against the reference on a small shape, and at the benchmark
 * shape every system's outputs are checked against the reference's.
 * Medians after warm-up (runs interleaved across systems so load drift hits
 * all alike; the reference, seconds per pass, gets few runs); then the wasm
 * backend again on its own (`wasm-alone`: nothing between its runs).
 * GFLOP/s counts 2 N Cout Cin 27 D H W per pass (three passes for forward + backward).
 * Results: bench/results/kernels.json and bench/results/kernels.md.
 *
 * Run: pnpm bench:kernels   (BENCH_QUICK=1 for fewer runs; `--device`, or pnpm bench:kernels:device, for the GPU run)
 */
import { renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NDArray } from '@colab-ts/ndarray';
import { array, key, toTypedArray, transpose, uniform } from '@colab-ts/ndarray';
import { relError } from '@colab-ts/ndarray/testing';
import type { AnyBackend } from '@colab-ts/kernels';
import { createWasmBackend, referenceBackend } from '@colab-ts/kernels';
import { createGpuBackend } from '@colab-ts/kernels/gpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { machine, median, writeResults } from './harness.js';

/** The benchmark problem. */
export const SHAPE = { x: [2, 16, 32, 32, 32], w: [16, 16, 3, 3, 3], padding: 1 } as const;
/** FLOPs of one pass (forward, input gradient or weight gradient). */
export const FLOPS_PER_PASS = 2 * 2 * 16 * 16 * 27 * 32 * 32 * 32;

/** One system under test: its two timed programs, each returning [y] or [y, dx, dw] as flat float32. */
export interface System {
  readonly name: string;
  readonly device: string;
  readonly runs: number;
  readonly warmup: number;
  readonly forward: () => Promise<Float32Array[]>;
  readonly forwardBackward: () => Promise<Float32Array[]>;
}

/** Timing of one program. */
export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
  readonly gflops: number;
}

const f32 = (x: NDArray): Float32Array => toTypedArray(x) as Float32Array;

/** The inputs, identical for every system. */
export function inputs(): { x: NDArray; w: NDArray; dy: NDArray } {
  return {
    x: uniform(key(1), [...SHAPE.x], { low: -1, high: 1 }),
    w: uniform(key(2), [...SHAPE.w], { low: -0.2, high: 0.2 }),
    dy: uniform(key(3), [...SHAPE.x], { low: -1, high: 1 }),
  };
}

/** A system over one of this package's backends: inputs uploaded once, outputs downloaded each run. */
export async function backendSystem(
  name: string,
  be: AnyBackend,
  data: { x: NDArray; w: NDArray; dy: NDArray },
  runs: number,
  warmup: number,
): Promise<System> {
  const x = await be.upload(data.x);
  const w = await be.upload(data.w);
  const dy = await be.upload(data.dy);
  const o = { padding: SHAPE.padding };
  const k = be.kernels;
  return {
    name,
    device: be.device,
    runs,
    warmup,
    forward: async () => [f32(await be.download(await k.conv3d(x, w, null, o)))],
    forwardBackward: async () => {
      const y = await k.conv3d(x, w, null, o);
      const dx = await k.conv3dBackwardInput(dy, w, data.x.shape, o);
      const dw = await k.conv3dBackwardWeights(x, dy, data.w.shape, o);
      return [f32(await be.download(y)), f32(await be.download(dx)), f32(await be.download(dw))];
    },
  };
}

/** NCDHW -> NDHWC values for TF.js, and back. */
const toNDHWC = (x: NDArray): Float32Array => f32(transpose(x, [0, 2, 3, 4, 1]));
const fromNDHWC = (data: Float32Array | Int32Array | Uint8Array, shape: readonly number[]): Float32Array => {
  const [n, c, d, h, w] = shape as [number, number, number, number, number];
  return f32(transpose(array(data, [n, d, h, w, c], 'float32'), [0, 4, 1, 2, 3]));
};
/** [Cout, Cin, kD, kH, kW] -> TF.js filter [kD, kH, kW, Cin, Cout], and back. */
const toDHWIO = (w: NDArray): Float32Array => f32(transpose(w, [2, 3, 4, 1, 0]));
const fromDHWIO = (data: Float32Array | Int32Array | Uint8Array, shape: readonly number[]): Float32Array => {
  const [o, i, kd, kh, kw] = shape as [number, number, number, number, number];
  return f32(transpose(array(data, [kd, kh, kw, i, o], 'float32'), [4, 3, 0, 1, 2]));
};

/** TF.js cpu: tf.conv3d forward, its backprop kernels (Conv3DBackpropInputV2, Conv3DBackpropFilterV2) backward. */
export function tfjsSystem(data: { x: NDArray; w: NDArray; dy: NDArray }, runs: number, warmup: number): System {
  const xs = data.x.shape;
  const ws = data.w.shape;
  const [n, c, d, h, wd] = xs as [number, number, number, number, number];
  const x = tf.tensor5d(toNDHWC(data.x), [n, d, h, wd, c]);
  const w = tf.tensor5d(toDHWIO(data.w), [ws[2]!, ws[3]!, ws[4]!, ws[1]!, ws[0]!]);
  const dy = tf.tensor5d(toNDHWC(data.dy), [n, d, h, wd, ws[0]!]);
  const pass = {
    forward: () => tf.conv3d(x, w, 1, 'same'),
    dx: () => tf.engine().runKernel(tf.Conv3DBackpropInputV2, { dy, filter: w }, { strides: [1, 1, 1], pad: 'same', inputShape: x.shape }) as tf.Tensor,
    dw: () => tf.engine().runKernel(tf.Conv3DBackpropFilterV2, { x, dy }, { strides: [1, 1, 1], pad: 'same', filterShape: w.shape }) as tf.Tensor,
  };
  const read = (
    t: tf.Tensor,
    back: (v: Float32Array | Int32Array | Uint8Array, s: readonly number[]) => Float32Array,
    shape: readonly number[],
  ): Float32Array => {
    const v = t.dataSync();
    t.dispose();
    return back(v, shape);
  };
  return {
    name: 'tfjs-cpu',
    device: `TensorFlow.js ${tf.version_core} cpu`,
    runs,
    warmup,
    forward: async () => [read(pass.forward(), fromNDHWC, [n, ws[0]!, d, h, wd])],
    forwardBackward: async () => [read(pass.forward(), fromNDHWC, [n, ws[0]!, d, h, wd]), read(pass.dx(), fromNDHWC, xs), read(pass.dw(), fromDHWIO, ws)],
  };
}

/**
 * TF.js on a small shape, forward and both gradients (its backprop kernels), against the reference.
 * (tf.grads is no second opinion here: tfjs-core alone registers no gradients, and its
 * register_all_gradients module does not load under Node's ESM resolver.)
 */
export async function checkTfjsSmall(): Promise<Record<string, number>> {
  const small = {
    x: uniform(key(11), [1, 3, 5, 6, 4], { low: -1, high: 1 }),
    w: uniform(key(12), [2, 3, 3, 3, 3], { low: -1, high: 1 }),
    dy: uniform(key(13), [1, 2, 5, 6, 4], { low: -1, high: 1 }),
  };
  const t = tfjsSystem(small, 1, 0);
  const r = await backendSystem('reference', referenceBackend, small, 1, 0);
  const [ty, tdx, tdw] = await t.forwardBackward();
  const [ry, rdx, rdw] = await r.forwardBackward();
  return {
    forward: relError(ty!, ry!),
    backwardInput: relError(tdx!, rdx!),
    backwardWeights: relError(tdw!, rdw!),
  };
}

/** Times every system's two programs, interleaved run by run; returns timings and the first outputs. */
export async function timeSystems(systems: readonly System[]): Promise<Record<string, { forward: Timing; forwardBackward: Timing; outputs: Float32Array[] }>> {
  const times: Record<string, { f: number[]; fb: number[]; outputs: Float32Array[] }> = {};
  for (const s of systems) {
    times[s.name] = { f: [], fb: [], outputs: [] };
    for (let i = 0; i < s.warmup; i++) {
      await s.forward();
      times[s.name]!.outputs = await s.forwardBackward();
    }
  }
  const rounds = Math.max(...systems.map((s) => s.runs));
  for (let r = 0; r < rounds; r++) {
    for (const s of systems) {
      if (r >= s.runs) continue;
      const t = times[s.name]!;
      let t0 = performance.now();
      await s.forward();
      t.f.push(performance.now() - t0);
      t0 = performance.now();
      const out = await s.forwardBackward();
      t.fb.push(performance.now() - t0);
      if (t.outputs.length === 0) t.outputs = out;
      process.stdout.write('.');
    }
  }
  process.stdout.write('\n');
  const timing = (ms: number[], passes: number): Timing => {
    const m = median(ms);
    return { medianMs: round(m), minMs: round(Math.min(...ms)), runs: ms.length, gflops: round((passes * FLOPS_PER_PASS) / (m * 1e6)) };
  };
  return Object.fromEntries(
    systems.map((s) => [s.name, { forward: timing(times[s.name]!.f, 1), forwardBackward: timing(times[s.name]!.fb, 3), outputs: times[s.name]!.outputs }]),
  );
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

/** Writes (and prints) a run's results record and markdown table as `name`, then closes the backends it used. */
export async function publish(name: string, { json, md }: ReturnType<typeof report>, backends: readonly { close(): Promise<void> }[]): Promise<void> {
  console.log(md);
  console.log(writeResults(name, json));
  console.log(writeMarkdown(name, md));
  for (const b of backends) await b.close();
}

/** The results record and its markdown table. */
export function report(
  systems: readonly System[],
  timed: Awaited<ReturnType<typeof timeSystems>>,
  checks: unknown,
  note: string,
): { json: Record<string, unknown>; md: string } {
  const base = timed['tfjs-cpu'];
  const rows = systems.map((s) => {
    const t = timed[s.name]!;
    return {
      system: s.name,
      device: s.device,
      forward: { ...t.forward, xTfjsCpu: base ? round(t.forward.gflops / base.forward.gflops) : null },
      forwardBackward: { ...t.forwardBackward, xTfjsCpu: base ? round(t.forwardBackward.gflops / base.forwardBackward.gflops) : null },
    };
  });
  const json = {
    benchmark: 'kernels',
    problem: { x: SHAPE.x, w: SHAPE.w, padding: SHAPE.padding, dtype: 'float32', flopsPerPass: FLOPS_PER_PASS },
    statistic: 'median after warm-up; runs interleaved across systems',
    machine: { ...machine(), loadavg: loadavg().map(round) },
    note,
    checks,
    results: rows,
  };
  const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
  const md = [
    `# conv3d: @colab-ts/kernels vs TensorFlow.js cpu`,
    '',
    `x [${SHAPE.x.join(', ')}], w [${SHAPE.w.join(', ')}], padding ${SHAPE.padding}, float32; ${(FLOPS_PER_PASS / 1e9).toFixed(3)} GFLOP per pass.`,
    `${json.machine.cpu}, ${json.machine.cores} cores, Node ${json.machine.node}, ${json.machine.date}; load average ${json.machine.loadavg.join(', ')}.`,
    note,
    '',
    '| system | device | forward ms | forward GFLOP/s | x TF.js cpu | fwd+bwd ms | fwd+bwd GFLOP/s | x TF.js cpu | runs |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.system} | ${r.device} | ${r.forward.medianMs.toFixed(1)} | ${fmt(r.forward.gflops)} | ${fmt(r.forward.xTfjsCpu)} | ${r.forwardBackward.medianMs.toFixed(1)} | ${fmt(r.forwardBackward.gflops)} | ${fmt(r.forwardBackward.xTfjsCpu)} | ${r.forward.runs} |`,
    ),
    '',
    'Checks (largest |difference| / largest |reference value|):',
    '```json',
    JSON.stringify(checks, null, 2),
    '```',
    '',
  ].join('\n');
  return { json, md };
}

/** Writes `bench/results/<name>.md` atomically. */
export function writeMarkdown(name: string, md: string): string {
  const path = join(dirname(fileURLToPath(import.meta.url)), 'results', `${name}.md`);
  writeFileSync(`${path}.tmp`, md);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Checks every system's first outputs against the reference's (or the first system's). */
export function crossCheck(timed: Awaited<ReturnType<typeof timeSystems>>, against: string): Record<string, Record<string, number>> {
  const ref = timed[against]!.outputs;
  const names = ['forward', 'backwardInput', 'backwardWeights'];
  return Object.fromEntries(
    Object.entries(timed)
      .filter(([n]) => n !== against)
      .map(([n, t]) => [`${n} vs ${against}`, Object.fromEntries(t.outputs.map((o, i) => [names[i]!, Number(relError(o, ref[i]!).toExponential(2))]))]),
  );
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  await tf.setBackend('cpu');
  await tf.ready();
  console.log('TF.js vs reference on a small shape ...');
  const small = await checkTfjsSmall();
  console.log(small);
  const tol = 1e-5;
  if (Object.values(small).some((e) => !(e < tol))) throw new Error(`TF.js disagrees with the reference on the small shape: ${JSON.stringify(small)}`);

  const data = inputs();
  const wasm = await createWasmBackend();
  const gpu = await createGpuBackend();
  const systems: System[] = [
    tfjsSystem(data, quick ? 2 : 7, 1),
    await backendSystem('reference', referenceBackend, data, quick ? 1 : 2, 0),
    await backendSystem('wasm', wasm, data, quick ? 3 : 15, 2),
    await backendSystem('gpu', gpu, data, quick ? 1 : 3, 1),
  ];
  console.log(`timing ${systems.map((s) => `${s.name} (${s.device})`).join(', ')}; load average ${loadavg().map(round).join(', ')}`);
  const interleaved = await timeSystems(systems);
  // The same wasm backend timed again with nothing between its runs: interleaved with TF.js, the reference and
  // gpu.js (whose garbage and threads run beside it), its median is up to a third slower than alone.
  const alone: System = { ...(await backendSystem('wasm-alone', wasm, data, quick ? 3 : 15, 1)), device: `${wasm.device}, no other system between its runs` };
  const timed = { ...interleaved, ...(await timeSystems([alone])) };
  systems.push(alone);
  const checks = { tfjsVsReferenceSmallShape: small, benchmarkShape: crossCheck(timed, 'reference') };
  const bad = Object.entries(checks.benchmarkShape).filter(([, e]) => Object.values(e).some((v) => !(v < 1e-4)));
  if (bad.length > 0) throw new Error(`outputs disagree at the benchmark shape: ${JSON.stringify(bad)}`);
  const note = `The machine is shared (other processes ran alongside: load average above), so timings are noisy; wasm uses ${wasm.threads} worker threads, gpu is gpu.js ${gpu.mode}.`;
  await publish('kernels', report(systems, timed, checks, note), [wasm, gpu]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `--device`: the same benchmark on a GPU (bench/kernels-device.ts), skipping cleanly without one.
  (process.argv.includes('--device') ? import('./kernels-device.js').then(() => undefined) : main()).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

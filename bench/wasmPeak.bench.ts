/**
 * The FP32 arithmetic ceiling of WebAssembly SIMD on this machine against the native one, in the same run:
 * 12 independent chains of `x = x * b + c` on f32x4 (mul + add, and relaxed SIMD's `relaxed_madd` where it
 * validates), 1 and 2 threads, beside the peers' `peak.c` (AVX-512 / AVX2 FMA, SSE mul + add; built with `cc`
 * when one is installed, else skipped). It bounds what any WebAssembly kernel can reach here: issue #10's
 * 32^3 target needs the step's convolutions at a rate set against PyTorch's, which uses the native width.
 *
 * Run: `pnpm bench:wasm-peak` (about 10 s). Writes bench/results/wasm-peak.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { type FunctionBuilder, ModuleBuilder, T } from '../packages/kernels/src/wasm/emitter.js';
import { machine, writeResults } from './harness.js';

const CHAINS = 12;
const LANES = 4;

/** A module exporting `run(n)`: n rounds of CHAINS independent f32x4 multiply-adds; returns one lane of their sum. */
function peakModule(fma: boolean): Uint8Array {
  const m = new ModuleBuilder({ module: 'env', name: 'mem', initial: 1, maximum: 1, shared: false });
  const f: FunctionBuilder = m.addFunction('run', [T.i32], [T.f32]);
  const n = f.param(0);
  const acc = Array.from({ length: CHAINS }, () => f.local(T.v128));
  const b = f.local(T.v128);
  const c = f.local(T.v128);
  f.f32Const(1).f32x4Splat();
  for (const a of acc) f.tee(a);
  f.drop();
  f.f32Const(0.999999).f32x4Splat().set(b);
  f.f32Const(1e-7).f32x4Splat().set(c);
  f.block().loop();
  for (const a of acc) {
    if (fma) f.get(a).get(b).get(c).f32x4RelaxedMadd().set(a);
    else f.get(a).get(b).f32x4Mul().get(c).f32x4Add().set(a);
  }
  f.get(n).i32Const(1).i32Sub().tee(n).i32Const(0).i32GtS().brIf(0);
  f.end().end();
  f.get(acc[0]!);
  for (const a of acc.slice(1)) f.get(a).f32x4Add();
  f.f32x4ExtractLane(0);
  return m.emit();
}

/** Runs `run(n)` on `threads` worker threads started together; returns GFLOP/s over the slowest thread's time. */
async function gflops(bytes: Uint8Array, threads: number, n: number): Promise<number> {
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { setFlagsFromString } = require('node:v8');
    try { setFlagsFromString('--experimental-wasm-relaxed-simd'); } catch {}
    const mod = new WebAssembly.Module(workerData.bytes);
    const inst = new WebAssembly.Instance(mod, { env: { mem: new WebAssembly.Memory({ initial: 1, maximum: 1 }) } });
    // Warm-up calls until V8 has tiered the function up from its baseline compiler (Liftoff) to TurboFan:
    // a call already running stays on the code it started with.
    for (let i = 0; i < 40; i++) inst.exports.run(200000);
    const go = new Int32Array(workerData.go);
    Atomics.add(go, 1, 1);
    Atomics.wait(go, 0, 0);
    const t0 = performance.now();
    const s = inst.exports.run(workerData.n);
    parentPort.postMessage({ ms: performance.now() - t0, s });`;
  const go = new SharedArrayBuffer(8);
  const flag = new Int32Array(go);
  const ws = Array.from({ length: threads }, () => new Worker(src, { eval: true, workerData: { bytes, n, go } }));
  const done = ws.map((w) => new Promise<number>((res, rej) => w.once('message', (m: { ms: number }) => res(m.ms)).once('error', rej)));
  while (Atomics.load(flag, 1) < threads) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  const ms = Math.max(...(await Promise.all(done)));
  await Promise.all(ws.map((w) => w.terminate()));
  return (threads * n * CHAINS * LANES * 2) / (ms / 1e3) / 1e9;
}

/** Best of `reps` (a ceiling: the second vCPU is sometimes taken away on a shared host). */
async function best(bytes: Uint8Array, threads: number, n: number, reps = 3): Promise<number> {
  let g = 0;
  for (let r = 0; r < reps; r++) g = Math.max(g, await gflops(bytes, threads, n));
  return g;
}

/** The peers' peak.c, built with `cc` into a temporary folder; undefined (with the reason) when that is not possible. */
function nativePeak(): { readonly result?: Record<string, unknown>; readonly skipped?: string } {
  const src = join(process.env.PEERS_DIR ?? '/work/shared/peers', 'peak.c');
  if (!existsSync(src)) return { skipped: `no ${src}` };
  const exe = join(mkdtempSync(join(tmpdir(), 'peak-')), 'peak');
  const cc = spawnSync('cc', ['-O2', '-pthread', src, '-o', exe], { encoding: 'utf8' });
  if (cc.status !== 0) return { skipped: `cc failed or is missing: ${(cc.stderr ?? String(cc.error)).trim().split('\n')[0]}` };
  const run = spawnSync(exe, [], { encoding: 'utf8' });
  if (run.status !== 0) return { skipped: `peak exited with ${run.status}` };
  return { result: JSON.parse(run.stdout) as Record<string, unknown> };
}

const N = Number(process.env.PEAK_N ?? 100_000_000);
setFlagsFromString('--experimental-wasm-relaxed-simd');
const muladd = peakModule(false);
const madd = peakModule(true);
const hasRelaxed = WebAssembly.validate(madd);
const load0 = loadavg();
const wasm = {
  f32x4_mul_add: { gflops_1t: await best(muladd, 1, N), gflops_2t: await best(muladd, 2, N) },
  ...(hasRelaxed ? { f32x4_relaxed_madd: { gflops_1t: await best(madd, 1, N), gflops_2t: await best(madd, 2, N) } } : {}),
};
const native = nativePeak();
const load1 = loadavg();
const results = {
  machine: machine(),
  loadavg: { start: load0, end: load1 },
  n: N,
  chains: CHAINS,
  wasm,
  native: native.result ?? null,
  nativeSkipped: native.skipped ?? null,
};
const path = writeResults('wasm-peak', results);

const f1 = (v: unknown): string => (typeof v === 'number' ? v.toFixed(1) : '-');
const nat = (native.result ?? {}) as Record<string, { gflops_1t: number; gflops_2t: number }>;
const wasmBest2 = Math.max(...Object.values(wasm).map((w) => w.gflops_2t));
const rows = [
  ...Object.entries(wasm).map(([k, v]) => `| WebAssembly ${k.replaceAll('_', '.')} | ${f1(v.gflops_1t)} | ${f1(v.gflops_2t)} | 1.00 |`),
  ...['avx512_fma', 'avx2_fma', 'sse_muladd']
    .filter((k) => nat[k] !== undefined)
    .map((k) => `| native ${k} (peak.c) | ${f1(nat[k]!.gflops_1t)} | ${f1(nat[k]!.gflops_2t)} | ${(nat[k]!.gflops_2t / wasmBest2).toFixed(2)} |`),
];
const md = [
  '# FP32 arithmetic ceiling: WebAssembly SIMD against native, same run',
  '',
  `${results.machine.date}, ${results.machine.cpu} (${results.machine.cores} cores), Node ${results.machine.node} (V8 ${results.machine.v8}); load average ${load0.map((v) => v.toFixed(2)).join('/')} at start, ${load1.map((v) => v.toFixed(2)).join('/')} at end.`,
  `${CHAINS} independent chains of x = x * b + c per thread, ${N} rounds; GFLOP/s = 2 flops per lane per multiply-add, best of 3; last column: the 2-thread rate over WebAssembly's best.`,
  '',
  '| loop | GFLOP/s, 1 thread | 2 threads | over WebAssembly |',
  '|---|---|---|---|',
  ...rows,
  '',
  native.skipped === undefined ? '' : `Native peer skipped: ${native.skipped}.`,
].join('\n');
writeFileSync(path.replace(/\.json$/, '.md'), `${md.trimEnd()}\n`);
console.log(md);
console.log(`\nwrote ${path}`);

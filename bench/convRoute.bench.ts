/**
 * Where a convolution call should run: the wasm engine's three passes on small
 * to medium shapes (the demo's 2D U-Net layers up to a 3D layer at 32^3), each
 * timed on the worker threads (`inlineMacs: 0`, the peer), on the calling
 * thread (`workers: false`) and with the engine's default routing (calls of
 * at most `inlineMacs` multiply-adds on the calling thread), interleaved call
 * by call in the same run; ratio = route / workers. The crossover sets the
 * engine's default `inlineMacs`.
 * Results: bench/results/conv-route.json and .md.
 * Run: tsx --conditions=@colab-ts/source bench/convRoute.bench.ts   (ROUTE_REPS, default 15)
 */
import { createWasmConv, type Triple, type WasmConv } from '../packages/kernels/src/wasm/wasmConv.js';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, writeResults } from './harness.js';

const SHAPES: readonly (readonly [name: string, n: number, cin: number, cout: number, spatial: Triple, kernel: Triple])[] = [
  ['2D 4x 8->8 32^2 (demo stage 0)', 4, 8, 8, [1, 32, 32], [1, 3, 3]],
  ['2D 4x 16->16 16^2 (demo stage 1)', 4, 16, 16, [1, 16, 16], [1, 3, 3]],
  ['2D 4x 32->32 8^2 (demo stage 2)', 4, 32, 32, [1, 8, 8], [1, 3, 3]],
  ['2D 4x 8->8 64^2', 4, 8, 8, [1, 64, 64], [1, 3, 3]],
  ['3D 2x 16->16 8^3', 2, 16, 16, [8, 8, 8], [3, 3, 3]],
  ['3D 2x 32->32 8^3', 2, 32, 32, [8, 8, 8], [3, 3, 3]],
  ['2D 4x 16->16 64^2', 4, 16, 16, [1, 64, 64], [1, 3, 3]],
  ['3D 2x 16->16 16^3', 2, 16, 16, [16, 16, 16], [3, 3, 3]],
  ['3D 2x 64->64 8^3', 2, 64, 64, [8, 8, 8], [3, 3, 3]],
  ['3D 2x 16->16 32^3', 2, 16, 16, [32, 32, 32], [3, 3, 3]],
];
const reps = Number(process.env.ROUTE_REPS ?? 15);
const load0 = loadavg();
const routes: Record<string, WasmConv> = {
  workers: await createWasmConv({ threads: 2, inlineMacs: 0 }),
  'calling thread': await createWasmConv({ workers: false }),
  default: await createWasmConv({ threads: 2 }),
};
let seed = 1;
const rnd = (n: number): Float32Array =>
  Float32Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  });
const rows: { shape: string; macs: number; pass: string; ms: Record<string, number>; ratio: Record<string, number> }[] = [];
for (const [name, N, Ci, Co, sp, k] of SHAPES) {
  const xs = [N, Ci, ...sp];
  const ys = [N, Co, ...sp];
  const ws = [Co, Ci, ...k];
  const x = rnd(xs.reduce((a, b) => a * b));
  const dy = rnd(ys.reduce((a, b) => a * b));
  const w = rnd(ws.reduce((a, b) => a * b));
  const o = { stride: [1, 1, 1] as Triple, padding: k.map((v) => v >> 1) as Triple, dilation: [1, 1, 1] as Triple };
  const macs = ys.reduce((a, b) => a * b) * Ci * k[0] * k[1] * k[2];
  const passes: Record<string, (e: WasmConv) => Promise<unknown>> = {
    forward: (e) => e.conv3d(x, xs, w, ws, null, o),
    'input gradient': (e) => e.conv3dBackwardInput(dy, ys, w, ws, xs, o),
    'weight gradient': (e) => e.conv3dBackwardWeights(x, xs, dy, ys, ws, o),
  };
  for (const [pass, run] of Object.entries(passes)) {
    const t: Record<string, number[]> = Object.fromEntries(Object.keys(routes).map((r) => [r, []]));
    for (let i = 0; i < reps + 2; i++)
      for (const [r, e] of Object.entries(routes)) {
        const t0 = performance.now();
        await run(e);
        if (i >= 2) t[r]!.push(performance.now() - t0);
      }
    const ms = Object.fromEntries(Object.entries(t).map(([r, v]) => [r, +median(v).toFixed(3)]));
    const ratio = Object.fromEntries(Object.keys(routes).map((r) => [r, +(ms[r]! / ms.workers!).toFixed(2)]));
    rows.push({ shape: name, macs, pass, ms, ratio });
    console.log(
      `${name} ${pass}: ${Object.entries(ms)
        .map(([r, v]) => `${r} ${v} ms`)
        .join(', ')}`,
    );
  }
}
for (const e of Object.values(routes)) e.dispose();
const load1 = loadavg();
const file = writeResults('conv-route', { machine: machine(), reps, loadAverage: { start: load0, end: load1 }, rows });
const md = [
  '# Convolution calls: worker threads vs the calling thread (wasm engine)',
  '',
  `${new Date().toISOString()}, ${machine().cpu} (${machine().cores} cores), Node ${process.version}; medians of ${reps} interleaved calls; load average ${load0.map((v) => v.toFixed(2)).join('/')} at start, ${load1.map((v) => v.toFixed(2)).join('/')} at end.`,
  "workers: 2 worker threads for every call (inlineMacs 0); calling thread: no workers; default: the engine's routing. Ratio = route / workers (below 1: faster than the workers).",
  '',
  '| shape | M multiply-adds | pass | workers ms | calling thread ms (ratio) | default ms (ratio) |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.shape} | ${(r.macs / 1e6).toFixed(1)} | ${r.pass} | ${r.ms.workers} | ${r.ms['calling thread']} (${r.ratio['calling thread']}) | ${r.ms.default} (${r.ratio.default}) |`,
  ),
  '',
];
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'results', 'conv-route.md'), md.join('\n'));
console.log(file);

/**
 * The general kernels (elementwise, where, compare, sum) of the `wasm` backend
 * against the reference's (ndarray's float64-staged loops), on the operand
 * layouts a 3D U-Net step produces at batch 2, 16 channels, 32^3 (the
 * `profile-step.ts` top list): same inputs, runs alternating A B A B, medians.
 * Results: bench/results/general.json.
 *
 * Run: pnpm bench:general
 */
import type { NDArray } from '@colab-ts/ndarray';
import * as nd from '@colab-ts/ndarray';
import { createWasmBackend, referenceBackend } from '@colab-ts/kernels';
import { machine, median, writeResults } from './harness.js';

const shape = [2, 16, 32, 32, 32] as const;
const n = nd.shapeSize(shape);
const x = nd.normal(nd.key(1), shape);
const y = nd.normal(nd.key(2), shape);
const perChannel = nd.broadcastTo(nd.normal(nd.key(3), [1, 16, 1, 1, 1]), shape);
const scalar = nd.broadcastTo(nd.full([], 0.01, 'float32'), shape);
const cond = nd.greater(x, 0);
const be = await createWasmBackend({ threads: 2 });
type Kernels = typeof be.kernels;
const cases: { name: string; run: (k: Kernels) => Promise<NDArray> }[] = [
  { name: 'binary mul, packed x per-channel broadcast', run: (k) => k.binary(x, perChannel, 'mul') },
  { name: 'binary mul, packed x scalar broadcast', run: (k) => k.binary(x, scalar, 'mul') },
  { name: 'binary add, packed + packed', run: (k) => k.binary(x, y, 'add') },
  { name: 'binary add, packed + per-channel broadcast', run: (k) => k.binary(x, perChannel, 'add') },
  { name: 'compare greater, packed > scalar broadcast', run: (k) => k.compare(x, scalar, 'greater') },
  { name: 'where, uint8 ? packed : scalar broadcast', run: (k) => k.where(cond, x, scalar) },
  { name: 'unary neg, packed', run: (k) => k.unary(x, 'neg') },
  { name: 'unary exp, packed', run: (k) => k.unary(x, 'exp') },
  { name: 'sum over [2, 3, 4] (instance-norm mean)', run: (k) => k.sum(x, [2, 3, 4], false) },
  { name: 'sum over [0, 2, 3, 4] (per-channel gradient)', run: (k) => k.sum(x, [0, 2, 3, 4], false) },
  { name: 'sum over [1] (channels)', run: (k) => k.sum(x, [1], false) },
];
const runs = Number(process.env.BENCH_RUNS ?? 15);
const results = [];
for (const c of cases) {
  const t = { reference: [] as number[], wasm: [] as number[] };
  for (let r = 0; r < runs + 2; r++) {
    for (const [name, k] of [['reference', referenceBackend.kernels], ['wasm', be.kernels]] as const) {
      const t0 = performance.now();
      await c.run(k as Kernels);
      if (r >= 2) t[name].push(performance.now() - t0);
    }
  }
  const ref = median(t.reference);
  const fast = median(t.wasm);
  const row = { kernel: c.name, elements: n, referenceMs: +ref.toFixed(3), wasmMs: +fast.toFixed(3), referenceNsPerElement: +((ref * 1e6) / n).toFixed(2), wasmNsPerElement: +((fast * 1e6) / n).toFixed(2), speedup: +(ref / fast).toFixed(2) };
  results.push(row);
  console.log(`${row.kernel.padEnd(48)} reference ${row.referenceNsPerElement.toFixed(2).padStart(6)} ns/el  wasm ${row.wasmNsPerElement.toFixed(2).padStart(6)} ns/el  x${row.speedup}`);
}
await be.close();
console.log(writeResults('general', { machine: machine(), shape, runs, note: 'medians of alternating runs (reference, wasm) in one process; ns per element of the operand', results }));

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
// `wasm`: the pool off, every kernel allocates its output as the reference does; `wasm + pool`: each result
// disposed after its run, as realize disposes intermediates, so the next run draws its output from the pool.
const be = await createWasmBackend({ threads: 2, poolBytes: 0 });
const pooled = await createWasmBackend({ threads: 2 });
type Kernels = typeof be.kernels;
const cases: { name: string; run: (k: Kernels) => Promise<NDArray> }[] = [
  { name: 'binary mul, packed x per-channel broadcast', run: (k) => k.binary(x, perChannel, 'mul') },
  { name: 'binary mul, packed x scalar broadcast', run: (k) => k.binary(x, scalar, 'mul') },
  { name: 'binary add, packed + packed', run: (k) => k.binary(x, y, 'add') },
  { name: 'binary add, packed + per-channel broadcast', run: (k) => k.binary(x, perChannel, 'add') },
  { name: 'compare greater, packed > scalar broadcast', run: (k) => k.compare(x, scalar, 'greater') },
  { name: 'where, uint8 ? packed : scalar broadcast', run: (k) => k.where(cond, x, scalar) },
  { name: 'leakyRelu, packed (fused)', run: (k) => k.leakyRelu(x, 0.01) },
  { name: 'leakyReluBackward, packed x and dy (fused)', run: (k) => k.leakyReluBackward(x, y, 0.01) },
  { name: 'unary neg, packed', run: (k) => k.unary(x, 'neg') },
  { name: 'unary exp, packed', run: (k) => k.unary(x, 'exp') },
  { name: 'sum over [2, 3, 4] (instance-norm mean)', run: (k) => k.sum(x, [2, 3, 4], false) },
  { name: 'sum over [0, 2, 3, 4] (per-channel gradient)', run: (k) => k.sum(x, [0, 2, 3, 4], false) },
  { name: 'sum over [1] (channels)', run: (k) => k.sum(x, [1], false) },
  { name: 'max over [1] (channels, logSumExp)', run: (k) => k.max(x, [1], true) },
];
const runs = Number(process.env.BENCH_RUNS ?? 15);
const results = [];
for (const c of cases) {
  const t = { reference: [] as number[], wasm: [] as number[], pooled: [] as number[] };
  for (let r = 0; r < runs + 2; r++) {
    for (const [name, k] of [
      ['reference', referenceBackend.kernels],
      ['wasm', be.kernels],
      ['pooled', pooled.kernels],
    ] as const) {
      const t0 = performance.now();
      const out = await c.run(k as Kernels);
      if (r >= 2) t[name].push(performance.now() - t0);
      if (name === 'pooled') pooled.dispose(out);
    }
  }
  const [ref, fast, pool] = [median(t.reference), median(t.wasm), median(t.pooled)];
  const ns = (ms: number): number => +((ms * 1e6) / n).toFixed(2);
  const row = {
    kernel: c.name,
    elements: n,
    referenceNsPerElement: ns(ref),
    wasmNsPerElement: ns(fast),
    wasmPooledNsPerElement: ns(pool),
    speedup: +(ref / fast).toFixed(2),
    speedupPooled: +(ref / pool).toFixed(2),
  };
  results.push(row);
  console.log(
    `${row.kernel.padEnd(48)} reference ${ns(ref).toFixed(2).padStart(6)}  wasm ${ns(fast).toFixed(2).padStart(6)} (x${row.speedup})  wasm + pool ${ns(pool).toFixed(2).padStart(6)} (x${row.speedupPooled}) ns/el`,
  );
}
await be.close();
await pooled.close();
console.log(
  writeResults('general', {
    machine: machine(),
    shape,
    runs,
    note: 'medians of alternating runs (reference, wasm, wasm + pool) in one process; ns per element of the operand',
    results,
  }),
);

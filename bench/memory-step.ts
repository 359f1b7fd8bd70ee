/**
 * Where the memory of one U-Net training step goes on the `wasm` backend: runs
 * the step of bench/unet.bench.ts (3d64 by default) and, after every kernel,
 * samples `process.memoryUsage()` (rss, V8 heap, array buffers) and the bytes
 * `realize` holds live, printing each kernel at which the resident set grew by
 * more than MEMORY_STEP_MIB (default 8) and the high-water marks.
 * Run: tsx --conditions=@colab-ts/source bench/memory-step.ts [3d32|3d64] [steps]
 */
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import { unetConfigFor } from '@colab-ts/cli';
import type { AnyBackend } from '@colab-ts/kernels';
import { createWasmBackend } from '@colab-ts/kernels';
import * as nd from '@colab-ts/ndarray';
import { ceDiceLoss, sgd, toTensors, unetApply, unetInit, type UNetParams } from '@colab-ts/nn';

const side = (process.argv[2] ?? '3d64') === '3d32' ? 32 : 64;
const steps = Number(process.argv[3] ?? 3);
const poolMiB = process.env.UNET_POOL_MIB === undefined ? undefined : Number(process.env.UNET_POOL_MIB);
const be = await createWasmBackend({ threads: 2, ...(poolMiB === undefined ? {} : { poolBytes: poolMiB * 2 ** 20 }) });
const MiB = 2 ** 20;
const stepMiB = Number(process.env.MEMORY_STEP_MIB ?? 8);
let last = process.memoryUsage().rss;
let live = 0;
const high = { rss: 0, arrayBuffers: 0, heapUsed: 0, live: 0, rest: 0 };
let k = 0;
const sample = (what: string): void => {
  const m = process.memoryUsage();
  high.rss = Math.max(high.rss, m.rss);
  high.arrayBuffers = Math.max(high.arrayBuffers, m.arrayBuffers);
  high.heapUsed = Math.max(high.heapUsed, m.heapUsed);
  high.live = Math.max(high.live, live);
  high.rest = Math.max(high.rest, m.rss - m.arrayBuffers - m.heapTotal);
  if (m.rss - last > stepMiB * MiB)
    console.log(
      `#${k} ${what}: rss ${(m.rss / MiB).toFixed(0)} (+${((m.rss - last) / MiB).toFixed(0)}) MiB, array buffers ${(m.arrayBuffers / MiB).toFixed(0)}, heap ${(m.heapTotal / MiB).toFixed(0)}, rss - both ${((m.rss - m.arrayBuffers - m.heapTotal) / MiB).toFixed(0)}, live ${(live / MiB).toFixed(0)}`,
    );
  last = Math.max(last, m.rss);
};
const bytes = (r: unknown): number => (nd.isNDArray(r) ? r.data.byteLength : 0);
const wrapped: Record<string, unknown> = {};
for (const [name, f] of Object.entries(be.kernels))
  wrapped[name] = async (...args: unknown[]) => {
    const r = await (f as (...a: unknown[]) => Promise<unknown>)(...args);
    k++;
    live += bytes(r);
    sample(
      `${name} ${args
        .filter(nd.isNDArray)
        .map((a) => (a as nd.NDArray).shape.join('x'))
        .join(' ')}`,
    );
    return r;
  };
const pbe: AnyBackend = {
  ...be,
  kernels: wrapped as AnyBackend['kernels'],
  dispose: (b: unknown) => {
    live -= bytes(b);
    be.dispose(b as nd.NDArray);
  },
};
const patch = [side, side, side] as const;
const cfg = unetConfigFor({ patch, features: 16, stages: 4, inChannels: 1 }, 2);
let params = unetInit(nd.key(0), cfg) as unknown as UNetParams<nd.NDArray>;
const x = nd.normal(nd.key(1), [2, 1, ...patch]);
const target = nd.softmax(nd.normal(nd.key(2), [2, 2, ...patch]), 1);
const opt = sgd({ lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 });
let state = opt.init(params);
const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target, { channels: [0] });
for (let s = 0; s < steps; s++) {
  console.log(`step ${s}`);
  const t0 = performance.now();
  k = 0;
  const [l, g] = valueAndGrad(loss)(toTensors(params) as unknown as UNetParams);
  const r = await realize({ l, g }, { backend: pbe });
  [params, state] = opt.step(params, r.g, state);
  console.log(`step ${s}: ${(performance.now() - t0).toFixed(0)} ms, ${k} kernels`);
}
console.log(
  `high-water marks, MiB: rss ${(high.rss / MiB).toFixed(0)}, array buffers ${(high.arrayBuffers / MiB).toFixed(0)}, V8 heap used ${(high.heapUsed / MiB).toFixed(0)}, rss - array buffers - heap ${(high.rest / MiB).toFixed(0)}, live in realize ${(high.live / MiB).toFixed(0)}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`,
);
await be.close();
process.exit(0);

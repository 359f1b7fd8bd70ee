/**
 * Per-kernel profile of one U-Net training step (forward + backward) on a
 * backend: wraps every kernel with a timer and groups calls by kernel name,
 * op and operand layout. Run: tsx --conditions=@colab-ts/source bench/profile-step.ts [2d|3d32|3d64|colon] [reps]
 * (PROFILE_WARMUP untimed steps first, default 1; PROFILE_SHAPES=1 adds the operand shapes of the convolutions, =all of every kernel; PROFILE_TOP rows, default 30;
 * PROFILE_COLAB=k profiles a CoLab step with the generator every k iterations instead (Algorithm 1, t = 2, the generator a twin of the U-Net);
 * `colon` is `train`'s plan for the colon cohort of docs/results.md (batch 4, 1 x 16 x 64 x 64, 8 features, 3 stages)).
 */
import { realizeWithStats, valueAndGrad } from '@colab-ts/autodiff';
import type { AnyBackend } from '@colab-ts/kernels';
import { getBackend } from '@colab-ts/kernels';
import '@colab-ts/kernels/gpu'; // COLAB_TS_BACKEND=gpu works too
import { colabInit, colabStep, roiOneHot } from '@colab-ts/colab';
import * as nd from '@colab-ts/ndarray';
import { ceDiceLoss, toTensors, unetApply, unetInit, type UNetConfig, type UNetParams } from '@colab-ts/nn';

const which = process.argv[2] ?? '3d32';
const stages3 = (n: number) =>
  Array.from({ length: n }, (_, s) => ({ kernel: [3, 3, 3] as const, stride: (s === 0 ? [1, 1, 1] : [2, 2, 2]) as readonly [number, number, number] }));
const cfgs: Record<string, { config: UNetConfig; input: [number, number, number, number, number] }> = {
  '2d': {
    config: {
      inChannels: 1,
      outChannels: 2,
      stages: Array.from({ length: 3 }, (_, s) => ({
        kernel: [1, 3, 3] as const,
        stride: (s === 0 ? [1, 1, 1] : [1, 2, 2]) as readonly [number, number, number],
      })),
      baseFeatures: 8,
      maxFeatures: 64,
    },
    input: [4, 1, 1, 32, 32],
  },
  '3d32': { config: { inChannels: 1, outChannels: 2, stages: stages3(4), baseFeatures: 16, maxFeatures: 128 }, input: [2, 1, 32, 32, 32] },
  '3d64': { config: { inChannels: 1, outChannels: 2, stages: stages3(4), baseFeatures: 16, maxFeatures: 128 }, input: [2, 1, 64, 64, 64] },
  colon: {
    config: {
      inChannels: 1,
      outChannels: 2,
      stages: Array.from({ length: 3 }, (_, s) => ({
        kernel: [3, 3, 3] as const,
        stride: (s === 0 ? [1, 1, 1] : [s === 1 ? 1 : 2, 2, 2]) as readonly [number, number, number],
      })),
      baseFeatures: 8,
      maxFeatures: 64,
    },
    input: [4, 1, 16, 64, 64],
  },
};
const c = cfgs[which]!;
const be = process.env.PROFILE_THREADS
  ? await (await import('@colab-ts/kernels')).createWasmBackend({
      threads: Number(process.env.PROFILE_THREADS),
      ...(process.env.PROFILE_POOL_MIB ? { poolBytes: Number(process.env.PROFILE_POOL_MIB) * 2 ** 20 } : {}),
    })
  : await getBackend();
const times = new Map<string, { ms: number; n: number; elems: number }>();
const layout = (x: unknown): string => {
  if (!nd.isNDArray(x)) return typeof x;
  const a = x as nd.NDArray;
  return `${a.dtype[0]}${nd.isContiguous(a) ? 'c' : a.strides.includes(0) ? 'b' : 's'}`;
};
const wrapped: Record<string, unknown> = {};
for (const [k, f] of Object.entries(be.kernels)) {
  wrapped[k] = async (...args: unknown[]) => {
    const t0 = performance.now();
    const r = await (f as (...a: unknown[]) => Promise<unknown>)(...args);
    const ms = performance.now() - t0;
    const op = typeof args[args.length - 1] === 'string' ? String(args[args.length - 1]) : '';
    const shapes =
      process.env.PROFILE_SHAPES === 'all' || (process.env.PROFILE_SHAPES === '1' && k.startsWith('conv'))
        ? ` ${args
            .filter(nd.isNDArray)
            .map((a) => (a as nd.NDArray).shape.join('x'))
            .join(' ')}`
        : '';
    const key = `${k} ${op} ${args.filter(nd.isNDArray).map(layout).join(',')}${shapes}`;
    const e = times.get(key) ?? { ms: 0, n: 0, elems: 0 };
    e.ms += ms;
    e.n++;
    e.elems += nd.isNDArray(r) ? nd.shapeSize((r as nd.NDArray).shape) : 0;
    times.set(key, e);
    return r;
  };
}
const pbe: AnyBackend = { ...be, kernels: wrapped };
const params = unetInit(nd.key(0), c.config);
const x = nd.normal(nd.key(1), c.input);
const target = nd.softmax(nd.normal(nd.key(2), [c.input[0], c.config.outChannels, ...c.input.slice(2)]), 1);
const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target);
const reps = Number(process.argv[3] ?? 3);
const colabEvery = process.env.PROFILE_COLAB === undefined ? 0 : Number(process.env.PROFILE_COLAB);
const t = 2;
const withOut = (k: number): UNetConfig => ({ ...c.config, outChannels: k });
const cstep =
  colabEvery > 0
    ? colabStep({
        seg: unetApply as never,
        gen: unetApply as never,
        totalIterations: 1000,
        generatorEvery: colabEvery,
        margin: 4,
        temperature: 2,
        backend: pbe,
      })
    : undefined;
let cstate = colabInit(unetInit(nd.key(3), withOut(c.config.outChannels - 1 + t)), unetInit(nd.key(4), withOut(t)));
// A ball of ROI per sample: the CoLab labels need a ROI to measure distances from.
const ball = (() => {
  const [N, , D, H, W] = c.input;
  const y = new Int32Array(N * D * H * W);
  for (let i = 0; i < y.length; i++) {
    const v = i % (D * H * W);
    const [z, yy, xx] = [Math.floor(v / (H * W)), Math.floor(v / W) % H, v % W];
    y[i] = Math.hypot((z - D / 2) / Math.max(1, D / 4), (yy - H / 2) / (H / 4), (xx - W / 2) / (W / 4)) < 1 ? 1 : 0;
  }
  return roiOneHot(nd.array(y, [N, 1, D, H, W], 'int32'), 2);
})();
// Untimed steps first (PROFILE_WARMUP, default 1): V8 needs about 150 demo-size steps to compile the hot code in its top tiers.
const warm = Math.max(1, Number(process.env.PROFILE_WARMUP ?? 1));
let total = 0;
for (let r = 0; r < reps + warm; r++) {
  if (r === warm) times.clear();
  const t0 = performance.now();
  if (cstep !== undefined) cstate = (await cstep(cstate, { x, y: ball })).state;
  else {
    const [l, g] = valueAndGrad(loss)(toTensors(params));
    await realizeWithStats({ l, g }, { backend: pbe });
  }
  if (r >= warm) total += performance.now() - t0;
}
const all = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kms = all.reduce((s, [, v]) => s + v.ms, 0);
const convMs = all.filter(([k]) => k.startsWith('conv')).reduce((s, [, v]) => s + v.ms, 0);
console.log(
  `${which}${cstep === undefined ? '' : ` CoLab (generator every ${colabEvery})`} on ${be.device}: step ${(total / reps).toFixed(1)} ms, kernels ${(kms / reps).toFixed(1)} ms ` +
    `(convolutions ${(convMs / reps).toFixed(1)}, the rest ${((kms - convMs) / reps).toFixed(1)})`,
);
for (const [k, v] of all.slice(0, Number(process.env.PROFILE_TOP ?? 30)))
  console.log(
    `${(v.ms / reps).toFixed(1).padStart(8)} ms ${((100 * v.ms) / kms).toFixed(1).padStart(5)}% ${(v.n / reps).toFixed(0).padStart(4)} calls ${((v.ms * 1e6) / Math.max(1, v.elems)).toFixed(2).padStart(7)} ns/el  ${k}`,
  );
process.exit(0);

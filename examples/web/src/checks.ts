/**
 * The kernels' agreement table and the convolution benchmark, run in the
 * page on any backend (the browser test runs them on the gpu backend in
 * Chromium). Each row runs one kernel on seeded random float32 inputs on the
 * chosen backend and on the reference, and checks
 * `|fast - ref| <= tol (1 + |fast| + |ref|)` element by element, with the
 * gpu tolerances of `packages/kernels/test/agreement.test.ts`.
 */
import type { AnyBackend, KernelName } from '@colab-ts/kernels';
import { referenceBackend } from '@colab-ts/kernels';
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { key, toTypedArray, uniform } from '@colab-ts/ndarray';

/** One row of the agreement table. */
export interface AgreementRow {
  readonly op: string;
  readonly tol: number;
  /** Largest `|fast - ref| / (1 + |fast| + |ref|)` over the outputs. */
  readonly worst: number;
  readonly ok: boolean;
}

const rand = (seed: number, shape: Shape, scale = 1): NDArray => uniform(key(seed), shape, { low: -scale, high: scale, dtype: 'float32' });

type Run = (be: AnyBackend) => Promise<readonly NDArray[]>;

const isArray = (a: unknown): a is NDArray => a !== null && typeof a === 'object' && 'shape' in a && 'data' in a && 'strides' in a;

/** Runs kernel `name` on `args` (NDArrays uploaded first, the rest passed as they are) and downloads its outputs (`parts` picks them from a record). */
function call(name: KernelName, args: readonly unknown[], parts: (out: Record<string, unknown>) => unknown[] = (o) => [o]): Run {
  return async (be) => {
    const up = await Promise.all(args.map((a) => (isArray(a) ? be.upload(a) : a)));
    const k = be.kernels[name] as unknown as (...a: unknown[]) => Promise<Record<string, unknown>>;
    const outs = parts(await k(...up));
    return Promise.all(outs.map((o) => be.download(o)));
  };
}

const pool2 = { kernelSize: [2, 2, 2], stride: [2, 2, 2] } as const;
const pool3 = { kernelSize: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1] } as const;

/** The table: one row per kernel (tolerances: the gpu column of the kernels' agreement test). */
export const ROWS: readonly { readonly op: string; readonly tol: number; readonly run: Run }[] = [
  {
    op: 'conv3d (stride 1, padding 1, bias)',
    tol: 1e-5,
    run: call('conv3d', [rand(1, [2, 3, 5, 6, 7]), rand(2, [4, 3, 3, 3, 3], 0.5), rand(3, [4]), { stride: 1, padding: 1 }]),
  },
  {
    op: 'conv3d (stride 2, no padding)',
    tol: 1e-5,
    run: call('conv3d', [rand(4, [1, 2, 7, 8, 9]), rand(5, [3, 2, 3, 3, 3], 0.5), null, { stride: 2, padding: 0 }]),
  },
  {
    op: 'conv3dBackwardInput',
    tol: 1e-5,
    run: call('conv3dBackwardInput', [rand(6, [2, 4, 5, 6, 7]), rand(7, [4, 3, 3, 3, 3], 0.5), [2, 3, 5, 6, 7], { stride: 1, padding: 1 }]),
  },
  {
    op: 'conv3d (dilation 2, padding 2)',
    tol: 1e-5,
    run: call('conv3d', [rand(25, [1, 3, 6, 7, 8]), rand(26, [2, 3, 3, 3, 3], 0.5), rand(27, [2]), { dilation: 2, padding: 2 }]),
  },
  {
    op: 'conv3dBackwardInput (stride 2, padding 1)',
    tol: 1e-5,
    run: call('conv3dBackwardInput', [rand(28, [1, 3, 3, 4, 4]), rand(29, [3, 2, 3, 3, 3], 0.5), [1, 2, 6, 7, 8], { stride: 2, padding: 1 }]),
  },
  {
    op: 'conv3dBackwardWeights (stride 2, padding 1)',
    tol: 3e-5,
    run: call('conv3dBackwardWeights', [rand(30, [1, 2, 6, 7, 8]), rand(31, [1, 3, 3, 4, 4]), [3, 2, 3, 3, 3], { stride: 2, padding: 1 }]),
  },
  {
    op: 'convTranspose3d (stride 2, output padding 1)',
    tol: 1e-5,
    run: call('convTranspose3d', [rand(32, [1, 3, 3, 3, 4]), rand(33, [3, 2, 3, 3, 3], 0.5), rand(34, [2]), { stride: 2, padding: 1, outputPadding: 1 }]),
  },
  {
    op: 'conv3dBackwardWeights',
    tol: 3e-5,
    run: call('conv3dBackwardWeights', [rand(8, [2, 3, 5, 6, 7]), rand(9, [2, 4, 5, 6, 7]), [4, 3, 3, 3, 3], { stride: 1, padding: 1 }]),
  },
  {
    op: 'convTranspose3d (stride 2)',
    tol: 1e-5,
    run: call('convTranspose3d', [rand(10, [1, 4, 3, 4, 5]), rand(11, [4, 2, 2, 2, 2], 0.5), null, { stride: 2 }]),
  },
  { op: 'maxPool3d', tol: 2e-6, run: call('maxPool3d', [rand(12, [1, 2, 6, 6, 6]), pool2]) },
  { op: 'maxPool3dBackward', tol: 2e-6, run: call('maxPool3dBackward', [rand(17, [1, 2, 3, 3, 3]), rand(12, [1, 2, 6, 6, 6]), pool2]) },
  { op: 'avgPool3d', tol: 2e-6, run: call('avgPool3d', [rand(13, [1, 2, 6, 6, 6]), pool3]) },
  { op: 'avgPool3dBackward', tol: 2e-6, run: call('avgPool3dBackward', [rand(18, [1, 2, 6, 6, 6]), [1, 2, 6, 6, 6], pool3]) },
  { op: 'upsample3d', tol: 2e-6, run: call('upsample3d', [rand(14, [1, 2, 3, 4, 5]), { scale: [2, 2, 2], mode: 'trilinear' }]) },
  {
    op: 'upsample3dBackward',
    tol: 2e-6,
    run: call('upsample3dBackward', [rand(19, [1, 2, 6, 8, 10]), [1, 2, 3, 4, 5], { scale: [2, 2, 2], mode: 'trilinear' }]),
  },
  { op: 'softmax', tol: 2e-6, run: call('softmax', [rand(15, [2, 3, 4, 5, 6], 4)]) },
  {
    op: 'softmaxBackward',
    tol: 2e-6,
    run: call('softmaxBackward', [uniform(key(20), [2, 3, 4, 5, 6], { low: 0, high: 1, dtype: 'float32' }), rand(24, [2, 3, 4, 5, 6])]),
  },
  { op: 'instanceNormStats', tol: 2e-6, run: call('instanceNormStats', [rand(16, [2, 3, 4, 5, 6])], (o) => [o.mean, o.variance]) },
];

/** Compares two outputs: the worst scaled difference, Infinity on a shape mismatch or NaN. */
function worstDiff(a: NDArray, b: NDArray): number {
  if (a.shape.join() !== b.shape.join()) return Number.POSITIVE_INFINITY;
  const x = toTypedArray(a);
  const y = toTypedArray(b);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(Number(x[i]) - Number(y[i])) / (1 + Math.abs(Number(x[i])) + Math.abs(Number(y[i])));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return worst;
}

/** Runs every row on `be` and on the reference. */
export async function agreementTable(be: AnyBackend): Promise<AgreementRow[]> {
  const rows: AgreementRow[] = [];
  for (const r of ROWS) {
    const [fast, ref] = [await r.run(be), await r.run(referenceBackend)];
    const worst = fast.length !== ref.length ? Number.POSITIVE_INFINITY : Math.max(0, ...fast.map((f, i) => worstDiff(f, ref[i]!)));
    rows.push({ op: r.op, tol: r.tol, worst, ok: worst <= r.tol });
  }
  return rows;
}

/** The benchmark's problem (that of `bench/kernels.bench.ts`): x [2,16,32,32,32], w [16,16,3,3,3], padding 1. */
export const BENCH = { x: [2, 16, 32, 32, 32], w: [16, 16, 3, 3, 3], padding: 1, flopsPerPass: 2 * 2 * 16 * 16 * 27 * 32 * 32 * 32 } as const;

/** Times forward and forward + backward (input and weight gradients) convolution on `be`: medians and GFLOP/s. */
export async function benchConv(
  be: AnyBackend,
  runs = 5,
): Promise<{ forwardMs: number; forwardGflops: number; fwdBwdMs: number; fwdBwdGflops: number; runs: number }> {
  const x = await be.upload(rand(21, BENCH.x));
  const w = await be.upload(rand(22, BENCH.w, 0.2));
  const dy = await be.upload(rand(23, BENCH.x));
  const o = { stride: 1, padding: BENCH.padding } as const;
  const k = be.kernels as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const fwd = async () => {
    const y = await k.conv3d!(x, w, null, o);
    await be.download(y);
  };
  const fb = async () => {
    const y = await k.conv3d!(x, w, null, o);
    const dx = await k.conv3dBackwardInput!(dy, w, BENCH.x, o);
    const dw = await k.conv3dBackwardWeights!(x, dy, BENCH.w, o);
    await Promise.all([be.download(y), be.download(dx), be.download(dw)]);
  };
  await fwd();
  await fb();
  const f: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    await fwd();
    f.push(performance.now() - t0);
    t0 = performance.now();
    await fb();
    b.push(performance.now() - t0);
  }
  const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    forwardMs: round(med(f)),
    forwardGflops: round(BENCH.flopsPerPass / (med(f) * 1e6)),
    fwdBwdMs: round(med(b)),
    fwdBwdGflops: round((3 * BENCH.flopsPerPass) / (med(b) * 1e6)),
    runs,
  };
}

/**
 * `checkGrads` (`@colab-ts/autodiff/testing`), after autograd's
 * `test_util.check_grads` and JAX's `check_grads`: it checks forward mode
 * against central finite differences along a random (seeded) direction,
 * reverse mode by the dot-product test `<vjp(u), v> = <u, jvp(v)>` against
 * the same finite differences (and against `jvp` when both modes are checked),
 * and recurses for higher orders by checking the derivative functions
 * themselves (`(x, v) -> jvp(f, x, v)`, `(x, u) -> vjp(f, x)(u)`).
 * Use float64 arguments: float32 differences are too coarse.
 * @module @colab-ts/autodiff/testing
 */
import type { AnyBackend } from '@colab-ts/kernels';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { astype, foldIn, isNDArray, key, normal, toTypedArray } from '@colab-ts/ndarray';
import type { Tensor } from './Tensor.js';
import { isTensor } from './Tensor.js';
import { add } from './primitives/add.js';
import { tensor } from './primitives/constant.js';
import { mul } from './primitives/mul.js';
import { realize } from './realize.js';
import { jvp, vjp } from './transforms.js';
import { flatten } from './tree.js';

/** Options of `checkGrads`. @category testing */
export interface CheckGradsOptions {
  /** Highest derivative order checked (default 2). */
  readonly order?: number;
  /** Which modes to check (default both). */
  readonly modes?: readonly ('fwd' | 'rev')[];
  /** Finite-difference step (default 1e-4). */
  readonly eps?: number;
  /** Relative tolerance (default 1e-5). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  readonly atol?: number;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
  /** Backend to realize on (default: the registry's). */
  readonly backend?: AnyBackend;
}

type Fn = (...args: Tensor[]) => unknown;

const randomLike = (k: Key, t: Tensor): Tensor => tensor(astype(normal(k, t.shape, { dtype: 'float64' }), t.dtype));

const values = (x: NDArray): Float64Array => Float64Array.from(toTypedArray(x));

function inner(a: readonly NDArray[], b: readonly NDArray[]): number {
  let s = 0;
  a.forEach((x, i) => {
    const u = values(x);
    const v = values(b[i]!);
    for (let j = 0; j < u.length; j++) s += u[j]! * v[j]!;
  });
  return s;
}

function assertClose(what: string, got: Float64Array, want: Float64Array, rtol: number, atol: number): void {
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) - (atol + rtol * Math.abs(want[i]!));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`checkGrads: ${what} differs at element ${worst}: got ${got[worst]}, expected ${want[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

const toTensors = (args: readonly (NDArray | Tensor)[]): Tensor[] => args.map((a) => (isTensor(a) ? a : isNDArray(a) ? tensor(a) : a));

/**
 * Checks the derivatives of `f` at `args` up to `order`, in forward and/or
 * reverse mode; throws an Error describing the first mismatch.
 * @example await checkGrads((x) => sum(exp(x)), [array([0.1, 0.2], [2], 'float64')], { order: 2 })
 * @category testing
 */
export async function checkGrads(f: Fn, args: readonly (NDArray | Tensor)[], options: CheckGradsOptions = {}): Promise<void> {
  const order = options.order ?? 2;
  const modes = options.modes ?? ['fwd', 'rev'];
  const eps = options.eps ?? 1e-4;
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  const backend = options.backend;
  const check = async (g: Fn, xs: Tensor[], level: number, seed: number): Promise<void> => {
    const k = key(seed);
    const v = xs.map((x, i) => randomLike(foldIn(k, i), x));
    const shift = (s: number): Tensor[] => xs.map((x, i) => add(x, mul(v[i]!, s)));
    const plus = flatten('checkGrads', g(...shift(eps))).leaves;
    const minus = flatten('checkGrads', g(...shift(-eps))).leaves;
    const fwd = modes.includes('fwd') ? flatten('checkGrads', jvp(g, xs, v)[1]).leaves : [];
    let rev: Tensor[] = [];
    let u: Tensor[] = [];
    if (modes.includes('rev')) {
      const [out, pullback] = vjp(g, xs);
      u = flatten('checkGrads', out).leaves.map((o, i) => randomLike(foldIn(k, 1000 + i), o));
      const outTree = flatten('checkGrads', out);
      rev = flatten('checkGrads', pullback(outTree.unflatten(u) as never)).leaves;
    }
    const r = await realize({ plus, minus, fwd, rev, u, v }, { backend });
    const numeric = r.plus.map((p, i) => {
      const a = values(p);
      const b = values(r.minus[i]!);
      return a.map((x, j) => (x - b[j]!) / (2 * eps));
    });
    const where = `order ${level} (seed ${seed})`;
    r.fwd.forEach((t, i) => assertClose(`jvp output ${i} vs finite differences, ${where}`, values(t), numeric[i]!, rtol, atol));
    if (modes.includes('rev')) {
      const ip = inner(r.rev, r.v);
      let expected = 0;
      let magnitude = 0;
      r.u.forEach((uu, i) => {
        const a = values(uu);
        for (let j = 0; j < a.length; j++) {
          expected += a[j]! * numeric[i]![j]!;
          magnitude += Math.abs(a[j]! * numeric[i]![j]!);
        }
      });
      // The inner products sum many terms: compare with tolerances scaled by the terms' total size.
      const tol = (what: string, got: number, want: number): void => {
        if (!(Math.abs(got - want) <= atol + rtol * magnitude)) {
          throw new Error(`checkGrads: ${what}: got ${got}, expected ${want} (tolerance ${atol + rtol * magnitude})`);
        }
      };
      tol(`<vjp(u), v> vs <u, finite differences>, ${where}`, ip, expected);
      if (r.fwd.length > 0) tol(`<vjp(u), v> vs <u, jvp(v)>, ${where}`, ip, inner(r.u, r.fwd));
    }
    if (level < order) {
      if (modes.includes('fwd')) {
        const n = xs.length;
        await check((...ps) => jvp(g, ps.slice(0, n), ps.slice(n))[1], [...xs, ...v], level + 1, seed + 1);
      }
      if (modes.includes('rev')) {
        const n = xs.length;
        const [out] = vjp(g, xs);
        const outTree = flatten('checkGrads', out);
        const m = outTree.leaves.length;
        await check((...ps) => vjp(g, ps.slice(0, n))[1](outTree.unflatten(ps.slice(n, n + m)) as never), [...xs, ...u.slice(0, m)], level + 1, seed + 2);
      }
    }
  };
  await check(f, toTensors(args), 1, options.seed ?? 0);
}

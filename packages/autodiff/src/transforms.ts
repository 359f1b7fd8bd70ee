/**
 * The transformations: `vjp`, `jvp`, `grad`, `valueAndGrad`. Each is a graph
 * transformation on the lazy graph (nothing is realized): it wraps its primal
 * inputs in fresh `identity` nodes, calls `f` on the wrappers, and walks the
 * part of the resulting graph that depends on those wrappers, backwards (vjp)
 * or forwards (jvp), building new nodes with the primitives' rules. Because
 * every walk is keyed to its own wrappers, transformations nest to any depth
 * without perturbation confusion, and an argument left out of `argnums` is
 * closed over (never stop-gradiented), so an outer transformation still sees it.
 * Zero tangents and cotangents are `null` internally and build nothing.
 * @module
 */
import { DTypeError, ShapeError, ValueError, isFloat, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { Tensor } from './Tensor.js';
import { isTensor } from './Tensor.js';
import { fillLike, zerosLike } from './internal/coerce.js';
import { postorder } from './internal/postorder.js';
import { add } from './primitives/add.js';
import { identity } from './primitives/identity.js';
import { primitiveOf } from './primitives/index.js';
import { flatten } from './tree.js';

/**
 * The nodes between the wrappers and `outputs` that depend on a wrapper, in
 * topological order. Nodes older than the first wrapper cannot depend on it
 * (ids grow with creation), so the walk never descends into them; integer
 * nodes carry no derivative.
 */
function activeNodes(outputs: readonly Tensor[], wrappers: ReadonlySet<number>, minId: number): { order: Tensor[]; active: ReadonlySet<number> } {
  const seen = new Map<number, boolean>();
  const order: Tensor[] = [];
  // Older nodes and the wrappers are where the walk stops.
  const children = (n: Tensor): readonly Tensor[] => (n.id < minId || wrappers.has(n.id) ? [] : n.inputs);
  postorder(outputs, children, (n) => {
    const act = n.id >= minId && (wrappers.has(n.id) || (isFloat(n.dtype) && n.inputs.some((c) => seen.get(c.id) === true)));
    seen.set(n.id, act);
    if (act) order.push(n);
  });
  return { order, active: new Set(order.map((n) => n.id)) };
}

function checkLike(op: string, what: string, got: Tensor, like: Tensor): void {
  if (!shapesEqual(got.shape, like.shape)) {
    throw new ShapeError(op, `${what} has shape ${showShape(got.shape)}, expected ${showShape(like.shape)}`, {
      expected: showShape(like.shape),
      got: showShape(got.shape),
    });
  }
  if (got.dtype !== like.dtype) throw new DTypeError(op, `${what} has dtype ${got.dtype}, expected ${like.dtype}`, { expected: like.dtype, got: got.dtype });
}

/** Wraps the primal leaves, calls `f`, and splits off the aux value. */
function trace(op: string, f: (...args: never[]) => unknown, primals: readonly unknown[], hasAux: boolean) {
  if (typeof f !== 'function') throw new ValueError(op, 'expected a function');
  if (!Array.isArray(primals)) throw new ValueError(op, 'primals must be an array of argument trees');
  const inTree = flatten(op, primals);
  const wrappers = inTree.leaves.map(identity);
  const ids = new Set(wrappers.map((w) => w.id));
  const minId = wrappers.length === 0 ? Infinity : wrappers[0]!.id;
  const result = (f as (...args: unknown[]) => unknown)(...(inTree.unflatten(wrappers) as unknown[]));
  let out: unknown = result;
  let aux: unknown;
  if (hasAux) {
    if (!Array.isArray(result) || result.length !== 2) throw new ValueError(op, 'with hasAux, f must return [output, aux]');
    [out, aux] = result as [unknown, unknown];
  }
  const outTree = flatten(op, out);
  return { inTree, wrappers, ids, minId, out, aux, outTree };
}

/** Options of `vjp` and `jvp`. @category transformations */
export interface TransformOptions {
  /** `f` returns `[output, aux]`; aux is passed through undifferentiated. */
  readonly hasAux?: boolean;
}

/**
 * Reverse mode: `[out, pullback]` where `pullback(ct)` returns, for each primal
 * argument tree, the cotangent tree `ct . df/dprimal` (same shapes).
 * @example const [y, pullback] = vjp((x) => mul(x, x), [x]); const [dx] = pullback(ones)
 * @category transformations
 */
export function vjp<A extends readonly unknown[], O>(f: (...args: A) => O, primals: A, options?: { readonly hasAux?: false }): [O, (ct: O) => A];
export function vjp<A extends readonly unknown[], O, X>(
  f: (...args: A) => readonly [O, X],
  primals: A,
  options: { readonly hasAux: true },
): [O, (ct: O) => A, X];
export function vjp(f: (...args: never[]) => unknown, primals: readonly unknown[], options: TransformOptions = {}): unknown[] {
  const op = 'vjp';
  const hasAux = options.hasAux === true;
  const t = trace(op, f, primals, hasAux);
  let walk: ReturnType<typeof activeNodes> | undefined;
  const pullback = (ct: unknown): unknown => {
    const ctLeaves = flatten(op, ct).leaves;
    const outs = t.outTree.leaves;
    if (ctLeaves.length !== outs.length) throw new ValueError(op, `cotangent tree has ${ctLeaves.length} tensors, the output ${outs.length}`);
    walk ??= activeNodes(outs, t.ids, t.minId);
    const { order, active } = walk;
    const cts = new Map<number, Tensor>();
    const accumulate = (n: Tensor, g: Tensor): void => {
      const prev = cts.get(n.id);
      cts.set(n.id, prev === undefined ? g : add(prev, g));
    };
    outs.forEach((o, i) => {
      checkLike(op, `cotangent ${i}`, ctLeaves[i]!, o);
      if (active.has(o.id)) accumulate(o, ctLeaves[i]!);
    });
    for (let k = order.length - 1; k >= 0; k--) {
      const n = order[k]!;
      if (t.ids.has(n.id)) continue;
      const c = cts.get(n.id);
      if (c === undefined) continue;
      cts.delete(n.id);
      const gs = primitiveOf(n.op).vjp(c, n.inputs, n.params as never, n);
      n.inputs.forEach((inp, j) => {
        const g = gs[j];
        if (g === null || g === undefined || !active.has(inp.id)) return;
        checkLike(`vjp of ${n.op}`, `cotangent of input ${j}`, g, inp);
        accumulate(inp, g);
      });
    }
    return t.inTree.unflatten(t.wrappers.map((w) => cts.get(w.id) ?? zerosLike(w)));
  };
  return hasAux ? [t.out, pullback, t.aux] : [t.out, pullback];
}

/**
 * Forward mode: `[out, tangentOut]`, the output and its directional derivative
 * along `tangents` (a tree per primal argument, same shapes and dtypes).
 * @example const [y, dy] = jvp((x) => exp(x), [x], [v])
 * @category transformations
 */
export function jvp<A extends readonly unknown[], O>(f: (...args: A) => O, primals: A, tangents: A, options?: { readonly hasAux?: false }): [O, O];
export function jvp<A extends readonly unknown[], O, X>(
  f: (...args: A) => readonly [O, X],
  primals: A,
  tangents: A,
  options: { readonly hasAux: true },
): [O, O, X];
export function jvp(f: (...args: never[]) => unknown, primals: readonly unknown[], tangents: readonly unknown[], options: TransformOptions = {}): unknown[] {
  const op = 'jvp';
  const hasAux = options.hasAux === true;
  const tanLeaves = flatten(op, tangents).leaves;
  const t = trace(op, f, primals, hasAux);
  if (tanLeaves.length !== t.wrappers.length) throw new ValueError(op, `tangent tree has ${tanLeaves.length} tensors, the primals ${t.wrappers.length}`);
  const tan = new Map<number, Tensor>();
  t.wrappers.forEach((w, i) => {
    checkLike(op, `tangent ${i}`, tanLeaves[i]!, w);
    tan.set(w.id, tanLeaves[i]!);
  });
  const { order } = activeNodes(t.outTree.leaves, t.ids, t.minId);
  for (const n of order) {
    if (t.ids.has(n.id)) continue;
    const ts = n.inputs.map((i) => tan.get(i.id) ?? null);
    if (ts.every((x) => x === null)) continue;
    const d = primitiveOf(n.op).jvp(n.inputs, ts, n.params as never, n);
    if (d === null) continue;
    checkLike(`jvp of ${n.op}`, 'tangent', d, n);
    tan.set(n.id, d);
  }
  const tangentOut = t.outTree.unflatten(t.outTree.leaves.map((o) => tan.get(o.id) ?? zerosLike(o)));
  return hasAux ? [t.out, tangentOut, t.aux] : [t.out, tangentOut];
}

/** The gradient type of an argument type: numbers (as in `TensorLike`) become tensors. @category transformations */
export type GradOf<T> = T extends number ? Tensor : T;

/** The arguments `grad` returns for `argnums` N: one tree for a number, a tuple for an array. @category transformations */
export type Selected<A extends readonly unknown[], N> = N extends number
  ? GradOf<A[N]>
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: N[K] extends number ? GradOf<A[N[K]]> : never }
    : never;

/** Options of `grad` and `valueAndGrad`. @category transformations */
export interface GradOptions<N extends number | readonly number[]> {
  /** Which arguments to differentiate (default 0); the others are closed over, not stop-gradiented. */
  readonly argnums?: N;
  /** `f` returns `[scalar, aux]`. */
  readonly hasAux?: boolean;
}

type Out<R> = R extends readonly [Tensor, infer X] ? [Tensor, X] : Tensor;
type GradResult<A extends readonly unknown[], N, R> = R extends readonly [Tensor, infer X] ? [Selected<A, N>, X] : Selected<A, N>;

function valueAndGradImpl(f: (...args: readonly unknown[]) => unknown, options: GradOptions<number | readonly number[]>, op: string) {
  const argnums = options.argnums ?? 0;
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  const hasAux = options.hasAux === true;
  return (...args: readonly unknown[]): [unknown, unknown, unknown] => {
    const norm = list.map((a) => {
      if (!Number.isInteger(a) || a < -args.length || a >= args.length) throw new ValueError(op, `argnums ${a} out of range for ${args.length} arguments`);
      return a < 0 ? a + args.length : a;
    });
    if (new Set(norm).size !== norm.length) throw new ValueError(op, `repeated argnums [${list.join(',')}]`);
    // Close over the other arguments (autograd's unary_to_nary): they stay live to outer transformations.
    const g = (...sel: unknown[]): unknown => {
      const full = args.slice();
      norm.forEach((a, i) => (full[a] = sel[i]));
      return f(...full);
    };
    const res = (vjp as (f: unknown, p: unknown[], o: TransformOptions) => unknown[])(
      g,
      norm.map((a) => args[a]),
      { hasAux },
    );
    const out = res[0];
    const pullback = res[1] as (ct: unknown) => unknown[];
    if (!isTensor(out) || out.shape.length !== 0 || !isFloat(out.dtype)) {
      throw new ShapeError(op, `f must return a float scalar tensor, got ${isTensor(out) ? `${out.dtype} ${showShape(out.shape)}` : typeof out}`);
    }
    const cts = pullback(fillLike(out, 1));
    return [out, typeof argnums === 'number' ? cts[0] : cts, res[2]];
  };
}

/**
 * The gradient of a scalar function with respect to argument `argnums` (default 0;
 * an array gives a tuple). With `hasAux`, `f` returns `[scalar, aux]` and the result is `[grad, aux]`.
 * @example const g = grad((w, x) => sum(square(mul(w, x))), { argnums: 1 })(w, x)
 * @category transformations
 */
export function grad<A extends readonly unknown[], R extends Tensor | readonly [Tensor, unknown], const N extends number | readonly number[] = 0>(
  f: (...args: A) => R,
  options: GradOptions<N> = {},
): (...args: A) => GradResult<A, N, R> {
  const vg = valueAndGradImpl(f as (...args: readonly unknown[]) => unknown, options, 'grad');
  const hasAux = options.hasAux === true;
  return ((...args: A) => {
    const [, g, aux] = vg(...args);
    return hasAux ? [g, aux] : g;
  }) as (...args: A) => GradResult<A, N, R>;
}

/**
 * `[value, grad]` of a scalar function (with `hasAux`: `[[value, aux], grad]`).
 * @example const [loss, grads] = valueAndGrad(lossFn)(params, batch)
 * @category transformations
 */
export function valueAndGrad<A extends readonly unknown[], R extends Tensor | readonly [Tensor, unknown], const N extends number | readonly number[] = 0>(
  f: (...args: A) => R,
  options: GradOptions<N> = {},
): (...args: A) => [Out<R>, Selected<A, N>] {
  const vg = valueAndGradImpl(f as (...args: readonly unknown[]) => unknown, options, 'valueAndGrad');
  const hasAux = options.hasAux === true;
  return ((...args: A) => {
    const [v, g, aux] = vg(...args);
    return [hasAux ? [v, aux] : v, g];
  }) as (...args: A) => [Out<R>, Selected<A, N>];
}

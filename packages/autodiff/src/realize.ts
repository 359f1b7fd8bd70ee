/**
 * `realize`: runs a tree of lazy tensors on a backend and returns NDArrays.
 * The whole tree's graph is scheduled once (shared nodes run once, and so do
 * structurally equal ones: the same primitive, parameters and inputs, as the
 * transformations build again, e.g. the forward pass that both a gradient and
 * a jvp of the same model at the same point trace), in a topological order
 * that runs a node early wherever that frees at least the bytes it holds (so a weight gradient frees its output gradient and
 * activation at once, as a tape-based backward pass does); leaves are uploaded, each primitive's `impl` runs one
 * kernel, every intermediate buffer is disposed after its last consumer, and
 * only the requested outputs are downloaded. Aliasing primitives (identity,
 * stopGradient) run nothing.
 * @module
 */
import type { AnyBackend } from '@colab-ts/kernels';
import { getBackend } from '@colab-ts/kernels';
import type { DType, NDArray } from '@colab-ts/ndarray';
import { isNDArray, shapeSize, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { Tensor } from './Tensor.js';
import { postorder } from './internal/postorder.js';
import { primitiveOf } from './primitives/index.js';
import type { Realized } from './tree.js';
import { flatten } from './tree.js';

/** Options of `realize`. @category realize */
export interface RealizeOptions {
  /** The backend to run on (default: the kernels registry's current backend, `getBackend()`). */
  readonly backend?: AnyBackend | undefined;
}

/** What one `realize` did: for benchmarks and memory checks. @category realize */
export interface RealizeStats {
  /** Nodes scheduled (after aliasing). */
  readonly nodes: number;
  /** Kernels run (excluding uploads). */
  readonly kernels: number;
  /** Leaves uploaded. */
  readonly uploads: number;
  /** Most bytes held by live buffers at any time (by shape and dtype). */
  readonly peakBytes: number;
  /** Milliseconds spent inside kernels (awaited), uploads and downloads included. */
  readonly kernelMs: number;
  /** Milliseconds of the whole call. */
  readonly totalMs: number;
}

const BYTES: Readonly<Record<DType, number>> = { float64: 8, float32: 4, int32: 4, uint8: 1 };
const bytesOf = (t: Tensor): number => shapeSize(t.shape) * BYTES[t.dtype];

/** Follows aliasing primitives (identity, stopGradient) to the node that owns the buffer. */
function canonical(t: Tensor): Tensor {
  let n = t;
  while (primitiveOf(n.op).alias === true) n = n.inputs[0]!;
  return n;
}

// 32-bit hashing without allocation: FNV-style mixing of integers; floats by their bits (so -0 and 0 differ).
const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer);
const mix = (h: number, v: number): number => Math.imul(h ^ v, 0x01000193) >>> 0;

/**
 * A hash of a node's parameters such that equal parameters (`paramsEqual`) hash alike: arrays (NDArrays,
 * typed arrays) by identity, numbers by their bits. `undefined` when they hold anything else (functions,
 * symbols, class instances): such a node is never merged.
 * @internal
 */
export function paramsHash(v: unknown, identity: (o: object) => number): number | undefined {
  switch (typeof v) {
    case 'number':
      F64[0] = v;
      return mix(mix(0x811c9dc5, I32[0]!), I32[1]!);
    case 'string': {
      let h = 0x9e3779b9;
      for (let i = 0; i < v.length; i++) h = mix(h, v.charCodeAt(i));
      return h;
    }
    case 'boolean':
      return v ? 0x2545f491 : 0x6c8e9cf5;
    case 'undefined':
      return 0x1b873593;
    case 'object': {
      if (v === null) return 0x85ebca6b;
      if (isNDArray(v) || ArrayBuffer.isView(v)) return mix(0xc2b2ae35, identity(v));
      let h = Array.isArray(v) ? 0x27d4eb2f : 0x165667b1;
      if (Array.isArray(v)) {
        for (const e of v) {
          const x = paramsHash(e, identity);
          if (x === undefined) return undefined;
          h = mix(h, x);
        }
        return h;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return undefined;
      for (const k in v) {
        const x = paramsHash((v as Record<string, unknown>)[k], identity);
        if (x === undefined) return undefined;
        h = mix(mix(h, paramsHash(k, identity)!), x);
      }
      return h;
    }
    default:
      return undefined;
  }
}

/** Structural equality of two parameter values of `paramsHash`'s kinds (arrays of data by identity, numbers by `Object.is`). @internal */
export function paramsEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (isNDArray(a) || ArrayBuffer.isView(a) || isNDArray(b) || ArrayBuffer.isView(b)) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !paramsEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/**
 * Every node below `outputs` (canonical graph) mapped to the node that runs for it: the first node reached with
 * the same primitive, parameters (`paramsEqual`) and representative inputs, else itself (shape and dtype follow
 * from those). Inputs are visited before their consumers, so whole equal subgraphs merge.
 * @internal
 */
export function mergeEqual(outputs: readonly Tensor[]): Map<number, Tensor> {
  const rep = new Map<number, Tensor>();
  const buckets = new Map<number, Tensor[]>();
  const ids = new WeakMap<object, number>();
  let next = 0;
  const identity = (o: object): number => {
    let i = ids.get(o);
    if (i === undefined) {
      i = next++;
      ids.set(o, i);
    }
    return i;
  };
  const repOf = (c: Tensor): Tensor => rep.get(canonical(c).id)!;
  postorder(
    outputs,
    (n) => n.inputs.map(canonical),
    (n) => {
      const ph = paramsHash(n.params, identity);
      if (ph === undefined) {
        rep.set(n.id, n);
        return;
      }
      let h = mix(paramsHash(n.op, identity)!, ph);
      for (const c of n.inputs) h = mix(h, repOf(c).id);
      const bucket = buckets.get(h);
      const same = bucket?.find(
        (m) =>
          m.op === n.op && m.inputs.length === n.inputs.length && m.inputs.every((c, i) => repOf(c) === repOf(n.inputs[i]!)) && paramsEqual(m.params, n.params),
      );
      if (same !== undefined) {
        rep.set(n.id, same);
        return;
      }
      if (bucket === undefined) buckets.set(h, [n]);
      else bucket.push(n);
      rep.set(n.id, n);
    },
  );
  return rep;
}

/** Topological order of the merged canonical graph below `outputs` (representatives), and each node's number of consumer slots. */
function schedule(
  outputs: readonly Tensor[],
  pinned: ReadonlySet<number>,
  rep: ReadonlyMap<number, Tensor>,
): { order: Tensor[]; uses: Map<number, number>; inputsOf: Map<number, Tensor[]> } {
  const post: Tensor[] = [];
  const uses = new Map<number, number>();
  const inputsOf = new Map<number, Tensor[]>();
  const consumers = new Map<number, Tensor[]>();
  const children = (n: Tensor): Tensor[] => {
    const ins = n.inputs.map((c) => rep.get(canonical(c).id)!);
    inputsOf.set(n.id, ins);
    return ins;
  };
  postorder(outputs, children, (n) => {
    post.push(n);
    for (const c of inputsOf.get(n.id)!) {
      uses.set(c.id, (uses.get(c.id) ?? 0) + 1);
      const list = consumers.get(c.id) ?? [];
      list.push(n);
      consumers.set(c.id, list);
    }
  });
  return { order: eagerReleases(post, inputsOf, consumers, uses, pinned), uses, inputsOf };
}

/**
 * The post-order `post` with every node moved as early as its inputs allow whenever running it there holds no more
 * bytes than it frees (the last use of inputs that are not outputs): a weight gradient then runs as soon as its
 * activation and output gradient are both ready, and frees them, instead of after the whole backward pass (a
 * post-order reaches the first layer's weight gradient, and so every layer's output gradient, before any other).
 * Only the order changes, never what runs, so the results are the same.
 */
function eagerReleases(
  post: readonly Tensor[],
  inputsOf: ReadonlyMap<number, readonly Tensor[]>,
  consumers: ReadonlyMap<number, readonly Tensor[]>,
  uses: ReadonlyMap<number, number>,
  pinned: ReadonlySet<number>,
): Tensor[] {
  const left = new Map(uses);
  const done = new Set<number>();
  const arity = post.reduce((a, n) => Math.max(a, inputsOf.get(n.id)!.length), 0);
  const order: Tensor[] = [];
  const frees = (m: Tensor): number => {
    const ins = inputsOf.get(m.id)!;
    let freed = 0;
    for (const c of new Set(ins)) {
      if (!done.has(c.id)) return -1;
      if (!pinned.has(c.id) && left.get(c.id) === ins.filter((i) => i === c).length) freed += bytesOf(c);
    }
    return freed;
  };
  const emit = (first: Tensor): void => {
    const stack = [first];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (done.has(n.id)) continue;
      done.add(n.id);
      order.push(n);
      const ins = inputsOf.get(n.id)!;
      for (const c of ins) left.set(c.id, left.get(c.id)! - 1);
      // Candidates: the consumers of n (one input more is ready), and those of an input of n whose remaining
      // uses fell to what one consumer can hold (so a node with many consumers is not rescanned each time).
      const sources = [n, ...[...new Set(ins)].filter((c) => left.get(c.id)! <= arity)];
      for (const src of sources)
        for (const m of consumers.get(src.id) ?? [])
          if (!done.has(m.id)) {
            const freed = frees(m);
            if (freed > 0 && bytesOf(m) <= freed) stack.push(m);
          }
    }
  };
  for (const n of post) emit(n);
  return order;
}

/**
 * Realizes every tensor of `tree` and returns the same tree with NDArrays
 * (other leaves are kept), plus statistics of the run.
 * @example const { value, stats } = await realizeWithStats({ loss, grads }); stats.peakBytes
 * @category realize
 */
export async function realizeWithStats<T>(tree: T, options: RealizeOptions = {}): Promise<{ value: Realized<T>; stats: RealizeStats }> {
  const t0 = performance.now();
  const be: AnyBackend = options.backend ?? (await getBackend());
  const { leaves, unflatten } = flatten('realize', tree, false);
  const rep = mergeEqual(leaves.map(canonical));
  // Each output is its representative's buffer (equal outputs share one).
  const outs = leaves.map((l) => rep.get(canonical(l).id)!);
  const pinned = new Set(outs.map((o) => o.id));
  const { order, uses, inputsOf } = schedule(outs, pinned, rep);
  const bufs = new Map<number, unknown>();
  let live = 0;
  let peak = 0;
  let kernels = 0;
  let uploads = 0;
  let kernelMs = 0;
  // A kernel may hand back one of its inputs (a backend's no-op reshape): count owners per buffer.
  const owners = new Map<unknown, number>();
  const release = (n: Tensor): void => {
    const b = bufs.get(n.id);
    if (b === undefined) return;
    bufs.delete(n.id);
    const left = (owners.get(b) ?? 1) - 1;
    if (left > 0) {
      owners.set(b, left);
      return;
    }
    owners.delete(b);
    be.dispose(b);
    live -= bytesOf(n);
  };
  const byId = new Map<number, Tensor>();
  try {
    for (const n of order) {
      byId.set(n.id, n);
      const def = primitiveOf(n.op);
      const ins = inputsOf.get(n.id)!;
      const k0 = performance.now();
      const out: unknown = await def.impl(
        be,
        ins.map((c) => bufs.get(c.id)),
        n.params as never,
        n,
      );
      kernelMs += performance.now() - k0;
      if (ins.length === 0) uploads++;
      else kernels++;
      const shape = be.shapeOf(out);
      const dtype = be.dtypeOf(out);
      if (!shapesEqual(shape, n.shape) || dtype !== n.dtype) {
        if (!owners.has(out)) be.dispose(out);
        throw new Error(`realize: kernel of ${n.op} returned ${dtype} ${showShape(shape)}, expected ${n.dtype} ${showShape(n.shape)}`);
      }
      bufs.set(n.id, out);
      const shared = owners.get(out);
      owners.set(out, (shared ?? 0) + 1);
      if (shared === undefined) {
        live += bytesOf(n);
        peak = Math.max(peak, live);
      }
      for (const c of ins) {
        const left = uses.get(c.id)! - 1;
        uses.set(c.id, left);
        if (left === 0 && !pinned.has(c.id)) release(c);
      }
    }
    const results = new Map<number, NDArray>();
    const k0 = performance.now();
    for (const o of outs) if (!results.has(o.id)) results.set(o.id, await be.download(bufs.get(o.id)));
    kernelMs += performance.now() - k0;
    const value = unflatten(outs.map((o) => results.get(o.id)!)) as Realized<T>;
    const stats: RealizeStats = { nodes: order.length, kernels, uploads, peakBytes: peak, kernelMs, totalMs: performance.now() - t0 };
    lastStats = stats;
    return { value, stats };
  } finally {
    for (const id of [...bufs.keys()]) release(byId.get(id)!);
  }
}

let lastStats: RealizeStats | undefined;

/**
 * Realizes every tensor of `tree` on a backend and returns the same tree with NDArrays.
 * @example const { loss, grads } = await realize({ loss, grads: grad(lossFn)(params) })
 * @category realize
 */
export async function realize<T>(tree: T, options: RealizeOptions = {}): Promise<Realized<T>> {
  return (await realizeWithStats(tree, options)).value;
}

/** Statistics of the most recent `realize` in this process (undefined before the first). @category realize */
export const lastRealizeStats = (): RealizeStats | undefined => lastStats;

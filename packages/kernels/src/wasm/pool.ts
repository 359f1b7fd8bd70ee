/**
 * A buffer pool for the `wasm` backend. A fresh typed array of a few MiB costs
 * more than the loop that fills it: the engine maps new pages and the kernel
 * zeroes them on first touch (about 2 ns per float32 element measured here,
 * as much as an elementwise pass). `realize` disposes every intermediate after
 * its last consumer, so the backend can hand those buffers to later kernels of
 * the same size, within a step and from one step to the next.
 *
 * Ownership: only storage the pool itself allocated is ever recycled, never
 * an uploaded array (an upload is the caller's array) nor a reference kernel's. A kernel result holds a
 * reference on its storage; a view result (reshape, transpose, broadcast, ...)
 * shares its input's storage and holds one more; `dispose` drops one, and the
 * storage returns to the pool when none is left. Arrays nobody disposes (the
 * results `realize` hands back, which it downloads before disposing every
 * buffer left; arrays of direct kernel calls) are never recycled. An upload is a new record over the caller's storage, never the
 * caller's array itself: a result of one `realize` uploaded as a leaf of the
 * next must not release the reference its first record holds. A recycled buffer is not zeroed: kernels drawing on the pool write
 * every element.
 *
 * Fit: a request takes a free buffer of its own length first; failing that, the shortest free
 * buffer of up to `fit` (default `BEST_FIT`) times its length, as a view of its first elements
 * (the buffer returns to the pool whole). With equal lengths only, a sliding-window pass made
 * 389 MiB of buffers while never holding more than 148 MiB of them at once (its 24 and 48 MiB
 * tensors found no free buffer of their length beside idle 32 and 64 MiB ones); with the fit it
 * makes 234 MiB and its peak RSS falls from 795 to 643 MiB, while a training step, whose
 * lengths repeat exactly, is unchanged (bench/results/pool-fit.md). A downloaded result that is
 * such a view keeps its whole buffer alive (at most `fit` times its bytes) until it is collected.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { isNDArray } from '@colab-ts/ndarray';
import type { Allocator } from './general.js';

type Storage = Float32Array | Uint8Array;

/**
 * A free buffer may serve a request this many times shorter at most (wasting at most a third of
 * it while in use). Replaying the sliding-window pass's requests: 1.25 made as many bytes as
 * equal lengths (389 MiB), 1.5 234, 2 252, 4 223 with more made on every later pass (small
 * tensors keep the large buffers that later large requests then miss); a training step's
 * requests made the same bytes at 1 to 2.
 * @internal
 */
export const BEST_FIT = 1.5;

/** The pool: an allocator for kernels, result tracking and `dispose`. @internal */
export interface BufferPool {
  readonly alloc: Allocator;
  /** Registers a kernel result (or the arrays of a result record) computed from `args`; returns it unchanged. */
  readonly track: <R>(result: R, inputs: readonly unknown[]) => R;
  readonly dispose: (x: NDArray) => void;
  /** Takes `x`'s storage out of the pool's hands for good (a download: the caller keeps it, whatever is disposed later). */
  readonly escape: (x: NDArray) => void;
  /** Bytes held for reuse now. */
  readonly pooledBytes: () => number;
}

/** A pool that keeps at most `maxBytes` of free buffers (a buffer that would exceed it is not kept), serving requests up to `fit` times shorter than a free buffer. @internal */
export function createBufferPool(maxBytes: number, fit: number = BEST_FIT): BufferPool {
  if (!(fit >= 1)) throw new RangeError(`createBufferPool: fit must be >= 1, got ${fit}`);
  /** Free buffers by kind and length. */
  const free = { f: new Map<number, Storage[]>(), u: new Map<number, Storage[]>() };
  let held = 0;
  /** The whole array of each buffer the pool made, and the length of the view of it handed out now. */
  const whole = new WeakMap<ArrayBufferLike, { readonly all: Storage; handed: number }>();
  /** Live references per recyclable storage (only storage the pool made or adopted is here). */
  const refs = new WeakMap<ArrayBufferLike, number>();
  /** Arrays holding a reference, so that one array releases at most once. */
  const holders = new WeakSet<NDArray>();
  /** Storage made by `alloc` and not yet handed out as a result: adopted on first `track`. */
  const fresh = new WeakSet<ArrayBufferLike>();
  const take = <S extends Storage>(kind: 'f' | 'u', n: number, make: (n: number) => S): S => {
    const lists = free[kind];
    let list = lists.get(n);
    if (list === undefined || list.length === 0) {
      // Best fit: the shortest free buffer with room for n elements, at most `fit` times n.
      let best = Number.POSITIVE_INFINITY;
      if (fit > 1) for (const [len, l] of lists) if (l.length > 0 && len > n && len <= n * fit && len < best) best = len;
      list = lists.get(best);
    }
    const s = list?.pop() as S | undefined;
    if (s === undefined) {
      const made = make(n);
      whole.set(made.buffer, { all: made, handed: n });
      return made;
    }
    held -= s.byteLength;
    whole.get(s.buffer)!.handed = n;
    return (s.length === n ? s : s.subarray(0, n)) as S;
  };
  const give = (s: Storage): void => {
    // Over the cap the buffer is left to the garbage collector: what the pool holds stays (dropping whole
    // size classes instead threw away the hot ones of a 64^3 step: 86 evictions, 4x the fresh bytes).
    if (s.byteLength === 0 || held + s.byteLength > maxBytes) return;
    const lists = free[s instanceof Float32Array ? 'f' : 'u'];
    const list = lists.get(s.length) ?? [];
    list.push(s);
    lists.set(s.length, list);
    held += s.byteLength;
  };
  const hold = (x: NDArray, inputs: readonly unknown[]): void => {
    if (holders.has(x)) return; // the kernel handed back an array that already holds a reference
    const buf = x.data.buffer;
    const n = refs.get(buf);
    if (n !== undefined) {
      holders.add(x);
      refs.set(buf, n + 1);
      return;
    }
    // Storage the pool made for this result (never anything else: an upload, or a reference kernel's array that might be one).
    const shared = inputs.some((i) => isNDArray(i) && i.data.buffer === buf);
    if (!shared && fresh.has(buf)) {
      fresh.delete(buf);
      holders.add(x);
      refs.set(buf, 1);
    }
  };

  return {
    alloc: {
      f32: (n) => {
        const s = take('f', n, (k) => new Float32Array(k));
        fresh.add(s.buffer);
        return s;
      },
      u8: (n) => {
        const s = take('u', n, (k) => new Uint8Array(k));
        fresh.add(s.buffer);
        return s;
      },
    },
    track: (result, args) => {
      const inputs = args.flatMap((a) => (Array.isArray(a) ? a : [a]));
      if (isNDArray(result)) hold(result, inputs);
      else if (typeof result === 'object' && result !== null) for (const v of Object.values(result)) if (isNDArray(v)) hold(v, inputs);
      return result;
    },
    dispose: (x) => {
      if (!holders.has(x)) return;
      holders.delete(x);
      const buf = x.data.buffer;
      const left = refs.get(buf);
      if (left === undefined) return; // escaped storage (downloaded): never recycled
      const n = left - 1;
      if (n > 0) {
        refs.set(buf, n);
        return;
      }
      refs.delete(buf);
      // Only when the array disposed last is the one handed out (a typed array over its first `handed` elements).
      const w = whole.get(buf);
      if (w !== undefined && x.data.constructor === w.all.constructor && x.data.byteOffset === 0 && x.data.length === w.handed) give(w.all);
    },
    escape: (x) => {
      refs.delete(x.data.buffer);
    },
    pooledBytes: () => held,
  };
}

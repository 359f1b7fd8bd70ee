/**
 * Explicit, splittable, counter-based randomness (Threefry-2x32, 20 rounds, as
 * in JAX). A `Key` is an immutable pair of 32-bit words; the same key gives the
 * same numbers on every machine, and `split` derives independent keys. Nothing
 * here reads global state.
 * @module
 */
import type { DType } from './DType.js';
import { allocate, checkDType, isFloat } from './DType.js';
import { DTypeError, ValueError } from './errors.js';
import type { NDArray } from './NDArray.js';
import { fromData } from './NDArray.js';
import type { Shape } from './Shape.js';
import { checkShape, shapeSize } from './Shape.js';

/** A PRNG key: two unsigned 32-bit words. Make one with `key(seed)`. @category random */
export interface Key {
  readonly _tag: 'Key';
  readonly words: readonly [number, number];
}

const makeKey = (k0: number, k1: number): Key => Object.freeze({ _tag: 'Key', words: Object.freeze([k0 >>> 0, k1 >>> 0] as const) });

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const ROT = [13, 15, 26, 6, 17, 29, 16, 24] as const;

/** Threefry-2x32 (20 rounds) of the counter `(c0, c1)` under key `(k0, k1)`; writes two words to `out[at], out[at+1]`. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Uint32Array, at: number): void {
  const ks = [k0 >>> 0, k1 >>> 0, (0x1bd11bda ^ k0 ^ k1) >>> 0] as const;
  let x0 = (c0 + ks[0]) >>> 0;
  let x1 = (c1 + ks[1]) >>> 0;
  for (let block = 0; block < 5; block++) {
    const rot = block % 2 === 0 ? 0 : 4;
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROT[rot + r]!);
      x1 = (x1 ^ x0) >>> 0;
    }
    x0 = (x0 + ks[(block + 1) % 3]!) >>> 0;
    x1 = (x1 + ks[(block + 2) % 3]! + block + 1) >>> 0;
  }
  out[at] = x0;
  out[at + 1] = x1;
}

const DOMAIN_BITS = 0;
const DOMAIN_SPLIT = 1;
const DOMAIN_FOLD = 2;

/**
 * A key from a non-negative integer seed (up to 2^53 - 1).
 * @example const k = key(0)
 * @category random
 */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ValueError('key', `seed must be a non-negative safe integer, got ${seed}`);
  return makeKey(Math.floor(seed / 2 ** 32), seed % 2 ** 32);
}

/** Is `x` a Key? @category random */
export const isKey = (x: unknown): x is Key => typeof x === 'object' && x !== null && (x as Key)._tag === 'Key';

function checkKey(op: string, k: Key): void {
  if (!isKey(k)) throw new ValueError(op, 'expected a Key made by key(seed) or split(...)');
}

/**
 * `n` new independent keys derived from `k` (default 2). Use each at most once.
 * @example const [k1, k2] = split(key(0))
 * @category random
 */
export function split(k: Key, n = 2): Key[] {
  checkKey('split', k);
  if (!Number.isInteger(n) || n < 1) throw new ValueError('split', `n must be a positive integer, got ${n}`);
  const buf = new Uint32Array(2);
  return Array.from({ length: n }, (_, i) => {
    threefry2x32(k.words[0], k.words[1], i, DOMAIN_SPLIT, buf, 0);
    return makeKey(buf[0]!, buf[1]!);
  });
}

/** A new key from `k` and an integer (e.g. a step or case index). @example foldIn(k, step) @category random */
export function foldIn(k: Key, data: number): Key {
  checkKey('foldIn', k);
  if (!Number.isInteger(data)) throw new ValueError('foldIn', `data must be an integer, got ${data}`);
  const buf = new Uint32Array(2);
  threefry2x32(k.words[0], k.words[1], data >>> 0, DOMAIN_FOLD, buf, 0);
  return makeKey(buf[0]!, buf[1]!);
}

/** `n` uniformly random 32-bit words from `k`. @category random */
export function randomBits(k: Key, n: number): Uint32Array {
  checkKey('randomBits', k);
  if (!Number.isSafeInteger(n) || n < 0) throw new ValueError('randomBits', `n must be a non-negative integer, got ${n}`);
  const out = new Uint32Array(n + (n % 2));
  for (let i = 0; i < out.length; i += 2) threefry2x32(k.words[0], k.words[1], i / 2, DOMAIN_BITS, out, i);
  return n % 2 === 0 ? out : out.subarray(0, n);
}

/** Uniform draws in [0, 1) with 53 random bits (float64) or 24 (float32). */
function unitUniform(k: Key, n: number, dtype: DType): Float64Array {
  const out = new Float64Array(n);
  if (dtype === 'float64') {
    const bits = randomBits(k, 2 * n);
    for (let i = 0; i < n; i++) out[i] = ((bits[2 * i]! >>> 5) * 67108864 + (bits[2 * i + 1]! >>> 6)) / 9007199254740992;
  } else {
    const bits = randomBits(k, n);
    for (let i = 0; i < n; i++) out[i] = (bits[i]! >>> 8) / 16777216;
  }
  return out;
}

function checkFloatDType(op: string, dtype: DType): void {
  checkDType(op, dtype);
  if (!isFloat(dtype)) throw new DTypeError(op, `needs a float dtype, got ${dtype}`, { expected: 'float32|float64', got: dtype });
}

/**
 * Uniform samples in `[low, high)` (default [0, 1)), float32 unless `dtype` says float64.
 * @example uniform(key(0), [2, 3], { low: -1, high: 1 })
 * @category random
 */
export function uniform(
  k: Key,
  shape: Shape,
  options: { readonly low?: number; readonly high?: number; readonly dtype?: 'float32' | 'float64' } = {},
): NDArray {
  const dtype = options.dtype ?? 'float32';
  checkFloatDType('uniform', dtype);
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new ValueError('uniform', `needs finite low < high, got [${low}, ${high})`);
  }
  const n = shapeSize(checkShape('uniform', shape));
  const u = unitUniform(k, n, dtype);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    data[i] = low + (high - low) * u[i]!;
    // float32 rounding can land exactly on `high`; keep the interval half-open.
    if (data[i]! >= high) data[i] = dtype === 'float32' ? nextBelowF32(high) : low;
    // ... and, when `low` is not a float32, just below `low`.
    else if (data[i]! < low) data[i] = leastF32AtLeast(low);
  }
  return fromData(dtype, shape, data);
}

/** The smallest float32 that is >= v. */
function leastF32AtLeast(v: number): number {
  const f = new Float32Array([v]);
  if (f[0]! >= v) return f[0]!;
  const i = new Int32Array(f.buffer);
  i[0] = f[0]! > 0 ? i[0]! + 1 : f[0]! < 0 ? i[0]! - 1 : 1;
  return f[0]!;
}

function nextBelowF32(v: number): number {
  const f = new Float32Array([v]);
  const i = new Int32Array(f.buffer);
  i[0] = v > 0 ? i[0]! - 1 : v < 0 ? i[0]! + 1 : -2147483647;
  return f[0]!;
}

/**
 * Normal samples (Box-Muller) with the given mean and standard deviation.
 * @example normal(key(1), [16], { std: 0.01 })
 * @category random
 */
export function normal(k: Key, shape: Shape, options: { readonly mean?: number; readonly std?: number; readonly dtype?: 'float32' | 'float64' } = {}): NDArray {
  const dtype = options.dtype ?? 'float32';
  checkFloatDType('normal', dtype);
  const mu = options.mean ?? 0;
  const sd = options.std ?? 1;
  if (!Number.isFinite(mu) || !Number.isFinite(sd) || sd < 0) throw new ValueError('normal', `needs finite mean and std >= 0, got ${mu}, ${sd}`);
  const n = shapeSize(checkShape('normal', shape));
  const pairs = Math.ceil(n / 2);
  const u = unitUniform(k, 2 * pairs, 'float64');
  const data = allocate(dtype, n);
  for (let p = 0; p < pairs; p++) {
    const r = Math.sqrt(-2 * Math.log(1 - u[2 * p]!));
    const t = 2 * Math.PI * u[2 * p + 1]!;
    data[2 * p] = mu + sd * r * Math.cos(t);
    if (2 * p + 1 < n) data[2 * p + 1] = mu + sd * r * Math.sin(t);
  }
  return fromData(dtype, shape, data);
}

/**
 * Uniform integers in `[low, high)` as int32.
 * @example randint(key(2), [10], 0, 6)
 * @category random
 */
export function randint(k: Key, shape: Shape, low: number, high: number): NDArray<number, 'int32'> {
  // The result is int32: every value in [low, high) must fit, or it would silently wrap.
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || low >= high || low < -(2 ** 31) || high > 2 ** 31) {
    throw new ValueError('randint', `needs integers -2^31 <= low < high <= 2^31, got [${low}, ${high})`);
  }
  const n = shapeSize(checkShape('randint', shape));
  const u = unitUniform(k, n, 'float64');
  const data = allocate('int32', n);
  for (let i = 0; i < n; i++) data[i] = low + Math.floor(u[i]! * (high - low));
  return fromData('int32', shape, data);
}

/**
 * A uniformly random permutation of `0 .. n-1` (int32), by Fisher-Yates.
 * @example permutation(key(3), 5)
 * @category random
 */
export function permutation(k: Key, n: number): NDArray<1, 'int32'> {
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new ValueError('permutation', `n must be a non-negative integer, got ${n}`);
  const u = unitUniform(k, n, 'float64');
  const data = allocate('int32', n);
  for (let i = 0; i < n; i++) data[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = data[i]!;
    data[i] = data[j]!;
    data[j] = t;
  }
  return fromData('int32', [n], data) as NDArray<1, 'int32'>;
}

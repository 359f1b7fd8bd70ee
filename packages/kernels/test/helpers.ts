/**
 * Shared test helpers: seeded float64 arrays, inner products and tolerances.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { key, toTypedArray, uniform } from '@colab-ts/ndarray';
import fc from 'fast-check';
import { expect } from 'vitest';

/** A float64 array of `shape` with values uniform in [-1, 1), from `seed`. */
export const rand = (seed: number, shape: Shape): NDArray => uniform(key(seed), shape, { low: -1, high: 1, dtype: 'float64' });

/** A float32 array of `shape` with values uniform in [-1, 1), from `seed`. */
export const rand32 = (seed: number, shape: Shape): NDArray => uniform(key(seed), shape, { low: -1, high: 1, dtype: 'float32' });

/** Sum of elementwise products (float64), after checking the shapes agree. */
export function dot(a: NDArray, b: NDArray): number {
  expect(a.shape).toEqual(b.shape);
  const x = toTypedArray(a);
  const y = toTypedArray(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** Flat values of an array as a plain list. */
export const values = (x: NDArray): number[] => Array.from(toTypedArray(x));

/** Expects `|a - b| <= tol * (1 + |a| + |b|)`. */
export function expectClose(a: number, b: number, tol = 1e-10): void {
  if (!(Math.abs(a - b) <= tol * (1 + Math.abs(a) + Math.abs(b)))) {
    expect.fail(`expected ${a} to be within ${tol} (relative) of ${b}`);
  }
}

/** Expects two arrays to have the same shape and elementwise close values. */
export function expectAllClose(a: NDArray, b: NDArray, tol = 1e-10): void {
  expect(a.shape).toEqual(b.shape);
  const x = toTypedArray(a);
  const y = toTypedArray(b);
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (u === v || (Number.isNaN(u) && Number.isNaN(v))) continue; // NaN in both agrees
    if (!(Math.abs(u - v) <= tol * (1 + Math.abs(u) + Math.abs(v)))) expect.fail(`element ${i}: ${u} vs ${v} (tol ${tol})`);
  }
}

/** A seed for `rand`. */
export const arbSeed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Three small integers in `[min, max]`. */
export const arbTriple = (min: number, max: number): fc.Arbitrary<[number, number, number]> =>
  fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min, max }));

/** A random small convolution problem whose input is large enough for its kernel. */
export interface ConvCase {
  readonly xShape: [number, number, number, number, number];
  readonly wShape: [number, number, number, number, number];
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];
  readonly dilation: [number, number, number];
  readonly seed: number;
}

/** Convolution problems: batch 1-2, channels 1-3, kernel 1-3, stride 1-3, padding 0-2, dilation 1-2, tiny volumes. */
export const arbConvCase: fc.Arbitrary<ConvCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    ci: fc.integer({ min: 1, max: 3 }),
    co: fc.integer({ min: 1, max: 3 }),
    k: arbTriple(1, 3),
    stride: arbTriple(1, 3),
    padding: arbTriple(0, 2),
    dilation: arbTriple(1, 2),
    extra: arbTriple(0, 3),
    seed: arbSeed,
  })
  .map(({ n, ci, co, k, stride, padding, dilation, extra, seed }) => {
    const spatial = k.map((kk, i) => Math.max(1, dilation[i]! * (kk - 1) + 1 - 2 * padding[i]! + extra[i]!)) as [number, number, number];
    return {
      xShape: [n, ci, ...spatial],
      wShape: [co, ci, ...k],
      stride,
      padding,
      dilation,
      seed,
    };
  });

/** A random small pooling problem: window 1-3, stride 1-3, padding up to half the window. */
export interface PoolCase {
  readonly xShape: [number, number, number, number, number];
  readonly kernelSize: [number, number, number];
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];
  readonly seed: number;
}

/** Pooling problems over tiny volumes. */
export const arbPoolCase: fc.Arbitrary<PoolCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 2 }),
    k: arbTriple(1, 3),
    stride: arbTriple(1, 3),
    pad: arbTriple(0, 1),
    extra: arbTriple(0, 3),
    seed: arbSeed,
  })
  .map(({ n, c, k, stride, pad, extra, seed }) => {
    const padding = k.map((kk, i) => Math.min(pad[i]!, Math.floor(kk / 2))) as [number, number, number];
    const spatial = k.map((kk, i) => Math.max(1, kk - 2 * padding[i]! + extra[i]!)) as [number, number, number];
    return { xShape: [n, c, ...spatial], kernelSize: k, stride, padding, seed };
  });

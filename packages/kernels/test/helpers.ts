/**
 * Shared test helpers: seeded float64 arrays, inner products and tolerances.
 * @module
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { key, toTypedArray, uniform } from '@colab-ts/ndarray';
import { arbMask, arbShapeWithin } from '@colab-ts/ndarray/testing';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { UpsampleOptions } from '../src/index.js';
import type { Connectivity } from '../src/reference.js';

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

/**
 * Windowed problems over tiny volumes, the common draw of conv and pool cases: batch 1-2, `c` channels in and out,
 * windows 1-3, strides 1-3, paddings `[0, pad]` (at most half the window when `halfPad`), dilations `[1, dilation]`,
 * and an input at least as large as the dilated window less the padding.
 */
function arbWindowed(o: { readonly c: number; readonly pad: number; readonly dilation: number; readonly halfPad: boolean }) {
  const windows = fc.tuple(arbTriple(1, 3), arbTriple(1, 3), arbTriple(0, o.pad), arbTriple(1, o.dilation), arbTriple(0, 3));
  return fc.tuple(arbShapeWithin([1, 1, 1], [2, o.c, o.c]), windows, arbSeed).map(([[n, ci, co], [k, stride, pad, dilation, extra], seed]) => {
    const padding = (o.halfPad ? k.map((kk, i) => Math.min(pad[i]!, Math.floor(kk / 2))) : pad) as [number, number, number];
    const spatial = k.map((kk, i) => Math.max(1, dilation[i]! * (kk - 1) + 1 - 2 * padding[i]! + extra[i]!)) as [number, number, number];
    return { n, ci, co, k, stride, padding, dilation, spatial, seed };
  });
}

/** Convolution problems: batch 1-2, channels 1-3, kernel 1-3, stride 1-3, padding 0-2, dilation 1-2, tiny volumes. */
export const arbConvCase: fc.Arbitrary<ConvCase> = arbWindowed({ c: 3, pad: 2, dilation: 2, halfPad: false }).map(
  ({ n, ci, co, k, stride, padding, dilation, spatial, seed }) => ({ xShape: [n, ci, ...spatial], wShape: [co, ci, ...k], stride, padding, dilation, seed }),
);

/** A random small pooling problem: window 1-3, stride 1-3, padding up to half the window. */
export interface PoolCase {
  readonly xShape: [number, number, number, number, number];
  readonly kernelSize: [number, number, number];
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];
  readonly seed: number;
}

/** Pooling problems over tiny volumes. */
export const arbPoolCase: fc.Arbitrary<PoolCase> = arbWindowed({ c: 2, pad: 1, dilation: 1, halfPad: true }).map(
  ({ n, ci, k, stride, padding, spatial, seed }) => ({
    xShape: [n, ci, ...spatial],
    kernelSize: k,
    stride,
    padding,
    seed,
  }),
);

/** Voxel connectivity of the morphology kernels. */
export const arbConnectivity = fc.constantFrom<Connectivity>(6, 18, 26);

/** 0/1 uint8 masks `[D, H, W]`, extents 1-5, foreground share in `density`. */
export const arbVolumeMask = (density: readonly [number, number]): fc.Arbitrary<NDArray> =>
  arbShapeWithin([1, 1, 1], [5, 5, 5]).chain((s) => arbMask(s, { density }));

/** The dot-product test of a linear map and its adjoint: `<f(x), y> = <x, fT(y)>`, `y` drawn from `seed` in `f(x)`'s shape. */
export function expectAdjoint(f: (x: NDArray) => NDArray, fT: (y: NDArray) => NDArray, x: NDArray, seed: number, tol: number): void {
  const fx = f(x);
  const y = rand(seed, fx.shape);
  expectClose(dot(fx, y), dot(x, fT(y)), tol);
}

/** Up-sampling problems: shapes up to `[2, 2, 3, 3, 3]`, scales 1 to `maxScale`, either mode (aligned corners only for trilinear). */
export const arbUpsampleCase = (
  maxScale: number,
): fc.Arbitrary<{ shape: [number, number, number, number, number]; o: UpsampleOptions & { scale: [number, number, number] }; seed: number }> =>
  fc
    .record({
      shape: arbShapeWithin([1, 1, 1, 1, 1], [2, 2, 3, 3, 3]),
      scale: arbTriple(1, maxScale),
      mode: fc.constantFrom('nearest' as const, 'trilinear' as const),
      alignCorners: fc.boolean(),
      seed: arbSeed,
    })
    .map((c) => ({ shape: c.shape, o: { scale: c.scale, mode: c.mode, alignCorners: c.mode === 'trilinear' && c.alignCorners }, seed: c.seed }));

/**
 * Runs an ES-module script (its lines) in a fresh Node process from the repository root, with the
 * packages resolved from source; returns its stdout trimmed. For what only a new process shows
 * (module loading, exit without close).
 */
export async function runModuleScript(lines: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<string> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--conditions=@colab-ts/source', '--input-type=module', '-e', lines.join('\n')],
    {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, ...env },
    },
  );
  return stdout.trim();
}

/**
 * Shared test helpers: flat values, closeness, small random volumes.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { toTypedArray } from '@colab-ts/ndarray';
import { relError as maxRelError } from '@colab-ts/ndarray/testing';
import { expect } from 'vitest';

/** Flat values of an array as a plain list. */
export const values = (x: NDArray): number[] => Array.from(toTypedArray(x));

/** Expects `|a - b| <= atol + rtol * |b|` elementwise, with a message naming the worst element. */
export function expectAllClose(a: NDArray | readonly number[], b: NDArray | readonly number[], tol: { atol?: number; rtol?: number } = {}): void {
  const x = Array.isArray(a) ? (a as number[]) : values(a as NDArray);
  const y = Array.isArray(b) ? (b as number[]) : values(b as NDArray);
  expect(x.length).toBe(y.length);
  const atol = tol.atol ?? 1e-6;
  const rtol = tol.rtol ?? 1e-6;
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i]! - y[i]!) <= atol + rtol * Math.abs(y[i]!)) && !(x[i] === y[i])) {
      expect.fail(`element ${i}: ${x[i]} vs ${y[i]} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** The largest absolute difference, relative to the largest magnitude of `b` (arrays or plain lists). */
export const relError = (a: NDArray | readonly number[], b: NDArray | readonly number[]): number =>
  maxRelError(Array.isArray(a) ? a : values(a as NDArray), Array.isArray(b) ? b : values(b as NDArray));

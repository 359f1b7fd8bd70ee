/**
 * Whole-array comparisons for tests and assertions: exact equality and
 * tolerance-based closeness.
 * @module
 */
import { toTypedArray } from './creation.js';
import type { NDArray } from './NDArray.js';
import { assertNDArray } from './NDArray.js';
import { broadcastShapes, shapesEqual } from './Shape.js';
import { broadcastTo } from './views.js';

/**
 * Same dtype, same shape and the same elements (`equalNaN` makes NaN equal NaN).
 * @example arrayEqual(reshape(reshape(x, [-1]), x.shape), x) // true
 * @category comparison
 */
export function arrayEqual(a: NDArray, b: NDArray, options: { readonly equalNaN?: boolean } = {}): boolean {
  assertNDArray('arrayEqual', a, 'a');
  assertNDArray('arrayEqual', b, 'b');
  if (a.dtype !== b.dtype || !shapesEqual(a.shape, b.shape)) return false;
  const x = toTypedArray(a);
  const y = toTypedArray(b);
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (u !== v && !(options.equalNaN && Number.isNaN(u) && Number.isNaN(v))) return false;
  }
  return true;
}

/** Tolerances of `allClose`: `|a - b| <= atol + rtol * |b|`. @category comparison */
export interface CloseOptions {
  readonly rtol?: number;
  readonly atol?: number;
  readonly equalNaN?: boolean;
}

/**
 * Every pair of broadcast elements within `atol + rtol * |b|` (NumPy's allclose;
 * defaults rtol 1e-5, atol 1e-8). False when the shapes do not broadcast.
 * @example allClose(softmaxSum, ones(shape), { atol: 1e-6 })
 * @category comparison
 */
export function allClose(a: NDArray, b: NDArray, options: CloseOptions = {}): boolean {
  assertNDArray('allClose', a, 'a');
  assertNDArray('allClose', b, 'b');
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-8;
  let shape: number[];
  try {
    shape = broadcastShapes('allClose', a.shape, b.shape);
  } catch {
    return false;
  }
  const x = toTypedArray(broadcastTo(a, shape));
  const y = toTypedArray(broadcastTo(b, shape));
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (Number.isNaN(u) || Number.isNaN(v)) {
      if (options.equalNaN && Number.isNaN(u) && Number.isNaN(v)) continue;
      return false;
    }
    if (u === v) continue; // equal infinities
    // Unequal infinities (or an infinity against a finite number) are never close;
    // without this, |inf - -inf| <= rtol * inf would hold.
    if (!Number.isFinite(u) || !Number.isFinite(v)) return false;
    if (!(Math.abs(u - v) <= atol + rtol * Math.abs(v))) return false;
  }
  return true;
}

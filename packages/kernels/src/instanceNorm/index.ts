/**
 * `instanceNorm` and `instanceNormBackward`: signatures, shape rules and the
 * float64 arithmetic both the reference and the wasm backend run (so their
 * float32 results are the same bits). Per `(n, c)` over `D, H, W`: the mean,
 * the biased variance from the deviations (two passes, no cancellation), then
 * `y = (x - mean) / sqrt(var + eps) * scale[c] + bias[c]`; the backward pass
 * is the input cotangent of that map,
 * `dx = scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))`.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { ShapeError, ValueError, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { Kernels } from '../Backend.js';
import { checkRank5 } from '../options.js';

/** The `instanceNorm` kernel's signature. @category normalisation */
export type InstanceNorm<B = NDArray> = Kernels<B>['instanceNorm'];
/** The `instanceNormBackward` kernel's signature. @category normalisation */
export type InstanceNormBackward<B = NDArray> = Kernels<B>['instanceNormBackward'];

function checkChannel(op: string, name: string, c: number, s: Shape): void {
  if (s.length !== 1 || s[0] !== c) throw new ShapeError(op, `${name} has shape ${showShape(s)}, expected [${c}]`, { expected: `[${c}]`, got: showShape(s) });
}

function checkEps(op: string, eps: number): void {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ValueError(op, `eps must be a finite number >= 0, got ${String(eps)}`);
}

/**
 * Shape of `instanceNorm(x, scale, bias, eps)`: x's; `scale`, `bias` are `[C]`.
 * @example instanceNormShape([2, 4, 8, 8, 8], [4], [4], 1e-5) // [2, 4, 8, 8, 8]
 * @category normalisation
 */
export function instanceNormShape(xShape: Shape, scaleShape: Shape, biasShape: Shape, eps: number): number[] {
  const op = 'instanceNorm';
  const [, c, d, h, w] = checkRank5(op, 'input', xShape);
  if (d * h * w === 0) throw new ShapeError(op, `input ${showShape(xShape)} has no spatial voxels`);
  checkChannel(op, 'scale', c, scaleShape);
  checkChannel(op, 'bias', c, biasShape);
  checkEps(op, eps);
  return [...xShape];
}

/**
 * Shape of `instanceNormBackward(x, scale, dy, eps)`: x's; `dy` is shaped as `x`.
 * @example instanceNormBackwardShape([2, 4, 8, 8, 8], [4], [2, 4, 8, 8, 8], 1e-5) // [2, 4, 8, 8, 8]
 * @category normalisation
 */
export function instanceNormBackwardShape(xShape: Shape, scaleShape: Shape, dyShape: Shape, eps: number): number[] {
  const op = 'instanceNormBackward';
  const [, c, d, h, w] = checkRank5(op, 'input', xShape);
  if (d * h * w === 0) throw new ShapeError(op, `input ${showShape(xShape)} has no spatial voxels`);
  checkChannel(op, 'scale', c, scaleShape);
  if (!shapesEqual(dyShape, xShape)) throw new ShapeError(op, `dy has shape ${showShape(dyShape)}, expected ${showShape(xShape)}`);
  checkEps(op, eps);
  return [...xShape];
}

type Values = Float32Array | Float64Array;

/** Mean and `1 / sqrt(var + eps)` of `x[o .. o + m)`, in float64 (mean first, then squared deviations). */
function moments(x: Values, o: number, m: number, eps: number): [number, number] {
  let sum = 0;
  for (let i = o; i < o + m; i++) sum += x[i]!;
  const mu = sum / m;
  let sq = 0;
  for (let i = o; i < o + m; i++) {
    const d = x[i]! - mu;
    sq += d * d;
  }
  return [mu, 1 / Math.sqrt(sq / m + eps)];
}

/**
 * Instance norm of packed `x` (`groups = N C` runs of `m` voxels) into `out`, float64 arithmetic,
 * each result rounded once on store. @internal
 */
export function instanceNormInto(out: Values, x: Values, scale: Values, bias: Values, channels: number, m: number, eps: number): void {
  const groups = x.length / m;
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const [mu, inv] = moments(x, o, m, eps);
    const c = g % channels;
    const k = inv * scale[c]!;
    const b = bias[c]!;
    for (let i = o; i < o + m; i++) out[i] = (x[i]! - mu) * k + b;
  }
}

/** The input cotangent of instance norm for packed `x`, `dy` into `out`, float64 arithmetic. @internal */
export function instanceNormBackwardInto(out: Values, x: Values, scale: Values, dy: Values, channels: number, m: number, eps: number): void {
  const groups = x.length / m;
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const [mu, inv] = moments(x, o, m, eps);
    let sdy = 0;
    let sdyx = 0;
    for (let i = o; i < o + m; i++) {
      const d = dy[i]!;
      sdy += d;
      sdyx += d * (x[i]! - mu);
    }
    const k = scale[g % channels]! * inv;
    const a = sdy / m;
    const cc = (inv * inv * sdyx) / m;
    for (let i = o; i < o + m; i++) out[i] = k * (dy[i]! - a - (x[i]! - mu) * cc);
  }
}

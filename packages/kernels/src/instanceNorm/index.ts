/**
 * `instanceNorm`, `instanceNormBackward` and `instanceNormAffineBackward`:
 * signatures, shape rules and the float64 arithmetic both the reference and
 * the wasm backend run (so their float32 results are the same bits). Per
 * `(n, c)` over `D, H, W`: the mean, the biased variance from the deviations
 * (two passes, no cancellation), then
 * `y = (x - mean) / sqrt(var + eps) * scale[c] + bias[c]`; the backward pass
 * is the input cotangent of that map,
 * `dx = scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))`, and the
 * affine backward the cotangents of `scale` and `bias`,
 * `[sum(dy * xhat), sum(dy)]` over `N, D, H, W`; `instanceNormLeakyRelu` is
 * `instanceNorm` followed by leaky ReLU in the same pass (each value rounded
 * to the storage dtype, then `v > 0 ? v : slope * v` rounded once: the bits
 * of the two kernels one after the other).
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
/** The `instanceNormAffineBackward` kernel's signature. @category normalisation */
export type InstanceNormAffineBackward<B = NDArray> = Kernels<B>['instanceNormAffineBackward'];
/** The `instanceNormLeakyRelu` kernel's signature. @category normalisation */
export type InstanceNormLeakyRelu<B = NDArray> = Kernels<B>['instanceNormLeakyRelu'];

function checkChannel(op: string, name: string, c: number, s: Shape): void {
  if (s.length !== 1 || s[0] !== c) throw new ShapeError(op, `${name} has shape ${showShape(s)}, expected [${c}]`, { expected: `[${c}]`, got: showShape(s) });
}

function checkEps(op: string, eps: number): void {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ValueError(op, `eps must be a finite number >= 0, got ${String(eps)}`);
}

/** The shape rule of the affine kernels (`instanceNorm`, `instanceNormLeakyRelu`) under the name `op`. */
function affineShape(op: string, xShape: Shape, scaleShape: Shape, biasShape: Shape, eps: number): number[] {
  const [, c, d, h, w] = checkRank5(op, 'input', xShape);
  if (d * h * w === 0) throw new ShapeError(op, `input ${showShape(xShape)} has no spatial voxels`);
  checkChannel(op, 'scale', c, scaleShape);
  checkChannel(op, 'bias', c, biasShape);
  checkEps(op, eps);
  return [...xShape];
}

/**
 * Shape of `instanceNorm(x, scale, bias, eps)`: x's; `scale`, `bias` are `[C]`.
 * @example instanceNormShape([2, 4, 8, 8, 8], [4], [4], 1e-5) // [2, 4, 8, 8, 8]
 * @category normalisation
 */
export const instanceNormShape = (xShape: Shape, scaleShape: Shape, biasShape: Shape, eps: number): number[] =>
  affineShape('instanceNorm', xShape, scaleShape, biasShape, eps);

/**
 * Shape of `instanceNormLeakyRelu(x, scale, bias, eps, slope)`: x's, as `instanceNorm`; `slope` finite and >= 0
 * (so the output's sign is the normalised value's: its derivative can be read off the output).
 * @example instanceNormLeakyReluShape([2, 4, 8, 8, 8], [4], [4], 1e-5, 0.01) // [2, 4, 8, 8, 8]
 * @category normalisation
 */
export function instanceNormLeakyReluShape(xShape: Shape, scaleShape: Shape, biasShape: Shape, eps: number, slope: number): number[] {
  const op = 'instanceNormLeakyRelu';
  const s = affineShape(op, xShape, scaleShape, biasShape, eps);
  if (typeof slope !== 'number' || !(slope >= 0) || !Number.isFinite(slope))
    throw new ValueError(op, `slope must be a finite number >= 0, got ${String(slope)}`);
  return s;
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

/**
 * Shape of `instanceNormAffineBackward(x, dy, eps)`: `[2, C]` (the scale's cotangent, then the bias's); `dy` is shaped as `x`.
 * @example instanceNormAffineBackwardShape([2, 4, 8, 8, 8], [2, 4, 8, 8, 8], 1e-5) // [2, 4]
 * @category normalisation
 */
export function instanceNormAffineBackwardShape(xShape: Shape, dyShape: Shape, eps: number): number[] {
  const op = 'instanceNormAffineBackward';
  const [, c, d, h, w] = checkRank5(op, 'input', xShape);
  if (d * h * w === 0) throw new ShapeError(op, `input ${showShape(xShape)} has no spatial voxels`);
  if (!shapesEqual(dyShape, xShape)) throw new ShapeError(op, `dy has shape ${showShape(dyShape)}, expected ${showShape(xShape)}`);
  checkEps(op, eps);
  return [2, c];
}

type Values = Float32Array | Float64Array;

/** Mean of `x[o .. o + m)`, in float64. */
function meanOf(x: Values, o: number, m: number): number {
  let sum = 0;
  for (let i = o; i < o + m; i++) sum += x[i]!;
  return sum / m;
}

/** Mean and `1 / sqrt(var + eps)` of `x[o .. o + m)`, in float64 (mean first, then squared deviations). */
function moments(x: Values, o: number, m: number, eps: number): [number, number] {
  const mu = meanOf(x, o, m);
  let sq = 0;
  for (let i = o; i < o + m; i++) {
    const d = x[i]! - mu;
    sq += d * d;
  }
  return [mu, 1 / Math.sqrt(sq / m + eps)];
}

/**
 * One pass over `x` and `dy` on `[o .. o + m)` given the mean `mu`, in float64: `1 / sqrt(var + eps)` (the squared
 * deviations summed as in `moments`), `sum(dy)` and `sum(dy (x - mu))`, each added in order. NOTE: unrolled by two
 * without reordering any sum (the same bits as the plain loop), about 1.2x faster in V8 here.
 */
function deviationSums(x: Values, dy: Values, o: number, m: number, mu: number, eps: number): [number, number, number] {
  let sq = 0;
  let sdy = 0;
  let sdyx = 0;
  const e = o + m;
  let i = o;
  for (; i + 2 <= e; i += 2) {
    const d0 = x[i]! - mu;
    const g0 = dy[i]!;
    const d1 = x[i + 1]! - mu;
    const g1 = dy[i + 1]!;
    sq += d0 * d0;
    sdy += g0;
    sdyx += g0 * d0;
    sq += d1 * d1;
    sdy += g1;
    sdyx += g1 * d1;
  }
  for (; i < e; i++) {
    const d = x[i]! - mu;
    const g = dy[i]!;
    sq += d * d;
    sdy += g;
    sdyx += g * d;
  }
  return [1 / Math.sqrt(sq / m + eps), sdy, sdyx];
}

/**
 * Instance norm of packed `x` (`groups = N C` runs of `m` voxels) into `out`, float64 arithmetic,
 * each result rounded once on store. @internal
 */
export const instanceNormInto = (out: Values, x: Values, scale: Values, bias: Values, channels: number, m: number, eps: number): void =>
  affineInto(out, x, scale, bias, channels, m, eps, null);

/**
 * `instanceNormInto` then leaky ReLU in the same pass, for a result of dtype float32 (`float32`) or float64: each
 * normalised value is rounded to that dtype, then multiplied by `slope` (rounded likewise, as the leakyRelu kernel's
 * weak scalar) or by 1; `out` may be wider than the result (the reference's float64 staging). @internal
 */
export function instanceNormLeakyReluInto(
  out: Values,
  x: Values,
  scale: Values,
  bias: Values,
  channels: number,
  m: number,
  eps: number,
  slope: number,
  float32: boolean,
): void {
  affineInto(out, x, scale, bias, channels, m, eps, { factor: Float64Array.of(float32 ? Math.fround(slope) : slope, 1), float32 });
}

/** A leaky ReLU applied in the normalisation pass: `factor = [slope, 1]`, and whether values are rounded to float32 first. */
type Relu = { readonly factor: Float64Array; readonly float32: boolean };

/** The normalisation loop; with `relu`, each value `v` (rounded to float32 if asked) is stored as `v * factor[+(v > 0)]` (no branch). */
function affineInto(out: Values, x: Values, scale: Values, bias: Values, channels: number, m: number, eps: number, relu: Relu | null): void {
  const groups = x.length / m;
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const [mu, inv] = moments(x, o, m, eps);
    const c = g % channels;
    const k = inv * scale[c]!;
    const b = bias[c]!;
    let i = o;
    if (relu === null) {
      for (; i + 4 <= o + m; i += 4) {
        out[i] = (x[i]! - mu) * k + b;
        out[i + 1] = (x[i + 1]! - mu) * k + b;
        out[i + 2] = (x[i + 2]! - mu) * k + b;
        out[i + 3] = (x[i + 3]! - mu) * k + b;
      }
      for (; i < o + m; i++) out[i] = (x[i]! - mu) * k + b;
    } else if (relu.float32) leakyRun32(out, x, o, o + m, mu, k, b, relu.factor);
    else leakyRun64(out, x, o, o + m, mu, k, b, relu.factor);
  }
}

/** `out[i] = v * f[+(v > 0)]` with `v = fround((x[i] - mu) k + b)` on `[i, e)`; its own function, so V8 keeps it monomorphic. */
function leakyRun32(out: Values, x: Values, i: number, e: number, mu: number, k: number, b: number, f: Float64Array): void {
  for (; i + 2 <= e; i += 2) {
    const v0 = Math.fround((x[i]! - mu) * k + b);
    const v1 = Math.fround((x[i + 1]! - mu) * k + b);
    out[i] = v0 * f[+(v0 > 0)]!;
    out[i + 1] = v1 * f[+(v1 > 0)]!;
  }
  for (; i < e; i++) {
    const v = Math.fround((x[i]! - mu) * k + b);
    out[i] = v * f[+(v > 0)]!;
  }
}

/** As `leakyRun32` without rounding `v` (float64 results). */
function leakyRun64(out: Values, x: Values, i: number, e: number, mu: number, k: number, b: number, f: Float64Array): void {
  for (; i < e; i++) {
    const v = (x[i]! - mu) * k + b;
    out[i] = v * f[+(v > 0)]!;
  }
}

/** The input cotangent of instance norm for packed `x`, `dy` into `out`, float64 arithmetic (three passes per group). @internal */
export function instanceNormBackwardInto(out: Values, x: Values, scale: Values, dy: Values, channels: number, m: number, eps: number): void {
  const groups = x.length / m;
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const mu = meanOf(x, o, m);
    const [inv, sdy, sdyx] = deviationSums(x, dy, o, m, mu, eps);
    const k = scale[g % channels]! * inv;
    const a = sdy / m;
    const cc = (inv * inv * sdyx) / m;
    let i = o;
    for (; i + 4 <= o + m; i += 4) {
      out[i] = k * (dy[i]! - a - (x[i]! - mu) * cc);
      out[i + 1] = k * (dy[i + 1]! - a - (x[i + 1]! - mu) * cc);
      out[i + 2] = k * (dy[i + 2]! - a - (x[i + 2]! - mu) * cc);
      out[i + 3] = k * (dy[i + 3]! - a - (x[i + 3]! - mu) * cc);
    }
    for (; i < o + m; i++) out[i] = k * (dy[i]! - a - (x[i]! - mu) * cc);
  }
}

/**
 * The cotangents of instance norm's `scale` and `bias` for packed `x`, `dy` into `out` `[2, C]`:
 * `sum(dy * xhat)`, then `sum(dy)`, over `N, D, H, W`, in float64 (two passes per group), rounded once. @internal
 */
export function instanceNormAffineBackwardInto(out: Values, x: Values, dy: Values, channels: number, m: number, eps: number): void {
  const acc = new Float64Array(2 * channels);
  const groups = x.length / m;
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const [inv, sdy, sdyx] = deviationSums(x, dy, o, m, meanOf(x, o, m), eps);
    const c = g % channels;
    acc[c] = acc[c]! + inv * sdyx;
    acc[channels + c] = acc[channels + c]! + sdy;
  }
  out.set(acc);
}

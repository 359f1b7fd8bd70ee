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

/**
 * The loops of the instance-norm kernels over one group `[o, o + m)` of operands bound beforehand (`x`, `dy`, the
 * result), in float64 arithmetic with each result rounded once on store. Every sum runs in the order of ndarray's
 * float32 `sum`: four interleaved float64 accumulators, `a[j]` adding the elements `o + 4 q + j`, the tail after the
 * last whole quadruple added to `a[0]`, then `(a[0] + a[1]) + (a[2] + a[3])`; so the plain loops here and the wasm
 * backend's SIMD loops (`normLoops`) give the same bits. @internal
 */
export interface NormLoops {
  /** The mean of `x`. */
  mean(o: number, m: number): number;
  /** `sum((x - mu)^2)`. */
  squaredDeviations(o: number, m: number, mu: number): number;
  /** `[sum(dy), sum(dy (x - mu))]`. */
  dySums(o: number, m: number, mu: number): readonly [number, number];
  /** `out = (x - mu) k + b`. */
  affine(o: number, m: number, mu: number, k: number, b: number): void;
  /** `out = v > 0 ? v : v slope` with `v = (x - mu) k + b` rounded to the result's dtype (slope rounded likewise). */
  affineLeaky(o: number, m: number, mu: number, k: number, b: number, slope: number): void;
  /** `out = k ((dy - a) - (x - mu) cc)`. */
  backward(o: number, m: number, mu: number, k: number, a: number, cc: number): void;
}

/** The plain TypeScript loops over `x`, `dy` and `out` (`float32`: the result's dtype is float32, for the leaky ReLU's rounding). @internal */
export function plainNormLoops(out: Values, x: Values, dy: Values | null, float32: boolean): NormLoops {
  const d = dy ?? x;
  return {
    mean: (o, m) => sum4(x, o, m) / m,
    squaredDeviations: (o, m, mu) => squaredDeviations(x, o, m, mu),
    dySums: (o, m, mu) => dySums(x, d, o, m, mu),
    affine: (o, m, mu, k, b) => affineRun(out, x, o, o + m, mu, k, b),
    affineLeaky: (o, m, mu, k, b, slope) =>
      float32
        ? leakyRun32(out, x, o, o + m, mu, k, b, Float64Array.of(Math.fround(slope), 1))
        : leakyRun64(out, x, o, o + m, mu, k, b, Float64Array.of(slope, 1)),
    backward: (o, m, mu, k, a, cc) => backwardRun(out, x, d, o, o + m, mu, k, a, cc),
  };
}

/** Sum of `x[o .. o + m)` in float64 (the four-accumulator order). */
function sum4(x: Values, o: number, m: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const e = o + m;
  let i = o;
  for (; i + 4 <= e; i += 4) {
    a0 += x[i]!;
    a1 += x[i + 1]!;
    a2 += x[i + 2]!;
    a3 += x[i + 3]!;
  }
  for (; i < e; i++) a0 += x[i]!;
  return a0 + a1 + (a2 + a3);
}

/** Sum of `(x - mu)^2` over `x[o .. o + m)`, in float64 (the four-accumulator order). */
function squaredDeviations(x: Values, o: number, m: number, mu: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const e = o + m;
  let i = o;
  for (; i + 4 <= e; i += 4) {
    const d0 = x[i]! - mu;
    const d1 = x[i + 1]! - mu;
    const d2 = x[i + 2]! - mu;
    const d3 = x[i + 3]! - mu;
    a0 += d0 * d0;
    a1 += d1 * d1;
    a2 += d2 * d2;
    a3 += d3 * d3;
  }
  for (; i < e; i++) {
    const d = x[i]! - mu;
    a0 += d * d;
  }
  return a0 + a1 + (a2 + a3);
}

/** `sum(dy)` and `sum(dy (x - mu))` over `[o .. o + m)`, in float64 (the four-accumulator order). */
function dySums(x: Values, dy: Values, o: number, m: number, mu: number): [number, number] {
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  let h0 = 0;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  const e = o + m;
  let i = o;
  for (; i + 4 <= e; i += 4) {
    const y0 = dy[i]!;
    const y1 = dy[i + 1]!;
    const y2 = dy[i + 2]!;
    const y3 = dy[i + 3]!;
    g0 += y0;
    g1 += y1;
    g2 += y2;
    g3 += y3;
    h0 += y0 * (x[i]! - mu);
    h1 += y1 * (x[i + 1]! - mu);
    h2 += y2 * (x[i + 2]! - mu);
    h3 += y3 * (x[i + 3]! - mu);
  }
  for (; i < e; i++) {
    g0 += dy[i]!;
    h0 += dy[i]! * (x[i]! - mu);
  }
  return [g0 + g1 + (g2 + g3), h0 + h1 + (h2 + h3)];
}

function affineRun(out: Values, x: Values, i: number, e: number, mu: number, k: number, b: number): void {
  for (; i + 4 <= e; i += 4) {
    out[i] = (x[i]! - mu) * k + b;
    out[i + 1] = (x[i + 1]! - mu) * k + b;
    out[i + 2] = (x[i + 2]! - mu) * k + b;
    out[i + 3] = (x[i + 3]! - mu) * k + b;
  }
  for (; i < e; i++) out[i] = (x[i]! - mu) * k + b;
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

function backwardRun(out: Values, x: Values, dy: Values, i: number, e: number, mu: number, k: number, a: number, cc: number): void {
  for (; i + 4 <= e; i += 4) {
    out[i] = k * (dy[i]! - a - (x[i]! - mu) * cc);
    out[i + 1] = k * (dy[i + 1]! - a - (x[i + 1]! - mu) * cc);
    out[i + 2] = k * (dy[i + 2]! - a - (x[i + 2]! - mu) * cc);
    out[i + 3] = k * (dy[i + 3]! - a - (x[i + 3]! - mu) * cc);
  }
  for (; i < e; i++) out[i] = k * (dy[i]! - a - (x[i]! - mu) * cc);
}

/** `1 / sqrt(var + eps)` of a group from its sum of squared deviations. */
const invStd = (sq: number, m: number, eps: number): number => 1 / Math.sqrt(sq / m + eps);

/**
 * Instance norm over `groups = N C` runs of `m` voxels with `loops`, then leaky ReLU with `slope` (`null`: none):
 * per group the mean, `inv = 1 / sqrt(var + eps)` from the deviations, and
 * `out = (x - mean) inv scale[c] + bias[c]`. @internal
 */
export function normalizeGroups(
  L: NormLoops,
  groups: number,
  scale: Values,
  bias: Values,
  channels: number,
  m: number,
  eps: number,
  slope: number | null,
): void {
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const mu = L.mean(o, m);
    const inv = invStd(L.squaredDeviations(o, m, mu), m, eps);
    const c = g % channels;
    const k = inv * scale[c]!;
    if (slope === null) L.affine(o, m, mu, k, bias[c]!);
    else L.affineLeaky(o, m, mu, k, bias[c]!, slope);
  }
}

/** The input cotangent of instance norm with `loops`: `scale inv (dy - mean(dy) - xhat mean(dy xhat))` per group. @internal */
export function backwardGroups(L: NormLoops, groups: number, scale: Values, channels: number, m: number, eps: number): void {
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const mu = L.mean(o, m);
    const inv = invStd(L.squaredDeviations(o, m, mu), m, eps);
    const [sdy, sdyx] = L.dySums(o, m, mu);
    L.backward(o, m, mu, scale[g % channels]! * inv, sdy / m, (inv * inv * sdyx) / m);
  }
}

/** The cotangents of instance norm's `scale` and `bias` with `loops`: `[sum(dy xhat), sum(dy)]` per channel, in float64. @internal */
export function affineBackwardGroups(L: NormLoops, groups: number, channels: number, m: number, eps: number): Float64Array {
  const acc = new Float64Array(2 * channels);
  for (let g = 0; g < groups; g++) {
    const o = g * m;
    const mu = L.mean(o, m);
    const inv = invStd(L.squaredDeviations(o, m, mu), m, eps);
    const [sdy, sdyx] = L.dySums(o, m, mu);
    const c = g % channels;
    acc[c] = acc[c]! + inv * sdyx;
    acc[channels + c] = acc[channels + c]! + sdy;
  }
  return acc;
}

/**
 * Instance norm of packed `x` (`groups = N C` runs of `m` voxels) into `out`, float64 arithmetic,
 * each result rounded once on store. @internal
 */
export const instanceNormInto = (out: Values, x: Values, scale: Values, bias: Values, channels: number, m: number, eps: number): void =>
  normalizeGroups(plainNormLoops(out, x, null, false), x.length / m, scale, bias, channels, m, eps, null);

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
  normalizeGroups(plainNormLoops(out, x, null, float32), x.length / m, scale, bias, channels, m, eps, slope);
}

/** The input cotangent of instance norm for packed `x`, `dy` into `out`, float64 arithmetic. @internal */
export function instanceNormBackwardInto(out: Values, x: Values, scale: Values, dy: Values, channels: number, m: number, eps: number): void {
  backwardGroups(plainNormLoops(out, x, dy, false), x.length / m, scale, channels, m, eps);
}

/**
 * The cotangents of instance norm's `scale` and `bias` for packed `x`, `dy` into `out` `[2, C]`:
 * `sum(dy * xhat)`, then `sum(dy)`, over `N, D, H, W`, in float64, rounded once. @internal
 */
export function instanceNormAffineBackwardInto(out: Values, x: Values, dy: Values, channels: number, m: number, eps: number): void {
  out.set(affineBackwardGroups(plainNormLoops(out, x, dy, false), x.length / m, channels, m, eps));
}

/**
 * Intensity normalisation as nnU-Net does it: CT images are clipped to the
 * 0.5 and 99.5 percentiles of foreground (labelled) voxels and z-scored with
 * the foreground mean and standard deviation (statistics pooled over the
 * training set); MR images are z-scored per image and channel.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, shapesEqual, showShape } from '@colab-ts/ndarray';
import { dataOf, packed, spatialShape } from './internal/arrays.js';

/** Foreground intensity statistics for CT normalisation. @category preprocessing */
export interface IntensityStats {
  readonly mean: number;
  readonly std: number;
  /** 0.5th percentile. */
  readonly lower: number;
  /** 99.5th percentile. */
  readonly upper: number;
}

/**
 * The `q`-th percentile (0..100) of `values`, interpolating linearly between
 * order statistics as NumPy's default does.
 * @example percentile([1, 2, 3, 4], 50) // 2.5
 * @category preprocessing
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new ValueError('percentile', 'needs at least one value');
  if (!(q >= 0 && q <= 100)) throw new ValueError('percentile', `q must be in [0, 100], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Intensities of channel `channel` of a `[C, D, H, W]` image where the
 * `[1, D, H, W]` (or `[D, H, W]`) mask is non-zero, taking every `stride`-th one.
 * @category preprocessing
 */
export function foregroundValues(image: NDArray, mask: NDArray, options: { readonly channel?: number; readonly stride?: number } = {}): Float64Array {
  const op = 'foregroundValues';
  if (image.shape.length !== 4) throw new ShapeError(op, `image must be [C,D,H,W], got ${showShape(image.shape)}`);
  if (!shapesEqual(spatialShape(image), spatialShape(mask)) || mask.shape.length < 3) {
    throw new ShapeError(op, `mask ${showShape(mask.shape)} does not match image ${showShape(image.shape)}`);
  }
  const c = options.channel ?? 0;
  const stride = Math.max(1, Math.floor(options.stride ?? 1));
  const n = spatialShape(image).reduce((a, b) => a * b, 1);
  const img = dataOf(image);
  const m = dataOf(mask);
  const out: number[] = [];
  let seen = 0;
  for (let i = 0; i < n; i++) {
    if (m[i] !== 0) {
      if (seen % stride === 0) out.push(img[c * n + i]!);
      seen++;
    }
  }
  return Float64Array.from(out);
}

/**
 * CT statistics pooled over cases: foreground mean, standard deviation, and
 * the 0.5 / 99.5 percentiles (nnU-Net's dataset fingerprint).
 * @example const stats = ctStatistics(cases.map((c) => ({ image: c.image, mask: c.label })))
 * @category preprocessing
 */
export function ctStatistics(
  cases: ReadonlyArray<{ readonly image: NDArray; readonly mask: NDArray }>,
  options: { readonly channel?: number; readonly stride?: number } = {},
): IntensityStats {
  const parts = cases.map((c) => foregroundValues(c.image, c.mask, options));
  const total = parts.reduce((a, p) => a + p.length, 0);
  if (total === 0) throw new ValueError('ctStatistics', 'no foreground voxels in any case; check the label maps');
  const all = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  let mean = 0;
  for (const v of all) mean += v;
  mean /= total;
  let sq = 0;
  for (const v of all) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / total), lower: percentile(all, 0.5), upper: percentile(all, 99.5) };
}

/**
 * CT normalisation: clip to `[lower, upper]`, then `(x - mean) / max(std, 1e-8)`
 * (float32).
 * @example normalizeCT(image, ctStatistics(training))
 * @category preprocessing
 */
export function normalizeCT(image: NDArray, stats: IntensityStats): NDArray {
  const { mean, std, lower, upper } = stats;
  if (![mean, std, lower, upper].every(Number.isFinite) || lower > upper) {
    throw new ValueError('normalizeCT', `stats must be finite with lower <= upper, got ${JSON.stringify(stats)}`);
  }
  const src = dataOf(image);
  const out = new Float32Array(src.length);
  const s = Math.max(std, 1e-8);
  for (let i = 0; i < src.length; i++) out[i] = (Math.min(Math.max(src[i]!, lower), upper) - mean) / s;
  return packed('float32', image.shape, out);
}

/**
 * Per-image z-score (MR): each channel of a `[C, D, H, W]` image becomes
 * `(x - mean) / max(std, 1e-8)` with its own statistics, taken over the voxels
 * where `mask` is non-zero when a mask is given (float32).
 * @example zScore(mrImage)
 * @category preprocessing
 */
export function zScore(image: NDArray, options: { readonly mask?: NDArray } = {}): NDArray {
  if (image.shape.length !== 4) throw new ShapeError('zScore', `image must be [C,D,H,W], got ${showShape(image.shape)}`);
  const src = dataOf(image);
  const n = spatialShape(image).reduce((a, b) => a * b, 1);
  const m = options.mask === undefined ? undefined : dataOf(options.mask);
  if (m !== undefined && m.length !== n)
    throw new ShapeError('zScore', `mask ${showShape(options.mask!.shape)} does not match image ${showShape(image.shape)}`);
  const out = new Float32Array(src.length);
  for (let c = 0; c < image.shape[0]!; c++) {
    let count = 0;
    let mean = 0;
    for (let i = 0; i < n; i++)
      if (m === undefined || m[i] !== 0) {
        mean += src[c * n + i]!;
        count++;
      }
    mean = count > 0 ? mean / count : 0;
    let sq = 0;
    for (let i = 0; i < n; i++) if (m === undefined || m[i] !== 0) sq += (src[c * n + i]! - mean) ** 2;
    const std = Math.max(count > 0 ? Math.sqrt(sq / count) : 0, 1e-8);
    for (let i = 0; i < n; i++) out[c * n + i] = (src[c * n + i]! - mean) / std;
  }
  return packed('float32', image.shape, out);
}

/**
 * A body (foreground) mask `[1, D, H, W]` (uint8) of a case's image
 * `[C, D, H, W]`: the voxels of channel 0 above a quarter of its intensity
 * range (`min + 0.25 (max - min)`): the body in CT (air at the bottom of the
 * range, bone at the top) and the head in MR. Used to centre background
 * patches on the body and for the k-means baseline's voxels. A constant
 * image gives an empty mask.
 * @example bodyMask(c.image) // 1 inside the body
 * @category preprocessing
 */
export function bodyMask(image: NDArray): NDArray {
  if (image.shape.length !== 4) throw new ValueError('bodyMask', `image must be [C, D, H, W], got [${image.shape.join(', ')}]`);
  const d = dataOf(image);
  const n = d.length / image.shape[0]!;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const th = lo + 0.25 * (hi - lo);
  const out = new Uint8Array(n);
  if (hi > lo) for (let i = 0; i < n; i++) out[i] = d[i]! > th ? 1 : 0;
  return packed('uint8', [1, ...image.shape.slice(1)], out);
}

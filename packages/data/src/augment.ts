/**
 * Seeded, pure data augmentation of a batch (nnU-Net's set, with its default
 * ranges and probabilities): mirroring, small rotations and scaling (trilinear
 * for images, nearest for label maps, zero outside), brightness, contrast,
 * gamma and Gaussian noise. The same key gives the same batch. A 2D batch
 * (`pd = 1`) is rotated and scaled in-plane only. As nnU-Net does, the spatial
 * transform can read a larger patch than it writes (`outShape`, with
 * `augmentSourceShape`), so that no corner of a rotated or shrunk patch is
 * filled with zeros.
 * @module
 */
import type { AnyData, Key } from '@colab-ts/ndarray';
import { ShapeError, ValueError, allocate, normal, showShape, split, uniform } from '@colab-ts/ndarray';
import type { Batch } from './Case.js';
import { dataOf, packed } from './internal/arrays.js';

/** One augmentation's probability (per sample) and range; `false` turns it off. @category augmentation */
export interface AugmentStep {
  readonly p?: number;
  readonly range?: readonly [number, number];
}

/** Options of `augment`; every step is on by default with nnU-Net's settings. @category augmentation */
export interface AugmentOptions {
  /** Per spatial axis flip probability (default 0.5) over `axes` (0 = D, 1 = H, 2 = W; default those with extent > 1). */
  readonly mirror?: false | { readonly p?: number; readonly axes?: readonly number[] };
  /** Rotation angle range in radians per axis (default +-15 degrees, p 0.2). */
  readonly rotation?: false | AugmentStep;
  /** Isotropic zoom factor range (default [0.85, 1.25], p 0.2). */
  readonly scaling?: false | AugmentStep;
  /** Multiplicative brightness range (default [0.75, 1.25], p 0.15). */
  readonly brightness?: false | AugmentStep;
  /** Contrast factor range around the mean, clipped to the original range (default [0.75, 1.25], p 0.15). */
  readonly contrast?: false | AugmentStep;
  /** Gamma range on range-normalised intensities, keeping mean and std (default [0.7, 1.5], p 0.3). */
  readonly gamma?: false | AugmentStep;
  /** Noise variance range (default [0, 0.1], p 0.1). */
  readonly noise?: false | AugmentStep;
  /**
   * Spatial size `[D, H, W]` of the output, at most the input's: the output is the centre of the
   * transformed input (nnU-Net transforms a larger patch and keeps its centre; `augmentSourceShape`
   * gives the input size at which no output voxel maps outside the input). Default: the input's size.
   */
  readonly outShape?: readonly [number, number, number];
}

const DEG15 = (15 * Math.PI) / 180;

function step(s: false | AugmentStep | undefined, p: number, range: readonly [number, number]): { p: number; lo: number; hi: number } | undefined {
  if (s === false) return undefined;
  const r = s?.range ?? range;
  const q = s?.p ?? p;
  if (!(q >= 0 && q <= 1) || !(r[0] <= r[1])) throw new ValueError('augment', `bad step ${JSON.stringify(s)}: p in [0,1] and range [lo, hi] with lo <= hi`);
  return { p: q, lo: r[0], hi: r[1] };
}

type M3 = number[][];
const mul3 = (a: M3, b: M3): M3 => a.map((row) => [0, 1, 2].map((c) => row[0]! * b[0]![c]! + row[1]! * b[1]![c]! + row[2]! * b[2]![c]!));

/** Rotation about one spatial axis (0 = D, 1 = H, 2 = W) in (d, h, w) coordinates. */
function rotation(axis: number, t: number): M3 {
  const c = Math.cos(t);
  const s = Math.sin(t);
  const [i, j] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
  const m = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  m[i]![i] = c;
  m[i]![j] = -s;
  m[j]![i] = s;
  m[j]![j] = c;
  return m;
}

/**
 * The patch size to sample so that `augment(k, batch, { ...options, outShape })` never reads
 * outside it: the bounding box of `outShape` under the largest rotations (about each axis in
 * turn, as `augment` composes them; in-plane only when D = 1), divided by the smallest zoom,
 * plus one voxel for interpolation (nnU-Net's `get_patch_size`). With rotation and scaling off,
 * `outShape` itself.
 * @example augmentSourceShape([1, 32, 32]) // [1, 48, 48]: +-15 degrees and zoom 0.85
 * @category augmentation
 */
export function augmentSourceShape(outShape: readonly [number, number, number], options: AugmentOptions = {}): [number, number, number] {
  const op = 'augmentSourceShape';
  if (outShape.length !== 3 || outShape.some((v) => !Number.isInteger(v) || v < 1))
    throw new ShapeError(op, `outShape must be three positive integers [D, H, W], got ${JSON.stringify(outShape)}`);
  const rot = step(options.rotation, 0.2, [-DEG15, DEG15]);
  const zoom = step(options.scaling, 0.2, [0.85, 1.25]);
  if (rot === undefined && zoom === undefined) return [outShape[0], outShape[1], outShape[2]];
  if (zoom !== undefined && !(zoom.lo > 0)) throw new ValueError(op, `scaling range must be positive, got [${zoom.lo}, ${zoom.hi}]`);
  // Half-extents of the output patch (voxel centres), then of its image under each rotation in turn.
  let e = outShape.map((v) => (v - 1) / 2);
  const flat = outShape[0] === 1;
  if (rot !== undefined) {
    const t = Math.min(Math.max(Math.abs(rot.lo), Math.abs(rot.hi)), Math.PI / 2);
    const c = Math.cos(t);
    const sn = Math.sin(t);
    for (const axis of flat ? [0] : [0, 1, 2]) {
      const [i, j] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
      const f = [...e];
      f[i] = c * e[i]! + sn * e[j]!;
      f[j] = sn * e[i]! + c * e[j]!;
      e = f;
    }
  }
  const shrink = zoom === undefined ? 1 : 1 / Math.min(zoom.lo, 1);
  return outShape.map((v, a) => (a === 0 && flat ? 1 : Math.max(v, 2 * Math.ceil(e[a]! * shrink) + 2 + (v % 2)))) as [number, number, number];
}

/**
 * Applies random augmentations to every sample of a batch; returns a new
 * batch (metadata unchanged, but for the origins of a batch cropped to `outShape`).
 * @example const augmented = augment(key(7), batch)
 * @category augmentation
 */
export function augment(k: Key, batch: Batch, options: AugmentOptions = {}): Batch {
  const op = 'augment';
  const { image, label, context, weight } = batch;
  if (image.shape.length !== 5) throw new ShapeError(op, `batch.image must be [N,C,D,H,W], got ${showShape(image.shape)}`);
  const [N, C, Di, Hi, Wi] = image.shape as unknown as [number, number, number, number, number];
  const [D, H, W] = options.outShape ?? [Di, Hi, Wi];
  if (![D, H, W].every((v, a) => Number.isInteger(v) && v >= 1 && v <= [Di, Hi, Wi][a]!))
    throw new ShapeError(op, `outShape must be [D, H, W] within the input's ${showShape([Di, Hi, Wi])}, got ${JSON.stringify(options.outShape)}`);
  const n = D * H * W;
  const nIn = Di * Hi * Wi;
  // The output is the input's centre: its voxel p sits at p + off in the input.
  const off = [(Di - D) >> 1, (Hi - H) >> 1, (Wi - W) >> 1];
  const rot = step(options.rotation, 0.2, [-DEG15, DEG15]);
  const zoom = step(options.scaling, 0.2, [0.85, 1.25]);
  const bright = step(options.brightness, 0.15, [0.75, 1.25]);
  const contrast = step(options.contrast, 0.15, [0.75, 1.25]);
  const gamma = step(options.gamma, 0.3, [0.7, 1.5]);
  const noise = step(options.noise, 0.1, [0, 0.1]);
  const mirrorP = options.mirror === false ? 0 : (options.mirror?.p ?? 0.5);
  const mirrorAxes: readonly number[] = options.mirror === false ? [] : (options.mirror?.axes ?? [0, 1, 2].filter((a) => [D, H, W][a]! > 1));
  if (mirrorAxes.some((a) => a !== 0 && a !== 1 && a !== 2))
    throw new ValueError(op, `mirror.axes must be spatial axes 0 (D), 1 (H) or 2 (W), got ${JSON.stringify(mirrorAxes)}`);
  if (!(mirrorP >= 0 && mirrorP <= 1)) throw new ValueError(op, `mirror.p must be in [0, 1], got ${mirrorP}`);
  const img = dataOf(image);
  // Label maps and the weight map move with the image (nearest neighbour, 0 outside).
  const maps = [label, context, weight].map((m) => (m === undefined ? undefined : { m, src: dataOf(m), out: allocate(m.dtype, N * n) }));
  const out = new Float32Array(N * C * n);
  const keys = split(k, N);
  // Rotation and zoom act about the output's centre (in input coordinates).
  const centre = [off[0]! + (D - 1) / 2, off[1]! + (H - 1) / 2, off[2]! + (W - 1) / 2];
  for (let s = 0; s < N; s++) {
    const [kDraw, kNoise] = split(keys[s]!, 2);
    // Fixed draw layout per sample: 32 uniforms, so turning one step off does not reshuffle the others.
    const u = uniform(kDraw!, [32], { dtype: 'float64' }).data;
    const between = (i: number, lo: number, hi: number): number => lo + (hi - lo) * u[i]!;
    // Spatial: one matrix for rotation and zoom, then flips, applied as an inverse map.
    let A: M3 = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    let spatial = false;
    if (rot !== undefined && u[0]! < rot.p) {
      const axes = D > 1 ? [0, 1, 2] : [0];
      for (const a of axes) A = mul3(A, rotation(a, between(1 + a, rot.lo, rot.hi)));
      spatial = true;
    }
    if (zoom !== undefined && u[4]! < zoom.p) {
      const z = between(5, zoom.lo, zoom.hi);
      // A maps output to input coordinates, so zooming in by z divides by z.
      A = mul3(A, [
        [D > 1 ? 1 / z : 1, 0, 0],
        [0, 1 / z, 0],
        [0, 0, 1 / z],
      ]);
      spatial = true;
    }
    const flip = [0, 1, 2].map((a) => mirrorAxes.includes(a) && u[6 + a]! < mirrorP);
    // One inverse map for the image (trilinear) and the maps that move with it (nearest).
    const warp = (src: ArrayLike<number>, dst: AnyData, from: number, to: number, sample: Sampler): void => {
      let o = to;
      for (let d = 0; d < D; d++) {
        for (let h = 0; h < H; h++) {
          for (let w = 0; w < W; w++) {
            const p = [off[0]! + (flip[0] ? D - 1 - d : d), off[1]! + (flip[1] ? H - 1 - h : h), off[2]! + (flip[2] ? W - 1 - w : w)];
            if (!spatial) {
              dst[o++] = src[from + (p[0]! * Hi + p[1]!) * Wi + p[2]!]!;
              continue;
            }
            const q = [0, 1, 2].map((i) => centre[i]! + A[i]![0]! * (p[0]! - centre[0]!) + A[i]![1]! * (p[1]! - centre[1]!) + A[i]![2]! * (p[2]! - centre[2]!));
            dst[o++] = sample(src, from, Di, Hi, Wi, q[0]!, q[1]!, q[2]!);
          }
        }
      }
    };
    for (let c = 0; c < C; c++) warp(img, out, (s * C + c) * nIn, (s * C + c) * n, trilinear);
    for (const mp of maps) if (mp !== undefined) warp(mp.src, mp.out, s * nIn, s * n, nearest);
    // Intensity steps, per channel, on the spatially transformed sample.
    const noiseKeys = split(kNoise!, C);
    for (let c = 0; c < C; c++) {
      const base = (s * C + c) * n;
      const x = out.subarray(base, base + n);
      if (bright !== undefined && u[10]! < bright.p) {
        const f = between(11, bright.lo, bright.hi);
        for (let i = 0; i < n; i++) x[i] = x[i]! * f;
      }
      if (contrast !== undefined && u[12]! < contrast.p) {
        const f = between(13, contrast.lo, contrast.hi);
        const [mean, , lo, hi] = stats(x);
        for (let i = 0; i < n; i++) x[i] = Math.min(Math.max((x[i]! - mean) * f + mean, lo), hi);
      }
      if (gamma !== undefined && u[14]! < gamma.p) {
        const g = between(15, gamma.lo, gamma.hi);
        const [mean, sd, lo, hi] = stats(x);
        const range = hi - lo + 1e-7;
        for (let i = 0; i < n; i++) x[i] = ((x[i]! - lo) / range) ** g * range + lo;
        const [mean2, sd2] = stats(x);
        for (let i = 0; i < n; i++) x[i] = ((x[i]! - mean2) / (sd2 + 1e-8)) * sd + mean;
      }
      if (noise !== undefined && u[16]! < noise.p) {
        const variance = between(17, noise.lo, noise.hi);
        const z = normal(noiseKeys[c]!, [n], { std: Math.sqrt(variance) }).data;
        for (let i = 0; i < n; i++) x[i] = x[i]! + z[i]!;
      }
    }
  }
  const shapeOf = (m: { shape: readonly number[] }): number[] => [N, m.shape[1]!, D, H, W];
  const cropped = off.some((v) => v !== 0);
  return {
    ...batch,
    ...(cropped ? { origins: batch.origins.map((o) => [o[0] + off[0]!, o[1] + off[1]!, o[2] + off[2]!] as const) } : {}),
    image: packed('float32', shapeOf(image), out),
    label: maps[0] === undefined ? label : packed(label.dtype, shapeOf(label), maps[0].out),
    context: maps[1] === undefined || context === undefined ? context : packed(context.dtype, shapeOf(context), maps[1].out),
    weight: maps[2] === undefined || weight === undefined ? weight : packed(weight.dtype, shapeOf(weight), maps[2].out),
  };
}

function stats(x: Float32Array): [number, number, number, number] {
  let mean = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    mean += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  mean /= x.length;
  let sq = 0;
  for (const v of x) sq += (v - mean) ** 2;
  return [mean, Math.sqrt(sq / x.length), lo, hi];
}

/** Reads `src` (one `D x H x W` volume from `base`) at the fractional voxel `(d, h, w)`; 0 outside. */
type Sampler = (src: ArrayLike<number>, base: number, D: number, H: number, W: number, d: number, h: number, w: number) => number;

/** Nearest-neighbour `Sampler` (for label and weight maps). */
function nearest(src: ArrayLike<number>, base: number, D: number, H: number, W: number, d: number, h: number, w: number): number {
  const [qd, qh, qw] = [Math.round(d), Math.round(h), Math.round(w)];
  return qd >= 0 && qd < D && qh >= 0 && qh < H && qw >= 0 && qw < W ? src[base + (qd * H + qh) * W + qw]! : 0;
}

/** Trilinear `Sampler` (for images). */
function trilinear(src: ArrayLike<number>, base: number, D: number, H: number, W: number, d: number, h: number, w: number): number {
  if (d <= -1 || h <= -1 || w <= -1 || d >= D || h >= H || w >= W) return 0;
  const d0 = Math.floor(d);
  const h0 = Math.floor(h);
  const w0 = Math.floor(w);
  const fd = d - d0;
  const fh = h - h0;
  const fw = w - w0;
  let v = 0;
  for (let a = 0; a < 2; a++) {
    const dd = d0 + a;
    const wa = a === 0 ? 1 - fd : fd;
    if (wa === 0 || dd < 0 || dd >= D) continue;
    for (let b = 0; b < 2; b++) {
      const hh = h0 + b;
      const wb = b === 0 ? 1 - fh : fh;
      if (wb === 0 || hh < 0 || hh >= H) continue;
      for (let c = 0; c < 2; c++) {
        const ww = w0 + c;
        const wc = c === 0 ? 1 - fw : fw;
        if (wc === 0 || ww < 0 || ww >= W) continue;
        v += wa * wb * wc * src[base + (dd * H + hh) * W + ww]!;
      }
    }
  }
  return v;
}

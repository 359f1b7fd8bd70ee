/**
 * Exact Euclidean distance transforms of 3D masks with anisotropic voxel
 * spacing (TypeScript only, shared by every backend): the separable
 * lower-envelope algorithm of Felzenszwalb and Huttenlocher (2012), one 1-D
 * pass per axis over squared distances, in float64. Distances are between
 * voxel centres, in the unit of `spacing` (mm).
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array } from '@colab-ts/ndarray';
import { readMask } from './internal/volume.js';

/** Voxel spacing `[d, h, w]` (one number for all axes), positive and finite; default 1. @category distance */
export interface DistanceOptions {
  readonly spacing?: number | readonly [number, number, number];
}

function spacingOf(op: string, options: DistanceOptions): readonly [number, number, number] {
  const s = options.spacing ?? 1;
  const v: readonly number[] = typeof s === 'number' ? [s, s, s] : s;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((e) => Number.isFinite(e) && e > 0)) {
    throw new ValueError(op, `spacing must be a positive finite number or three of them [d, h, w], got ${JSON.stringify(options.spacing)}`);
  }
  return [v[0]!, v[1]!, v[2]!];
}

/**
 * One 1-D pass: `d[q] = min_p ((q - p) h)^2 + f[p]` over the `n` values of `f`
 * (Infinity marks "no site"), by the lower envelope of the parabolas rooted at
 * the finite `f[p]`. `v`, `z` are scratch of length `n` and `n + 1`.
 */
function envelope1d(f: Float64Array, d: Float64Array, n: number, h: number, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    const xq = q * h;
    let s: number;
    for (;;) {
      const p = v[k]!;
      const xp = p * h;
      // Where the parabolas of p and q meet.
      s = (fq + xq * xq - (f[p]! + xp * xp)) / (2 * (xq - xp));
      if (s > z[k]!) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    const x = q * h;
    while (z[k + 1]! < x) k++;
    const p = v[k]!;
    const dx = x - p * h;
    d[q] = dx * dx + f[p]!;
  }
}

/** Squared distance from every voxel to the nearest voxel where `fg` is 1 (Infinity when there is none). */
function squaredDistance(fg: Uint8Array, shape: readonly [number, number, number], spacing: readonly [number, number, number]): Float64Array {
  const [D, H, W] = shape;
  const g = new Float64Array(fg.length);
  for (let i = 0; i < fg.length; i++) g[i] = fg[i] ? 0 : Infinity;
  const longest = Math.max(D, H, W);
  const f = new Float64Array(longest);
  const d = new Float64Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  // Axis by axis: extent, stride between neighbours, and the first voxel of every line.
  const axes: [number, number, number[]][] = [
    [W, 1, lines(D * H, (i) => i * W)],
    [H, W, lines(D * W, (i) => Math.floor(i / W) * H * W + (i % W))],
    [D, H * W, lines(H * W, (i) => i)],
  ];
  const spacings = [spacing[2], spacing[1], spacing[0]];
  axes.forEach(([n, stride, starts], a) => {
    for (const start of starts) {
      for (let q = 0; q < n; q++) f[q] = g[start + q * stride]!;
      envelope1d(f, d, n, spacings[a]!, v, z);
      for (let q = 0; q < n; q++) g[start + q * stride] = d[q]!;
    }
  });
  return g;
}

const lines = (count: number, start: (i: number) => number): number[] => Array.from({ length: count }, (_, i) => start(i));

/**
 * Euclidean distance from each voxel of a rank-3 `[D, H, W]` mask to the nearest
 * foreground (non-zero) voxel, in the unit of `spacing`: 0 on the foreground,
 * Infinity everywhere when the mask has no foreground. Returns float64.
 * @example distanceTransform(mask, { spacing: [3, 0.8, 0.8] })
 * @category distance
 */
export function distanceTransform(mask: NDArray, options: DistanceOptions = {}): NDArray<number, 'float64'> {
  const op = 'distanceTransform';
  const { shape, fg } = readMask(op, mask);
  const g = squaredDistance(fg, shape, spacingOf(op, options));
  for (let i = 0; i < g.length; i++) g[i] = Math.sqrt(g[i]!);
  return array(g, shape, 'float64');
}

/**
 * Signed Euclidean distance of a rank-3 mask: outside the foreground, `+` the
 * distance to the nearest foreground voxel; inside, `-` the distance to the
 * nearest background voxel. Both are between voxel centres, so no voxel is 0:
 * foreground voxels on the boundary get `-spacing` (of the axis to their
 * background neighbour), background voxels next to the foreground `+spacing`.
 * An empty mask gives +Infinity everywhere, a full one -Infinity. Returns float64.
 * @example signedDistance(mask, { spacing: 1 })
 * @category distance
 */
export function signedDistance(mask: NDArray, options: DistanceOptions = {}): NDArray<number, 'float64'> {
  const op = 'signedDistance';
  const { shape, fg } = readMask(op, mask);
  const spacing = spacingOf(op, options);
  const outside = squaredDistance(fg, shape, spacing);
  const bg = new Uint8Array(fg.length);
  for (let i = 0; i < fg.length; i++) bg[i] = fg[i] ? 0 : 1;
  const inside = squaredDistance(bg, shape, spacing);
  const out = new Float64Array(fg.length);
  for (let i = 0; i < fg.length; i++) out[i] = fg[i] ? -Math.sqrt(inside[i]!) : Math.sqrt(outside[i]!);
  return array(out, shape, 'float64');
}

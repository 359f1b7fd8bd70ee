/**
 * Seeded patch sampling with a set share of ROI-containing patches (the
 * paper: 50%), padding volumes smaller than the patch. A forced-ROI patch is
 * centred on a uniformly chosen ROI voxel (then shifted to stay inside the
 * padded volume, which keeps that voxel inside); the others are uniform.
 * @module
 */
import type { Key, NDArray } from '@colab-ts/ndarray';
import { ValueError, allocate, randint, split, uniform } from '@colab-ts/ndarray';
import type { Batch, Case } from './Case.js';
import { checkCase } from './Case.js';
import { checkTriple, dataOf, packed } from './internal/arrays.js';
import { extractBox } from './internal/patch.js';
import { bodyMask } from './normalize.js';

/** Options of `samplePatches`. @category sampling */
export interface SampleOptions {
  /** Patch size `[pd, ph, pw]` (use `pd = 1` for 2D cases). */
  readonly patchSize: readonly [number, number, number] | readonly number[];
  readonly batchSize: number;
  /** Expected share of patches forced to contain an ROI voxel (default 0.5). */
  readonly roiShare?: number;
  /** Label values that count as ROI (default: every non-zero label). */
  readonly roiLabels?: readonly number[];
  /** Image value outside the volume (default 0); labels pad with 0. */
  readonly padValue?: number;
  /**
   * Where the patches not forced to contain ROI come from: `'uniform'`
   * (default: anywhere in the padded volume) or `'body'` (centred on a
   * uniformly chosen voxel of the case's `bodyMask`, so that they show
   * tissue, not air).
   */
  readonly background?: 'uniform' | 'body';
  /**
   * Voxels `[bd, bh, bw]` read beyond each side of the patch (default none): the patch is placed
   * as a `patchSize` patch would be, then returned with this border, `patchSize + 2 * border` in
   * all (padded outside the volume). nnU-Net's larger source patch for spatial augmentation:
   * `augment(..., { outShape: patchSize })` keeps its centre (`augmentSourceShape` gives the size).
   */
  readonly border?: readonly [number, number, number] | readonly number[];
}

// Images are immutable values too: their body voxel list is cached by identity.
const bodyCache = new WeakMap<NDArray, Int32Array>();

/** Flat indices of the body voxels (`bodyMask`) of a `[C, D, H, W]` image (cached per array). @category sampling */
export function bodyVoxels(image: NDArray): Int32Array {
  const hit = bodyCache.get(image);
  if (hit !== undefined) return hit;
  const m = dataOf(bodyMask(image));
  const out: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) out.push(i);
  const idx = Int32Array.from(out);
  bodyCache.set(image, idx);
  return idx;
}

// Label maps are immutable values, so caching their ROI voxel list by identity is pure.
const roiCache = new WeakMap<NDArray, Map<string, Int32Array>>();

/** Flat indices of the ROI voxels of a `[1, D, H, W]` label map (cached per array). @category sampling */
export function roiVoxels(label: NDArray, roiLabels?: readonly number[]): Int32Array {
  const tag = roiLabels === undefined ? '*' : roiLabels.join(',');
  let byTag = roiCache.get(label);
  if (byTag === undefined) {
    byTag = new Map();
    roiCache.set(label, byTag);
  }
  const hit = byTag.get(tag);
  if (hit !== undefined) return hit;
  const src = dataOf(label);
  const wanted = roiLabels === undefined ? undefined : new Set(roiLabels);
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (wanted === undefined ? v !== 0 : wanted.has(v)) out.push(i);
  }
  const idx = Int32Array.from(out);
  byTag.set(tag, idx);
  return idx;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/**
 * Draws `batchSize` patches from one case. The number forced to contain the
 * ROI is `batchSize * roiShare` rounded stochastically (so its expectation is
 * exact); they come last in the batch, as in nnU-Net. Same key, same batch.
 * @example const batch = samplePatches(key(0), c, { patchSize: [16, 64, 64], batchSize: 2, roiShare: 0.5 })
 * @category sampling
 */
export function samplePatches(k: Key, c: Case, options: SampleOptions): Batch {
  const op = 'samplePatches';
  checkCase(op, c);
  const size = checkTriple(op, 'patchSize', options.patchSize, true);
  const border = options.border ?? [0, 0, 0];
  if (!Array.isArray(border) || border.length !== 3 || !border.every((v) => Number.isSafeInteger(v) && v >= 0))
    throw new ValueError(op, `border must be three non-negative integers [bd, bh, bw], got ${JSON.stringify(options.border)}`);
  const box: [number, number, number] = [size[0] + 2 * border[0]!, size[1] + 2 * border[1]!, size[2] + 2 * border[2]!];
  const n = options.batchSize;
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new ValueError(op, `batchSize must be a positive integer, got ${n}`);
  const share = options.roiShare ?? 0.5;
  if (!(share >= 0 && share <= 1)) throw new ValueError(op, `roiShare must be in [0, 1], got ${share}`);
  const [kCount, ...kPatches] = split(k, n + 1);
  const exact = n * share;
  const base = Math.floor(exact);
  const forced = base + (exact > base && uniform(kCount!, [1], { dtype: 'float64' }).data[0]! < exact - base ? 1 : 0);
  const roiIdx = roiVoxels(c.label, options.roiLabels);
  const background = options.background ?? 'uniform';
  if (background !== 'uniform' && background !== 'body') throw new ValueError(op, `background must be 'uniform' or 'body', got ${JSON.stringify(background)}`);
  const bodyIdx = background === 'body' ? bodyVoxels(c.image) : undefined;
  const C = c.image.shape[0]!;
  const shape: [number, number, number] = [c.image.shape[1]!, c.image.shape[2]!, c.image.shape[3]!];
  const [, H, W] = shape;
  const psize = box[0] * box[1] * box[2];
  const imgDtype = c.image.dtype === 'float64' ? 'float64' : 'float32';
  const image = allocate(imgDtype, n * C * psize);
  const label = allocate(c.label.dtype, n * psize);
  const context = c.context === undefined ? undefined : allocate(c.context.dtype, n * psize);
  const img = dataOf(c.image);
  const lab = dataOf(c.label);
  const ctx = c.context === undefined ? undefined : dataOf(c.context);
  const weight = c.weight === undefined ? undefined : allocate(c.weight.dtype, n * psize);
  const wsrc = c.weight === undefined ? undefined : dataOf(c.weight);
  const roi: boolean[] = [];
  const origins: (readonly [number, number, number])[] = [];
  for (let i = 0; i < n; i++) {
    const [kPick, kPos] = split(kPatches[i]!, 2);
    const wantRoi = i >= n - forced && roiIdx.length > 0;
    const lo = shape.map((s, a) => Math.min(0, s - size[a]!));
    const hi = shape.map((s, a) => Math.max(0, s - size[a]!));
    let origin: [number, number, number];
    const centreOn = wantRoi ? roiIdx : bodyIdx !== undefined && bodyIdx.length > 0 ? bodyIdx : undefined;
    if (centreOn !== undefined) {
      const v = centreOn[randint(kPick!, [1], 0, centreOn.length).data[0]!]!;
      const at = [Math.floor(v / (H * W)), Math.floor(v / W) % H, v % W];
      origin = [0, 1, 2].map((a) => clamp(at[a]! - Math.floor(size[a]! / 2), lo[a]!, hi[a]!)) as [number, number, number];
    } else {
      const u = uniform(kPos!, [3], { dtype: 'float64' }).data;
      origin = [0, 1, 2].map((a) => lo[a]! + Math.floor(u[a]! * (hi[a]! - lo[a]! + 1))) as [number, number, number];
    }
    origin = [origin[0] - border[0]!, origin[1] - border[1]!, origin[2] - border[2]!];
    roi.push(wantRoi);
    origins.push(origin);
    extractBox(img, C, shape, origin, box, options.padValue ?? 0, image, i * C * psize);
    extractBox(lab, 1, shape, origin, box, 0, label, i * psize);
    if (ctx !== undefined && context !== undefined) extractBox(ctx, 1, shape, origin, box, 0, context, i * psize);
    if (wsrc !== undefined && weight !== undefined) extractBox(wsrc, 1, shape, origin, box, 0, weight, i * psize);
  }
  const pshape = [n, 1, ...box];
  return {
    image: packed(imgDtype, [n, C, ...box], image),
    label: packed(c.label.dtype, pshape, label),
    context: context === undefined || c.context === undefined ? undefined : packed(c.context.dtype, pshape, context),
    weight: weight === undefined || c.weight === undefined ? undefined : packed(c.weight.dtype, pshape, weight),
    roi,
    origins,
    caseIds: Array.from({ length: n }, () => c.id),
  };
}

/**
 * Draws a batch across cases: each patch comes from a uniformly chosen case,
 * with the ROI share applied over the whole batch. Label dtypes must agree.
 * @example sampleBatch(key(1), cases, { patchSize: [1, 64, 64], batchSize: 8 })
 * @category sampling
 */
export function sampleBatch(k: Key, cases: readonly Case[], options: SampleOptions): Batch {
  const op = 'sampleBatch';
  if (cases.length === 0) throw new ValueError(op, 'needs at least one case');
  const n = options.batchSize;
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new ValueError(op, `batchSize must be a positive integer, got ${n}`);
  const [kCases, kCount, ...kPatches] = split(k, n + 2);
  const which = randint(kCases!, [n], 0, cases.length).data;
  const share = options.roiShare ?? 0.5;
  const exact = n * share;
  const base = Math.floor(exact);
  const forced = base + (exact > base && uniform(kCount!, [1], { dtype: 'float64' }).data[0]! < exact - base ? 1 : 0);
  const parts = Array.from({ length: n }, (_, i) =>
    samplePatches(kPatches[i]!, cases[which[i]!]!, { ...options, batchSize: 1, roiShare: i >= n - forced ? 1 : 0 }),
  );
  return concatBatches(parts);
}

/** Stacks batches along N (image, label, context, weight and metadata). @category sampling */
export function concatBatches(parts: readonly Batch[]): Batch {
  if (parts.length === 0) throw new ValueError('concatBatches', 'needs at least one batch');
  const cat = (xs: readonly NDArray[]): NDArray => {
    const first = xs[0]!;
    const per = first.shape.slice(1);
    for (const x of xs) {
      if (x.dtype !== first.dtype || x.shape.slice(1).join() !== per.join()) {
        throw new ValueError('concatBatches', `batches differ: ${x.dtype} [${x.shape.join(',')}] vs ${first.dtype} [${first.shape.join(',')}]`);
      }
    }
    const total = xs.reduce((a, x) => a + x.shape[0]!, 0);
    const out = allocate(
      first.dtype,
      xs.reduce((a, x) => a + dataOf(x).length, 0),
    );
    let at = 0;
    for (const x of xs) {
      const d = dataOf(x);
      out.set(d as never, at);
      at += d.length;
    }
    return packed(first.dtype, [total, ...per], out);
  };
  const ctx = parts.map((p) => p.context);
  const wts = parts.map((p) => p.weight);
  return {
    image: cat(parts.map((p) => p.image)),
    label: cat(parts.map((p) => p.label)),
    context: ctx.every((x): x is NDArray => x !== undefined) ? cat(ctx) : undefined,
    weight: wts.every((x): x is NDArray => x !== undefined) ? cat(wts) : undefined,
    roi: parts.flatMap((p) => p.roi),
    origins: parts.flatMap((p) => p.origins),
    caseIds: parts.flatMap((p) => p.caseIds),
  };
}

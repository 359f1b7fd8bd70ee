/**
 * Surface distances with the definition of DeepMind's `surface-distance`
 * (`compute_surface_distances`): surface elements ("surfels") sit on the
 * voxel-corner grid, one per corner whose 2x2x2 neighbourhood (2x2 in 2D) is
 * neither all background nor all foreground, each weighted by the area (in 2D,
 * the length) of the marching-cubes surface through that neighbourhood, in mm.
 * The distance of a surfel to the other mask's surface is the exact Euclidean
 * distance, with spacing, from its corner to the nearest surfel corner of the
 * other mask (the kernels' distance transform on the corner grid).
 *
 * From these records come the robust Hausdorff distance, the mean surface
 * distances and the surface Dice (`hausdorff`, `meanSurfaceDistance`,
 * `surfaceDice`).
 * @module
 */
import { distanceTransform } from '@colab-ts/kernels/reference';
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, showShape } from '@colab-ts/ndarray';
import { readPair } from './internal/masks.js';
import { contourLengths2d, cornerBit, cornerBit2d, surfelAreas3d } from './internal/surfels.js';

/**
 * Voxel spacing in mm, `[d, h, w]` or one number for all axes (default 1, so
 * distances in voxels); `[h, w]` is accepted for 2D. `dimensions`: 2 computes
 * contours in the `[H, W]` plane (only for `D = 1`), 3 surfaces in the volume;
 * by default 2 when `D = 1` (a 2D slice), else 3.
 * @category surface
 */
export interface SurfaceOptions {
  readonly spacing?: number | readonly number[];
  readonly dimensions?: 2 | 3;
}

/**
 * The surfels of both masks with their distances to the other surface (mm),
 * each list sorted by increasing distance, and their areas (mm^2; in 2D,
 * lengths in mm) in the same order. When one mask is empty its lists are
 * empty and the other's distances are all Infinity; when both are, all four
 * lists are empty.
 * @category surface
 */
export interface SurfaceDistances {
  readonly predToTruth: Float64Array;
  readonly predAreas: Float64Array;
  readonly truthToPred: Float64Array;
  readonly truthAreas: Float64Array;
  readonly dimensions: 2 | 3;
}

type Spacing3 = readonly [number, number, number];

/** The spacing `[d, h, w]` and dimensionality of a call. @category internal */
export function readOptions(op: string, shape: readonly number[], options: SurfaceOptions): { spacing: Spacing3; dimensions: 2 | 3 } {
  const D = shape[0]!;
  const dims = options.dimensions ?? (D === 1 ? 2 : 3);
  if (dims !== 2 && dims !== 3) throw new ValueError(op, `dimensions must be 2 or 3, got ${JSON.stringify(options.dimensions)}`);
  if (dims === 2 && D !== 1) {
    throw new ShapeError(op, `dimensions 2 needs D = 1 (a [1, H, W] slice), got shape ${showShape(shape)}`, { expected: 'D = 1', got: showShape(shape) });
  }
  const s = options.spacing ?? 1;
  const v: readonly number[] = typeof s === 'number' ? [s, s, s] : Array.isArray(s) && s.length === 2 && dims === 2 ? [1, s[0]!, s[1]!] : s;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((e) => typeof e === 'number' && Number.isFinite(e) && e > 0)) {
    throw new ValueError(op, `spacing must be a positive finite number or [d, h, w] of them ([h, w] in 2D), got ${JSON.stringify(options.spacing)}`);
  }
  return { spacing: [v[0]!, v[1]!, v[2]!], dimensions: dims };
}

/** Reads a rank-3 `[D, H, W]` (or rank-2 `[H, W]`, taken as `D = 1`) mask pair into 0/1 arrays. @category internal */
export function readMasks(op: string, pred: NDArray, truth: NDArray): { shape: Spacing3; p: Uint8Array; t: Uint8Array } {
  const { shape, p, t } = readPair(op, pred, truth);
  if (shape.length !== 3 && shape.length !== 2) {
    throw new ShapeError(op, `masks must have rank 3 [D, H, W] (or 2 [H, W]), got shape ${showShape(shape)}`, { expected: 'rank 3', got: showShape(shape) });
  }
  const s3: Spacing3 = shape.length === 3 ? [shape[0]!, shape[1]!, shape[2]!] : [1, shape[0]!, shape[1]!];
  const bin = (x: ArrayLike<number>): Uint8Array => {
    const out = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
    return out;
  };
  return { shape: s3, p: bin(p), t: bin(t) };
}

/** Inclusive bounding box `[z0, z1, y0, y1, x0, x1]` of the voxels set in `a` or `b`; undefined when none is. */
function unionBox(a: Uint8Array, b: Uint8Array, [D, H, W]: Spacing3): number[] | undefined {
  const box = [D, -1, H, -1, W, -1];
  let i = 0;
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        if (!a[i] && !b[i]) continue;
        box[0] = Math.min(box[0]!, z);
        box[1] = Math.max(box[1]!, z);
        box[2] = Math.min(box[2]!, y);
        box[3] = Math.max(box[3]!, y);
        box[4] = Math.min(box[4]!, x);
        box[5] = Math.max(box[5]!, x);
      }
    }
  }
  return box[1]! < 0 ? undefined : box;
}

/**
 * Neighbour codes on the corner grid of the box: corner `(i, j, k)` sits
 * between voxels `i - 1` and `i` of each axis (box-relative), so the grid is
 * one larger than the box on every gridded axis. In 2D the d axis is not
 * gridded (one plane of corners) and the codes have 4 bits.
 */
function neighbourCodes(fg: Uint8Array, shape: Spacing3, box: readonly number[], dims: 2 | 3): { codes: Uint8Array; grid: Spacing3 } {
  const [, H, W] = shape;
  const [z0, z1, y0, y1, x0, x1] = box as [number, number, number, number, number, number];
  const grid: Spacing3 = [dims === 3 ? z1 - z0 + 2 : 1, y1 - y0 + 2, x1 - x0 + 2];
  const [, gy, gx] = grid;
  const codes = new Uint8Array(grid[0] * gy * gx);
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (!fg[(z * H + y) * W + x]) continue;
        const a = z - z0;
        const b = y - y0;
        const c = x - x0;
        // This voxel is neighbour (c0, c1, c2) of corner (a + 1 - c0, b + 1 - c1, c + 1 - c2).
        if (dims === 2) {
          for (let c1 = 0; c1 < 2; c1++) for (let c2 = 0; c2 < 2; c2++) codes[(b + 1 - c1) * gx + (c + 1 - c2)]! |= cornerBit2d(c1, c2);
        } else {
          for (let c0 = 0; c0 < 2; c0++) {
            for (let c1 = 0; c1 < 2; c1++) {
              for (let c2 = 0; c2 < 2; c2++) codes[((a + 1 - c0) * gy + (b + 1 - c1)) * gx + (c + 1 - c2)]! |= cornerBit(c0, c1, c2);
            }
          }
        }
      }
    }
  }
  return { codes, grid };
}

/** The distances (at this mask's surfels, from the other's distance map) and areas, sorted by distance. */
function sortedSurfels(codes: Uint8Array, full: number, table: Float64Array, distances: Float64Array): { d: Float64Array; a: Float64Array } {
  const idx: number[] = [];
  for (let i = 0; i < codes.length; i++) if (codes[i] !== 0 && codes[i] !== full) idx.push(i);
  idx.sort((i, j) => distances[i]! - distances[j]! || table[codes[i]!]! - table[codes[j]!]!);
  return { d: Float64Array.from(idx, (i) => distances[i]!), a: Float64Array.from(idx, (i) => table[codes[i]!]!) };
}

/**
 * The surfels of `pred` and `truth` (binary masks `[D, H, W]`, non-zero is
 * foreground) with their area-weights and distances to the other surface, in
 * mm: DeepMind's `compute_surface_distances`.
 * @example surfaceDistances(pred, truth, { spacing: [3, 0.8, 0.8] })
 * @category surface
 */
export function surfaceDistances(pred: NDArray, truth: NDArray, options: SurfaceOptions = {}): SurfaceDistances {
  const op = 'surfaceDistances';
  const { shape, p, t } = readMasks(op, pred, truth);
  const { spacing, dimensions } = readOptions(op, shape, options);
  const box = unionBox(p, t, shape);
  const empty = new Float64Array(0);
  if (box === undefined) return { predToTruth: empty, predAreas: empty, truthToPred: empty, truthAreas: empty, dimensions };
  const table = dimensions === 3 ? surfelAreas3d(spacing) : contourLengths2d([spacing[1], spacing[2]]);
  const full = dimensions === 3 ? 255 : 15;
  const cp = neighbourCodes(p, shape, box, dimensions);
  const ct = neighbourCodes(t, shape, box, dimensions);
  const distanceTo = (codes: Uint8Array): Float64Array => {
    const border = new Uint8Array(codes.length);
    for (let i = 0; i < codes.length; i++) border[i] = codes[i] !== 0 && codes[i] !== full ? 1 : 0;
    // An empty border gives Infinity everywhere, as DeepMind's code does.
    return distanceTransform(array(border, cp.grid, 'uint8'), { spacing }).data;
  };
  const fromPred = sortedSurfels(cp.codes, full, table, distanceTo(ct.codes));
  const fromTruth = sortedSurfels(ct.codes, full, table, distanceTo(cp.codes));
  return { predToTruth: fromPred.d, predAreas: fromPred.a, truthToPred: fromTruth.d, truthAreas: fromTruth.a, dimensions };
}

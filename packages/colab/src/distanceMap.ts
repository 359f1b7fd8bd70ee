/**
 * Distance maps and the soft dilated mask of CoLab's context constraint
 * (Section IV-C, Eq. 8), on realized `NDArray`s: they depend on the ROI label
 * only, never on a parameter, so they are computed once per batch outside the
 * differentiated graph.
 * @module
 */
import { distanceTransform } from '@colab-ts/kernels/reference';
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, isNDArray, showShape, toTypedArray } from '@colab-ts/ndarray';
import { colabDefaults } from './config.js';

/** Options of `distanceMap`. @category context constraint */
export interface DistanceMapOptions {
  /**
   * Voxel spacing `[d, h, w]` (or one number) in mm. Default: none, so
   * distances are in voxels of the (resampled) training grid, as in the
   * authors' code, where the margin m = 30 means 30 voxels.
   */
  readonly spacing?: number | readonly [number, number, number];
}

/**
 * The distance map `d` of Section IV-C: the Euclidean distance from every voxel
 * to the nearest ROI voxel of any class, 0 inside the ROI (via the kernels'
 * exact `distanceTransform`). Infinity everywhere for a case without ROI.
 *
 * Shapes: a `[D, H, W]` mask gives `[D, H, W]`; `[N, D, H, W]` gives
 * `[N, D, H, W]` (one map per case); `[N, C, D, H, W]` gives `[N, 1, D, H, W]`
 * where a voxel is ROI when any of its `C` channels is non-zero, so pass the
 * ROI channels of a label (not its background channel; see `roiMask`).
 * Returns float64.
 * @example distanceMap(roiMask(y), { spacing: [2.5, 1.9, 1.9] })
 * @category context constraint
 */
export function distanceMap(roiMask: NDArray, options: DistanceMapOptions = {}): NDArray<number, 'float64'> {
  const op = 'distanceMap';
  if (!isNDArray(roiMask)) throw new ValueError(op, 'roiMask must be an NDArray');
  const s = roiMask.shape;
  const spacing = options.spacing === undefined ? undefined : { spacing: options.spacing };
  if (s.length === 3) return distanceTransform(roiMask, spacing);
  if (s.length !== 4 && s.length !== 5) {
    throw new ShapeError(op, `roiMask must be [D, H, W], [N, D, H, W] or [N, C, D, H, W], got ${showShape(s)}`);
  }
  const n = s[0]!;
  const ch = s.length === 5 ? s[1]! : 1;
  const spatial = s.slice(s.length - 3) as [number, number, number];
  const vox = spatial[0] * spatial[1] * spatial[2];
  const src = toTypedArray(roiMask);
  const out = new Float64Array(n * vox);
  const m = new Uint8Array(vox);
  for (let i = 0; i < n; i++) {
    m.fill(0);
    for (let c = 0; c < ch; c++) {
      const base = (i * ch + c) * vox;
      for (let v = 0; v < vox; v++) if (src[base + v] !== 0) m[v] = 1;
    }
    const d = distanceTransform(array(m, spatial, 'uint8'), spacing);
    out.set(d.data, i * vox);
  }
  return array(out, s.length === 5 ? [n, 1, ...spatial] : [n, ...spatial], 'float64');
}

/**
 * The ROI channels of a label in this package's order (`[N, c, ...]`, ROI
 * classes first, background last) as a uint8 mask `[N, 1, ...]`: 1 where the
 * background channel is below 1/2 (so any ROI class is present).
 * @example distanceMap(roiMask(y))
 * @category context constraint
 */
export function roiMask(y: NDArray): NDArray<number, 'uint8'> {
  const op = 'roiMask';
  if (!isNDArray(y) || y.shape.length < 3 || y.shape[1]! < 2)
    throw new ShapeError(op, `y must be [N, c >= 2, ...], got ${isNDArray(y) ? showShape(y.shape) : typeof y}`);
  const [n, c] = y.shape as [number, number];
  const vox = y.shape.slice(2).reduce((a, b) => a * b, 1);
  const src = toTypedArray(y);
  const out = new Uint8Array(n * vox);
  for (let i = 0; i < n; i++) {
    const bg = (i * c + c - 1) * vox;
    for (let v = 0; v < vox; v++) out[i * vox + v] = src[bg + v]! < 0.5 ? 1 : 0;
  }
  return array(out, [n, 1, ...y.shape.slice(2)], 'uint8');
}

/** Options of `softDilatedMask` (the paper's values are the defaults). @category context constraint */
export interface SoftDilatedMaskOptions {
  /** The margin m, in the unit of the distance map (default `colabDefaults.margin`, 30). */
  readonly margin?: number;
  /** The temperature tau (default `colabDefaults.temperature`, 20). */
  readonly temperature?: number;
}

/**
 * The soft dilated mask (Eq. 8): `M = 1` where `d < m`, else `exp((m - d) / tau)`.
 * It is 1 within the margin, strictly decreasing beyond it, in `(0, 1]` for
 * finite `d`, and 0 where `d` is Infinity (a case without ROI).
 * Keeps a float dtype of `d` (float64 for the others).
 * @example softDilatedMask(distanceMap(roiMask(y)), { margin: 30, temperature: 20 })
 * @category context constraint
 */
export function softDilatedMask(d: NDArray, options: SoftDilatedMaskOptions = {}): NDArray {
  const op = 'softDilatedMask';
  if (!isNDArray(d)) throw new ValueError(op, 'd must be an NDArray');
  const m = options.margin ?? colabDefaults.margin;
  const tau = options.temperature ?? colabDefaults.temperature;
  if (!(Number.isFinite(m) && m >= 0)) throw new ValueError(op, `margin must be finite and >= 0, got ${m}`);
  if (!(Number.isFinite(tau) && tau > 0)) throw new ValueError(op, `temperature must be finite and > 0, got ${tau}`);
  const src = toTypedArray(d);
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (Number.isNaN(v) || v < 0) throw new ValueError(op, `distances must be >= 0, got ${v}`);
    out[i] = v < m ? 1 : Math.exp((m - v) / tau);
  }
  return array(out, d.shape, d.dtype === 'float32' ? 'float32' : 'float64');
}

/** Options of `caseDilatedMask`. @category context constraint */
export interface CaseDilatedMaskOptions extends SoftDilatedMaskOptions, DistanceMapOptions {}

/**
 * The soft dilated mask (Eq. 8) of a whole case, computed once on the full
 * volume so that a patch cropped from it knows how far its voxels are from
 * ROI outside the patch: `label` is the case's integer label map
 * (`[D, H, W]` or `[1, D, H, W]`, ROI = every non-zero value), distances in
 * the unit of `spacing` (voxels without it). A case without ROI gets `M = 1`
 * everywhere (no constraint), as in the authors' code. Returns float32 with
 * the label's shape.
 * @example caseDilatedMask(c.label, { margin: 12, temperature: 7.5, spacing: c.spacing })
 * @category context constraint
 */
export function caseDilatedMask(label: NDArray, options: CaseDilatedMaskOptions = {}): NDArray<number, 'float32'> {
  const op = 'caseDilatedMask';
  if (!isNDArray(label)) throw new ValueError(op, 'label must be an NDArray');
  const s = label.shape;
  if (!(s.length === 3 || (s.length === 4 && s[0] === 1))) throw new ShapeError(op, `label must be [D, H, W] or [1, D, H, W], got ${showShape(s)}`);
  const spatial = s.slice(s.length - 3) as [number, number, number];
  const src = toTypedArray(label);
  const mask = new Uint8Array(src.length);
  let any = false;
  for (let i = 0; i < src.length; i++)
    if (src[i] !== 0) {
      mask[i] = 1;
      any = true;
    }
  if (!any) return array(new Float32Array(src.length).fill(1), s, 'float32');
  const d = distanceMap(array(mask, spatial, 'uint8'), options.spacing === undefined ? {} : { spacing: options.spacing });
  const M = softDilatedMask(d, options);
  return array(Float32Array.from(toTypedArray(M)), s, 'float32');
}

/**
 * Resampling to a target voxel spacing on the last three axes of
 * `[..., D, H, W]` arrays: trilinear for images, and for label maps linear
 * interpolation of the one-hot encoding followed by argmax (computed without
 * materialising the one-hot planes). Voxel centres are aligned
 * (`src = (dst + 0.5) * in / out - 0.5`, clamped to the volume), so equal
 * shapes give the input back exactly.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, isFloat, showShape } from '@colab-ts/ndarray';
import { checkTriple, dataOf, packed } from './internal/arrays.js';

/** A voxel spacing `[sd, sh, sw]` in mm. @category preprocessing */
export type Spacing = readonly [number, number, number];

/**
 * The spatial shape a volume of `shape` gets when resampled from spacing `from`
 * to spacing `to` (nnU-Net: `round(shape * from / to)`, at least 1).
 * @example resampledShape([10, 64, 64], [5, 1, 1], [2.5, 2, 2]) // [20, 32, 32]
 * @category preprocessing
 */
export function resampledShape(shape: readonly number[], from: Spacing, to: Spacing): [number, number, number] {
  const f = checkTriple('resampledShape', 'from', from, false);
  const t = checkTriple('resampledShape', 'to', to, false);
  const s = shape.slice(-3);
  if (s.length !== 3) throw new ShapeError('resampledShape', `needs at least 3 axes, got ${showShape(shape)}`);
  return [0, 1, 2].map((i) => Math.max(1, Math.round((s[i]! * f[i]!) / t[i]!))) as [number, number, number];
}

interface AxisMap {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly frac: Float64Array;
}

function axisMap(nIn: number, nOut: number): AxisMap {
  const lo = new Int32Array(nOut);
  const hi = new Int32Array(nOut);
  const frac = new Float64Array(nOut);
  const scale = nIn / nOut;
  for (let o = 0; o < nOut; o++) {
    const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), nIn - 1);
    const l = Math.floor(x);
    lo[o] = l;
    hi[o] = Math.min(l + 1, nIn - 1);
    frac[o] = x - l;
  }
  return { lo, hi, frac };
}

/**
 * What both resamplers need to map `x`'s last three axes onto `shape`: the output
 * and input extents, the leading axes (`b` volumes of `inPlane * id` voxels), the
 * source data and the per-axis interpolation maps.
 */
function resampleGrid(op: string, x: NDArray, shape: readonly number[]) {
  if (x.shape.length < 3) throw new ShapeError(op, `needs a [..., D, H, W] array, got ${showShape(x.shape)}`);
  const [od, oh, ow] = checkTriple(op, 'shape', shape, true);
  const n = x.shape.length;
  const [id, ih, iw] = [x.shape[n - 3]!, x.shape[n - 2]!, x.shape[n - 1]!];
  const lead = x.shape.slice(0, -3);
  return {
    od,
    oh,
    ow,
    id,
    iw,
    inPlane: ih * iw,
    lead,
    b: lead.reduce((a, v) => a * v, 1),
    src: dataOf(x),
    md: axisMap(id, od),
    mh: axisMap(ih, oh),
    mw: axisMap(iw, ow),
  };
}

/**
 * Trilinear resampling of the last three axes to `shape` (float32 result, or
 * float64 for float64 input).
 * @example resampleToShape(image, [20, 32, 32])
 * @category preprocessing
 */
export function resampleToShape(x: NDArray, shape: readonly number[]): NDArray {
  const { od, oh, ow, id, iw, inPlane, lead, b, src, md, mh, mw } = resampleGrid('resampleToShape', x, shape);
  const out = x.dtype === 'float64' ? new Float64Array(b * od * oh * ow) : new Float32Array(b * od * oh * ow);
  let o = 0;
  for (let c = 0; c < b; c++) {
    const base = c * id * inPlane;
    for (let d = 0; d < od; d++) {
      const d0 = base + md.lo[d]! * inPlane;
      const d1 = base + md.hi[d]! * inPlane;
      const fd = md.frac[d]!;
      for (let h = 0; h < oh; h++) {
        const h0 = mh.lo[h]! * iw;
        const h1 = mh.hi[h]! * iw;
        const fh = mh.frac[h]!;
        for (let w = 0; w < ow; w++) {
          const w0 = mw.lo[w]!;
          const w1 = mw.hi[w]!;
          const fw = mw.frac[w]!;
          const lerpW = (row: number): number => {
            const a = src[row + w0]!;
            return fw === 0 ? a : a + (src[row + w1]! - a) * fw;
          };
          const lerpH = (plane: number): number => {
            const a = lerpW(plane + h0);
            return fh === 0 ? a : a + (lerpW(plane + h1) - a) * fh;
          };
          const a = lerpH(d0);
          out[o++] = fd === 0 ? a : a + (lerpH(d1) - a) * fd;
        }
      }
    }
  }
  return packed(out instanceof Float64Array ? 'float64' : 'float32', [...lead, od, oh, ow], out);
}

/**
 * Resamples an image from spacing `from` to spacing `to` (trilinear).
 * @example resample(image, { from: [5, 0.8, 0.8], to: [2.5, 1.6, 1.6] })
 * @category preprocessing
 */
export function resample(x: NDArray, options: { readonly from: Spacing; readonly to: Spacing }): NDArray {
  return resampleToShape(x, resampledShape(x.shape, options.from, options.to));
}

/**
 * Resamples an integer label map to `shape`: linear interpolation of each
 * class's one-hot plane, then argmax (ties go to the smaller label). Keeps the
 * dtype.
 * @example resampleLabelsToShape(label, [20, 32, 32])
 * @category preprocessing
 */
export function resampleLabelsToShape(x: NDArray, shape: readonly number[]): NDArray {
  const op = 'resampleLabelsToShape';
  const { od, oh, ow, id, iw, inPlane, lead, b, src, md, mh, mw } = resampleGrid(op, x, shape);
  if (isFloat(x.dtype)) throw new ValueError(op, `needs an integer label map (uint8 or int32), got ${x.dtype}`);
  const out = x.dtype === 'uint8' ? new Uint8Array(b * od * oh * ow) : new Int32Array(b * od * oh * ow);
  const labels = new Float64Array(8);
  const weights = new Float64Array(8);
  let o = 0;
  for (let c = 0; c < b; c++) {
    const base = c * id * inPlane;
    for (let d = 0; d < od; d++) {
      const ds = [base + md.lo[d]! * inPlane, base + md.hi[d]! * inPlane];
      const wd = [1 - md.frac[d]!, md.frac[d]!];
      for (let h = 0; h < oh; h++) {
        const hs = [mh.lo[h]! * iw, mh.hi[h]! * iw];
        const wh = [1 - mh.frac[h]!, mh.frac[h]!];
        for (let w = 0; w < ow; w++) {
          const ws = [mw.lo[w]!, mw.hi[w]!];
          const ww = [1 - mw.frac[w]!, mw.frac[w]!];
          let k = 0;
          for (let a = 0; a < 2; a++) {
            for (let e = 0; e < 2; e++) {
              for (let f = 0; f < 2; f++) {
                const wt = wd[a]! * wh[e]! * ww[f]!;
                if (wt === 0) continue;
                const lab = src[ds[a]! + hs[e]! + ws[f]!]!;
                let j = 0;
                while (j < k && labels[j] !== lab) j++;
                if (j === k) {
                  labels[k] = lab;
                  weights[k] = 0;
                  k++;
                }
                weights[j] = weights[j]! + wt;
              }
            }
          }
          let best = labels[0]!;
          let bestW = weights[0]!;
          for (let j = 1; j < k; j++) {
            const wt = weights[j]!;
            if (wt > bestW || (wt === bestW && labels[j]! < best)) {
              best = labels[j]!;
              bestW = wt;
            }
          }
          out[o++] = best;
        }
      }
    }
  }
  return packed(x.dtype === 'uint8' ? 'uint8' : 'int32', [...lead, od, oh, ow], out);
}

/**
 * Resamples a label map from spacing `from` to spacing `to` (linear on the
 * one-hot encoding, then argmax).
 * @example resampleLabels(label, { from: [5, 0.8, 0.8], to: [2.5, 1.6, 1.6] })
 * @category preprocessing
 */
export function resampleLabels(x: NDArray, options: { readonly from: Spacing; readonly to: Spacing }): NDArray {
  return resampleLabelsToShape(x, resampledShape(x.shape, options.from, options.to));
}

/**
 * From the segmentation model's `c - 1 + t` outputs back to the `c` classes
 * of the task: which voxels are ROI.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, isNDArray, showShape, toTypedArray } from '@colab-ts/ndarray';

/** Options of `predictRoi`. @category prediction */
export interface PredictRoiOptions {
  /**
   * - `'argmax'` (default, the authors' rule): argmax over all `c - 1 + t`
   *   channels; a voxel is ROI class `k` where channel `k - 1` wins, even when
   *   the background sub-classes together outweigh it.
   * - `'roi-vs-summed-background'`: the background sub-classes' softmax
   *   probabilities are summed into one background probability that competes
   *   with each ROI class's probability (the `c`-class prediction implied by
   *   merging the sub-classes).
   *
   * Ties go to the lower channel, so to a ROI class before the background.
   */
  readonly rule?: 'argmax' | 'roi-vs-summed-background';
}

/**
 * The predicted label map from logits `[N, c - 1 + t, ...]` (this package's
 * channel order, ROI classes first): int32 `[N, 1, ...]` with 0 for background
 * and `k` in `1 .. c-1` for ROI class `k` (channel `k - 1`). `c` counts the
 * task's classes with the background (2 for a binary ROI).
 * @example predictRoi(logits, 2) // 1 where the ROI channel wins the argmax
 * @category prediction
 */
export function predictRoi(logits: NDArray, c: number, options: PredictRoiOptions = {}): NDArray<number, 'int32'> {
  const op = 'predictRoi';
  if (!isNDArray(logits) || logits.shape.length < 3)
    throw new ShapeError(op, `logits must be [N, C, ...spatial], got ${isNDArray(logits) ? showShape(logits.shape) : typeof logits}`);
  const rule = options.rule ?? 'argmax';
  if (rule !== 'argmax' && rule !== 'roi-vs-summed-background') throw new ValueError(op, `unknown rule ${JSON.stringify(rule)}`);
  const [n, C] = logits.shape as [number, number];
  if (!Number.isInteger(c) || c < 2 || c > C) throw new ValueError(op, `c must be an integer in [2, ${C}] (channels ${C}), got ${c}`);
  const roi = c - 1;
  const vox = logits.shape.slice(2).reduce((a, b) => a * b, 1);
  const z = toTypedArray(logits);
  const out = new Int32Array(n * vox);
  for (let i = 0; i < n; i++) {
    for (let v = 0; v < vox; v++) {
      const at = (ch: number): number => z[(i * C + ch) * vox + v]!;
      let label = 0;
      if (rule === 'argmax') {
        const best = argmaxOf(at, C);
        label = best < roi ? best + 1 : 0;
      } else {
        // In log space: log p_k - log p_bg = z_k - logSumExp(z_bg), so the winning ROI
        // class competes with the log-sum-exp of the background sub-classes.
        let mx = -Infinity;
        for (let ch = roi; ch < C; ch++) mx = Math.max(mx, at(ch));
        let s = 0;
        for (let ch = roi; ch < C; ch++) s += Math.exp(at(ch) - mx);
        const bg = mx + Math.log(s);
        const best = argmaxOf(at, roi);
        label = at(best) >= bg ? best + 1 : 0;
      }
      out[i * vox + v] = label;
    }
  }
  return array(out, [n, 1, ...logits.shape.slice(2)], 'int32');
}

/** The first channel in `0 .. end-1` with the largest `at(ch)` (channel 0 when it is NaN). */
function argmaxOf(at: (ch: number) => number, end: number): number {
  let best = 0;
  for (let ch = 1; ch < end; ch++) if (at(ch) > at(best)) best = ch;
  return best;
}

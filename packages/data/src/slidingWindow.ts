/**
 * Sliding-window inference as nnU-Net does it: windows of `patchSize` with a
 * set overlap (steps spread evenly so the last window ends at the border),
 * predictions blended with a Gaussian importance map (sigma = patch / 8, from
 * `@colab-ts/kernels/reference`), optional mirroring test-time augmentation.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, flip, contiguous, showShape } from '@colab-ts/ndarray';
import { gaussianImportanceMap } from '@colab-ts/kernels/reference';
import { checkTriple, dataOf, packed } from './internal/arrays.js';
import { accumulateBox, extractBox } from './internal/patch.js';

/** Progress of a sliding-window run: windows predicted so far and in all. @category inference */
export interface WindowProgress {
  readonly done: number;
  readonly total: number;
}

/** Options of `slidingWindow`. @category inference */
export interface SlidingWindowOptions {
  readonly patchSize: readonly [number, number, number] | readonly number[];
  /** Fraction of a patch that neighbouring windows share (default 0.5). */
  readonly overlap?: number;
  /** Windows per `predict` call (default 1). */
  readonly batchSize?: number;
  /** Average over every combination of flipped spatial axes (default false). */
  readonly mirror?: boolean;
  /** Spatial axes to mirror, 0 = D, 1 = H, 2 = W (default: those whose patch extent exceeds 1). */
  readonly mirrorAxes?: readonly number[];
  /** Gaussian blending (default true); false gives a plain average. */
  readonly gaussian?: boolean;
  /** Image value used to pad a volume smaller than the patch (default 0). */
  readonly padValue?: number;
  readonly onProgress?: (p: WindowProgress) => void;
}

/**
 * Window starts along one axis (nnU-Net's `compute_steps_for_sliding_window`):
 * `ceil((size - patch) / (patch * (1 - overlap))) + 1` windows spread evenly
 * from 0 to `size - patch`.
 * @example windowStarts(100, 64, 0.5) // [0, 18, 36]
 * @category inference
 */
export function windowStarts(size: number, patch: number, overlap: number): number[] {
  if (patch >= size) return [0];
  const target = Math.max(1, patch * (1 - overlap));
  const count = Math.ceil((size - patch) / target) + 1;
  const step = (size - patch) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(step * i));
}

/**
 * Predicts a whole `[C, D, H, W]` image window by window and returns the
 * blended `[K, D, H, W]` float32 output (`K` is whatever `predict` returns per
 * window: logits or probabilities). `predict` receives `[n, C, pd, ph, pw]`
 * float32 batches and must return `[n, K, pd, ph, pw]`. Accumulates in float64,
 * so an identity model gives the input back exactly.
 * @example const probs = await slidingWindow(async (x) => model(x), image, { patchSize: [32, 64, 64], mirror: true })
 * @category inference
 */
export async function slidingWindow(predict: (batch: NDArray) => Promise<NDArray>, image: NDArray, options: SlidingWindowOptions): Promise<NDArray> {
  const op = 'slidingWindow';
  if (image.shape.length !== 4) throw new ShapeError(op, `image must be [C,D,H,W], got ${showShape(image.shape)}`);
  const size = checkTriple(op, 'patchSize', options.patchSize, true);
  const overlap = options.overlap ?? 0.5;
  if (!(overlap >= 0 && overlap < 1)) throw new ValueError(op, `overlap must be in [0, 1), got ${overlap}`);
  const batchSize = options.batchSize ?? 1;
  if (!(Number.isSafeInteger(batchSize) && batchSize >= 1)) throw new ValueError(op, `batchSize must be a positive integer, got ${batchSize}`);
  const C = image.shape[0]!;
  const shape: [number, number, number] = [image.shape[1]!, image.shape[2]!, image.shape[3]!];
  // A volume smaller than the patch is padded (centred) to the patch, then the result is cropped back.
  const padded = shape.map((s, a) => Math.max(s, size[a]!)) as [number, number, number];
  const before = shape.map((s, a) => Math.floor((padded[a]! - s) / 2)) as [number, number, number];
  const src = dataOf(image);
  const vol = new Float32Array(C * padded[0] * padded[1] * padded[2]);
  extractBox(src, C, shape, [-before[0], -before[1], -before[2]], padded, options.padValue ?? 0, vol, 0);
  const starts = [0, 1, 2].map((a) => windowStarts(padded[a]!, size[a]!, overlap));
  const windows: [number, number, number][] = [];
  for (const d of starts[0]!) for (const h of starts[1]!) for (const w of starts[2]!) windows.push([d, h, w]);
  const weight = options.gaussian === false ? new Float32Array(size[0] * size[1] * size[2]).fill(1) : dataOf(gaussianImportanceMap(size));
  const axes = (options.mirrorAxes ?? [0, 1, 2].filter((a) => size[a]! > 1)).map((a) => {
    if (![0, 1, 2].includes(a)) throw new ValueError(op, `mirrorAxes must be spatial axes 0 (D), 1 (H) or 2 (W), got ${a}`);
    return a + 2;
  });
  const flips: number[][] = options.mirror === true ? Array.from({ length: 1 << axes.length }, (_, m) => axes.filter((_, i) => (m >> i) & 1)) : [[]];
  const psize = size[0] * size[1] * size[2];
  let acc: Float64Array | undefined;
  const wsum = new Float64Array(padded[0] * padded[1] * padded[2]);
  let K = 0;
  for (let b = 0; b < windows.length; b += batchSize) {
    const group = windows.slice(b, b + batchSize);
    const n = group.length;
    const buf = new Float32Array(n * C * psize);
    group.forEach((o, i) => extractBox(vol, C, padded, o, size, 0, buf, i * C * psize));
    const batch = packed('float32', [n, C, ...size], buf);
    let sum: Float64Array | undefined;
    for (const f of flips) {
      const input = f.length === 0 ? batch : contiguous(flip(batch, f));
      const out = await predict(input);
      if (out.shape.length !== 5 || out.shape[0] !== n || out.shape.slice(2).join() !== size.join()) {
        throw new ShapeError(
          op,
          `predict returned ${showShape(out.shape)} for a batch of ${showShape(batch.shape)}; it must return [${n},K,${size.join(',')}]`,
        );
      }
      K = out.shape[1]!;
      const back = dataOf(f.length === 0 ? out : contiguous(flip(out, f)));
      if (sum === undefined) sum = new Float64Array(back.length);
      else if (sum.length !== back.length) throw new ShapeError(op, 'predict changed its number of output channels between calls');
      for (let i = 0; i < back.length; i++) sum[i] = sum[i]! + back[i]!;
    }
    if (flips.length > 1) for (let i = 0; i < sum!.length; i++) sum![i] = sum![i]! / flips.length;
    if (acc === undefined) acc = new Float64Array(K * wsum.length);
    else if (acc.length !== K * wsum.length) throw new ShapeError(op, 'predict changed its number of output channels between calls');
    group.forEach((o, i) => accumulateBox(acc!, wsum, sum!, i * K * psize, weight, K, padded, o, size));
    options.onProgress?.({ done: Math.min(b + batchSize, windows.length), total: windows.length });
  }
  const [D, H, W] = shape;
  const out = new Float32Array(K * D * H * W);
  const np = padded[0] * padded[1] * padded[2];
  let o = 0;
  for (let k = 0; k < K; k++) {
    for (let d = 0; d < D; d++) {
      for (let h = 0; h < H; h++) {
        const row = ((d + before[0]) * padded[1] + h + before[1]) * padded[2] + before[2];
        for (let w = 0; w < W; w++) out[o++] = acc![k * np + row + w]! / wsum[row + w]!;
      }
    }
  }
  return packed('float32', [K, D, H, W], out);
}

/**
 * Cropping to the non-zero region (nnU-Net's first preprocessing step) and
 * pasting predictions back into the full volume.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, contiguous, pad, showShape, slice } from '@colab-ts/ndarray';
import { dataOf, spatialShape } from './internal/arrays.js';

/** A spatial box `[start, stop)` per axis `[d, h, w]`. @category preprocessing */
export interface Box {
  readonly start: readonly [number, number, number];
  readonly stop: readonly [number, number, number];
}

/**
 * The bounding box of voxels where any channel of a `[C, D, H, W]` (or
 * `[D, H, W]`) array is non-zero; the whole volume when none is.
 * @example nonZeroBox(image) // { start: [2, 10, 12], stop: [30, 100, 110] }
 * @category preprocessing
 */
export function nonZeroBox(x: NDArray): Box {
  if (x.shape.length < 3) throw new ShapeError('nonZeroBox', `needs a [..., D, H, W] array, got ${showShape(x.shape)}`);
  const [D, H, W] = spatialShape(x);
  const n = D * H * W;
  const src = dataOf(x);
  const lo = [D, H, W];
  const hi = [-1, -1, -1];
  for (let i = 0; i < src.length; i++) {
    if (src[i] === 0) continue;
    const v = i % n;
    const d = Math.floor(v / (H * W));
    const h = Math.floor(v / W) % H;
    const w = v % W;
    const p = [d, h, w];
    for (let a = 0; a < 3; a++) {
      if (p[a]! < lo[a]!) lo[a] = p[a]!;
      if (p[a]! > hi[a]!) hi[a] = p[a]!;
    }
  }
  if (hi[0]! < 0) return { start: [0, 0, 0], stop: [D, H, W] };
  return { start: [lo[0]!, lo[1]!, lo[2]!], stop: [hi[0]! + 1, hi[1]! + 1, hi[2]! + 1] };
}

/** The part of a `[..., D, H, W]` array inside `box` (a packed copy). @example cropBox(label, box) @category preprocessing */
export function cropBox(x: NDArray, box: Box): NDArray {
  const [D, H, W] = spatialShape(x);
  const ext = [D, H, W];
  for (let a = 0; a < 3; a++) {
    if (!(box.start[a]! >= 0 && box.start[a]! < box.stop[a]! && box.stop[a]! <= ext[a]!)) {
      throw new ValueError('cropBox', `box ${JSON.stringify(box)} does not fit the spatial shape ${showShape(ext)}`);
    }
  }
  const lead = x.shape.length - 3;
  const specs = [...Array.from({ length: lead }, () => null), ...[0, 1, 2].map((a) => ({ start: box.start[a]!, stop: box.stop[a]! }))];
  return contiguous(slice(x, specs));
}

/**
 * Crops a `[C, D, H, W]` image to its non-zero region; crop labels with
 * `cropBox(label, box)` and paste predictions back with `pasteBox`.
 * @example const { image: cropped, box } = cropToNonZero(image)
 * @category preprocessing
 */
export function cropToNonZero(image: NDArray): { readonly image: NDArray; readonly box: Box; readonly shape: readonly [number, number, number] } {
  const box = nonZeroBox(image);
  return { image: cropBox(image, box), box, shape: spatialShape(image) };
}

/**
 * Pastes a cropped `[..., d, h, w]` array back into a volume of spatial shape
 * `shape`, filling outside the box with `fill` (default 0).
 * @example pasteBox(croppedPrediction, box, originalShape)
 * @category preprocessing
 */
export function pasteBox(x: NDArray, box: Box, shape: readonly number[], options: { readonly fill?: number } = {}): NDArray {
  const s = spatialShape(x);
  for (let a = 0; a < 3; a++) {
    if (box.stop[a]! - box.start[a]! !== s[a] || box.start[a]! < 0 || box.stop[a]! > shape[a]!) {
      throw new ShapeError('pasteBox', `array ${showShape(x.shape)} does not fill box ${JSON.stringify(box)} inside ${showShape(shape)}`);
    }
  }
  const lead = x.shape.length - 3;
  const widths = [
    ...Array.from({ length: lead }, (): [number, number] => [0, 0]),
    ...[0, 1, 2].map((a): [number, number] => [box.start[a]!, shape[a]! - box.stop[a]!]),
  ];
  const fill = options.fill ?? 0;
  return widths.every(([a, b]) => a === 0 && b === 0) ? contiguous(x) : pad(x, widths, { value: fill });
}

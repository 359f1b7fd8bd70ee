/**
 * Copying boxes of voxels between packed `[C, D, H, W]` buffers, with a fill
 * value where the box leaves the source (padding).
 * @module
 */
import type { AnyData } from '@colab-ts/ndarray';

/**
 * Copies the `[C, pd, ph, pw]` box of `src` (`[C, D, H, W]`, packed) whose
 * corner is at `origin` (may be negative or run past the end) into `dst` at
 * element offset `at`, writing `fill` outside the source. @internal
 */
export function extractBox(
  src: AnyData,
  channels: number,
  shape: readonly [number, number, number],
  origin: readonly [number, number, number],
  size: readonly [number, number, number],
  fill: number,
  dst: AnyData,
  at: number,
): void {
  const [D, H, W] = shape;
  const [od, oh, ow] = origin;
  const [pd, ph, pw] = size;
  let o = at;
  for (let c = 0; c < channels; c++) {
    for (let d = 0; d < pd; d++) {
      const sd = od + d;
      for (let h = 0; h < ph; h++) {
        const sh = oh + h;
        if (sd < 0 || sd >= D || sh < 0 || sh >= H) {
          dst.fill(fill, o, o + pw);
          o += pw;
          continue;
        }
        const row = ((c * D + sd) * H + sh) * W;
        const w0 = Math.max(0, -ow);
        const w1 = Math.min(pw, W - ow);
        if (w0 > 0) dst.fill(fill, o, o + Math.min(w0, pw));
        if (w1 > w0) {
          if (src.constructor === dst.constructor) dst.set(src.subarray(row + ow + w0, row + ow + w1) as never, o + w0);
          else for (let w = w0; w < w1; w++) dst[o + w] = src[row + ow + w]!;
        }
        if (w1 < pw) dst.fill(fill, o + Math.max(w1, 0), o + pw);
        o += pw;
      }
    }
  }
}

/**
 * Adds `weight * src` of a `[K, pd, ph, pw]` patch into the `[K, D, H, W]`
 * accumulator at `origin` (inside the volume), and `weight` into `wsum`. @internal
 */
export function accumulateBox(
  acc: Float64Array,
  wsum: Float64Array,
  src: AnyData,
  srcAt: number,
  weight: AnyData,
  classes: number,
  shape: readonly [number, number, number],
  origin: readonly [number, number, number],
  size: readonly [number, number, number],
): void {
  const [D, H, W] = shape;
  const [od, oh, ow] = origin;
  const [pd, ph, pw] = size;
  const n = D * H * W;
  let s = srcAt;
  for (let k = 0; k < classes; k++) {
    let wi = 0;
    for (let d = 0; d < pd; d++) {
      for (let h = 0; h < ph; h++) {
        const row = ((od + d) * H + oh + h) * W + ow;
        for (let w = 0; w < pw; w++) {
          const g = weight[wi++]!;
          acc[k * n + row + w] = acc[k * n + row + w]! + g * src[s++]!;
          if (k === 0) wsum[row + w] = wsum[row + w]! + g;
        }
      }
    }
  }
}

/**
 * The pooling walk shared by max and average pooling and their gradients:
 * for each output voxel, the flat indices of the input voxels its window
 * covers (in-bounds ones only, in raster order of the window).
 * @module
 */
import type { NormalizedPool } from '../options.js';

type Shape5 = readonly [number, number, number, number, number];

/**
 * Calls `visit(yi, taps, count)` once per output voxel (row-major order) with
 * `taps[0..count)` the flat input indices of its window that lie inside the
 * input; `taps` is reused between calls.
 * @category internal
 */
export function forEachWindow(xs: Shape5, ys: Shape5, o: NormalizedPool, visit: (yi: number, taps: Int32Array, count: number) => void): void {
  const [N, C, D, H, W] = xs;
  const [, , oD, oH, oW] = ys;
  const [kD, kH, kW] = o.kernelSize;
  const [sd, sh, sw] = o.stride;
  const [pd, ph, pw] = o.padding;
  const taps = new Int32Array(kD * kH * kW);
  let yi = 0;
  for (let nc = 0; nc < N * C; nc++) {
    for (let z = 0; z < oD; z++) {
      for (let y = 0; y < oH; y++) {
        for (let x = 0; x < oW; x++, yi++) {
          let count = 0;
          for (let a = 0; a < kD; a++) {
            const iz = z * sd - pd + a;
            if (iz < 0 || iz >= D) continue;
            for (let b = 0; b < kH; b++) {
              const iy = y * sh - ph + b;
              if (iy < 0 || iy >= H) continue;
              for (let c = 0; c < kW; c++) {
                const ix = x * sw - pw + c;
                if (ix < 0 || ix >= W) continue;
                taps[count++] = ((nc * D + iz) * H + iy) * W + ix;
              }
            }
          }
          visit(yi, taps, count);
        }
      }
    }
  }
}

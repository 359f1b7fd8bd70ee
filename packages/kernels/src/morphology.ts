/**
 * Binary morphology of 3D masks for surface metrics (TypeScript only, shared
 * by every backend): erosion by the 6-, 18- or 26-neighbourhood and the
 * surface (boundary voxels) of a mask. Voxels outside the volume count as
 * background, so the foreground touching the volume's border is surface.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { array } from '@colab-ts/ndarray';
import type { Connectivity } from './internal/volume.js';
import { neighbourOffsets, readMask } from './internal/volume.js';

export type { Connectivity } from './internal/volume.js';

/** 1 where `fg` is 1 and `keep(allNeighboursForeground)` holds. */
function byNeighbours(op: string, mask: NDArray, connectivity: Connectivity, keep: (allForeground: boolean) => boolean): NDArray<number, 'uint8'> {
  const { shape, fg } = readMask(op, mask);
  const offsets = neighbourOffsets(op, connectivity);
  const [D, H, W] = shape;
  const out = new Uint8Array(fg.length);
  let i = 0;
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        if (!fg[i]) continue;
        let all = true;
        for (const [dz, dy, dx] of offsets) {
          const a = z + dz;
          const b = y + dy;
          const c = x + dx;
          if (a < 0 || a >= D || b < 0 || b >= H || c < 0 || c >= W || !fg[(a * H + b) * W + c]) {
            all = false;
            break;
          }
        }
        out[i] = keep(all) ? 1 : 0;
      }
    }
  }
  return array(out, shape, 'uint8');
}

/**
 * Binary erosion of a rank-3 mask: a foreground voxel stays when all its
 * neighbours (under `connectivity`) are foreground and inside the volume. uint8.
 * @example binaryErosion(mask, 6)
 * @category morphology
 */
export const binaryErosion = (mask: NDArray, connectivity: Connectivity): NDArray<number, 'uint8'> =>
  byNeighbours('binaryErosion', mask, connectivity, (all) => all);

/**
 * Surface of a rank-3 mask: foreground voxels with a background neighbour
 * (under `connectivity`; outside the volume is background), i.e. the mask
 * minus its erosion. uint8.
 * @example surface(mask, 6)
 * @category morphology
 */
export const surface = (mask: NDArray, connectivity: Connectivity): NDArray<number, 'uint8'> => byNeighbours('surface', mask, connectivity, (all) => !all);

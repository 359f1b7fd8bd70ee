/**
 * Helpers of the TypeScript-only volume operators: rank-3 masks and voxel
 * neighbourhoods.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, showShape, toTypedArray } from '@colab-ts/ndarray';
import { checkArray } from './io.js';

/** Voxel connectivity in 3D: faces (6), faces and edges (18), faces, edges and corners (26). @category components */
export type Connectivity = 6 | 18 | 26;

/** Checks a rank-3 `[D, H, W]` mask and returns its extents and a 0/1 copy (non-zero is foreground). @category internal */
export function readMask(op: string, mask: NDArray): { readonly shape: readonly [number, number, number]; readonly fg: Uint8Array } {
  checkArray(op, 'mask', mask);
  if (mask.shape.length !== 3) {
    throw new ShapeError(op, `mask must have rank 3 [D, H, W], got shape ${showShape(mask.shape)}`, {
      expected: 'rank 3',
      got: showShape(mask.shape),
    });
  }
  const src = toTypedArray(mask);
  const fg = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) fg[i] = src[i] !== 0 ? 1 : 0;
  return { shape: [mask.shape[0]!, mask.shape[1]!, mask.shape[2]!], fg };
}

/** The neighbour offsets `[dz, dy, dx]` of a connectivity, in raster order. @category internal */
export function neighbourOffsets(op: string, connectivity: unknown): readonly (readonly [number, number, number])[] {
  if (connectivity !== 6 && connectivity !== 18 && connectivity !== 26) {
    throw new ValueError(op, `connectivity must be 6, 18 or 26, got ${JSON.stringify(connectivity)}`);
  }
  const maxL1 = connectivity === 6 ? 1 : connectivity === 18 ? 2 : 3;
  const out: [number, number, number][] = [];
  for (let dz = -1; dz <= 1; dz++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const l1 = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (l1 >= 1 && l1 <= maxL1) out.push([dz, dy, dx]);
      }
    }
  }
  return out;
}

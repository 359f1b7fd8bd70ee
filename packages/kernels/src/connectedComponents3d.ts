/**
 * Connected-component labelling of 3D masks (TypeScript only, shared by every
 * backend): breadth-first flood fill from each unlabelled foreground voxel in
 * raster order, so labels are numbered in the raster order of each component's
 * first voxel.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { array } from '@colab-ts/ndarray';
import type { Connectivity } from './internal/volume.js';
import { neighbourOffsets, readMask } from './internal/volume.js';

/** Which voxels touch: 6 (faces), 18 (and edges) or 26 (and corners). @category components */
export interface ComponentOptions {
  readonly connectivity: Connectivity;
}

/** The result of `connectedComponents3d`. @category components */
export interface Components {
  /** int32 `[D, H, W]`: 0 for background, `1..count` for the components. */
  readonly labels: NDArray<number, 'int32'>;
  /** Number of components. */
  readonly count: number;
  /** Voxel count per label, indexed by label: `sizes[0]` is the background, `sizes[k]` component `k`. */
  readonly sizes: readonly number[];
}

/**
 * Labels the connected components of a rank-3 mask (non-zero is foreground),
 * numbered `1..count` in the raster order of their first voxel.
 * @example const { labels, count, sizes } = connectedComponents3d(mask, { connectivity: 26 })
 * @category components
 */
export function connectedComponents3d(mask: NDArray, options: ComponentOptions): Components {
  const op = 'connectedComponents3d';
  const { shape, fg } = readMask(op, mask);
  const offsets = neighbourOffsets(op, (options as Partial<ComponentOptions> | undefined)?.connectivity);
  const [D, H, W] = shape;
  const labels = new Int32Array(fg.length);
  const queue = new Int32Array(fg.length);
  const sizes = [0];
  let count = 0;
  for (let seed = 0; seed < fg.length; seed++) {
    if (!fg[seed]) {
      sizes[0]!++;
      continue;
    }
    if (labels[seed] !== 0) continue;
    const label = ++count;
    labels[seed] = label;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % W;
      const y = Math.floor(i / W) % H;
      const z = Math.floor(i / (W * H));
      for (const [dz, dy, dx] of offsets) {
        const a = z + dz;
        const b = y + dy;
        const c = x + dx;
        if (a < 0 || a >= D || b < 0 || b >= H || c < 0 || c >= W) continue;
        const j = (a * H + b) * W + c;
        if (fg[j] && labels[j] === 0) {
          labels[j] = label;
          queue[tail++] = j;
        }
      }
    }
    sizes.push(tail);
  }
  return { labels: array(labels, shape, 'int32'), count, sizes };
}

/**
 * The largest connected component of a rank-3 mask as a uint8 mask (ties go
 * to the component that comes first in raster order; all zeros when empty).
 * @example largestComponent(prediction, 26)
 * @category components
 */
export function largestComponent(mask: NDArray, connectivity: Connectivity): NDArray<number, 'uint8'> {
  const { labels, count, sizes } = connectedComponents3d(mask, { connectivity });
  let best = 0;
  for (let k = 1; k <= count; k++) if (best === 0 || sizes[k]! > sizes[best]!) best = k;
  const l = labels.data;
  const out = new Uint8Array(l.length);
  if (best > 0) for (let i = 0; i < l.length; i++) out[i] = l[i] === best ? 1 : 0;
  return array(out, labels.shape, 'uint8');
}

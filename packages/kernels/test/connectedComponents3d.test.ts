import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, contiguous, flip, toTypedArray, transpose, zeros } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Connectivity } from '../src/reference.js';
import { connectedComponents3d, largestComponent } from '../src/reference.js';
import { arbConnectivity, arbVolumeMask, values } from './helpers.js';

const arbMask = arbVolumeMask([0.1, 0.7]);

/** Union-find over voxels: union every pair of foreground voxels that are neighbours. Returns each voxel's root (-1 background). */
function unionFind(mask: NDArray, connectivity: Connectivity): number[] {
  const [, H, W] = mask.shape as [number, number, number];
  const fg = Array.from(toTypedArray(mask), (v) => v !== 0);
  const parent = fg.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const coords = (i: number): [number, number, number] => [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
  for (let i = 0; i < fg.length; i++) {
    if (!fg[i]) continue;
    for (let j = i + 1; j < fg.length; j++) {
      if (!fg[j]) continue;
      const a = coords(i);
      const b = coords(j);
      const diff = a.map((v, k) => Math.abs(v - b[k]!));
      if (Math.max(...diff) !== 1) continue;
      const nonzero = diff.filter((v) => v !== 0).length;
      if ((connectivity === 6 && nonzero === 1) || (connectivity === 18 && nonzero <= 2) || connectivity === 26) parent[find(i)] = find(j);
    }
  }
  return fg.map((f, i) => (f ? find(i) : -1));
}

/** Do two labellings (0 / -1 background) describe the same partition of the voxels? */
function samePartition(a: readonly number[], b: readonly number[], bgA: number, bgB: number): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((x === bgA) !== (y === bgB)) return false;
    if (x === bgA) continue;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}

describe('examples', () => {
  it('diagonal voxels are one component under 26- or 18-connectivity only as far as they touch', () => {
    // Two voxels sharing an edge; and a corner-touching pair.
    const edge = array([1, 0, 0, 1], [1, 2, 2], 'uint8');
    expect(connectedComponents3d(edge, { connectivity: 6 }).count).toBe(2);
    expect(connectedComponents3d(edge, { connectivity: 18 }).count).toBe(1);
    const corner = array([1, 0, 0, 0, 0, 0, 0, 1], [2, 2, 2], 'uint8');
    expect(connectedComponents3d(corner, { connectivity: 18 }).count).toBe(2);
    expect(connectedComponents3d(corner, { connectivity: 26 }).count).toBe(1);
  });

  it('numbers labels in raster order of first voxel, with sizes indexed by label', () => {
    // The U-shaped component starting at index 3 reaches index 8, left of its second row.
    const m = array([0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1], [1, 2, 6], 'uint8');
    const { labels, count, sizes } = connectedComponents3d(m, { connectivity: 6 });
    expect(labels.dtype).toBe('int32');
    expect(values(labels)).toEqual([0, 1, 0, 2, 0, 0, 3, 0, 2, 2, 0, 4]);
    expect(count).toBe(4);
    expect(sizes).toEqual([6, 1, 3, 1, 1]);
  });

  it('largestComponent keeps the biggest (first on ties), all zeros when empty', () => {
    const m = array([1, 1, 0, 1, 1, 1, 0, 1], [1, 1, 8], 'uint8');
    expect(values(largestComponent(m, 6))).toEqual([0, 0, 0, 1, 1, 1, 0, 0]);
    expect(values(largestComponent(array([1, 0, 1], [1, 1, 3], 'uint8'), 26))).toEqual([1, 0, 0]);
    expect(values(largestComponent(zeros([2, 2, 2], 'uint8'), 26))).toEqual(new Array(8).fill(0));
  });

  it('rejects bad connectivity and ranks, naming the op', () => {
    expect(() => connectedComponents3d(zeros([2, 2, 2]), { connectivity: 8 as Connectivity })).toThrow(ValueError);
    expect(() => connectedComponents3d(zeros([2, 2, 2]), { connectivity: 8 as Connectivity })).toThrow(
      /^connectedComponents3d: connectivity must be 6, 18 or 26/,
    );
    expect(() => largestComponent(zeros([2, 2]), 6)).toThrow(ShapeError);
  });
});

describe('properties', () => {
  test.prop([arbMask, arbConnectivity], { numRuns: 60 })('matches a union-find reference', (mask, connectivity) => {
    const { labels, count, sizes } = connectedComponents3d(mask, { connectivity });
    const l = values(labels);
    const roots = unionFind(mask, connectivity);
    expect(samePartition(l, roots, 0, -1)).toBe(true);
    expect(count).toBe(new Set(roots.filter((r) => r >= 0)).size);
    expect(sizes).toEqual(Array.from({ length: count + 1 }, (_, k) => l.filter((v) => v === k).length));
  });

  test.prop([arbMask, arbConnectivity], { numRuns: 60 })('labels are numbered 1..count in raster order of first voxel', (mask, connectivity) => {
    const l = values(connectedComponents3d(mask, { connectivity }).labels);
    let next = 1;
    for (const v of l) {
      if (v === 0) continue;
      expect(v).toBeLessThanOrEqual(next);
      if (v === next) next++;
    }
  });

  test.prop([arbMask, arbConnectivity, fc.constantFrom([0], [1], [2], [0, 2]), fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1])], { numRuns: 60 })(
    'the partition commutes with flips and axis permutations of the volume',
    (mask, connectivity, axes, perm) => {
      const moved = (x: NDArray): NDArray => contiguous(transpose(flip(x, axes), perm));
      const a = connectedComponents3d(moved(mask), { connectivity });
      const b = moved(connectedComponents3d(mask, { connectivity }).labels);
      expect(samePartition(values(a.labels), values(b), 0, 0)).toBe(true);
      expect([...a.sizes.slice(1)].sort()).toEqual([...connectedComponents3d(mask, { connectivity }).sizes.slice(1)].sort());
    },
  );

  test.prop([arbMask, arbConnectivity], { numRuns: 30 })('largestComponent is one component of maximal size', (mask, connectivity) => {
    const big = largestComponent(mask, connectivity);
    const { count, sizes } = connectedComponents3d(mask, { connectivity });
    const inBig = connectedComponents3d(big, { connectivity });
    expect(inBig.count).toBe(count === 0 ? 0 : 1);
    if (count > 0) expect(inBig.sizes[1]).toBe(Math.max(...sizes.slice(1)));
    values(big).forEach((v, i) => {
      if (v) expect(values(mask)[i]).toBe(1);
    });
  });
});

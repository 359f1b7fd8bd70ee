import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array, get, pad, zeros } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { Connectivity } from '../src/reference.js';
import { binaryErosion, surface } from '../src/reference.js';
import { arbConnectivity, arbVolumeMask, values } from './helpers.js';

const arbMask = arbVolumeMask([0.3, 1]);

/** Erosion written differently: zero-pad the mask by one voxel, then test each neighbour by `get`. */
function erosionByPadding(mask: NDArray, connectivity: Connectivity): number[] {
  const p = pad(mask, 1);
  const [D, H, W] = mask.shape as [number, number, number];
  const out: number[] = [];
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let keep = get(mask, [z, y, x]) !== 0;
        for (let a = -1; a <= 1 && keep; a++)
          for (let b = -1; b <= 1 && keep; b++)
            for (let c = -1; c <= 1 && keep; c++) {
              const nz = [a, b, c].filter((v) => v !== 0).length;
              if (nz === 0 || (connectivity === 6 && nz > 1) || (connectivity === 18 && nz > 2)) continue;
              if (get(p, [z + 1 + a, y + 1 + b, x + 1 + c]) === 0) keep = false;
            }
        out.push(keep ? 1 : 0);
      }
  return out;
}

describe('examples', () => {
  it('a full 3x3x3 cube erodes to its centre; its surface is the other 26 voxels', () => {
    const cube = array(new Array(27).fill(1), [3, 3, 3], 'uint8');
    for (const c of [6, 18, 26] as const) {
      expect(values(binaryErosion(cube, c))).toEqual(Array.from({ length: 27 }, (_, i) => (i === 13 ? 1 : 0)));
      expect(values(surface(cube, c))).toEqual(Array.from({ length: 27 }, (_, i) => (i === 13 ? 0 : 1)));
    }
  });

  it('a single voxel is all surface', () => {
    const m = array([0, 1, 0], [1, 1, 3], 'uint8');
    expect(values(surface(m, 6))).toEqual([0, 1, 0]);
    expect(values(binaryErosion(m, 6))).toEqual([0, 0, 0]);
  });

  it('connectivity decides which missing neighbours count', () => {
    // 3x3x3 cube missing one corner: the centre survives 6- and 18-erosion, not 26.
    const m = array(
      Array.from({ length: 27 }, (_, i) => (i === 0 ? 0 : 1)),
      [3, 3, 3],
      'uint8',
    );
    expect(get(binaryErosion(m, 6), [1, 1, 1])).toBe(1);
    expect(get(binaryErosion(m, 18), [1, 1, 1])).toBe(1);
    expect(get(binaryErosion(m, 26), [1, 1, 1])).toBe(0);
    expect(get(surface(m, 26), [1, 1, 1])).toBe(1);
  });

  it('rejects bad connectivity, naming the op', () => {
    expect(() => surface(zeros([2, 2, 2]), 4 as Connectivity)).toThrow(ValueError);
    expect(() => binaryErosion(zeros([2, 2, 2]), 4 as Connectivity)).toThrow(/^binaryErosion: connectivity/);
  });
});

describe('properties', () => {
  test.prop([arbMask, arbConnectivity], { numRuns: 60 })('erosion equals a zero-padded neighbour test', (mask, connectivity) => {
    expect(values(binaryErosion(mask, connectivity))).toEqual(erosionByPadding(mask, connectivity));
  });

  test.prop([arbMask, arbConnectivity], { numRuns: 60 })('surface is the mask minus its erosion', (mask, connectivity) => {
    const m = values(mask);
    const e = values(binaryErosion(mask, connectivity));
    expect(values(surface(mask, connectivity))).toEqual(m.map((v, i) => (v && !e[i] ? 1 : 0)));
  });
});

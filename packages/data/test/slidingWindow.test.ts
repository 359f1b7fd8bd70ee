import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NDArray } from '@colab-ts/ndarray';
import { arrayEqual, concat, key, mul, uniform } from '@colab-ts/ndarray';
import { slidingWindow, windowStarts } from '@colab-ts/data';

const identity = async (x: NDArray): Promise<NDArray> => x;

describe('examples', () => {
  it('windowStarts follows nnU-Net: even steps ending at the border', () => {
    expect(windowStarts(100, 64, 0.5)).toEqual([0, 18, 36]);
    expect(windowStarts(128, 64, 0.5)).toEqual([0, 32, 64]);
    expect(windowStarts(130, 64, 0.5)).toEqual([0, 22, 44, 66]);
    expect(windowStarts(40, 64, 0.5)).toEqual([0]);
    expect(windowStarts(5, 1, 0.5)).toEqual([0, 1, 2, 3, 4]);
  });

  it('reports progress after every batch', async () => {
    const image = uniform(key(1), [1, 1, 20, 30]);
    const seen: string[] = [];
    await slidingWindow(identity, image, { patchSize: [1, 8, 8], batchSize: 4, onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
    // 20 -> 4 starts, 30 -> 7 starts: 28 windows in batches of 4.
    expect(seen).toEqual(['4/28', '8/28', '12/28', '16/28', '20/28', '24/28', '28/28']);
  });

  it('blends several output channels and keeps each one', async () => {
    const image = uniform(key(2), [1, 5, 9, 11]);
    const twoChannels = async (x: NDArray): Promise<NDArray> => concat([x, mul(x, 2)], 1);
    const out = await slidingWindow(twoChannels, image, { patchSize: [4, 4, 4], batchSize: 3 });
    expect(out.shape).toEqual([2, 5, 9, 11]);
    expect(arrayEqual(out, concat([image, mul(image, 2)], 0))).toBe(true);
  });

  it('rejects a model that returns the wrong shape', async () => {
    const image = uniform(key(3), [1, 4, 4, 4]);
    await expect(slidingWindow(async () => image, image, { patchSize: [2, 2, 2] })).rejects.toThrow(/predict returned/);
  });
});

describe('properties', () => {
  it('the identity model reconstructs the volume exactly (borders, sizes not divisible by the step, padding, mirroring)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          c: fc.integer({ min: 1, max: 2 }),
          shape: fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 })),
          patch: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })),
          overlap: fc.constantFrom(0, 0.25, 0.5, 0.75),
          batchSize: fc.integer({ min: 1, max: 5 }),
          mirror: fc.boolean(),
          seed: fc.nat(),
        }),
        async ({ c, shape, patch, overlap, batchSize, mirror, seed }) => {
          const image = uniform(key(seed), [c, ...shape], { low: -1000, high: 1000 });
          const out = await slidingWindow(identity, image, { patchSize: patch, overlap, batchSize, mirror });
          expect(out.shape).toEqual(image.shape);
          expect(arrayEqual(out, image)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { NDArray } from '@colab-ts/ndarray';
import { arrayEqual, foldIn, key, toTypedArray, uniform, zeros } from '@colab-ts/ndarray';
import type { Case } from '@colab-ts/data';
import { bodyMask, roiVoxels, sampleBatch, samplePatches } from '@colab-ts/data';

/** A case with a tiny ROI (one 2x2x2 cube), so that random patches rarely hit it. */
function tinyRoiCase(shape: readonly [number, number, number], at: readonly [number, number, number], id = 'c'): Case {
  const [D, H, W] = shape;
  const label = new Uint8Array(D * H * W);
  for (let d = 0; d < 2; d++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) label[((at[0] + d) * H + at[1] + h) * W + at[2] + w] = 1;
  const ctx = new Uint8Array(D * H * W).fill(3);
  return {
    id,
    image: uniform(key(9), [2, D, H, W]),
    label: { ...zeros([1, D, H, W], 'uint8'), data: label } as NDArray,
    context: { ...zeros([1, D, H, W], 'uint8'), data: ctx } as NDArray,
    spacing: [1, 1, 1],
  };
}

const containsRoi = (label: NDArray, i: number): boolean => {
  const n = label.shape.slice(1).reduce((a, b) => a * b, 1);
  return toTypedArray(label)
    .subarray(i * n, (i + 1) * n)
    .some((v) => v !== 0);
};

describe('examples', () => {
  it('shapes, dtypes and metadata of a batch', () => {
    const c = tinyRoiCase([12, 20, 24], [5, 9, 11]);
    const b = samplePatches(key(0), c, { patchSize: [4, 8, 8], batchSize: 4, roiShare: 0.5 });
    expect(b.image.shape).toEqual([4, 2, 4, 8, 8]);
    expect(b.label.shape).toEqual([4, 1, 4, 8, 8]);
    expect(b.context?.shape).toEqual([4, 1, 4, 8, 8]);
    expect(b.label.dtype).toBe('uint8');
    expect(b.roi).toEqual([false, false, true, true]);
    expect(b.caseIds).toEqual(['c', 'c', 'c', 'c']);
    // Forced patches contain the ROI.
    expect(containsRoi(b.label, 2) && containsRoi(b.label, 3)).toBe(true);
  });

  it('is deterministic per key', () => {
    const c = tinyRoiCase([12, 20, 24], [5, 9, 11]);
    const opts = { patchSize: [4, 8, 8], batchSize: 3 } as const;
    const a = samplePatches(key(5), c, opts);
    const b = samplePatches(key(5), c, opts);
    const d = samplePatches(key(6), c, opts);
    expect(arrayEqual(a.image, b.image) && arrayEqual(a.label, b.label)).toBe(true);
    expect(a.origins).toEqual(b.origins);
    expect(a.origins).not.toEqual(d.origins);
  });

  it('pads a volume smaller than the patch (image with padValue, labels with 0), keeping the volume inside', () => {
    const c = tinyRoiCase([2, 5, 6], [0, 1, 2]);
    const b = samplePatches(key(1), c, { patchSize: [4, 8, 8], batchSize: 6, roiShare: 1, padValue: -7 });
    for (let i = 0; i < 6; i++) {
      const o = b.origins[i]!;
      expect(o[0]).toBeLessThanOrEqual(0);
      expect(o[0]).toBeGreaterThanOrEqual(2 - 4);
      expect(containsRoi(b.label, i)).toBe(true);
      // Every image voxel is either the fill value or one of the case's values; the case's 2*2*5*6 voxels all appear.
      const patch = toTypedArray(b.image).subarray(i * 2 * 256, (i + 1) * 2 * 256);
      expect(patch.filter((v) => v === -7).length).toBe(2 * (256 - 60));
    }
  });

  it('crops a weight map with its patch (the same box as the label, 0 where padded), across cases too', () => {
    const c0 = tinyRoiCase([3, 7, 9], [1, 2, 3]);
    const lab = toTypedArray(c0.label);
    // weight = 10 + linear index, so every voxel is distinct and a wrong box shows.
    const w = Float32Array.from(lab, (_, i) => 10 + i);
    const c: Case = { ...c0, weight: { ...zeros([1, 3, 7, 9], 'float32'), data: w } as NDArray };
    const b = sampleBatch(key(4), [c, c], { patchSize: [4, 8, 8], batchSize: 6, roiShare: 0.5 });
    expect(b.weight!.shape).toEqual([6, 1, 4, 8, 8]);
    const out = toTypedArray(b.weight!);
    b.origins.forEach((o, i) => {
      for (let d = 0; d < 4; d++)
        for (let h = 0; h < 8; h++)
          for (let x = 0; x < 8; x++) {
            const [sd, sh, sw] = [o[0] + d, o[1] + h, o[2] + x];
            const inside = sd >= 0 && sd < 3 && sh >= 0 && sh < 7 && sw >= 0 && sw < 9;
            expect(out[((i * 4 + d) * 8 + h) * 8 + x]).toBe(inside ? 10 + (sd * 7 + sh) * 9 + sw : 0);
          }
    });
  });

  it('bodyMask: channel 0 above a quarter of its range; a constant image gives an empty mask', () => {
    const img = { ...zeros([2, 1, 1, 5], 'float32'), data: Float32Array.from([-1000, -800, 0, 40, 1000, 7, 7, 7, 7, 7]) } as NDArray;
    // range [-1000, 1000]: threshold -500.
    expect(Array.from(toTypedArray(bodyMask(img)))).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(toTypedArray(bodyMask({ ...zeros([1, 1, 1, 3], 'float32') } as NDArray)))).toEqual([0, 0, 0]);
  });

  it("background: 'body' centres the non-ROI patches on the body, where uniform patches mostly show air", () => {
    // A 1 x 40 x 40 slice of air (-1000) with a 4 x 4 body (40 HU) in a corner, and the ROI inside it.
    const img = new Float32Array(40 * 40).fill(-1000);
    const lab = new Uint8Array(40 * 40);
    for (let h = 30; h < 34; h++) for (let w = 30; w < 34; w++) img[h * 40 + w] = 40;
    lab[31 * 40 + 31] = 1;
    const c: Case = {
      id: 'c',
      image: { ...zeros([1, 1, 40, 40], 'float32'), data: img } as NDArray,
      label: { ...zeros([1, 1, 40, 40], 'uint8'), data: lab } as NDArray,
      spacing: [1, 1, 1],
    };
    const bodyIn = (b: { image: NDArray }, i: number): boolean =>
      toTypedArray(b.image)
        .subarray(i * 64, (i + 1) * 64)
        .some((v) => v > -500);
    let uniformHits = 0;
    for (let s = 0; s < 20; s++) {
      const body = samplePatches(key(s), c, { patchSize: [1, 8, 8], batchSize: 4, roiShare: 0, background: 'body' });
      for (let i = 0; i < 4; i++) expect(bodyIn(body, i)).toBe(true);
      const uni = samplePatches(key(s), c, { patchSize: [1, 8, 8], batchSize: 4, roiShare: 0 });
      for (let i = 0; i < 4; i++) if (bodyIn(uni, i)) uniformHits++;
    }
    expect(uniformHits).toBeLessThan(40);
    expect(() => samplePatches(key(0), c, { patchSize: [1, 8, 8], batchSize: 1, background: 'air' as never })).toThrow(/background must be/);
  });

  it('roiVoxels lists the ROI voxels (restricted to chosen labels)', () => {
    const c = tinyRoiCase([4, 4, 4], [1, 1, 1]);
    expect(Array.from(roiVoxels(c.label))).toEqual([21, 22, 25, 26, 37, 38, 41, 42]);
    expect(roiVoxels(c.label, [2]).length).toBe(0);
  });

  it('falls back to uniform patches for a case without ROI', () => {
    const c = { ...tinyRoiCase([6, 6, 6], [0, 0, 0]), label: zeros([1, 6, 6, 6], 'uint8') };
    const b = samplePatches(key(2), c, { patchSize: [2, 2, 2], batchSize: 4, roiShare: 1 });
    expect(b.roi).toEqual([false, false, false, false]);
  });
});

describe('properties', () => {
  it('the share of ROI-containing patches matches roiShare within tolerance over many draws', () => {
    // ROI: 8 voxels of 48*64*64; a random 8x16x16 patch hits it with probability ~ (9*17*17)/(41*49*49) ~ 2.6%.
    const c = tinyRoiCase([48, 64, 64], [20, 30, 30]);
    for (const share of [0.5, 0.33, 0]) {
      let hits = 0;
      let forced = 0;
      const draws = 150;
      const batch = 2;
      for (let i = 0; i < draws; i++) {
        const b = samplePatches(foldIn(key(11), i), c, { patchSize: [8, 16, 16], batchSize: batch, roiShare: share });
        for (let j = 0; j < batch; j++) hits += containsRoi(b.label, j) ? 1 : 0;
        forced += b.roi.filter(Boolean).length;
      }
      const n = draws * batch;
      // Forced share: binomial over stochastic rounding (sd <= 0.5/sqrt(150) ~ 0.04); random patches add ~2.6% * (1 - share).
      expect(Math.abs(forced / n - share)).toBeLessThan(0.08);
      expect(hits / n).toBeGreaterThanOrEqual(forced / n);
      expect(hits / n - share).toBeLessThan(0.08);
    }
  });

  it('sampleBatch draws across cases with the same ROI share', () => {
    const cases = [tinyRoiCase([16, 32, 32], [3, 3, 3], 'a'), tinyRoiCase([16, 32, 32], [10, 20, 20], 'b')];
    let forced = 0;
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const b = sampleBatch(foldIn(key(4), i), cases, { patchSize: [4, 8, 8], batchSize: 4, roiShare: 0.5 });
      forced += b.roi.filter(Boolean).length;
      b.caseIds.forEach((x) => ids.add(x));
      b.roi.forEach((r, j) => r && expect(containsRoi(b.label, j)).toBe(true));
    }
    expect(forced).toBe(80);
    expect([...ids].sort()).toEqual(['a', 'b']);
  });
});

describe('a border around the patch (the larger source patch of spatial augmentation)', () => {
  it('is placed where the patch alone would be, reads the volume around it, and pads outside with 0', () => {
    const c = tinyRoiCase([5, 12, 10], [0, 0, 8]);
    const border = [1, 3, 2] as const;
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const k = key(seed);
      const plain = samplePatches(k, c, { patchSize: [3, 6, 4], batchSize: 3, roiShare: 0.5 });
      const wide = samplePatches(k, c, { patchSize: [3, 6, 4], batchSize: 3, roiShare: 0.5, border });
      expect(wide.image.shape).toEqual([3, 2, 5, 12, 8]);
      expect(wide.label.shape).toEqual([3, 1, 5, 12, 8]);
      expect(wide.roi).toEqual(plain.roi);
      const img = toTypedArray(c.image);
      const lab = toTypedArray(c.label);
      const got = toTypedArray(wide.image);
      const glab = toTypedArray(wide.label);
      for (let i = 0; i < 3; i++) {
        const o = wide.origins[i]!;
        expect([o[0] + 1, o[1] + 3, o[2] + 2]).toEqual([...plain.origins[i]!]);
        // by direct indexing into the volume (0 outside)
        for (let ch = 0; ch < 2; ch++)
          for (let d = 0; d < 5; d++)
            for (let h = 0; h < 12; h++)
              for (let w = 0; w < 8; w++) {
                const [z, y, x] = [o[0] + d, o[1] + h, o[2] + w];
                const inside = z >= 0 && z < 5 && y >= 0 && y < 12 && x >= 0 && x < 10;
                const at = (((i * 2 + ch) * 5 + d) * 12 + h) * 8 + w;
                expect(got[at]).toBe(inside ? img[((ch * 5 + z) * 12 + y) * 10 + x] : 0);
                if (ch === 0) expect(glab[((i * 5 + d) * 12 + h) * 8 + w]).toBe(inside ? lab[(z * 12 + y) * 10 + x] : 0);
              }
      }
    }
    expect(() => samplePatches(key(0), c, { patchSize: [3, 6, 4], batchSize: 1, border: [1, -1, 0] })).toThrow(/border must be three non-negative integers/);
  });
});

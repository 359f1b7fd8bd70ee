import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NDArray } from '@colab-ts/ndarray';
import { array, arrayEqual, astype, contiguous, flip, full, key, randint, toTypedArray, uniform } from '@colab-ts/ndarray';
import type { AugmentOptions, Batch } from '@colab-ts/data';
import { augment, augmentSourceShape, sampleBatch } from '@colab-ts/data';

const OFF: AugmentOptions = { mirror: false, rotation: false, scaling: false, brightness: false, contrast: false, gamma: false, noise: false };

function batch(shape: readonly [number, number, number, number, number], seed = 0): Batch {
  const [N, , D, H, W] = shape;
  const label = astype(randint(key(seed + 1), [N, 1, D, H, W], 0, 3), 'uint8') as NDArray;
  return { image: uniform(key(seed), shape), label, context: label, roi: [], origins: [], caseIds: [] };
}

describe('examples', () => {
  it('every step off is the identity', () => {
    const b = batch([2, 1, 3, 5, 6]);
    const a = augment(key(1), b, OFF);
    expect(arrayEqual(a.image, b.image) && arrayEqual(a.label, b.label)).toBe(true);
  });

  it('same key, same batch; another key, another batch', () => {
    const b = batch([3, 2, 4, 8, 8]);
    const opts: AugmentOptions = { rotation: { p: 1 }, scaling: { p: 1 }, noise: { p: 1 }, gamma: { p: 1 } };
    expect(arrayEqual(augment(key(2), b, opts).image, augment(key(2), b, opts).image)).toBe(true);
    expect(arrayEqual(augment(key(2), b, opts).image, augment(key(3), b, opts).image)).toBe(false);
  });

  it('mirroring with p = 1 flips image and labels together along the chosen axes', () => {
    const b = batch([2, 1, 3, 4, 5]);
    const a = augment(key(4), b, { ...OFF, mirror: { p: 1, axes: [1, 2] } });
    expect(arrayEqual(a.image, contiguous(flip(b.image, [3, 4])))).toBe(true);
    expect(arrayEqual(a.label, contiguous(flip(b.label, [3, 4])))).toBe(true);
  });

  it('rotation and scaling keep label values and their dtype (nearest), and map image and label alike', () => {
    const b = batch([2, 1, 6, 9, 9]);
    const a = augment(key(5), b, { ...OFF, rotation: { p: 1 }, scaling: { p: 1 } });
    expect(a.label.dtype).toBe('uint8');
    for (const v of toTypedArray(a.label)) expect([0, 1, 2]).toContain(v);
    // An image equal to its label map (as floats) stays close to the transformed label where the label is constant around.
    const img = astype(b.label, 'float32');
    const a2 = augment(key(5), { ...b, image: img }, { ...OFF, rotation: { p: 1 }, scaling: { p: 1 } });
    const li = toTypedArray(a2.label);
    const ii = toTypedArray(a2.image);
    let agree = 0;
    for (let i = 0; i < li.length; i++) if (Math.round(ii[i]!) === li[i]) agree++;
    expect(agree / li.length).toBeGreaterThan(0.5);
  });

  it('a weight map moves exactly as the label map (same nearest-neighbour sampling, 0 outside), keeping its float dtype', () => {
    const b0 = batch([2, 1, 5, 9, 9], 3);
    const b = { ...b0, weight: astype(b0.label, 'float32') };
    for (const opts of [
      { ...OFF, mirror: { p: 1 } },
      { ...OFF, rotation: { p: 1 }, scaling: { p: 1 }, mirror: { p: 0.5 } },
    ] as AugmentOptions[]) {
      const a = augment(key(9), b, opts);
      expect(a.weight!.dtype).toBe('float32');
      expect(Array.from(toTypedArray(a.weight!))).toEqual(Array.from(toTypedArray(a.label)));
    }
  });

  it('a 2D batch (D = 1) is rotated in-plane only and stays finite', () => {
    const b = batch([4, 1, 1, 16, 16]);
    const a = augment(key(6), b, { rotation: { p: 1 }, scaling: { p: 1 }, brightness: { p: 1 }, contrast: { p: 1 }, gamma: { p: 1 }, noise: { p: 1 } });
    expect(a.image.shape).toEqual([4, 1, 1, 16, 16]);
    expect(toTypedArray(a.image).every(Number.isFinite)).toBe(true);
  });

  it('brightness multiplies, contrast keeps the range, gamma keeps mean and std', () => {
    const b = batch([1, 1, 2, 8, 8]);
    const src = toTypedArray(b.image);
    const br = toTypedArray(augment(key(7), b, { ...OFF, brightness: { p: 1, range: [2, 2] } }).image);
    br.forEach((v, i) => expect(v).toBeCloseTo(2 * src[i]!, 5));
    const ct = toTypedArray(augment(key(8), b, { ...OFF, contrast: { p: 1, range: [1.5, 1.5] } }).image);
    expect(Math.min(...ct)).toBeGreaterThanOrEqual(Math.min(...src) - 1e-6);
    expect(Math.max(...ct)).toBeLessThanOrEqual(Math.max(...src) + 1e-6);
    const stats = (x: ArrayLike<number>): [number, number] => {
      const a = Array.from(x);
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return [m, Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length)];
    };
    const gm = toTypedArray(augment(key(9), b, { ...OFF, gamma: { p: 1, range: [1.4, 1.4] } }).image);
    const [m0, s0] = stats(src);
    const [m1, s1] = stats(gm);
    expect(m1).toBeCloseTo(m0, 4);
    expect(s1).toBeCloseTo(s0, 4);
  });
});

describe('a larger source patch, centre kept (nnU-Net)', () => {
  it('with every step off, outShape is the centre crop, origins moved to it', () => {
    const b = {
      ...batch([2, 1, 5, 8, 7]),
      origins: [
        [0, 0, 0],
        [3, 4, 5],
      ] as const,
    };
    const a = augment(key(1), b, { ...OFF, outShape: [3, 4, 3] });
    expect(a.image.shape).toEqual([2, 1, 3, 4, 3]);
    expect(a.label.shape).toEqual([2, 1, 3, 4, 3]);
    const src = toTypedArray(b.image);
    const got = toTypedArray(a.image);
    const lab = toTypedArray(b.label);
    const glab = toTypedArray(a.label);
    // offsets floor((5-3)/2) = 1, floor((8-4)/2) = 2, floor((7-3)/2) = 2
    for (let s = 0; s < 2; s++)
      for (let d = 0; d < 3; d++)
        for (let h = 0; h < 4; h++)
          for (let w = 0; w < 3; w++) {
            const i = ((s * 3 + d) * 4 + h) * 3 + w;
            const j = ((s * 5 + d + 1) * 8 + h + 2) * 7 + w + 2;
            expect(got[i]).toBe(src[j]);
            expect(glab[i]).toBe(lab[j]);
          }
    expect(a.origins).toEqual([
      [1, 2, 2],
      [4, 6, 7],
    ]);
  });

  it('a 90-degree in-plane rotation about the kept centre, by hand', () => {
    // input 5x5 holding 5h + w; output 3x3 centred at input (2, 2): out[h][w] = in[3 - w][1 + h]
    const img = array(
      Float32Array.from({ length: 25 }, (_, i) => i),
      [1, 1, 1, 5, 5],
    );
    const lab = astype(
      array(
        Int32Array.from({ length: 25 }, (_, i) => i),
        [1, 1, 1, 5, 5],
      ),
      'uint8',
    );
    const b: Batch = { image: img, label: lab, roi: [true], origins: [[0, 0, 0]], caseIds: ['a'] };
    const a = augment(key(2), b, { ...OFF, rotation: { p: 1, range: [Math.PI / 2, Math.PI / 2] }, outShape: [1, 3, 3] });
    const want = [0, 1, 2].flatMap((h) => [0, 1, 2].map((w) => 5 * (3 - w) + 1 + h));
    Array.from(toTypedArray(a.image)).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(Array.from(toTypedArray(a.label))).toEqual(want);
  });

  it('augmentSourceShape: hand-computed sizes', () => {
    // 2D 32x32, +-15 degrees, zoom down to 0.85: half-extent 15.5 (cos 15 + sin 15) / 0.85 = 22.3 -> 2 * 23 + 2
    expect(augmentSourceShape([1, 32, 32])).toEqual([1, 48, 48]);
    expect(augmentSourceShape([1, 33, 33])).toEqual([1, 51, 51]);
    // no rotation: 15.5 / 0.85 = 18.2 -> 2 * 19 + 2 = 40; nothing spatial: unchanged
    expect(augmentSourceShape([1, 32, 32], { rotation: false })).toEqual([1, 40, 40]);
    expect(augmentSourceShape([4, 6, 8], { rotation: false, scaling: false })).toEqual([4, 6, 8]);
    expect(() => augmentSourceShape([0, 4, 4])).toThrow(/three positive integers/);
    expect(() => augment(key(1), batch([1, 1, 2, 4, 4]), { outShape: [2, 5, 4] })).toThrow(/within the input/);
  });

  test.prop([fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 3, max: 12 }), fc.integer({ min: 3, max: 12 })], { numRuns: 25 })(
    'no output voxel reads outside a source of augmentSourceShape (all-ones stay ones), unlike a source of the output size',
    (flat, seed, h, w) => {
      const out: [number, number, number] = [flat ? 1 : 4, h, w];
      const opts: AugmentOptions = { ...OFF, rotation: { p: 1 }, scaling: { p: 1 }, mirror: { p: 0.5 } };
      const src = augmentSourceShape(out, opts);
      const ones: Batch = {
        image: full([1, 1, ...src], 1, 'float32'),
        label: full([1, 1, ...src], 1, 'uint8'),
        roi: [true],
        origins: [[0, 0, 0]],
        caseIds: ['a'],
      };
      const a = augment(key(seed), ones, { ...opts, outShape: out });
      for (const v of toTypedArray(a.image)) expect(v).toBeCloseTo(1, 5);
      for (const v of toTypedArray(a.label)) expect(v).toBe(1);
    },
  );

  it("the README's flow: sampleBatch with the border, augment back to the patch size", () => {
    const out = [1, 32, 32] as const;
    const src = augmentSourceShape(out);
    const border = src.map((v, a) => (v - out[a]!) / 2);
    const img = uniform(key(4), [1, 1, 64, 64]);
    const lab = astype(randint(key(5), [1, 1, 64, 64], 0, 2), 'uint8') as NDArray;
    const cases = [{ id: 'a', image: img, label: lab, spacing: [1, 1, 1] as const }];
    const wide = sampleBatch(key(6), cases, { patchSize: out, batchSize: 4, border });
    expect(wide.image.shape).toEqual([4, 1, ...src]);
    const b = augment(key(7), wide, { outShape: out });
    expect(b.image.shape).toEqual([4, 1, 1, 32, 32]);
    expect(b.label.shape).toEqual([4, 1, 1, 32, 32]);
  });

  it('a source of the output size leaves zero-filled corners under the extreme rotation (the case the larger source removes)', () => {
    const out: [number, number, number] = [1, 16, 16];
    const opts: AugmentOptions = { ...OFF, rotation: { p: 1, range: [0.26, 0.26] }, scaling: { p: 1, range: [0.85, 0.85] } };
    const same = augment(
      key(3),
      { image: full([1, 1, ...out], 1, 'float32'), label: full([1, 1, ...out], 1, 'uint8'), roi: [true], origins: [[0, 0, 0]], caseIds: ['a'] },
      opts,
    );
    expect(Array.from(toTypedArray(same.label)).filter((v) => v === 0).length).toBeGreaterThan(0);
  });
});

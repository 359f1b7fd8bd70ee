import { describe, expect, it } from 'vitest';
import type { NDArray } from '@colab-ts/ndarray';
import { arrayEqual, astype, contiguous, flip, key, randint, toTypedArray, uniform } from '@colab-ts/ndarray';
import type { AugmentOptions, Batch } from '@colab-ts/data';
import { augment } from '@colab-ts/data';

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

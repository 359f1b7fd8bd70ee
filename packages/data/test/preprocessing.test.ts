import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { array, arrayEqual, astype, key, randint, reshape, toNested, toTypedArray, uniform, zeros } from '@colab-ts/ndarray';
import {
  cropBox,
  cropToNonZero,
  ctStatistics,
  nonZeroBox,
  normalizeCT,
  pasteBox,
  percentile,
  resample,
  resampleLabels,
  resampleLabelsToShape,
  resampleToShape,
  resampledShape,
  zScore,
} from '@colab-ts/data';

/** Extents `[e0, e1, ...]`, each an integer in `[1, max_i]`. */
const extents = (...max: number[]): fc.Arbitrary<number[]> => fc.tuple(...max.map((m) => fc.integer({ min: 1, max: m })));

describe('examples: resampling', () => {
  it('resampledShape rounds shape * from / to', () => {
    expect(resampledShape([10, 64, 64], [5, 1, 1], [2.5, 2, 2])).toEqual([20, 32, 32]);
    expect(resampledShape([1, 3, 3], [1, 1, 1], [1, 10, 10])).toEqual([1, 1, 1]);
  });

  it('trilinear upsampling of a ramp by 2 (voxel centres aligned, clamped at the ends)', () => {
    const x = reshape(array([0, 4, 8]), [1, 1, 3]);
    // out centres map to in coords (o + 0.5) * 1.5 / 3 ... : -0.25->0, 0.25, 0.75, 1.25, 1.75, 2.25->2
    expect(toNested(resampleToShape(x, [1, 1, 6]))).toEqual([[[0, 1, 3, 5, 7, 8]]]);
  });

  it('labels: one-hot linear then argmax; ties go to the smaller label', () => {
    const y = reshape(array([0, 2, 2, 5], undefined, 'uint8'), [1, 1, 4]);
    expect(toNested(resampleLabelsToShape(y, [1, 1, 2]))).toEqual([[[0, 2]]]);
    expect(toNested(resampleLabelsToShape(y, [1, 1, 8]))).toEqual([[[0, 0, 2, 2, 2, 2, 5, 5]]]);
    expect(resampleLabelsToShape(y, [1, 1, 8]).dtype).toBe('uint8');
  });

  it('rejects float label maps', () => {
    expect(() => resampleLabelsToShape(zeros([1, 2, 2]), [1, 1, 1])).toThrow(/integer label map/);
  });
});

describe('properties: resampling', () => {
  it('target spacing equal to the source is the identity (images and labels, any rank >= 3)', () => {
    fc.assert(
      fc.property(extents(3, 6, 7, 7), fc.nat(), (shape, seed) => {
        const sp = [2.5, 0.7, 0.7] as const;
        const img = uniform(key(seed), shape, { low: -1000, high: 1000 });
        expect(arrayEqual(resample(img, { from: sp, to: sp }), img)).toBe(true);
        const lab = astype(randint(key(seed + 1), shape, 0, 4), 'uint8');
        expect(arrayEqual(resampleLabels(lab, { from: sp, to: sp }), lab)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('label resampling agrees with the one-hot reference: trilinear per class, then argmax', () => {
    fc.assert(
      fc.property(extents(4, 6, 6), extents(7, 7, 7), fc.nat(), (shape, out, seed) => {
        const lab = astype(randint(key(seed), [1, ...shape], 0, 4), 'uint8');
        const src = toTypedArray(lab);
        const planes = [0, 1, 2, 3].map((c) =>
          toTypedArray(
            resampleToShape(
              reshape(
                array(
                  Array.from(src, (v) => (v === c ? 1 : 0)),
                  undefined,
                  'float64',
                ),
                [1, ...shape],
              ),
              out,
            ),
          ),
        );
        const got = toTypedArray(resampleLabelsToShape(lab, out));
        got.forEach((g, i) => {
          const w = planes.map((p) => p[i]!);
          const best = Math.max(...w);
          // Equal to the reference argmax, up to ties that rounding may break either way.
          expect(w[g]!).toBeGreaterThan(best - 1e-9);
        });
      }),
      { numRuns: 30 },
    );
  });

  it('resampled labels only take values present in the input; images stay within the input range', () => {
    fc.assert(
      fc.property(extents(5, 6, 6), extents(8, 8, 8), fc.nat(), (shape, out, seed) => {
        const lab = astype(randint(key(seed), shape, 0, 5), 'int32');
        const present = new Set(toTypedArray(lab));
        for (const v of toTypedArray(resampleLabelsToShape(lab, out))) expect(present.has(v)).toBe(true);
        const img = uniform(key(seed + 7), shape);
        const lo = Math.min(...toTypedArray(img));
        const hi = Math.max(...toTypedArray(img));
        for (const v of toTypedArray(resampleToShape(img, out))) {
          expect(v).toBeGreaterThanOrEqual(lo - 1e-6);
          expect(v).toBeLessThanOrEqual(hi + 1e-6);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('examples: normalisation', () => {
  it('percentile matches NumPy (linear)', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 0, 5], 0)).toBe(0);
    expect(percentile([10, 0, 5], 100)).toBe(10);
    expect(percentile([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99.5)).toBeCloseTo(9.95, 12);
  });

  it('CT: foreground stats pooled over cases, clip then z-score', () => {
    const image = reshape(array([-1000, 0, 10, 20, 30, 3000]), [1, 1, 2, 3]);
    const mask = reshape(array([0, 1, 1, 1, 1, 0], undefined, 'uint8'), [1, 1, 2, 3]);
    const s = ctStatistics([{ image, mask }]);
    expect(s.mean).toBe(15);
    expect(s.std).toBeCloseTo(Math.sqrt(125), 12);
    expect(s.lower).toBeCloseTo(0.15, 12);
    expect(s.upper).toBeCloseTo(29.85, 12);
    const out = toTypedArray(normalizeCT(image, s));
    expect(out[0]).toBeCloseTo((0.15 - 15) / Math.sqrt(125), 5);
    expect(out[5]).toBeCloseTo((29.85 - 15) / Math.sqrt(125), 5);
    expect(out[2]).toBeCloseTo((10 - 15) / Math.sqrt(125), 5);
  });

  it('MR: per-image, per-channel z-score (optionally within a mask)', () => {
    const image = reshape(array([1, 2, 3, 4, 10, 10, 10, 10]), [2, 1, 2, 2]);
    const z = toTypedArray(zScore(image));
    const sd = Math.sqrt(1.25);
    expect(Array.from(z.subarray(0, 4)).map((v) => +v.toFixed(5))).toEqual([-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd].map((v) => +v.toFixed(5)));
    expect(Array.from(z.subarray(4))).toEqual([0, 0, 0, 0]);
    const masked = toTypedArray(zScore(image, { mask: reshape(array([1, 1, 0, 0], undefined, 'uint8'), [1, 1, 2, 2]) }));
    expect(masked[0]).toBeCloseTo(-1, 5);
    expect(masked[1]).toBeCloseTo(1, 5);
  });
});

describe('cropping', () => {
  it('nonZeroBox over all channels; crop and paste back round-trips', () => {
    const x = zeros([2, 4, 5, 6]);
    const d = new Float32Array(toTypedArray(x));
    d[1 * 120 + 1 * 30 + 2 * 6 + 3] = 5; // channel 1, (1, 2, 3)
    d[0 * 120 + 2 * 30 + 3 * 6 + 1] = -2; // channel 0, (2, 3, 1)
    const img = reshape(array(d), [2, 4, 5, 6]);
    const box = nonZeroBox(img);
    expect(box).toEqual({ start: [1, 2, 1], stop: [3, 4, 4] });
    const { image: cropped, shape } = cropToNonZero(img);
    expect(cropped.shape).toEqual([2, 2, 2, 3]);
    expect(arrayEqual(pasteBox(cropped, box, shape), img)).toBe(true);
    expect(cropBox(reshape(array(d.subarray(0, 120)), [1, 4, 5, 6]), box).shape).toEqual([1, 2, 2, 3]);
  });

  it('an all-zero image keeps its full box', () => {
    expect(nonZeroBox(zeros([1, 2, 3, 4]))).toEqual({ start: [0, 0, 0], stop: [2, 3, 4] });
  });
});

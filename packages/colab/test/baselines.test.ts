import { realize, tensor } from '@colab-ts/autodiff';
import { array, get, key, normal, zeros } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import {
  aggregateLabels,
  anatomyContextLabels,
  constantContextLabels,
  dilatedMaskContextLabels,
  distanceConstrainedLabels,
  distanceMap,
  kmeans,
  kmeansContextLabels,
  largestComponentPostprocess,
} from '../src/index.js';
import { roiMask, roiOneHot, softDilatedMask } from '../src/index.js';
import { expectAllClose, values } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

describe('k-means (Section V-B1)', () => {
  it('finds well separated clusters, sorted by intensity, the same for every seed', () => {
    const pts = new Float64Array([10.1, 0.2, 5, 9.9, -0.1, 5.2, 0, 10, 4.8]);
    for (const seed of [0, 1, 2, 3]) {
      const r = kmeans(pts, 1, { k: 3, seed });
      expectAllClose(r.centroids.flat(), [1 / 30, 5, 10], { atol: 1e-12 });
      expect(Array.from(r.assignments)).toEqual([2, 0, 1, 2, 0, 1, 0, 2, 1]);
    }
  });

  it('context labels: one-hot over t inside the body mask, the far-background sub-class outside', () => {
    // One case, 6 voxels: intensities low/high inside the body, and two voxels outside.
    const image = array([0, 0.1, 9, 9.2, 5, 5], [1, 1, 1, 1, 6]);
    const body = array([1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 6], 'uint8');
    const { q, centroids } = kmeansContextLabels(image, body, { t: 2, seed: 7 });
    expect(q.shape).toEqual([1, 2, 1, 1, 6]);
    expect(values(q)).toEqual([1, 1, 0, 0, 1, 1, /* second sub-class */ 0, 0, 1, 1, 0, 0]);
    expectAllClose(centroids.flat(), [0.05, 9.1], { atol: 1e-6 });
  });

  it('labels: the sub-class of each voxel as an integer map; maxPoints fits on every s-th inside voxel; centroids apply a fit', () => {
    const image = array([0, 0.1, 9, 9.2, 5, 5], [1, 1, 1, 1, 6]);
    const body = array([1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 6], 'uint8');
    expect(values(kmeansContextLabels(image, body, { t: 2 }).labels)).toEqual([0, 0, 1, 1, 0, 0]);
    // Every 2nd inside voxel (0 and 9): centroids 0 and 9, and still every voxel assigned.
    const sub = kmeansContextLabels(image, body, { t: 2, maxPoints: 2 });
    expectAllClose(sub.centroids.flat(), [0, 9], { atol: 0 });
    expect(values(sub.labels)).toEqual([0, 0, 1, 1, 0, 0]);
    // A given clustering: 5 is nearer 9 than 0 here, and ties go to the lower sub-class.
    const fixed = kmeansContextLabels(array([5, 4.5, 0, 9], [1, 1, 4]), undefined, { centroids: [[0], [9]] });
    expect(values(fixed.labels)).toEqual([1, 0, 0, 1]);
    expect(values(fixed.q)).toEqual([0, 1, 1, 0, /* 2 */ 1, 0, 0, 1]);
    expect(() => kmeansContextLabels(image, body, { t: 3, centroids: [[0], [9]] })).toThrow(/t = 3 but 2 centroids/);
  });

  test.prop([fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 4 })], { numRuns: 20 })(
    'the labels are one-hot, reproducible from the seed',
    (seed, t) => {
      const image = normal(key(seed), [2, 1, 1, 4, 4]);
      const a = kmeansContextLabels(image, undefined, { t, seed });
      const b = kmeansContextLabels(image, undefined, { t, seed });
      expect(values(a.q)).toEqual(values(b.q));
      for (let i = 0; i < 2; i++)
        for (let v = 0; v < 16; v++) {
          let s = 0;
          for (let j = 0; j < t; j++) s += get(a.q, [i, j, 0, Math.floor(v / 4), v % 4]);
          expect(s).toBe(1);
        }
    },
  );
});

describe('dilated-mask and anatomy context labels (Section V-B2, III-D)', () => {
  it('[1 - M, M] from the soft dilated mask', () => {
    const y = roiOneHot(array([0, 1, 0, 0, 0], [1, 1, 1, 5], 'int32'), 2);
    const M = softDilatedMask(distanceMap(roiMask(y)), { margin: 1.5, temperature: 1 });
    const q = dilatedMaskContextLabels(M);
    expect(q.shape).toEqual([1, 2, 1, 1, 5]);
    expectAllClose(q, [0, 0, 0, 1 - Math.exp(-0.5), 1 - Math.exp(-1.5), 1, 1, 1, Math.exp(-0.5), Math.exp(-1.5)], { atol: 1e-12 });
  });

  it('constant shares: q = shares at every voxel; constrained (Eq. 9), M * shares near the ROI and the rest on sub-class 0', async () => {
    const y = roiOneHot(array([0, 1, 0, 0, 0], [1, 1, 1, 5], 'int32'), 2);
    const M = softDilatedMask(distanceMap(roiMask(y)), { margin: 1.5, temperature: 1 });
    const q = constantContextLabels(M, [0.75, 0.25]);
    expect(q.shape).toEqual([1, 2, 1, 1, 5]);
    expect(values(q)).toEqual([0.75, 0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25, 0.25]);
    const [m3, m4] = [Math.exp(-0.5), Math.exp(-1.5)];
    const target = await realize(distanceConstrainedLabels(aggregateLabels(tensor(y), tensor(q)), tensor(M)));
    // by hand: ROI channel, then sub-class 0 (M * 0.75 + 1 - M on the background), then sub-class 1 (M * 0.25)
    expectAllClose(target, [0, 1, 0, 0, 0, 0.75, 0, 0.75, 0.75 * m3 + 1 - m3, 0.75 * m4 + 1 - m4, 0.25, 0, 0.25, 0.25 * m3, 0.25 * m4], { atol: 1e-6 });
  });

  test.prop([fc.integer({ min: 1, max: 3 }), fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 2, maxLength: 5 })])(
    'constant shares: every voxel of every case holds the shares, and the sub-classes sum to 1',
    (n, raw) => {
      const sum = raw.reduce((a, b) => a + b, 0);
      const shares = raw.map((r) => r / sum);
      const M = array(new Float64Array(n * 6).fill(0.5), [n, 1, 1, 2, 3], 'float64');
      const q = constantContextLabels(M, shares);
      expect(q.shape).toEqual([n, shares.length, 1, 2, 3]);
      expect(q.dtype).toBe('float64');
      for (let i = 0; i < n; i++)
        for (let v = 0; v < 6; v++) {
          let total = 0;
          shares.forEach((s, j) => {
            const x = get(q, [i, j, 0, Math.floor(v / 3), v % 3]);
            expect(x).toBe(s);
            total += x;
          });
          expect(total).toBeCloseTo(1, 12);
        }
    },
  );

  it('constant shares: refuses shares that are not t >= 2 numbers in [0, 1] summing to 1, and an M not [N, 1, ...]', () => {
    const M = zeros([1, 1, 1, 1, 3]);
    expect(constantContextLabels(M, [0.5, 0.5]).dtype).toBe('float32');
    expect(() => constantContextLabels(M, [1])).toThrow(/t >= 2/);
    expect(() => constantContextLabels(M, [0.5, 0.6])).toThrow(/sum to 1, got 1.1/);
    expect(() => constantContextLabels(M, [1.5, -0.5])).toThrow(/in \[0, 1\], got 1.5/);
    expect(() => constantContextLabels(M, [Number.NaN, 1])).toThrow(/in \[0, 1\], got NaN/);
    expect(() => constantContextLabels(zeros([1, 2, 1, 1, 3]), [0.5, 0.5])).toThrow(/\[N, 1, \.\.\.spatial\]/);
  });

  it('anatomy masks: the rest of the background first, then one sub-class per structure', () => {
    const masks = array([1, 0, 0, 1, /* structure 2 */ 1, 1, 0, 0], [1, 2, 1, 1, 4], 'uint8');
    expect(values(anatomyContextLabels(masks))).toEqual([0, 0, 1, 0, /* 1 */ 1, 0, 0, 1, /* 2 */ 0, 1, 0, 0]);
  });
});

describe('anatomy context labels from one integer map', () => {
  it('{ t }: the one-hot of the map, t channels; a value outside [0, t) is an error', () => {
    const map = array([0, 2, 1, 0, /* case 2 */ 1, 1, 2, 0], [2, 1, 1, 1, 4], 'uint8');
    expect(values(anatomyContextLabels(map, { t: 3 }))).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, /* case 2 */ 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0]);
    expect(() => anatomyContextLabels(map, { t: 2 })).toThrow(/value 2 is not an integer in \[0, 2\)/);
    expect(() => anatomyContextLabels(array([0, 1], [1, 2, 1, 1, 1], 'uint8'), { t: 2 })).toThrow(/one integer map/);
  });

  it('{ t, keep }: the kept values get sub-classes 1.. in the order given, every other value sub-class 0', () => {
    // values 0..5 on one row; keep [4, 1]: value 4 -> sub-class 1, value 1 -> sub-class 2, the rest -> 0
    const map = array([0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 6], 'uint8');
    const q = anatomyContextLabels(map, { t: 3, keep: [4, 1] });
    expect(q.shape).toEqual([1, 3, 1, 1, 6]);
    expect(values(q)).toEqual([1, 0, 1, 1, 0, 1, /* sub-class 1: value 4 */ 0, 0, 0, 0, 1, 0, /* sub-class 2: value 1 */ 0, 1, 0, 0, 0, 0]);
    // the paper's liver-only labels from a map of many organs
    expect(values(anatomyContextLabels(map, { t: 2, keep: [1] }))).toEqual([1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0]);
    expect(() => anatomyContextLabels(map, { t: 3, keep: [1] })).toThrow(/t must be 2, got 3/);
    expect(() => anatomyContextLabels(map, { t: 3, keep: [1, 1] })).toThrow(/value 1 twice/);
    expect(() => anatomyContextLabels(map, { t: 2, keep: [-1] })).toThrow(/non-negative integers/);
    expect(() => anatomyContextLabels(array([0, 1], [1, 2, 1, 1, 1], 'uint8'), { keep: [1] })).toThrow(/keep needs t/);
  });

  test.prop([
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 40 }),
    fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }),
  ])('{ t, keep }: one-hot, and the merged sub-class 0 is the sum of the unmerged one-hot over the values not kept', (vals, keep) => {
    const map = array(Uint8Array.from(vals), [1, 1, 1, 1, vals.length], 'uint8');
    const q = values(anatomyContextLabels(map, { t: keep.length + 1, keep }));
    const full = values(anatomyContextLabels(map, { t: 7 }));
    const n = vals.length;
    for (let v = 0; v < n; v++) {
      let s = 0;
      for (let j = 0; j <= keep.length; j++) s += q[j * n + v]!;
      expect(s).toBe(1);
      for (let j = 0; j < keep.length; j++) expect(q[(j + 1) * n + v]).toBe(full[keep[j]! * n + v]);
      let rest = 0;
      for (let c = 0; c < 7; c++) if (!keep.includes(c)) rest += full[c * n + v]!;
      expect(q[v]).toBe(rest);
    }
  });
});

describe('largest-component post-processing (Section V-B4)', () => {
  it('keeps the largest component of all ROI classes together, with its classes', () => {
    const labels = array([1, 2, 0, 0, 1, 0, /* case 2 */ 0, 0, 1, 0, 1, 1], [2, 1, 1, 1, 6], 'int32');
    const out = largestComponentPostprocess(labels);
    expect(out.shape).toEqual(labels.shape);
    expect(out.dtype).toBe('int32');
    expect(values(out)).toEqual([1, 2, 0, 0, 0, 0, /* case 2 */ 0, 0, 0, 0, 1, 1]);
    expect(values(largestComponentPostprocess(zeros([2, 2, 2], 'int32')))).toEqual(new Array(8).fill(0));
  });
});

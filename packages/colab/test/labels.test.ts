import { realize, tensor } from '@colab-ts/autodiff';
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, array, get } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import {
  aggregateLabels,
  contextProbabilities,
  distanceConstrainedLabels,
  distanceMap,
  farBackgroundLabel,
  roiMask,
  roiOneHot,
  softDilatedMask,
} from '../src/index.js';
import { expectAllClose, values } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

/** Realizes a tensor program with numbers in. */
const run = async (t: ReturnType<typeof aggregateLabels>): Promise<NDArray> => realize(t);

describe('examples', () => {
  it('Eq. 4: softmax over the t generator channels', async () => {
    const o = array([0, 1, Math.log(3), 1], [1, 2, 1, 1, 2], 'float64'); // voxel 0: logits (0, ln 3); voxel 1: (1, 1)
    const q = await realize(contextProbabilities(tensor(o)));
    expectAllClose(q, [0.25, 0.5, 0.75, 0.5], { atol: 1e-12 });
  });

  it('Eq. 5: binary ROI, t = 2', async () => {
    // Three voxels: ROI, background, background. y = [ROI, bg]; q over t = 2.
    const y = array([1, 0, 0, /* bg */ 0, 1, 1], [1, 2, 1, 1, 3], 'float64');
    const q = array([0.3, 0.6, 0.1, /* second sub-class */ 0.7, 0.4, 0.9], [1, 2, 1, 1, 3], 'float64');
    const yt = await run(aggregateLabels(tensor(y), tensor(q)));
    expect(yt.shape).toEqual([1, 3, 1, 1, 3]);
    // j = 1: y_i1; j > 1 where y_i1 = 0: q_ij; else 0.
    expectAllClose(yt, [1, 0, 0, /* j=2 */ 0, 0.6, 0.1, /* j=3 */ 0, 0.4, 0.9], { atol: 0 });
  });

  it('Eq. 6: c = 3 (two ROI classes), t = 3', async () => {
    // Voxels: class 1, class 2, background.
    const y = array([1, 0, 0, /* class 2 */ 0, 1, 0, /* bg */ 0, 0, 1], [1, 3, 1, 1, 3], 'float64');
    const q = array([0.2, 0.2, 0.5, 0.3, 0.3, 0.25, 0.5, 0.5, 0.25], [1, 3, 1, 1, 3], 'float64');
    const yt = await run(aggregateLabels(tensor(y), tensor(q)));
    expect(yt.shape).toEqual([1, 5, 1, 1, 3]);
    expectAllClose(yt, [1, 0, 0, 0, 1, 0, /* sub-classes */ 0, 0, 0.5, 0, 0, 0.25, 0, 0, 0.25], { atol: 0 });
  });

  it('Eq. 7, 9: b on the first background sub-class; y^ = M y~ + (1 - M) b', async () => {
    expect(values(farBackgroundLabel(3, 3))).toEqual([0, 1, 0]);
    expect(values(farBackgroundLabel(5, 1, { roiClasses: 2 }))).toEqual([0, 0, 1, 0, 0]);
    // Binary ROI, t = 2, voxels: ROI (M = 1), near bg (M = 1), mid bg (M = 0.5), far bg (M = 0).
    const yt = array([1, 0, 0, 0, /* j=2 */ 0, 0.2, 0.2, 0.2, /* j=3 */ 0, 0.8, 0.8, 0.8], [1, 3, 1, 1, 4], 'float64');
    const M = array([1, 1, 0.5, 0], [1, 1, 1, 1, 4], 'float64');
    const yh = await run(distanceConstrainedLabels(tensor(yt), tensor(M)));
    expectAllClose(yh, [1, 0, 0, 0, /* j=2 */ 0, 0.2, 0.6, 1, /* j=3 */ 0, 0.8, 0.4, 0], { atol: 1e-15 });
  });

  it('roiOneHot puts ROI classes first and background last', () => {
    const oh = roiOneHot(array([0, 1, 2], [1, 1, 1, 3], 'int32'), 3);
    expect(values(oh)).toEqual([0, 1, 0, /* class 2 */ 0, 0, 1, /* bg */ 1, 0, 0]);
    expect(() => roiOneHot(array([3], [1, 1, 1, 1], 'int32'), 3)).toThrow(/label 3/);
  });

  it('checks shapes as the graph is built', () => {
    const y = tensor(array([1, 0], [1, 2, 1, 1, 1]));
    expect(() => aggregateLabels(y, tensor(array([1, 0, 0, 1], [1, 2, 1, 1, 2])))).toThrow(ShapeError);
    expect(() => aggregateLabels(tensor(array([1], [1, 1, 1, 1, 1])), tensor(array([1], [1, 1, 1, 1, 1])))).toThrow(/at least 2 channels/);
  });
});

/** A random case: c classes, t sub-classes, n voxels, a one-hot (or soft) y and generator logits. */
const arbCase = (soft: boolean) =>
  fc
    .record({ c: fc.integer({ min: 2, max: 4 }), t: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }), seed: fc.integer({ min: 0, max: 1e6 }) })
    .chain(({ c, t, n }) =>
      fc.record({
        c: fc.constant(c),
        t: fc.constant(t),
        n: fc.constant(n),
        y: soft
          ? fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: c, maxLength: c }), { minLength: n, maxLength: n })
          : fc
              .array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n })
              .map((ls) => ls.map((l) => Array.from({ length: c }, (_, j) => (j === l ? 1 : 0)))),
        o: fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: n * t, maxLength: n * t }),
        M: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
      }),
    );

/** [1, ch, 1, 1, n] from per-voxel rows. */
const channelsFirst = (rows: number[][], ch: number): NDArray => {
  const n = rows.length;
  const out: number[] = new Array<number>(ch * n);
  rows.forEach((r, v) => {
    const s = r.reduce((a, b) => a + b, 0) || 1;
    r.forEach((x, j) => (out[j * n + v] = x / s));
  });
  return array(out, [1, ch, 1, 1, n], 'float64');
};

describe('properties', () => {
  test.prop([arbCase(true)], { numRuns: 30 })(
    'the extended label sums to 1; its ROI channels equal y; its sub-classes sum to the background label',
    async (k) => {
      const y = channelsFirst(k.y, k.c);
      const yt = await run(aggregateLabels(tensor(y), contextProbabilities(tensor(array(k.o, [1, k.t, 1, 1, k.n], 'float64')))));
      for (let v = 0; v < k.n; v++) {
        let total = 0;
        let bg = 0;
        for (let j = 0; j < k.c - 1 + k.t; j++) {
          const x = get(yt, [0, j, 0, 0, v]);
          total += x;
          if (j < k.c - 1) expect(x).toBe(get(y, [0, j, 0, 0, v]));
          else bg += x;
        }
        expect(Math.abs(total - 1)).toBeLessThan(1e-12);
        expect(Math.abs(bg - get(y, [0, k.c - 1, 0, 0, v]))).toBeLessThan(1e-12);
      }
    },
  );

  test.prop([arbCase(false)], { numRuns: 30 })(
    'the extended label is zero on the background channels inside the ROI, and equals q outside (one-hot y)',
    async (k) => {
      const y = channelsFirst(k.y, k.c);
      const q = await realize(contextProbabilities(tensor(array(k.o, [1, k.t, 1, 1, k.n], 'float64'))));
      const yt = await run(aggregateLabels(tensor(y), tensor(q)));
      for (let v = 0; v < k.n; v++) {
        const inRoi = get(y, [0, k.c - 1, 0, 0, v]) === 0;
        for (let s = 0; s < k.t; s++) expect(get(yt, [0, k.c - 1 + s, 0, 0, v])).toBe(inRoi ? 0 : get(q, [0, s, 0, 0, v]));
      }
    },
  );

  test.prop([arbCase(true)], { numRuns: 30 })('the constrained label equals b where M = 0, y~ where M = 1, and sums to 1', async (k) => {
    const y = channelsFirst(k.y, k.c);
    const yt = aggregateLabels(tensor(y), contextProbabilities(tensor(array(k.o, [1, k.t, 1, 1, k.n], 'float64'))));
    const Ms = k.M.map((m, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : m));
    const { a, h } = await realize({ a: yt, h: distanceConstrainedLabels(yt, tensor(array(Ms, [1, 1, 1, 1, k.n], 'float64')), { roiClasses: k.c - 1 }) });
    for (let v = 0; v < k.n; v++) {
      let total = 0;
      for (let j = 0; j < k.c - 1 + k.t; j++) {
        const x = get(h, [0, j, 0, 0, v]);
        total += x;
        if (Ms[v] === 0) expect(x).toBe(j === k.c - 1 ? 1 : 0);
        if (Ms[v] === 1) expect(Math.abs(x - get(a, [0, j, 0, 0, v]))).toBeLessThan(1e-15);
      }
      expect(Math.abs(total - 1)).toBeLessThan(1e-12);
    }
  });
});

describe('properties through the distance map', () => {
  test.prop(
    [
      fc.record({ h: fc.integer({ min: 2, max: 7 }), w: fc.integer({ min: 2, max: 7 }), seed: fc.integer({ min: 0, max: 1e6 }) }),
      fc.double({ min: 0, max: 4, noNaN: true }),
      fc.double({ min: 0.2, max: 3, noNaN: true }),
    ],
    { numRuns: 25 },
  )('the constrained label equals y~ within the margin and approaches b with distance: |y^ - b| <= M', async ({ h, w, seed }, margin, temperature) => {
    const n = h * w;
    const rnd = (i: number): number => (((Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453) % 1) + 1) % 1;
    const labels = Array.from({ length: n }, (_, i) => (rnd(i) < 0.15 ? 1 : 0));
    const y = roiOneHot(array(labels, [1, 1, 1, h, w], 'int32'), 2, 'float64');
    const d = distanceMap(roiMask(y));
    const M = softDilatedMask(d, { margin, temperature });
    const o = tensor(
      array(
        Array.from({ length: 2 * n }, (_, i) => 4 * rnd(n + i) - 2),
        [1, 2, 1, h, w],
        'float64',
      ),
    );
    const yt = aggregateLabels(tensor(y), contextProbabilities(o));
    const { a, c } = await realize({ a: yt, c: distanceConstrainedLabels(yt, tensor(M)) });
    for (let v = 0; v < n; v++) {
      const dv = d.data[v]!;
      const mv = M.data[v]!;
      for (let j = 0; j < 3; j++) {
        const at = [0, j, 0, Math.floor(v / w), v % w];
        const b = j === 1 ? 1 : 0;
        if (dv < margin) expect(get(c, at)).toBe(get(a, at));
        expect(Math.abs(get(c, at) - b)).toBeLessThanOrEqual(mv + 1e-15);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { arrayEqual, key, toTypedArray } from '@colab-ts/ndarray';
import { PHANTOM_CONTEXT_LABELS as CTX, phantom } from '@colab-ts/data';

describe('examples', () => {
  it('is deterministic per key; another key gives another cohort', () => {
    const a = phantom(key(3), { cases: 2, size: [4, 24, 24] });
    const b = phantom(key(3), { cases: 2, size: [4, 24, 24] });
    const c = phantom(key(4), { cases: 2, size: [4, 24, 24] });
    a.cases.forEach((x, i) => {
      const y = b.cases[i]!;
      expect(arrayEqual(x.image, y.image) && arrayEqual(x.label, y.label) && arrayEqual(x.context, y.context)).toBe(true);
    });
    expect(arrayEqual(a.cases[0]!.image, c.cases[0]!.image)).toBe(false);
  });

  it('case i depends only on the key and i: a larger cohort extends a smaller one', () => {
    const small = phantom(key(5), { cases: 2, size: [1, 32, 32] });
    const large = phantom(key(5), { cases: 3, size: [1, 32, 32] });
    expect(arrayEqual(small.cases[1]!.image, large.cases[1]!.image)).toBe(true);
    expect(large.cases.map((c) => c.id)).toEqual(['phantom_000', 'phantom_001', 'phantom_002']);
  });

  it('2D and 3D, any size: layout, dtypes, spacing, at least one tumour voxel per case', () => {
    for (const size of [
      [1, 8, 8],
      [1, 64, 48],
      [6, 20, 28],
      [3, 9, 7],
    ] as const) {
      const cohort = phantom(key(6), { cases: 3, size, spacing: [3, 0.7, 0.7] });
      for (const c of cohort.cases) {
        expect(c.image.shape).toEqual([1, ...size]);
        expect(c.image.dtype).toBe('float32');
        expect(c.label.dtype).toBe('uint8');
        expect(c.context.shape).toEqual([1, ...size]);
        expect(c.spacing).toEqual([3, 0.7, 0.7]);
        expect(toTypedArray(c.label).some((v) => v === 1)).toBe(true);
      }
    }
  });

  it("roi 'liver+tumour': the same images, label 2 = the one-class tumour, label 1 = the rest of the liver context", () => {
    const one = phantom(key(6), { cases: 2, size: [3, 32, 32] });
    const two = phantom(key(6), { cases: 2, size: [3, 32, 32], roi: 'liver+tumour' });
    expect(two.labels).toEqual({ background: 0, liver: 1, tumour: 2 });
    one.cases.forEach((a, i) => {
      const b = two.cases[i]!;
      expect(arrayEqual(a.image, b.image)).toBe(true);
      const la = toTypedArray(a.label);
      const lb = toTypedArray(b.label);
      const ctx = toTypedArray(a.context);
      for (let v = 0; v < la.length; v++) expect(lb[v]).toBe(la[v] === 1 ? 2 : ctx[v] === CTX.liver ? 1 : 0);
      expect(lb.includes(1) && lb.includes(2)).toBe(true);
    });
    expect(() => phantom(key(6), { cases: 1, size: [1, 8, 8], roi: 'kidney' as never })).toThrow(/roi must be/);
  });

  it('rejects bad options with a clear message', () => {
    expect(() => phantom(key(0), { cases: 0, size: [1, 8, 8] })).toThrow(/cases must be a positive integer/);
    expect(() => phantom(key(0), { cases: 1, size: [1, 8] })).toThrow(/size must be three positive integers/);
    expect(() => phantom(key(0), { cases: 1, size: [1, 8, 8], tumours: [0, 1] })).toThrow(/tumours/);
  });
});

describe('the failure mode CoLab addresses', () => {
  const cohort = phantom(key(42), { cases: 3, size: [12, 64, 64] });

  it('tumours lie inside the liver and are hypodense to it; HU values are CT-like', () => {
    for (const c of cohort.cases) {
      const img = toTypedArray(c.image);
      const lab = toTypedArray(c.label);
      const ctx = toTypedArray(c.context);
      let tumour = 0;
      let tumourHU = 0;
      let liverHU = 0;
      let liver = 0;
      for (let i = 0; i < lab.length; i++) {
        if (lab[i] === 1) {
          expect(ctx[i]).toBe(CTX.liver);
          tumour++;
          tumourHU += img[i]!;
        } else if (ctx[i] === CTX.liver) {
          liver++;
          liverHU += img[i]!;
        }
      }
      expect(tumourHU / tumour).toBeLessThan(liverHU / liver - 30);
      expect(Math.min(...img)).toBeLessThan(-900); // air
      expect(Math.max(...img)).toBeGreaterThan(250); // bone
    }
  });

  it('the background holds tumour look-alikes: more voxels outside the liver share the tumour intensity range than the tumours have', () => {
    for (const c of cohort.cases) {
      const img = toTypedArray(c.image);
      const lab = toTypedArray(c.label);
      const ctx = toTypedArray(c.context);
      const tum = Array.from(img.filter((_, i) => lab[i] === 1)).sort((a, b) => a - b);
      const lo = tum[Math.floor(tum.length * 0.25)]!;
      const hi = tum[Math.floor(tum.length * 0.75)]!;
      let alike = 0;
      const hosts = new Set<number>();
      for (let i = 0; i < img.length; i++) {
        if (ctx[i] !== CTX.liver && ctx[i] !== CTX.background && img[i]! >= lo && img[i]! <= hi) {
          alike++;
          hosts.add(ctx[i]!);
        }
      }
      expect(alike).toBeGreaterThan(tum.length);
      // Look-alikes sit in several structures (bowel, muscle, spleen or kidney lesions), not one.
      expect(hosts.size).toBeGreaterThanOrEqual(2);
    }
  });
  it('an intensity-window tumour detector has low precision, and high precision inside the liver (2D and 3D)', () => {
    const cohort2d = phantom(key(42), { cases: 4, size: [1, 96, 96] });
    for (const cases of [cohort.cases, cohort2d.cases]) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let tpLiver = 0;
      let fpLiver = 0;
      for (const c of cases) {
        const img = toTypedArray(c.image);
        const lab = toTypedArray(c.label);
        const ctx = toTypedArray(c.context);
        for (let i = 0; i < img.length; i++) {
          const hit = img[i]! > 30 && img[i]! < 75;
          if (hit && lab[i] === 1) tp++;
          else if (hit) fp++;
          else if (lab[i] === 1) fn++;
          if (hit && ctx[i] === CTX.liver) lab[i] === 1 ? tpLiver++ : fpLiver++;
        }
      }
      // Most of the tumour is found (sensitivity), but look-alikes swamp it (precision) unless the liver is known.
      expect(tp / (tp + fn)).toBeGreaterThan(0.6);
      expect(tp / (tp + fp)).toBeLessThan(0.15);
      expect(tpLiver / (tpLiver + fpLiver)).toBeGreaterThan(0.7);
    }
  });
});

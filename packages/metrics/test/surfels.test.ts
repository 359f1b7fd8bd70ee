import { describe, expect, it } from 'vitest';
import { contourLengths2d, cornerBit, polygons3d, surfelAreas3d } from '../src/internal/surfels.js';
import { arbSpacing } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

const R3 = Math.sqrt(3);
/** Area of a triangle with area vector n (in voxels) under spacing s: |(n0 s1 s2, n1 s0 s2, n2 s0 s1)|. */
const scaled = (n: readonly number[], s: readonly number[]): number => Math.hypot(n[0]! * s[1]! * s[2]!, n[1]! * s[0]! * s[2]!, n[2]! * s[0]! * s[1]!);

/** The code of a set of cube corners (each [c0, c1, c2]). */
const codeOf = (corners: readonly (readonly [number, number, number])[]): number => corners.reduce((c, [a, b, d]) => c | cornerBit(a, b, d), 0);

/** The code after permuting the cube's axes (new axis i is old axis perm[i]) and mirroring those in `flip`. */
function transformCode(code: number, perm: readonly number[], flip: readonly boolean[]): number {
  let out = 0;
  for (let i = 0; i < 8; i++) {
    const c = [(i >> 2) & 1, (i >> 1) & 1, i & 1];
    if (!(code & cornerBit(c[0]!, c[1]!, c[2]!))) continue;
    const n = perm.map((p, k) => (flip[k] ? 1 - c[p]! : c[p]!));
    out |= cornerBit(n[0]!, n[1]!, n[2]!);
  }
  return out;
}

describe('examples', () => {
  it("follows the bit layout of DeepMind's kernel [[[128, 64], [32, 16]], [[8, 4], [2, 1]]]", () => {
    expect(cornerBit(0, 0, 0)).toBe(128);
    expect(cornerBit(0, 1, 0)).toBe(32);
    expect(cornerBit(1, 0, 1)).toBe(4);
    expect(cornerBit(1, 1, 1)).toBe(1);
  });

  it('areas of the basic configurations at unit spacing', () => {
    const t = surfelAreas3d([1, 1, 1]);
    expect(t[0]).toBe(0);
    expect(t[255]).toBe(0);
    expect(t[1]).toBeCloseTo(R3 / 8, 15); // one corner: a triangle through three edge midpoints
    expect(t[3]).toBeCloseTo(Math.SQRT1_2, 15); // an edge: a 1 x sqrt(1/2) rectangle
    expect(t[15]).toBeCloseTo(1, 15); // a face: the unit square halfway
    expect(t[6]).toBeCloseTo(R3 / 4, 15); // a face diagonal: two separate corners
    expect(t[22]).toBeCloseTo((3 * R3) / 8, 15); // three corners, none adjacent
    expect(t[23]).toBeCloseTo((3 * R3) / 4, 15); // a corner and its three neighbours: the regular hexagon, side sqrt(1/2)
    // Three corners of a face: a non-planar pentagon; its greatest-area triangulation, as in DeepMind's table.
    expect(t[7]).toBeCloseTo(0.5 + R3 / 4 + R3 / 8, 15);
  });

  it("anisotropic spacing scales each triangle's area vector (code 7: area vectors (1/2, 0, 0), (1/4)(1, 1, 1), (1/8)(1, 1, 1))", () => {
    const s = [2, 0.7, 1.3];
    const t = surfelAreas3d([2, 0.7, 1.3]);
    expect(t[7]).toBeCloseTo(scaled([0.5, 0, 0], s) + scaled([0.25, 0.25, 0.25], s) + scaled([0.125, 0.125, 0.125], s), 14);
    expect(t[1]).toBeCloseTo(scaled([0.125, 0.125, 0.125], s), 14);
    expect(t[15]).toBeCloseTo(0.7 * 1.3, 14); // a face perpendicular to d
  });

  it('marching cubes loops: every configuration but 0 and 255 has a surface; loops are closed polygons of edge midpoints', () => {
    for (let code = 1; code < 255; code++) {
      const loops = polygons3d(code);
      expect(loops.length).toBeGreaterThan(0);
      for (const loop of loops) {
        expect(loop.length).toBeGreaterThanOrEqual(3);
        for (const v of loop) expect(v.filter((x) => x === 0.5).length).toBe(1);
      }
    }
    expect(
      polygons3d(
        codeOf([
          [0, 0, 0],
          [1, 1, 1],
        ]),
      ).length,
    ).toBe(2); // a body diagonal: two corners cut off
  });

  it('2D contour lengths (marching squares through edge midpoints)', () => {
    const t = contourLengths2d([2, 0.5]);
    const diag = Math.hypot(2, 0.5) / 2;
    [0, diag, diag, 0.5, diag, 2, 2 * diag, diag, diag, 2 * diag, 2, diag, 0.5, diag, diag, 0].forEach((v, i) => expect(t[i]).toBeCloseTo(v, 15));
  });
});

describe('properties', () => {
  const arbTransform = fc.tuple(
    fc.constantFrom([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]),
    fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  );

  test.prop([arbSpacing, arbTransform], { numRuns: 15 })(
    'areas are invariant under the symmetries of the cube (axes permuted with their spacings, mirrored)',
    (s, [perm, flip]) => {
      const t = surfelAreas3d(s);
      const ps: [number, number, number] = [s[perm[0]!]!, s[perm[1]!]!, s[perm[2]!]!];
      const u = surfelAreas3d(ps);
      for (let code = 0; code < 256; code++) expect(u[transformCode(code, perm, flip)]).toBeCloseTo(t[code]!, 12);
    },
  );

  test.prop([arbSpacing], { numRuns: 10 })('a configuration and its complement have the same surface area', (s) => {
    const t = surfelAreas3d(s);
    for (let code = 0; code < 256; code++) expect(t[255 - code]).toBeCloseTo(t[code]!, 12);
  });
});

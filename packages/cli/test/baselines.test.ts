/**
 * The CLI's fixed-label baselines go through @colab-ts/colab's functions; these
 * tests pin them to the hand-written versions the CLI used before (kept here
 * as independent references), so that the k-means, dilated and anatomy
 * baselines train on the same targets as before.
 */
import { anatomyContextLabels, caseDilatedMask, dilatedMaskContextLabels, kmeans } from '@colab-ts/colab';
import type { Case } from '@colab-ts/data';
import { bodyMask, phantom } from '@colab-ts/data';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { array, foldIn, key, toTypedArray } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { normalizeImage } from '../src/index.js';
import { clusteredContextMaps } from '../src/train.js';

/** The CLI's k-means maps before the library took them over (colab-ts 0.x train.ts). */
function referenceClusteredMaps(k: Key, raw: readonly Case[], norm: readonly Case[], t: number): NDArray[] {
  const bodies = raw.map((c) => Uint8Array.from(toTypedArray(bodyMask(c.image))));
  const total = bodies.reduce((s, b) => s + b.reduce((a, v) => a + v, 0), 0);
  const stride = Math.max(1, Math.floor(total / 50000));
  const pts: number[] = [];
  let seen = 0;
  norm.forEach((c, ci) => {
    const d = toTypedArray(c.image);
    bodies[ci]!.forEach((b, i) => {
      if (b && seen++ % stride === 0) pts.push(d[i]!);
    });
  });
  const cents = kmeans(Float64Array.from(pts), 1, { k: t, seed: k }).centroids.map((c) => c[0]!);
  return norm.map((c, ci) => {
    const d = toTypedArray(c.image);
    const body = bodies[ci]!;
    const out = new Uint8Array(body.length);
    for (let i = 0; i < body.length; i++) {
      if (!body[i]) continue;
      let best = 0;
      for (let j = 1; j < cents.length; j++) if (Math.abs(d[i]! - cents[j]!) < Math.abs(d[i]! - cents[best]!)) best = j;
      out[i] = best;
    }
    return array(out, [1, ...c.image.shape.slice(1)], 'uint8');
  });
}

/** One-hot `[N, t, ...]` of an integer map `[N, 1, ...]` (the CLI's former `oneHot`). */
function referenceOneHot(m: NDArray, t: number): number[] {
  const n = m.shape[0]!;
  const vox = m.shape.slice(2).reduce((a, b) => a * b, 1);
  const src = toTypedArray(m);
  const out = new Array<number>(n * t * vox).fill(0);
  for (let i = 0; i < n; i++) for (let v = 0; v < vox; v++) out[(i * t + src[i * vox + v]!) * vox + v] = 1;
  return out;
}

const cohort = (seed: number, cases: number, size: readonly [number, number, number]): Case[] =>
  phantom(key(seed), { cases, size }).cases.map((c) => ({ ...c }));

describe('k-means context maps (the CLI on kmeansContextLabels)', () => {
  it.each([
    { t: 2, sizes: [[4, 24, 24]] as const },
    {
      t: 3,
      sizes: [
        [4, 24, 24],
        [3, 32, 16],
      ] as const,
    },
    // More than 100,000 body voxels: the clustering is fitted on a strided subsample.
    {
      t: 2,
      sizes: [
        [16, 96, 96],
        [12, 80, 80],
      ] as const,
    },
  ])('t = $t on $sizes.length case(s): the same maps as the former hand-written k-means', ({ t, sizes }) => {
    const raw = sizes.flatMap((s, i) => cohort(10 + i, 1, s));
    const norm = raw.map((c) => ({ ...c, image: normalizeImage(c.image, { kind: 'zscore' }) }));
    const k = foldIn(key(3), 5);
    const got = clusteredContextMaps(
      k,
      raw.map((c) => bodyMask(c.image)),
      norm,
      t,
    );
    const want = referenceClusteredMaps(k, raw, norm, t);
    expect(got.map((m) => m.shape)).toEqual(want.map((m) => m.shape));
    for (const [i, m] of got.entries()) expect(Array.from(toTypedArray(m))).toEqual(Array.from(toTypedArray(want[i]!)));
    // Not a degenerate agreement: every cluster is used.
    const used = new Set(got.flatMap((m) => Array.from(toTypedArray(m))));
    expect(used.size).toBe(t);
  });
});

describe('dilated and anatomy context probabilities', () => {
  it('dilatedMaskContextLabels(M) is the [1 - M, M] the CLI built by hand', () => {
    const c = cohort(4, 1, [3, 16, 16])[0]!;
    const M = caseDilatedMask(c.label, { margin: 4, temperature: 2, spacing: c.spacing });
    const m4 = array(toTypedArray(M), [1, 1, ...M.shape.slice(1)], M.dtype);
    const q = toTypedArray(dilatedMaskContextLabels(m4));
    const m = toTypedArray(m4);
    const want = new Float32Array(2 * m.length);
    for (let v = 0; v < m.length; v++) {
      want[v] = 1 - m[v]!;
      want[m.length + v] = m[v]!;
    }
    expect(Array.from(q)).toEqual(Array.from(want));
  });

  it('anatomyContextLabels(map, { t }) is the one-hot of the context map', () => {
    const c = cohort(5, 1, [3, 16, 16])[0]!;
    const ctx = array(toTypedArray(c.context!), [1, 1, ...c.context!.shape.slice(1)], c.context!.dtype);
    const t = Math.max(...Array.from(toTypedArray(ctx))) + 1;
    expect(t).toBeGreaterThan(2);
    expect(Array.from(toTypedArray(anatomyContextLabels(ctx, { t })))).toEqual(referenceOneHot(ctx, t));
  });
});

/**
 * The independent cohorts of docs/results.md (the brain-lesion MR cohort of E5,
 * the spleen CT cohort of E37, the colon-cancer CT cohort) are written by NiBabel, not by colab-ts: this
 * checks that each script still runs and that @colab-ts/data reads what it
 * writes (MSD layout, anisotropic spacing, the declared modality and labels).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset, openDataset } from '@colab-ts/data';
import { toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';
const hasNibabel = spawnSync(PYTHON, ['-c', 'import nibabel, numpy, scipy.spatial'], { stdio: 'ignore' }).status === 0;
const here = dirname(fileURLToPath(import.meta.url));

// NIfTI (x, y, z) at (sx, sy, sz) mm is colab-ts's [D, H, W] = [z, y, x] at [sz, sy, sx].
const cohorts = [
  { script: 'make_brain_cohort.py', cases: 3, seed: 11, shape: [1, 20, 64, 56], spacing: [2, 1, 1], channel: 'MRI' },
  { script: 'make_spleen_ct_cohort.py', cases: 1, seed: 21, shape: [1, 32, 128, 160], spacing: [4, 2, 2], channel: 'CT' },
  { script: 'make_colon_ct_cohort.py', cases: 1, seed: 31, shape: [1, 40, 150, 200], spacing: [3.2, 1.6, 1.6], channel: 'CT' },
] as const;

describe.skipIf(!hasNibabel && process.env.CI === undefined).each(cohorts)('$script (NiBabel) as colab-ts reads it', (c) => {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an MSD folder that openDataset and loadDataset accept, with its spacing, modality and ROI', async () => {
    const r = spawnSync(PYTHON, [join(here, c.script), dir, String(c.cases), String(c.seed), 'case'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ds = await openDataset(dir)();
    if (E.isLeft(ds)) throw new Error(JSON.stringify(ds.left));
    expect(ds.right.channelNames).toEqual([c.channel]);
    const cases = await loadDataset(ds.right)();
    if (E.isLeft(cases)) throw new Error(JSON.stringify(cases.left));
    expect(cases.right).toHaveLength(c.cases);
    for (const k of cases.right) {
      expect(k.image.shape).toEqual(c.shape);
      // NIfTI stores the spacing as float32 (1.6 mm reads back as 1.60000002)
      k.spacing.forEach((v, a) => expect(v).toBeCloseTo(c.spacing[a]!, 6));
      for (const v of new Set(toTypedArray(k.label))) expect([0, 1]).toContain(v);
    }
    // These seeds put an ROI into at least one of the cases written.
    expect(cases.right.some((k) => toTypedArray(k.label).some((v) => v === 1))).toBe(true);
  });
});

describe.skipIf(!hasNibabel && process.env.CI === undefined)('upsample_cohort.py (the CT scale check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upsample-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each case F times larger per axis at 1/F the spacing, labels by nearest neighbour', async () => {
    const src = join(dir, 'src');
    const out = join(dir, 'up');
    expect(spawnSync(PYTHON, [join(here, 'make_brain_cohort.py'), src, '2', '11', 'case'], { encoding: 'utf8' }).status).toBe(0);
    const r = spawnSync(PYTHON, [join(here, 'upsample_cohort.py'), src, out, '1', '2'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const load = async (d: string) => {
      const ds = await openDataset(d)();
      if (E.isLeft(ds)) throw new Error(JSON.stringify(ds.left));
      const cases = await loadDataset(ds.right)();
      if (E.isLeft(cases)) throw new Error(JSON.stringify(cases.left));
      return cases.right;
    };
    const [a] = await load(src);
    const up = await load(out);
    expect(up).toHaveLength(1);
    const b = up[0]!;
    expect(b.image.shape).toEqual([1, ...a!.image.shape.slice(1).map((n) => 2 * n)]);
    expect([...b.spacing]).toEqual(a!.spacing.map((s) => s / 2));
    // Nearest neighbour: the labels keep their values, and the ROI grows by 2^3 up to the edge rounding.
    const count = (l: ArrayLike<number>): number => Array.from(l).filter((v) => v === 1).length;
    for (const v of new Set(toTypedArray(b.label))) expect([0, 1]).toContain(v);
    const ratio = count(toTypedArray(b.label)) / count(toTypedArray(a!.label));
    expect(ratio).toBeGreaterThan(7);
    expect(ratio).toBeLessThan(9);
    // Linear interpolation: the upsampled intensities stay within the source's range.
    const range = (x: ArrayLike<number>): [number, number] => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < x.length; i++) {
        lo = Math.min(lo, x[i]!);
        hi = Math.max(hi, x[i]!);
      }
      return [lo, hi];
    };
    const [lo, hi] = range(toTypedArray(a!.image));
    const [lo2, hi2] = range(toTypedArray(b.image));
    expect(lo2).toBeGreaterThanOrEqual(lo);
    expect(hi2).toBeLessThanOrEqual(hi);
  });
});

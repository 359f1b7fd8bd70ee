/**
 * The brain-lesion cohort of E5 (docs/results.md) is written by NiBabel, not
 * by colab-ts: this checks that the script still runs and that
 * @colab-ts/data reads what it writes (MSD layout, 1 x 1 x 2 mm, lesion labels).
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
const hasNibabel = spawnSync(PYTHON, ['-c', 'import nibabel, numpy'], { stdio: 'ignore' }).status === 0;
const script = join(dirname(fileURLToPath(import.meta.url)), 'make_brain_cohort.py');

describe.skipIf(!hasNibabel && process.env.CI === undefined)('make_brain_cohort.py (NiBabel) as colab-ts reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brain-cohort-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an MSD folder that openDataset and loadDataset accept, anisotropic spacing and lesions included', async () => {
    const r = spawnSync(PYTHON, [script, dir, '3', '11', 'brain'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ds = await openDataset(dir)();
    if (E.isLeft(ds)) throw new Error(JSON.stringify(ds.left));
    const cases = await loadDataset(ds.right)();
    if (E.isLeft(cases)) throw new Error(JSON.stringify(cases.left));
    expect(cases.right).toHaveLength(3);
    for (const c of cases.right) {
      // NIfTI (x, y, z) = (56, 64, 20) at (1, 1, 2) mm is [D, H, W] = [20, 64, 56] at [2, 1, 1].
      expect(c.image.shape).toEqual([1, 20, 64, 56]);
      expect([...c.spacing]).toEqual([2, 1, 1]);
      const labels = new Set(toTypedArray(c.label));
      for (const v of labels) expect([0, 1]).toContain(v);
    }
    // Seed 11 puts a lesion into at least one of the first three cases.
    expect(cases.right.some((c) => toTypedArray(c.label).some((v) => v === 1))).toBe(true);
  });
});

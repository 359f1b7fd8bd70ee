import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveNifti } from '@colab-ts/data';
import { array } from '@colab-ts/ndarray';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, memoryIo, run } from '../src/index.js';
import { finish, tempDir } from './helpers.js';

const I4 = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];
const vol = (vals: number[]) => ({
  data: array(Uint8Array.from(vals), [1, 1, vals.length], 'uint8'),
  spacing: [1, 1, 1] as [number, number, number],
  affine: I4,
});

describe('evaluate writes nnU-Net v2 summary.json', () => {
  it('metric_per_case, mean and foreground_mean by hand; undefined values are null and counted', async () => {
    const root = tempDir('nnsum');
    const [p, g] = [join(root, 'pred'), join(root, 'gt')];
    mkdirSync(p);
    mkdirSync(g);
    // a: truth 4 voxels, prediction 2 of them + 1 outside -> TP 2, FP 1, FN 2, TN 3, Dice 4/7, IoU 2/5
    // b: both empty -> Dice undefined (null); c: prediction empty, truth 2 voxels -> Dice 0, distances undefined
    const cases = {
      a: [
        [0, 1, 1, 0, 0, 0, 1, 0],
        [1, 1, 1, 1, 0, 0, 0, 0],
      ],
      b: [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      c: [
        [0, 0, 0, 0],
        [0, 1, 1, 0],
      ],
    };
    for (const [id, [pr, gt]] of Object.entries(cases)) {
      await saveNifti(join(p, `${id}.nii.gz`), vol(pr!) as never, { datatype: 'uint8' });
      await saveNifti(join(g, `${id}.nii.gz`), vol(gt!) as never, { datatype: 'uint8' });
    }
    const io = memoryIo();
    expect(await run(['evaluate', '--pred', p, '--gt', g, '--out', join(root, 'ev')], io)).toBe(EXIT.ok);
    const text = readFileSync(join(root, 'ev', 'summary.json'), 'utf8');
    expect(text).not.toMatch(/"(NaN|Infinity|-Infinity)"/);
    const s = JSON.parse(text) as {
      metric_per_case: { prediction_file: string; reference_file: string; metrics: Record<string, Record<string, number | null>> }[];
      mean: Record<string, Record<string, number | null>>;
      foreground_mean: Record<string, number | null>;
      undefined_counts: Record<string, Record<string, number>>;
    };
    expect(Object.keys(s).sort()).toEqual(['foreground_mean', 'mean', 'metric_per_case', 'undefined_counts']);
    const [a, b, c] = s.metric_per_case;
    expect(a!.prediction_file).toBe(join(p, 'a.nii.gz'));
    expect(a!.reference_file).toBe(join(g, 'a.nii.gz'));
    expect(a!.metrics['1']).toMatchObject({ TP: 2, FP: 1, FN: 2, TN: 3, n_pred: 3, n_ref: 4 });
    expect(a!.metrics['1']!.Dice).toBeCloseTo(4 / 7, 12);
    expect(a!.metrics['1']!.IoU).toBeCloseTo(2 / 5, 12);
    expect(b!.metrics['1']!.Dice).toBeNull();
    expect(c!.metrics['1']!.Dice).toBe(0);
    expect(c!.metrics['1']!.HD95).toBeNull();
    expect(s.mean['1']!.Dice).toBeCloseTo((4 / 7 + 0) / 2, 12); // nnU-Net's nanmean: the undefined case is left out
    expect(s.mean['1']!.TP).toBeCloseTo((2 + 0 + 0) / 3, 12);
    expect(s.foreground_mean.Dice).toBeCloseTo(2 / 7, 12);
    expect(s.undefined_counts['1']).toMatchObject({ Dice: 1, TP: 0, HD95: 2 });
    const stats = JSON.parse(readFileSync(join(root, 'ev', 'statistics.json'), 'utf8')) as Record<
      string,
      Record<string, { n: number; nNaN: number; mean: number }>
    >;
    expect(stats['1']!.dice).toMatchObject({ n: 3, nNaN: 1 });
    expect(stats['1']!.dice!.mean).toBeCloseTo(2 / 7, 12);
  });
});

afterAll(finish);

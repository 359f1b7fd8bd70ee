import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import type { NDArray } from '@colab-ts/ndarray';
import { arrayEqual, concat, contiguous, key, mul, reshape, slice, toTypedArray } from '@colab-ts/ndarray';
import type { Dataset, DatasetIssue, PhantomCohort, Volume } from '@colab-ts/data';
import { defaultAffine, loadCase, loadDataset, openDataset, phantom, saveNifti, showIssue, writePhantomDataset } from '@colab-ts/data';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const cohort: PhantomCohort = phantom(key(1), { cases: 9, size: [3, 12, 14] });
const vol = (x: NDArray, spacing: readonly [number, number, number] = [2.5, 1.5, 1.5]): Volume => ({
  data: reshape(contiguous(x), x.shape.slice(-3)),
  spacing,
  affine: defaultAffine(spacing),
});

async function opened(dir: string, opts = {}): Promise<E.Either<readonly DatasetIssue[], Dataset>> {
  return openDataset(dir, opts)();
}

describe('MSD folders', () => {
  it('a phantom cohort written as an MSD folder opens clean and loads back exactly', async () => {
    const dir = join(tmp.dir, 'msd-ok');
    const small: PhantomCohort = { ...cohort, cases: cohort.cases.slice(0, 3) };
    expect(E.isRight(await writePhantomDataset(dir, small)())).toBe(true);
    const r = await opened(dir);
    if (E.isLeft(r)) throw new Error(r.left.map(showIssue).join('\n'));
    const ds = r.right;
    expect(ds.format).toBe('msd');
    expect(ds.channelNames).toEqual(['CT']);
    expect(ds.labels).toEqual({ background: 0, tumour: 1 });
    expect(ds.contextLabels?.liver).toBe(1);
    expect(ds.training.map((c) => [c.id, c.shape, c.channels])).toEqual(small.cases.map((c) => [c.id, [3, 12, 14], 1]));
    const cases = await loadDataset(ds)();
    if (E.isLeft(cases)) throw new Error(cases.left.message);
    cases.right.forEach((c, i) => {
      const want = small.cases[i]!;
      expect(c.image.shape).toEqual([1, 3, 12, 14]);
      expect(arrayEqual(c.image, want.image)).toBe(true);
      expect(arrayEqual(c.label, want.label)).toBe(true);
      expect(arrayEqual(c.context!, want.context)).toBe(true);
      expect(c.spacing).toEqual([2.5, 1.5, 1.5]);
    });
    const json = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as { training: unknown[] };
    expect(json.training[0]).toEqual({
      image: './imagesTr/phantom_000.nii.gz',
      label: './labelsTr/phantom_000.nii.gz',
      context: './contextTr/phantom_000.nii.gz',
    });
  });

  it('reports every planted fault of every case at once, naming the case and the fix', async () => {
    const dir = join(tmp.dir, 'msd-broken');
    expect(E.isRight(await writePhantomDataset(dir, cohort)())).toBe(true);
    const id = (i: number): string => cohort.cases[i]!.id;
    const file = (folder: string, i: number): string => join(dir, folder, `${id(i)}.nii.gz`);
    const c = (i: number) => cohort.cases[i]!;
    // 0: label missing.
    rmSync(file('labelsTr', 0));
    // 1: label on a different grid (shape).
    await saveNifti(file('labelsTr', 1), vol(slice(c(1).label, [null, null, { stop: 10 }])), { datatype: 'uint8' });
    // 2: label with another spacing.
    await saveNifti(file('labelsTr', 2), vol(c(2).label, [2.5, 1.5, 3]), { datatype: 'uint8' });
    // 3: label values outside {0, 1}.
    await saveNifti(file('labelsTr', 3), vol(mul(c(3).label, 7)), { datatype: 'uint8' });
    // 4: NaN voxels in the image.
    const nan = new Float32Array(toTypedArray(c(4).image));
    nan[5] = NaN;
    nan[17] = NaN;
    await saveNifti(file('imagesTr', 4), vol(reshape({ ...c(4).image, data: nan } as NDArray, c(4).image.shape)), { datatype: 'float32' });
    // 5: an image that is not NIfTI at all.
    writeFileSync(file('imagesTr', 5), 'this is not a NIfTI file, just some text that is long enough'.repeat(10));
    // 6: truncated context labels (the gzip stream is cut).
    const ctx = readFileSync(file('contextTr', 6));
    writeFileSync(file('contextTr', 6), ctx.subarray(0, ctx.length - 30));
    // 7: context labels on another origin (same grid): they would not overlay.
    await saveNifti(
      file('contextTr', 7),
      {
        ...vol(c(7).context),
        affine: [
          [1.5, 0, 0, 4],
          [0, 1.5, 0, 0],
          [0, 0, 2.5, 0],
          [0, 0, 0, 1],
        ],
      },
      { datatype: 'uint8' },
    );
    // And dataset.json claims the wrong number of cases.
    const json = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...json, numTraining: 10 }));

    const r = await opened(dir);
    if (E.isRight(r)) throw new Error('expected issues');
    const got = r.left.map((i) => `${i.case ?? '-'} ${i.kind}`).sort();
    expect(got).toEqual(
      [
        `${id(0)} MissingFile`,
        `${id(1)} ShapeMismatch`,
        `${id(2)} SpacingMismatch`,
        `${id(3)} LabelOutOfSet`,
        `${id(4)} NaNVoxels`,
        `${id(5)} UnreadableFile`,
        `${id(6)} UnreadableFile`,
        `${id(7)} AffineMismatch`,
        '- CaseCount',
      ].sort(),
    );
    for (const i of r.left) {
      expect(i.message.length).toBeGreaterThan(10);
      expect(i.fix.length).toBeGreaterThan(10);
    }
    const by = (k: string) => r.left.find((i) => i.kind === k)!;
    expect(by('LabelOutOfSet').message).toMatch(/value\(s\) 7 \(\d+ voxels\) outside the declared set \{0, 1\}/);
    expect(by('NaNVoxels').message).toMatch(/2 NaN/);
    expect(by('ShapeMismatch').message).toMatch(/\[3, 10, 14\] differs from the image shape \[3, 12, 14\]/);
    expect(by('SpacingMismatch').message).toMatch(/\[2\.5, 1\.5, 3\] mm differs/);
    expect(showIssue(by('MissingFile'))).toMatch(new RegExp(`^case ${id(0)}: label .* does not exist \\(fix: add the label map`));
    expect(r.left.find((i) => i.case === id(6))!.message).toMatch(/truncated/);
  });

  it('reads multi-modal MSD images stored as 4-D files into [C, D, H, W] and checks the modality count', async () => {
    const dir = join(tmp.dir, 'msd-4d');
    const c = cohort.cases[8]!;
    const two = reshape(contiguous(concat([c.image, mul(c.image, -1)], 0)), [2, 3, 12, 14]);
    await saveNifti(join(dir, 'imagesTr', 'mm_0.nii.gz'), { ...vol(c.image), data: two });
    await saveNifti(join(dir, 'labelsTr', 'mm_0.nii.gz'), vol(c.label), { datatype: 'uint8' });
    const json = {
      name: 'mm',
      modality: { '0': 'FLAIR', '1': 'T1w' },
      labels: { '0': 'background', '1': 'tumour' },
      numTraining: 1,
      training: [{ image: './imagesTr/mm_0.nii.gz', label: './labelsTr/mm_0.nii.gz' }],
      test: ['./imagesTs/mm_9.nii.gz'],
    };
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify(json));
    const missingTest = await opened(dir);
    expect(E.isLeft(missingTest) && missingTest.left.map((i) => `${i.case} ${i.kind}`)).toEqual(['mm_9 MissingFile']);
    await saveNifti(join(dir, 'imagesTs', 'mm_9.nii.gz'), { ...vol(c.image), data: two });
    const r = await opened(dir);
    if (E.isLeft(r)) throw new Error(r.left.map(showIssue).join('\n'));
    expect(r.right.training[0]!.channels).toBe(2);
    expect(r.right.test).toEqual([{ id: 'mm_9', images: [join(dir, 'imagesTs', 'mm_9.nii.gz')] }]);
    const loaded = await loadCase(r.right.training[0]!)();
    if (E.isLeft(loaded)) throw new Error(loaded.left.message);
    expect(arrayEqual(loaded.right.image, two)).toBe(true);
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...json, modality: { '0': 'CT' } }));
    const bad = await opened(dir);
    expect(E.isLeft(bad) && bad.left.map((i) => i.kind)).toEqual(['ChannelMismatch']);
  });

  it('dataset.json problems are reported together', async () => {
    const dir = join(tmp.dir, 'bad-json');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ training: [{ image: 3 }], labels: { '1': 'tumour' } }));
    const r = await opened(dir);
    if (E.isRight(r)) throw new Error('expected issues');
    const messages = r.left.map((i) => i.message).join('\n');
    expect(r.left.every((i) => i.kind === 'DatasetJson')).toBe(true);
    expect(messages).toMatch(/"training" must be a list/);
    expect(messages).toMatch(/does not declare background/);
    expect(messages).toMatch(/"modality" is missing/);
  });

  it('a case listed twice is reported', async () => {
    const dir = join(tmp.dir, 'msd-dupe');
    mkdirSync(dir, { recursive: true });
    const entry = { image: './imagesTr/a.nii.gz', label: './labelsTr/a.nii.gz' };
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ modality: { '0': 'CT' }, labels: { '0': 'background' }, training: [entry, entry] }));
    const r = await opened(dir);
    expect(E.isLeft(r) && r.left[0]!.message).toMatch(/lists case\(s\) a more than once/);
  });

  it('a folder without dataset.json, or with broken JSON, says so', async () => {
    const dir = join(tmp.dir, 'empty');
    mkdirSync(dir, { recursive: true });
    const r1 = await opened(dir);
    expect(E.isLeft(r1) && r1.left[0]!.kind).toBe('MissingFile');
    writeFileSync(join(dir, 'dataset.json'), '{ "training": [');
    const r2 = await opened(dir);
    expect(E.isLeft(r2) && r2.left[0]!.message).toMatch(/not valid JSON/);
  });
});

describe('nnU-Net v2 folders', () => {
  async function writeNnunet(dir: string, n: number): Promise<void> {
    mkdirSync(join(dir, 'imagesTr'), { recursive: true });
    mkdirSync(join(dir, 'labelsTr'), { recursive: true });
    mkdirSync(join(dir, 'contextTr'), { recursive: true });
    for (const c of cohort.cases.slice(0, n)) {
      const id = c.id.replace('phantom', 'Ph');
      await saveNifti(join(dir, 'imagesTr', `${id}_0000.nii.gz`), vol(c.image));
      await saveNifti(join(dir, 'imagesTr', `${id}_0001.nii.gz`), vol(mul(c.image, 0.5)));
      await saveNifti(join(dir, 'labelsTr', `${id}.nii.gz`), vol(c.label), { datatype: 'uint8' });
      await saveNifti(join(dir, 'contextTr', `${id}.nii.gz`), vol(c.context), { datatype: 'int16' });
    }
    writeFileSync(
      join(dir, 'dataset.json'),
      JSON.stringify({
        channel_names: { '0': 'CT', '1': 'CT-half' },
        labels: { background: 0, tumour: 1 },
        numTraining: n,
        file_ending: '.nii.gz',
        context_labels: { '0': 'other', '1': 'liver', '2': 'spleen', '3': 'kidney', '4': 'vessel', '5': 'bowel', '6': 'bone', '7': 'muscle' },
      }),
    );
  }

  it('opens a two-channel dataset with context labels and loads [C, D, H, W] cases', async () => {
    const dir = join(tmp.dir, 'nnunet-ok');
    await writeNnunet(dir, 2);
    writeFileSync(join(dir, 'imagesTr', '._Ph_000_0000.nii.gz'), 'macOS resource fork'); // hidden: not a case
    const r = await opened(dir);
    if (E.isLeft(r)) throw new Error(r.left.map(showIssue).join('\n'));
    expect(r.right.format).toBe('nnunet');
    expect(r.right.channelNames).toEqual(['CT', 'CT-half']);
    expect(r.right.training.map((c) => c.id)).toEqual(['Ph_000', 'Ph_001']);
    const c = await loadCase(r.right.training[1]!)();
    if (E.isLeft(c)) throw new Error(c.left.message);
    expect(c.right.image.shape).toEqual([2, 3, 12, 14]);
    const img = toTypedArray(c.right.image);
    const n = 3 * 12 * 14;
    expect(img[n + 10]).toBeCloseTo(img[10]! * 0.5, 4);
    expect(c.right.context?.dtype).toBe('uint8');
    expect(arrayEqual(c.right.context!, cohort.cases[1]!.context)).toBe(true);
  });

  it('reports a missing channel, a context value outside context_labels and a label-only case', async () => {
    const dir = join(tmp.dir, 'nnunet-broken');
    await writeNnunet(dir, 3);
    rmSync(join(dir, 'imagesTr', 'Ph_001_0001.nii.gz'));
    await saveNifti(join(dir, 'contextTr', 'Ph_002.nii.gz'), vol(mul(cohort.cases[2]!.context, 3)), { datatype: 'int16' });
    await saveNifti(join(dir, 'labelsTr', 'Ph_extra.nii.gz'), vol(cohort.cases[0]!.label), { datatype: 'uint8' });
    const r = await opened(dir);
    if (E.isRight(r)) throw new Error('expected issues');
    const got = r.left.map((i) => `${i.case ?? '-'} ${i.kind}`).sort();
    expect(got).toEqual(['- CaseCount', 'Ph_001 MissingFile', 'Ph_002 LabelOutOfSet', 'Ph_extra MissingFile', 'Ph_extra MissingFile'].sort());
    expect(r.left.find((i) => i.case === 'Ph_002')!.message).toMatch(/^context labels has value/);
  });

  it('requireContext reports cases without context labels', async () => {
    const dir = join(tmp.dir, 'nnunet-noctx');
    await writeNnunet(dir, 2);
    rmSync(join(dir, 'contextTr', 'Ph_000.nii.gz'));
    expect(E.isRight(await opened(dir))).toBe(true);
    const r = await opened(dir, { requireContext: true });
    expect(E.isLeft(r) && r.left.map((i) => `${i.case} ${i.kind}`)).toEqual(['Ph_000 MissingFile']);
  });
});

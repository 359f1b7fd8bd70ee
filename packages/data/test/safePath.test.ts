import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from '@fast-check/vitest';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetIssueKind } from '@colab-ts/data';
import { insideFolder, openDataset, phantom, writePhantomDataset } from '@colab-ts/data';
import { key } from '@colab-ts/ndarray';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('insideFolder', () => {
  it('keeps paths inside the folder and refuses the rest', () => {
    expect(insideFolder('/d/ds', './imagesTr/a.nii.gz')).toBe('/d/ds/imagesTr/a.nii.gz');
    expect(insideFolder('/d/ds', 'imagesTr/../labelsTr/a.nii.gz')).toBe('/d/ds/labelsTr/a.nii.gz');
    expect(insideFolder('/d/ds', '/d/ds/imagesTr/a.nii.gz')).toBe('/d/ds/imagesTr/a.nii.gz');
    expect(insideFolder('/d/ds', '..a.nii.gz')).toBe('/d/ds/..a.nii.gz');
    for (const p of ['../ds2/a.nii.gz', '../../etc/passwd', '/etc/passwd', '/d/ds2/a.nii.gz', '.', '', 'a\0b', 'imagesTr/../../x'])
      expect(insideFolder('/d/ds', p)).toBeUndefined();
  });
});

describe('MSD paths that leave the dataset folder (issue #12)', () => {
  let dir: string;
  beforeAll(async () => {
    // A valid case outside the dataset folder: today it is followed and trained on.
    const outside = join(tmp.dir, 'outside');
    const w = await writePhantomDataset(outside, phantom(key(5), { cases: 1, size: [1, 8, 8], prefix: 'case' }))();
    if (E.isLeft(w)) throw new Error(w.left.message);
    dir = join(tmp.dir, 'ds');
    const w2 = await writePhantomDataset(dir, phantom(key(5), { cases: 2, size: [1, 8, 8], prefix: 'case' }))();
    if (E.isLeft(w2)) throw new Error(w2.left.message);
  });

  it('a training entry with ../ or an absolute path is refused before it is opened, every one reported', async () => {
    const json = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as {
      training: { image: string; label: string; context?: string }[];
      test: unknown[];
      numTraining: number;
    };
    json.training[0] = { image: '../outside/imagesTr/case_000.nii.gz', label: '../outside/labelsTr/case_000.nii.gz' };
    json.training[1] = { ...json.training[1]!, context: '/etc/passwd' };
    json.test = ['/etc/hostname'];
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify(json));
    const r = await openDataset(dir)();
    if (E.isRight(r)) throw new Error('a path outside the dataset folder was followed');
    expect(r.left.map((i) => i.kind)).toEqual(['UnsafePath', 'UnsafePath', 'UnsafePath', 'UnsafePath']);
    const text = r.left.map((i) => i.message).join('\n');
    expect(text).toContain('"training"[0].image "../outside/imagesTr/case_000.nii.gz" resolves outside the dataset folder');
    expect(text).toContain('"training"[1].context "/etc/passwd"');
    expect(text).toContain('"test"[0] "/etc/hostname"');
    for (const i of r.left) expect(i.fix).toMatch(/inside the dataset folder/);
  });

  it('a dataset "folder" that is a file says so, not "bad JSON"', async () => {
    const file = join(tmp.dir, 'afile');
    writeFileSync(file, 'x');
    const r = await openDataset(file)();
    expect(E.isLeft(r) && r.left[0]).toMatchObject({ kind: 'MissingFile', message: expect.stringMatching(/is a file, not a dataset folder/) });
  });
});

describe('dataset.json fuzz (issue #12)', () => {
  const KINDS: readonly DatasetIssueKind[] = [
    'DatasetJson',
    'MissingFile',
    'UnreadableFile',
    'ChannelMismatch',
    'ShapeMismatch',
    'SpacingMismatch',
    'AffineMismatch',
    'LabelOutOfSet',
    'NonIntegerLabel',
    'NaNVoxels',
    'CaseCount',
    'UnsafePath',
  ];
  let root: string;
  let n = 0;
  beforeAll(async () => {
    root = join(tmp.dir, 'fuzz-src');
    const w = await writePhantomDataset(root, phantom(key(6), { cases: 2, size: [1, 8, 8], prefix: 'case' }))();
    if (E.isLeft(w)) throw new Error(w.left.message);
  });

  const path = fc.oneof(
    fc.constantFrom(
      './imagesTr/case_000.nii.gz',
      './labelsTr/case_000.nii.gz',
      './contextTr/case_001.nii.gz',
      'imagesTr/case_001.nii.gz',
      './dataset.json',
      '.',
      '',
      './imagesTr',
      '../x.nii.gz',
      '../../etc/passwd',
      '/etc/passwd',
      '/dev/null',
      'a/../../b',
      'nope.nii',
    ),
    fc.string(),
  );
  const anyJson = fc.jsonValue({ maxDepth: 2 });
  const entry = fc.oneof(
    fc.record({ image: path, label: path }, { requiredKeys: [] }),
    fc.record({ image: path, label: path, context: fc.oneof(path, anyJson) }),
    anyJson,
  );
  const labels = fc.oneof(
    fc.constant({ '0': 'background', '1': 'tumour' }),
    fc.dictionary(fc.oneof(fc.string(), fc.integer().map(String)), anyJson, { maxKeys: 3 }),
    anyJson,
  );
  const datasetJson = fc.record(
    {
      name: anyJson,
      modality: fc.oneof(fc.constant({ '0': 'CT' }), anyJson),
      channel_names: fc.oneof(fc.constant({ '0': 'CT' }), anyJson),
      file_ending: fc.oneof(fc.constantFrom('.nii.gz', '.nii', 'nii', '/../x', './../..'), anyJson),
      labels,
      context_labels: fc.oneof(fc.constant({ '0': 'background', '1': 'liver' }), anyJson),
      numTraining: fc.oneof(fc.integer({ min: -1, max: 3 }), anyJson),
      training: fc.oneof(fc.array(entry, { maxLength: 3 }), anyJson),
      test: fc.oneof(fc.array(fc.oneof(path, fc.record({ image: path }), anyJson), { maxLength: 2 }), anyJson),
    },
    { requiredKeys: [] },
  );

  // A valid MSD dataset.json with one field replaced, and cases drawn from real files (some reached by roundabout or escaping paths).
  const nearlyValid = fc
    .record({
      field: fc.constantFrom('none', 'name', 'labels', 'modality', 'numTraining', 'test', 'context_labels'),
      value: anyJson,
      training: fc.array(
        fc.record({
          image: fc.constantFrom(
            './imagesTr/case_000.nii.gz',
            'imagesTr/case_001.nii.gz',
            'imagesTr/../imagesTr/case_000.nii.gz',
            '../fuzz-src/imagesTr/case_000.nii.gz',
          ),
          label: fc.constantFrom(
            './labelsTr/case_000.nii.gz',
            './labelsTr/case_001.nii.gz',
            'labelsTr/./case_001.nii.gz',
            '../fuzz-src/labelsTr/case_001.nii.gz',
          ),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    })
    .map(({ field, value, training }) => ({
      modality: { '0': 'CT' },
      labels: { '0': 'background', '1': 'tumour' },
      training,
      test: [],
      ...(field === 'none' ? {} : { [field]: value }),
    }));

  test.prop([fc.oneof(nearlyValid, datasetJson, anyJson)], { numRuns: 80 })(
    'every dataset.json opens to typed issues or a dataset whose files lie inside the folder',
    async (json) => {
      const dir = join(tmp.dir, `fuzz-${n++}`);
      mkdirSync(dir);
      for (const f of ['imagesTr', 'labelsTr', 'contextTr']) cpSync(join(root, f), join(dir, f), { recursive: true });
      writeFileSync(join(dir, 'dataset.json'), JSON.stringify(json));
      const r = await openDataset(dir)();
      if (E.isLeft(r)) {
        expect(r.left.length).toBeGreaterThan(0);
        for (const i of r.left) {
          expect(KINDS).toContain(i.kind);
          expect(i.message.length).toBeGreaterThan(0);
          expect(i.fix.length).toBeGreaterThan(0);
        }
        return;
      }
      for (const c of [
        ...r.right.training.flatMap((t) => [...t.images, t.label, ...(t.context === undefined ? [] : [t.context])]),
        ...r.right.test.flatMap((t) => t.images),
      ]) {
        expect(insideFolder(dir, c)).toBe(c);
      }
    },
  );
});

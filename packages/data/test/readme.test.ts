// README-EXAMPLE-START
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { key, split, squeeze } from '@colab-ts/ndarray';
import type { NDArray } from '@colab-ts/ndarray';
import {
  augment,
  ctStatistics,
  loadCase,
  loadNifti,
  normalizeCT,
  openDataset,
  phantom,
  samplePatches,
  showIssue,
  slidingWindow,
  volumeLike,
  writeNifti,
  writePhantomDataset,
} from '@colab-ts/data';

const [kData, kPatch, kAug] = split(key(0), 3);

// A synthetic abdominal-CT cohort: tumours in a liver, look-alikes elsewhere, organ masks as context labels.
const cohort = phantom(kData!, { cases: 3, size: [8, 48, 48] }); // [D, H, W]; use [1, H, W] for 2D
const dir = mkdtempSync(join(tmpdir(), 'colab-ts-readme-'));
await writePhantomDataset(dir, cohort)(); // dataset.json, imagesTr/, labelsTr/, contextTr/

// Open and validate the folder: every problem of every case, or a Dataset.
const opened = await openDataset(dir)();
if (E.isLeft(opened)) throw new Error(opened.left.map(showIssue).join('\n'));
const ds = opened.right; // ds.format === 'msd', 3 training cases

// Load a case ([C, D, H, W] image, [1, D, H, W] label and context) and normalise it as CT.
const loaded = await loadCase(ds.training[0]!)();
if (E.isLeft(loaded)) throw new Error(loaded.left.message);
const c = loaded.right;
const stats = ctStatistics([{ image: c.image, mask: c.label }]); // foreground mean, std, 0.5/99.5 percentiles
const image = normalizeCT(c.image, stats);

// Seeded patches (half of them contain tumour) and augmentation: [N, C, D, H, W].
const batch = augment(kAug!, samplePatches(kPatch!, { ...c, image }, { patchSize: [4, 32, 32], batchSize: 4, roiShare: 0.5 }));

// Sliding-window inference with Gaussian blending and mirroring; here a stand-in "model".
const model = async (x: NDArray): Promise<NDArray> => x; // [n, C, 4, 32, 32] -> [n, K, 4, 32, 32]
const blended = await slidingWindow(model, image, { patchSize: [4, 32, 32], overlap: 0.5, mirror: true });

// Write the prediction so that it overlays the input in any viewer (same affine and header), atomically.
const input = await loadNifti(ds.training[0]!.images[0]!);
const prediction = squeeze(blended, 0); // [D, H, W]; a real model's argmax would be written as uint8
await writeNifti(join(dir, 'pred.nii.gz'), volumeLike(input, prediction), { datatype: 'float32' })();

console.log(ds.training.length, batch.image.shape, blended.shape);
// README-EXAMPLE-END

/**
 * The code between the markers is the README's ```ts block, verbatim (checked
 * by tools/readmeExamples.test.ts), and it runs when this file loads; the
 * tests check what it promises.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayEqual } from '@colab-ts/ndarray';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples', () => {
  it('the README example computes what its comments say', async () => {
    expect(ds.format).toBe('msd');
    expect(ds.training.length).toBe(3);
    expect(batch.image.shape).toEqual([4, 1, 4, 32, 32]);
    expect(batch.roi.filter(Boolean).length).toBe(2);
    expect(blended.shape).toEqual([1, 8, 48, 48]);
    expect(arrayEqual(blended, image)).toBe(true);
    const back = await loadNifti(join(dir, 'pred.nii.gz'));
    expect(back.affine).toEqual(input.affine);
    expect(back.data.shape).toEqual([8, 48, 48]);
  });
});

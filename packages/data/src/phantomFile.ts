/**
 * Phantom cohorts written to disk as a Decathlon folder (Node only; the
 * phantoms themselves are `phantom.ts`, which browsers get too).
 * @module
 */
import { join } from 'node:path';
import * as A from 'fp-ts/lib/Array.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Case } from './Case.js';
import { dataOf, packed } from './internal/arrays.js';
import { writeFileAtomic, writeNifti } from './niftiFile.js';
import type { PhantomCohort } from './phantom.js';
import type { Spacing } from './resample.js';
import type { WriteError } from './Volume.js';
import { defaultAffine } from './Volume.js';

/**
 * Writes a cohort as a Medical Segmentation Decathlon folder: `dataset.json`
 * (with a `context_labels` map and a `context` path per training case),
 * `imagesTr/` (float32), `labelsTr/` and `contextTr/` (uint8), all `.nii.gz`,
 * each file written atomically.
 * @example await writePhantomDataset('/tmp/phantom', phantom(key(0), { cases: 4, size: [16, 64, 64] }))()
 * @category phantom
 */
export function writePhantomDataset(dir: string, cohort: PhantomCohort, options: { readonly name?: string } = {}): TE.TaskEither<WriteError, void> {
  const rel = (folder: string, id: string): string => `./${folder}/${id}.nii.gz`;
  const json = {
    name: options.name ?? 'CoLabPhantom',
    description: 'Synthetic abdominal-CT phantoms from @colab-ts/data: liver tumours with look-alikes outside the liver; contextTr holds organ masks.',
    tensorImageSize: '3D',
    modality: { '0': 'CT' },
    labels: Object.fromEntries(Object.entries(cohort.labels).map(([name, v]) => [String(v), name])),
    context_labels: Object.fromEntries(Object.entries(cohort.contextLabels).map(([name, v]) => [String(v), name])),
    numTraining: cohort.cases.length,
    numTest: 0,
    training: cohort.cases.map((c) => ({ image: rel('imagesTr', c.id), label: rel('labelsTr', c.id), context: rel('contextTr', c.id) })),
    test: [] as string[],
  };
  const volume = (data: Case['image'], spacing: Spacing) => ({
    data: packed(data.dtype, data.shape.slice(1), dataOf(data)),
    spacing,
    affine: defaultAffine(spacing),
  });
  const files = cohort.cases.flatMap((c) => [
    writeNifti(join(dir, 'imagesTr', `${c.id}.nii.gz`), volume(c.image, c.spacing), { datatype: 'float32' }),
    writeNifti(join(dir, 'labelsTr', `${c.id}.nii.gz`), volume(c.label, c.spacing), { datatype: 'uint8' }),
    writeNifti(join(dir, 'contextTr', `${c.id}.nii.gz`), volume(c.context, c.spacing), { datatype: 'uint8' }),
  ]);
  return pipe(
    A.sequence(TE.ApplicativeSeq)(files),
    TE.chain(() => writeFileAtomic(join(dir, 'dataset.json'), `${JSON.stringify(json, null, 2)}\n`)),
    TE.map(() => undefined),
  );
}

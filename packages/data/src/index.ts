/**
 * @colab-ts/data: NIfTI-1/2 reading and NIfTI-1 writing, Medical Segmentation
 * Decathlon and nnU-Net v2 dataset folders with validation, preprocessing,
 * seeded patch sampling and augmentation, sliding-window inference and a
 * synthetic abdominal-CT phantom that reproduces CoLab's failure mode.
 *
 * Layouts: a volume read from NIfTI is `[D, H, W]` (`data[d, h, w]` is the
 * file's voxel `(i, j, k) = (w, h, d)`); a case is `[C, D, H, W]`; a batch is
 * `[N, C, D, H, W]`; a 2D case has `D = 1`.
 * @module
 */
export type { Affine, NiftiHeader, ReadError, Volume, WriteError } from './Volume.js';
export { NiftiError, defaultAffine } from './Volume.js';
export type { NiftiDatatype, ReadOptions, WriteOptions } from './nifti.js';
export {
  DEFAULT_MAX_VOXEL_BYTES,
  NIFTI_DATATYPE_CODES,
  affineToQuaternion,
  decodeNifti,
  encodeNifti,
  headerAffine,
  headerQform,
  headerSform,
  loadNifti,
  readNifti,
  saveNifti,
  volumeLike,
  volumeOf,
  writeFileAtomic,
  writeNifti,
} from './nifti.js';
export type { Batch, Case } from './Case.js';
export { checkCase } from './Case.js';
export type { Spacing } from './resample.js';
export { resample, resampleLabels, resampleLabelsToShape, resampleToShape, resampledShape } from './resample.js';
export type { IntensityStats } from './normalize.js';
export { bodyMask, ctStatistics, foregroundValues, normalizeCT, percentile, zScore } from './normalize.js';
export type { Box } from './crop.js';
export { cropBox, cropToNonZero, nonZeroBox, pasteBox } from './crop.js';
export type { SampleOptions } from './samplePatches.js';
export { bodyVoxels, concatBatches, roiVoxels, sampleBatch, samplePatches } from './samplePatches.js';
export type { AugmentOptions, AugmentStep } from './augment.js';
export { augment } from './augment.js';
export type { SlidingWindowOptions, WindowProgress } from './slidingWindow.js';
export { slidingWindow, windowStarts } from './slidingWindow.js';
export type { PhantomCase, PhantomCohort, PhantomOptions } from './phantom.js';
export { PHANTOM_CONTEXT_LABELS, PHANTOM_LABELS, PHANTOM_LABELS_LIVER_TUMOUR, phantom, writePhantomDataset } from './phantom.js';
export { affineDistance, spacingClose } from './geometry.js';
export { insideFolder } from './safePath.js';
export type { CaseInfo, Dataset, DatasetIssue, DatasetIssueKind, OpenDatasetOptions, TestCase } from './dataset.js';
export { loadCase, loadDataset, openDataset, showIssue } from './dataset.js';

/**
 * @colab-ts/data for browsers (the `browser` export condition): everything of
 * the package that works on bytes and arrays (NIfTI decoding and encoding,
 * preprocessing, patches, augmentation, sliding windows, phantoms), without
 * the file-system functions (`readNifti` from a path, `writeNifti`,
 * `openDataset`, `writePhantomDataset`, ...), which need Node.
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
  volumeLike,
  volumeOf,
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
export { augment, augmentSourceShape } from './augment.js';
export type { SlidingWindowOptions, WindowProgress } from './slidingWindow.js';
export { slidingWindow, windowStarts } from './slidingWindow.js';
export type { PhantomCase, PhantomCohort, PhantomOptions } from './phantom.js';
export { PHANTOM_CONTEXT_LABELS, PHANTOM_LABELS, PHANTOM_LABELS_LIVER_TUMOUR, phantom } from './phantom.js';
export { affineDistance, spacingClose } from './geometry.js';

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
export type { NiftiDatatype, WriteOptions } from './nifti.js';
export {
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

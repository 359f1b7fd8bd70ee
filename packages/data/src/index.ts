/**
 * @colab-ts/data: NIfTI-1/2 reading and NIfTI-1 writing, Medical Segmentation
 * Decathlon and nnU-Net v2 dataset folders with validation, preprocessing,
 * seeded patch sampling and augmentation, sliding-window inference and a
 * synthetic abdominal-CT phantom that reproduces CoLab's failure mode.
 *
 * Layouts: a volume read from NIfTI is `[D, H, W]` (`data[d, h, w]` is the
 * file's voxel `(i, j, k) = (w, h, d)`); a case is `[C, D, H, W]`; a batch is
 * `[N, C, D, H, W]`; a 2D case has `D = 1`.
 * @module @colab-ts/data
 */
export * from './browser.js';
export { loadNifti, readNifti, saveNifti, writeFileAtomic, writeNifti } from './niftiFile.js';
export { writePhantomDataset } from './phantomFile.js';
export { insideFolder } from './safePath.js';
export type { CaseInfo, Dataset, DatasetIssue, DatasetIssueKind, OpenDatasetOptions, TestCase } from './dataset.js';
export { loadCase, loadDataset, openDataset, showIssue } from './dataset.js';

/**
 * The `Volume` value (a NIfTI image in memory) and the typed errors of
 * reading and writing one.
 *
 * Axis mapping: NIfTI stores voxel `(i, j, k)` (x fastest, then y, then z);
 * `Volume.data` is the same bytes viewed row-major as `[D, H, W] = [nz, ny, nx]`,
 * so `data[d, h, w]` is voxel `(i, j, k) = (w, h, d)` and no transpose happens.
 * A 4-D file (`dim[4] > 1`, e.g. a multi-modal MSD image) gives `[T, D, H, W]`.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';

/** A 4x4 voxel-to-world matrix, row-major: `world = A * [i, j, k, 1]` with `(i, j, k) = (w, h, d)`. @category nifti */
export type Affine = readonly (readonly number[])[];

/**
 * Every NIfTI header field colab-ts reads, as stored in the file (NIfTI-1 or
 * NIfTI-2). `dim` and `pixdim` keep NIfTI's order (`dim[1]` is x, i.e. W).
 * @category nifti
 */
export interface NiftiHeader {
  readonly version: 1 | 2;
  readonly littleEndian: boolean;
  readonly datatypeCode: number;
  readonly bitpix: number;
  readonly dim: readonly number[];
  readonly pixdim: readonly number[];
  readonly voxOffset: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  readonly calMin: number;
  readonly calMax: number;
  readonly dimInfo: number;
  readonly sliceCode: number;
  readonly sliceStart: number;
  readonly sliceEnd: number;
  readonly sliceDuration: number;
  readonly toffset: number;
  readonly xyztUnits: number;
  readonly intentCode: number;
  readonly intentP1: number;
  readonly intentP2: number;
  readonly intentP3: number;
  readonly intentName: string;
  readonly description: string;
  readonly auxFile: string;
  readonly qformCode: number;
  readonly sformCode: number;
  readonly quaternB: number;
  readonly quaternC: number;
  readonly quaternD: number;
  readonly qoffsetX: number;
  readonly qoffsetY: number;
  readonly qoffsetZ: number;
  /** `srow_x`, `srow_y`, `srow_z` (3 rows of 4). */
  readonly srow: readonly (readonly number[])[];
}

/**
 * An image volume: voxels `[D, H, W]` (or `[T, D, H, W]`), spacing in mm as
 * `[sd, sh, sw]` (= `pixdim[3], pixdim[2], pixdim[1]`, converted from the
 * header's spatial unit), the voxel-to-world affine, and the raw header (absent
 * for volumes made in memory).
 * @category nifti
 */
export interface Volume {
  readonly data: NDArray;
  readonly spacing: readonly [number, number, number];
  readonly affine: Affine;
  readonly header?: NiftiHeader | undefined;
}

/**
 * Why a NIfTI file could not be read. Every variant carries the `path` (or
 * `'<bytes>'`) and a one-line `message` that says what to do.
 * @category errors
 */
export type ReadError =
  | { readonly _tag: 'FileNotFound'; readonly path: string; readonly message: string }
  | { readonly _tag: 'IOError'; readonly path: string; readonly message: string }
  | { readonly _tag: 'CorruptFile'; readonly path: string; readonly message: string }
  | {
      readonly _tag: 'TruncatedData';
      readonly path: string;
      readonly message: string;
      readonly expectedBytes: number;
      readonly gotBytes: number;
    }
  | { readonly _tag: 'UnsupportedDatatype'; readonly path: string; readonly message: string; readonly datatypeCode: number }
  | {
      /** A gzipped file whose header promises, or whose stream inflates to, more than allowed (a gzip bomb). */
      readonly _tag: 'TooLarge';
      readonly path: string;
      readonly message: string;
      readonly promisedBytes: number;
      readonly limitBytes: number;
    };

/**
 * Why a volume could not be written: the data cannot be stored in the chosen
 * datatype, the volume is malformed, or the file system refused.
 * @category errors
 */
export type WriteError =
  | { readonly _tag: 'InvalidVolume'; readonly path: string; readonly message: string }
  | { readonly _tag: 'ValueOutOfRange'; readonly path: string; readonly message: string }
  | {
      readonly _tag: 'IOError';
      readonly path: string;
      readonly message: string /** The system's error code (`ENOSPC`, `EROFS`, ...), when there is one. */;
      readonly code?: string;
    };

/** An Error wrapping a `ReadError` or `WriteError`, thrown by the Promise conveniences. @category errors */
export class NiftiError extends Error {
  override readonly name = 'NiftiError';
  readonly error: ReadError | WriteError;
  constructor(error: ReadError | WriteError) {
    super(error.message);
    this.error = error;
  }
}

/** The affine of a volume made in memory: spacing on the diagonal, no rotation, origin 0. @category nifti */
export function defaultAffine(spacing: readonly [number, number, number]): Affine {
  const [sd, sh, sw] = spacing;
  return [
    [sw, 0, 0, 0],
    [0, sh, 0, 0],
    [0, 0, sd, 0],
    [0, 0, 0, 1],
  ];
}

/**
 * NIfTI files on disk (Node only): `readNifti`/`loadNifti` from a path (or
 * bytes), `writeNifti`/`saveNifti` and `writeFileAtomic` (a temporary file in
 * the same folder, then a rename). The decoding and encoding themselves are
 * the pure `decodeNifti`/`encodeNifti` of `nifti.ts`, which browsers get too.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { ReadOptions, WriteOptions } from './nifti.js';
import { BYTES_SOURCE, decodeNifti, encodeNifti } from './nifti.js';
import type { ReadError, Volume, WriteError } from './Volume.js';
import { NiftiError } from './Volume.js';

/**
 * Reads a NIfTI-1 or NIfTI-2 file (`.nii` or `.nii.gz`) from a path or from
 * its bytes, as a `TaskEither` that never rejects.
 * @example const v = await readNifti('ct.nii.gz')() // Either<ReadError, Volume>
 * @category nifti
 */
export function readNifti(source: Uint8Array | string, options: ReadOptions = {}): TE.TaskEither<ReadError, Volume> {
  if (typeof source !== 'string') return TE.fromEither(decodeNifti(source, BYTES_SOURCE, options));
  return pipe(
    TE.tryCatch(
      () => readFile(source),
      (e): ReadError => {
        const code = (e as { code?: string }).code;
        return code === 'ENOENT'
          ? { _tag: 'FileNotFound', path: source, message: `${source}: no such file; check the path` }
          : { _tag: 'IOError', path: source, message: `${source}: cannot read (${(e as Error).message})` };
      },
    ),
    TE.chainEitherK((buf) => decodeNifti(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), source, options)),
  );
}

/** `readNifti` as a Promise that rejects with a `NiftiError`. @example const v = await loadNifti('ct.nii.gz') @category nifti */
export async function loadNifti(source: Uint8Array | string): Promise<Volume> {
  const r = await readNifti(source)();
  if (E.isLeft(r)) throw new NiftiError(r.left);
  return r.right;
}

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder,
 * then a rename, so readers never see a half-written file.
 * @category io
 */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): TE.TaskEither<WriteError, void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  return TE.tryCatch(
    async () => {
      await mkdir(dirname(path), { recursive: true });
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    (e): WriteError => {
      const code = (e as { code?: unknown }).code;
      return {
        _tag: 'IOError',
        path,
        message: `${path}: cannot write (${(e as Error).message}); check the folder exists and is writable`,
        ...(typeof code === 'string' ? { code } : {}),
      };
    },
  );
}

/**
 * Writes a volume as NIfTI-1 (gzip when the path ends in `.gz`), atomically.
 * `[T, D, H, W]` data is 4-D (3-D when T = 1). Label maps: `{ datatype: 'uint8' }` or `'int16'`; float volumes: `'float32'`.
 * @example await writeNifti('pred.nii.gz', { ...input, data: labels }, { datatype: 'uint8' })()
 * @category nifti
 */
export function writeNifti(path: string, volume: Volume, options: WriteOptions = {}): TE.TaskEither<WriteError, void> {
  return pipe(
    TE.fromEither(encodeNifti(volume, { gzip: path.endsWith('.gz'), ...options }, path)),
    TE.chain((bytes) => writeFileAtomic(path, bytes)),
  );
}

/** `writeNifti` as a Promise that rejects with a `NiftiError`. @category nifti */
export async function saveNifti(path: string, volume: Volume, options: WriteOptions = {}): Promise<void> {
  const r = await writeNifti(path, volume, options)();
  if (E.isLeft(r)) throw new NiftiError(r.left);
}

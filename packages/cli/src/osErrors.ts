/**
 * Errors of the operating system (a full disk, a file-size limit, a
 * read-only or missing folder, a file where a folder should be) as typed
 * `CliError`s with a fix, instead of "this is a bug"; and the output folder
 * of a command, made or checked before anything is written into it.
 * @module
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './io.js';

interface ErrnoLike {
  readonly code: string;
  readonly path?: string;
  readonly syscall?: string;
}

const isErrno = (e: unknown): e is ErrnoLike =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && /^E[A-Z0-9]+$/.test((e as { code: string }).code);

/** What each error code means, and its fix. */
const OS_ERRORS: Readonly<Record<string, readonly [what: string, fix: string]>> = {
  ENOSPC: ['no space left on the device', 'free disk space, or write to another disk; files already written are complete (writes are atomic)'],
  EDQUOT: ['the disk quota is exhausted', 'free space in your quota, or write to another disk'],
  EFBIG: ['the file grew past the file-size limit', 'raise the limit (ulimit -f unlimited) or write to a file system that allows larger files'],
  EROFS: ['the file system is read-only', 'write to a writable folder (pass another --out)'],
  EACCES: ['permission denied', 'write to a folder you own (pass another --out), or fix its permissions'],
  EPERM: ['operation not permitted', 'write to a folder you own (pass another --out), or fix its permissions'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'pass a path whose parents are folders'],
  EEXIST: ['it exists and is not a folder', 'pass a folder path, or move the file away'],
  EISDIR: ['it is a folder where a file was expected', 'pass the file, not the folder'],
  ENOENT: ['no such file or folder', 'check the path; its parent folders must exist and be writable'],
  ENAMETOOLONG: ['the path is too long', 'use a shorter path'],
  ELOOP: ['the path has a loop of symbolic links', 'fix the links, or pass the real path'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) and run again'],
  ENFILE: ['too many open files on the system', 'close other programs and run again'],
  EIO: ['an input/output error of the device', 'check the disk (dmesg), then run again; the last complete checkpoint is kept'],
  EBUSY: ['the file or device is busy', 'wait for the other program, then run again'],
  ETXTBSY: ['the file is busy', 'wait for the other program, then run again'],
};

/**
 * The `CliError` (exit code 1) of an operating-system error such as ENOSPC or
 * EROFS, naming the path, what went wrong and the fix; `undefined` for any
 * other error.
 * @example osError(Object.assign(new Error('no space'), { code: 'ENOSPC', path: 'run/latest.ckpt' }))?.lines
 * // ['run/latest.ckpt: no space left on the device (ENOSPC) (fix: free disk space, ...)']
 * @category io
 */
export function osError(e: unknown, subject?: string): CliError | undefined {
  if (!isErrno(e)) return undefined;
  const known = OS_ERRORS[e.code];
  const what = known?.[0] ?? `the system refused (${e.syscall ?? 'an operation'})`;
  const fix = known?.[1] ?? 'check the path and the disk, then run again';
  const where = subject ?? e.path ?? e.syscall ?? 'file system';
  return new CliError('runtime', [`${where}: ${what} (${e.code}) (fix: ${fix})`]);
}

/**
 * Makes the output folder `dir` of flag `flag` (with its parents), refusing
 * a path that is a file (exit code 2) and turning a refusal of the operating
 * system into a typed error.
 * @category io
 */
export function prepareOutDir(dir: string, flag: string): void {
  let isDir: boolean | undefined;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = undefined; // absent (or unreachable: mkdir below says why)
  }
  if (isDir === false) throw new CliError('usage', [`${flag} ${dir}: is a file, not a folder (fix: pass a folder path, or move the file away)`]);
  // One level at a time, not mkdirSync's recursive mode: on a file system that refuses new folders
  // with ENOENT (/proc) Node 20's recursive mkdir retries for ever.
  const missing: string[] = [];
  for (let p = resolve(dir); !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EEXIST' && statSync(p).isDirectory()) continue; // made meanwhile by another process
      if (code === 'ENOENT' && existsSync(dirname(p)))
        throw new CliError('runtime', [`${flag} ${dir}: this file system does not allow making ${p} (ENOENT) (fix: pass a folder on a writable disk)`]);
      throw osError(e, `${flag} ${dir}`) ?? e;
    }
  }
}

import { spawnSync } from 'node:child_process';
import fs, { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, memoryIo, osError, run } from '../src/index.js';
import { finish, tempDir, tinyDataset, cmdline } from './helpers.js';

/**
 * Makes the file system fail with `code` for files opened under `under`, at
 * open or at write, through the ESM bindings of node:fs (so the code under
 * test sees it); returns the undo.
 */
function inject(code: string, under: string, at: 'open' | 'write'): () => void {
  const { openSync, writeSync } = fs;
  const ours = new Set<number>();
  // As Node's own: open(2) errors carry the path, write(2) errors do not.
  const error = (p: string, syscall: string): Error =>
    Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall, ...(syscall === 'open' ? { path: p } : {}) });
  fs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (String(p).startsWith(under) && at === 'open') throw error(String(p), 'open');
    const fd = (openSync as (...a: unknown[]) => number)(p, ...rest);
    if (String(p).startsWith(under)) ours.add(fd);
    return fd;
  }) as typeof fs.openSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) => {
    if (ours.has(fd)) throw error(`fd ${fd}`, 'write');
    return (writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
  return () => {
    fs.openSync = openSync;
    fs.writeSync = writeSync;
    syncBuiltinESMExports();
  };
}

describe('operating-system errors are typed, with a fix (issue #12)', () => {
  let root: string;
  let labels: string;
  beforeAll(async () => {
    root = tempDir('os');
    labels = join(await tinyDataset(join(root, 'data'), 2), 'labelsTr');
  });
  afterAll(finish);

  it('--out that is a file is a usage error, for train and evaluate', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const io = memoryIo();
    expect(await run(['evaluate', '--pred', labels, '--gt', labels, '--out', file], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/--out .*a-file: is a file, not a folder \(fix: /);
    const io2 = memoryIo();
    expect(
      await run(cmdline`train --data ${join(root, 'data')} --out ${file} --iterations 1 --batch-size 1 --features 2 --stages 2 --patch 1,32,32`, io2),
    ).toBe(EXIT.usage);
    expect(io2.err()).toMatch(/is a file, not a folder/);
    const io3 = memoryIo();
    expect(await run(['evaluate', '--pred', labels, '--gt', labels, '--out', join(file, 'sub')], io3)).toBe(EXIT.failure);
    expect(io3.err()).toMatch(/a part of the path is a file, not a folder \(ENOTDIR\) \(fix: /);
  });

  it.each([
    ['ENOSPC', 'write', /no space left on the device \(ENOSPC\) \(fix: free disk space/],
    ['EFBIG', 'write', /past the file-size limit \(EFBIG\) \(fix: raise the limit \(ulimit -f/],
    ['EROFS', 'open', /read-only \(EROFS\) \(fix: write to a writable folder/],
    ['EACCES', 'open', /permission denied \(EACCES\)/],
  ] as const)('%s at %s: exit 1, the path, what happened and the fix, no temporary file left', async (code, at, message) => {
    const out = join(root, `out-${code}`);
    fs.mkdirSync(out);
    const undo = inject(code, out, at);
    const io = memoryIo();
    let exit: number;
    try {
      exit = await run(['evaluate', '--pred', labels, '--gt', labels, '--out', out], io);
    } finally {
      undo();
    }
    expect(exit).toBe(EXIT.failure);
    expect(io.err()).toMatch(message);
    expect(io.err()).toMatch(/metrics\.csv: /);
    expect(io.err()).not.toMatch(/this is a bug/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')('a real file-size limit (ulimit -f) on the real command: EFBIG typed, exit 1, no lock or temporary file left', () => {
    const out = join(root, 'efbig');
    const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
    const args = cmdline`train --data ${join(root, 'data')} --out ${out} --iterations 2 --val-every 2 --batch-size 1 --features 4 --stages 2 --patch 1,32,32 --backend reference`;
    // 8 KiB: config.json and log.jsonl fit, a checkpoint does not.
    const r = spawnSync('bash', ['-c', 'ulimit -f 8; exec "$@"', 'bash', process.execPath, '--import', 'tsx', '--conditions=@colab-ts/source', bin, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TSX_DISABLE_CACHE: '1' },
    }); // tsx's own cache writes stay out of the limit
    expect(r.stderr).toMatch(/\.ckpt: the file grew past the file-size limit \(EFBIG\) \(fix: raise the limit \(ulimit -f unlimited\)/);
    expect(r.status).toBe(EXIT.failure);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-') || f === 'run.lock')).toEqual([]);
  });

  it.skipIf(process.platform !== 'linux')('--out under /proc (a file system that refuses new folders) is a typed error, not a hang', () => {
    const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
    // In a child process: Node's recursive mkdir spins for ever there, which would stall this worker.
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@colab-ts/source', bin, 'evaluate', '--pred', labels, '--gt', labels, '--out', '/proc/colab-ts-test/eval'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stderr).toMatch(
      /--out \/proc\/colab-ts-test\/eval: this file system does not allow making \/proc\/colab-ts-test \(ENOENT\) \(fix: pass a folder on a writable disk\)/,
    );
    expect(r.status).toBe(EXIT.failure);
  });

  it('osError maps error codes, and leaves other errors alone', () => {
    expect(osError(Object.assign(new Error('x'), { code: 'ENOSPC', path: 'run/latest.ckpt' }))!.lines).toEqual([
      'run/latest.ckpt: no space left on the device (ENOSPC) (fix: free disk space, or write to another disk; files already written are complete (writes are atomic))',
    ]);
    expect(osError(Object.assign(new Error('x'), { code: 'EWHATEVER', syscall: 'rename' }))!.lines[0]).toMatch(
      /^rename: the system refused \(rename\) \(EWHATEVER\) \(fix: /,
    );
    expect(osError(new Error('plain'))).toBeUndefined();
    expect(osError({ code: 'ERR_INVALID_ARG_TYPE' })).toBeUndefined();
    expect(osError(Object.assign(new Error('x'), { code: 'EROFS' }))!.exitCode).toBe(EXIT.failure);
  });
});

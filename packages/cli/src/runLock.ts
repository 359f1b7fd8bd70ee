/**
 * One run per run folder: `run.lock` holds the owner's pid, host and start
 * time, made with an exclusive create, so a second `train` into the same
 * `--out` is refused instead of silently interleaving with the first. A lock
 * whose process is gone (kill -9, a crash) is stale and taken over, and so
 * are the `*.tmp-PID` files such a process left behind.
 * @module
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError } from './io.js';
import { prepareOutDir } from './osErrors.js';

/** The lock file's name inside a run folder. @category runs */
export const LOCK_FILE = 'run.lock';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/** Lock files this process holds (a lock with our own pid that is not here is stale). */
const held = new Set<string>();

/** Removes the lock at `path` when this process wrote it. */
function unlock(path: string): void {
  held.delete(path);
  try {
    if (readLock(path)?.pid === process.pid) unlinkSync(path);
  } catch {
    // already gone
  }
}

// A hard exit (a second Ctrl-C calls process.exit) still releases the locks; kill -9 leaves them stale.
let exitHook = false;
const releaseAllOnExit = (): void => {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => [...held].forEach(unlock));
};

/** Whether process `pid` of this host is running (EPERM: it is, under another user). */
function alive(pid: number): boolean {
  if (pid === process.pid) return false; // callers check `held` for this process
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    return Number.isSafeInteger(j.pid) && j.pid! > 0 && typeof j.host === 'string' ? { pid: j.pid!, host: j.host, started: String(j.started) } : undefined;
  } catch {
    return undefined;
  }
}

/** Why the lock at `path` is still in force, or undefined when it is stale. */
function inForce(path: string): string | undefined {
  const info = readLock(path);
  if (info === undefined) {
    // Unreadable: being written this instant, or torn by a crash long ago.
    let age = Infinity;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    return age < 10_000 ? 'another colab-ts run is starting in it' : undefined;
  }
  const by = `another colab-ts run (pid ${info.pid} on ${info.host}, started ${info.started}) is using it`;
  if (info.host !== hostname()) return by; // cannot tell from here
  if (info.pid === process.pid) return held.has(path) ? by : undefined;
  return alive(info.pid) ? by : undefined;
}

/** Whether a `*.tmp-PID` file was left by a process that is gone (or by this one, which holds the lock). */
const orphanTemp = (name: string): boolean => {
  const m = /\.tmp-(\d+)$/.exec(name);
  return m !== null && (Number(m[1]) === process.pid || !alive(Number(m[1])));
};

/**
 * Takes the lock of run folder `dir` (made when absent), removing a stale
 * lock and stale temporary files; throws a usage error (exit code 2) while
 * another live run holds it. Returns the release.
 * @example const release = acquireRunLock('runs/colab'); try { ... } finally { release() }
 * @category runs
 */
export function acquireRunLock(dir: string): () => void {
  const path = join(resolve(dir), LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      const why = inForce(path);
      if (why !== undefined || attempt > 0) {
        throw new CliError('usage', [
          `--out ${dir}: ${why ?? 'another colab-ts run took it'} (fix: wait for that run to finish or pass another --out; if it is gone, delete ${path})`,
        ]);
      }
      unlinkSync(path);
      continue;
    }
    try {
      const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
      writeSync(fd, `${JSON.stringify(info)}\n`);
    } finally {
      closeSync(fd);
    }
    held.add(path);
    releaseAllOnExit();
    for (const f of readdirSync(resolve(dir))) if (orphanTemp(f)) unlinkSync(join(resolve(dir), f));
    return () => unlock(path);
  }
}

/**
 * Runs `f` holding the lock of run folder `dir`: makes the folder, takes the
 * lock, and releases it however `f` ends; a folder this call made and `f`
 * left empty is removed again (a run refused before writing leaves nothing).
 * @category runs
 */
export async function withRunLock<A>(dir: string, f: () => Promise<A>): Promise<A> {
  const existed = existsSync(dir);
  prepareOutDir(dir, '--out');
  let release: (() => void) | undefined;
  try {
    release = acquireRunLock(dir);
    return await f();
  } finally {
    release?.();
    if (!existed) {
      try {
        rmdirSync(dir); // only when empty
      } catch {
        // the run wrote into it: keep it
      }
    }
  }
}

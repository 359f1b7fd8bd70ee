import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireRunLock, EXIT, LOCK_FILE, memoryIo, run, train } from '../src/index.js';
import { fastTrain, finish, tempDir, tinyDataset, cmdline } from './helpers.js';

/** The pid of a process that has exited (and been reaped). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

const trainArgs = (data: string, out: string, more: string[] = []): string[] =>
  cmdline`train --data ${data} --out ${out} --iterations 2 --batch-size 1 --features 2 --stages 2 --patch 1,32,32 --val-every 2 ${more}`;

describe('one run per run folder (issue #12)', () => {
  let root: string;
  let data: string;
  beforeAll(async () => {
    root = tempDir('lock');
    data = await tinyDataset(join(root, 'data'), 2);
  });
  afterAll(finish);

  it('a second train into the same --out while the first runs is refused (exit 2); the first finishes alone', async () => {
    const out = join(root, 'shared');
    const io1 = memoryIo();
    const io2 = memoryIo();
    const [a, b] = await Promise.all([run(trainArgs(data, out, ['--seed', '1']), io1), run(trainArgs(data, out, ['--seed', '2']), io2)]);
    expect([a, b]).toEqual([EXIT.ok, EXIT.usage]);
    expect(io2.err()).toMatch(
      new RegExp(`--out .*shared: another colab-ts run \\(pid ${process.pid} on .*\\) is using it \\(fix: wait for that run to finish or pass another --out`),
    );
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { seed: number };
    expect(cfg.seed).toBe(1);
    const steps = readFileSync(join(out, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step: number })
      .filter((e) => e.type === 'train')
      .map((e) => e.step);
    expect(steps).toEqual([1, 2]);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false); // released
  });

  it('a lock left by a process that is gone is stale: taken over, with the temporary files it left', async () => {
    const out = join(root, 'stale');
    mkdirSync(out);
    const pid = deadPid();
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00Z' }));
    writeFileSync(join(out, `latest.ckpt.tmp-${pid}`), 'half a checkpoint');
    writeFileSync(join(out, `config.json.tmp-${pid}`), '{"ha');
    const io = memoryIo();
    expect(await run(trainArgs(data, out), io)).toBe(EXIT.ok);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-') || f === LOCK_FILE)).toEqual([]);
  });

  it('a temporary file of a live process is left alone; a lock from another host is respected', () => {
    const out = join(root, 'live');
    mkdirSync(out);
    const live = `latest.ckpt.tmp-${process.ppid}`;
    writeFileSync(join(out, live), 'x');
    const release = acquireRunLock(out);
    expect(readdirSync(out).sort()).toEqual([live, LOCK_FILE].sort());
    release();
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: 1, host: `not-${hostname()}`, started: 'x' }));
    expect(() => acquireRunLock(out)).toThrow(/pid 1 on not-/);
  });

  it('a run refused before it writes leaves no folder behind', async () => {
    const out = join(root, 'never');
    expect(await run(trainArgs(join(root, 'no-data'), out), memoryIo())).toBe(EXIT.usage);
    expect(existsSync(out)).toBe(false);
    await expect(train(fastTrain(data, join(root, 'never2'), { resume: true }), memoryIo())).rejects.toThrow(/--resume/);
    expect(existsSync(join(root, 'never2'))).toBe(false);
  });
});

import { copyFileSync, existsSync, readFileSync, truncateSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNifti, saveNifti } from '@colab-ts/data';
import { array } from '@colab-ts/ndarray';
import { afterAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/index.js';
import { EXIT, loadCheckpoint, memoryIo, nonFiniteCount, run, train } from '../src/index.js';
import { fastTrain, onReferenceBackend, removeTempDirs, tempDataset, tinyDataset } from './helpers.js';

const small = ['--batch-size', '1', '--features', '2', '--stages', '2', '--patch', '1,32,32'];
const trainArgs = (data: string, out: string, more: string[] = []): string[] => [
  'train',
  '--data',
  data,
  '--out',
  out,
  ...(more.includes('--iterations') ? [] : ['--iterations', '2']),
  '--val-every',
  '2',
  ...small,
  ...more,
];
const trainSteps = (run: string): number[] =>
  readFileSync(join(run, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step: number })
    .filter((e) => e.type === 'train')
    .map((e) => e.step);

describe('train faults are typed errors, and nothing is lost (issue #12)', () => {
  const fx = onReferenceBackend('faults', 2);

  it('an interrupt delivered through the event loop stops the reference backend between steps', async () => {
    const controller = new AbortController();
    // A signal handler, like a timer, runs only when the event loop gets control.
    const r = await train(
      fastTrain(fx.data, join(fx.root, 'sigint'), { iterations: 6, onStep: (s) => s === 1 && setImmediate(() => controller.abort()) }),
      memoryIo(),
      controller.signal,
    );
    expect(r.status).toBe('interrupted');
    expect(r.step).toBeLessThan(6);
    expect((loadCheckpoint(join(fx.root, 'sigint', 'latest.ckpt')) as Checkpoint).step).toBe(r.step);
  });

  it('--lr 1e6: exit 1 with the step and a fix; no checkpoint holds a non-finite value', async () => {
    const out = join(fx.root, 'diverge');
    const io = memoryIo();
    expect(await run(trainArgs(fx.data, out, ['--lr', '1e6', '--iterations', '8']), io)).toBe(EXIT.failure);
    expect(io.err()).toMatch(
      /train: (the loss became NaN|\d+ value\(s\) of the parameters or optimizer state became NaN or infinite) at step \d+; training stopped \(fix: lower the learning rate, e\.g\. --lr 0\.01, in a new --out; (latest\.ckpt, step \d+, is the last finite checkpoint|no checkpoint was written)\)/,
    );
    for (const f of ['latest.ckpt', 'best.ckpt']) {
      if (existsSync(join(out, f))) expect(nonFiniteCount((loadCheckpoint(join(out, f)) as Checkpoint).state)).toBe(0);
    }
    expect(nonFiniteCount({ a: array(new Float32Array([1, NaN, Infinity]), [3], 'float32'), b: [2, -Infinity] })).toBe(3);
  });

  it('--resume lists every changed setting instead of dropping it', async () => {
    const out = join(fx.root, 'changed');
    expect(await run(trainArgs(fx.data, out), memoryIo())).toBe(EXIT.ok);
    const io = memoryIo();
    expect(await run(trainArgs(fx.data, out, ['--resume', '--iterations', '3', '--margin', '7', '--roi-share', '0.9', '--augment=false']), io)).toBe(
      EXIT.usage,
    );
    const lines = io.err().trim().split('\n');
    expect(lines).toEqual([
      // The default margin of 32-px phantoms at 1.5 mm: 30 * 32 / 256 = 3.75 voxels = 5.625 mm (rounded to 0.01).
      'colab-ts train: --margin: the run was started with 5.63, got 7 (fix: resume with the same settings, or start a new --out)',
      'colab-ts train: --roi-share: the run was started with 0.5, got 0.9 (fix: resume with the same settings, or start a new --out)',
      'colab-ts train: --augment: the run was started with true, got false (fix: resume with the same settings, or start a new --out)',
    ]);
    // --iterations alone may change: train longer.
    expect(await run(trainArgs(fx.data, out, ['--resume', '--iterations', '3']), memoryIo())).toBe(EXIT.ok);
    expect(trainSteps(out)).toEqual([1, 2, 3]);
  });

  it('--resume after a crash mid-append: the torn last line of log.jsonl is dropped', async () => {
    const out = join(fx.root, 'torn');
    expect(await run(trainArgs(fx.data, out), memoryIo())).toBe(EXIT.ok);
    appendFileSync(join(out, 'log.jsonl'), '{"type":"train","st');
    expect(await run(trainArgs(fx.data, out, ['--resume', '--iterations', '3']), memoryIo())).toBe(EXIT.ok);
    expect(trainSteps(out)).toEqual([1, 2, 3]);
    // A damaged line in the middle is the user's to fix.
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8').split('\n');
    writeFileSync(join(out, 'log.jsonl'), [log[0], 'garbage', ...log.slice(1)].join('\n'));
    const io = memoryIo();
    expect(await run(trainArgs(fx.data, out, ['--resume', '--iterations', '4']), io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/log\.jsonl:2: not a JSON line \(fix: delete the damaged line/);
  });

  it('--resume with a config.json that is not JSON, or a truncated latest.ckpt: exit 2, the file and a fix for train', async () => {
    const out = join(fx.root, 'damaged');
    expect(await run(trainArgs(fx.data, out), memoryIo())).toBe(EXIT.ok);
    const cfg = readFileSync(join(out, 'config.json'), 'utf8');
    writeFileSync(join(out, 'config.json'), cfg.slice(0, 40));
    const io = memoryIo();
    expect(await run(trainArgs(fx.data, out, ['--resume', '--iterations', '3']), io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/config\.json: not valid JSON \(.*\) \(fix: restore config\.json, or start a new --out without --resume\)/);
    const ioPredict = memoryIo();
    expect(await run(['predict', '--run', out, '--input', join(fx.data, 'imagesTr'), '--out', join(fx.root, 'p')], ioPredict)).toBe(EXIT.usage);
    expect(ioPredict.err()).toMatch(/config\.json: not valid JSON .*\(fix: point --run at a folder written by colab-ts train\)/);

    writeFileSync(join(out, 'config.json'), cfg);
    const ck = join(out, 'latest.ckpt');
    copyFileSync(ck, join(fx.root, 'latest.bak'));
    truncateSync(ck, Math.floor(statSync(ck).size / 2));
    const io2 = memoryIo();
    expect(await run(trainArgs(fx.data, out, ['--resume', '--iterations', '3']), io2)).toBe(EXIT.usage);
    expect(io2.err()).toMatch(/latest\.ckpt: not a colab-ts checkpoint \(truncated (header|data)[^)]*\) \(fix: copy best\.ckpt over latest\.ckpt/);
    expect(io2.err()).not.toMatch(/--run/);
  });

  it('--method kmeans on constant images, and --data pointing at a file: exit 2 with a fix', async () => {
    const flat = await tinyDataset(join(fx.root, 'flat'), 2);
    for (const f of ['case_000', 'case_001']) {
      const p = join(flat, 'imagesTr', `${f}.nii.gz`);
      const v = await loadNifti(p);
      await saveNifti(p, { ...v, data: array(new Float32Array(32 * 32).fill(40), v.data.shape, 'float32') });
    }
    const io = memoryIo();
    expect(await run(trainArgs(flat, join(fx.root, 'km'), ['--method', 'kmeans']), io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/--method kmeans: 0 voxel\(s\) stand out of the background, too few for --t 2 clusters; are the images constant\? \(fix: /);
    const io2 = memoryIo();
    expect(await run(trainArgs(join(flat, 'dataset.json'), join(fx.root, 'file')), io2)).toBe(EXIT.usage);
    expect(io2.err()).toMatch(/is a file, not a dataset folder/);
    expect(io2.err()).not.toMatch(/JSON/);
  });
});

describe('Ctrl-C on the reference backend, through the real command (issue #12)', () => {
  afterAll(removeTempDirs);

  it('the first SIGINT saves a checkpoint and exits 130 long before the last iteration', async () => {
    const { dir: root, data } = await tempDataset('sigint-bin', 2);
    const out = join(root, 'run');
    const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@colab-ts/source', bin, ...trainArgs(data, out, ['--iterations', '100000', '--backend', 'reference'])],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // Today's failure mode is "every iteration runs": cap it so the test fails instead of hanging.
    const cap = setTimeout(() => child.kill('SIGKILL'), 40_000);
    try {
      let err = '';
      const code = await new Promise<number | null>((done) => {
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          // The first progress line comes after step 1: training is under way.
          if (/train colab \[/.test(err) && !child.killed) child.kill('SIGINT');
        });
        child.on('exit', (c) => done(c));
      });
      expect(code).toBe(130);
      expect(err).toMatch(/interrupted at step \d+; checkpoint saved/);
      expect((loadCheckpoint(join(out, 'latest.ckpt')) as Checkpoint).step).toBeLessThan(1000);
      expect(existsSync(join(out, 'run.lock'))).toBe(false);
    } finally {
      clearTimeout(cap);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

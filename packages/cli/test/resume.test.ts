import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/index.js';
import { loadCheckpoint, memoryIo, train } from '../src/index.js';
import { bytesOf, fastTrain, onReferenceBackend } from './helpers.js';

describe('resume', () => {
  // The reference backend is deterministic; the wasm backend's multi-threaded weight gradient
  // hands out work dynamically, so its float sums (and so any two runs) differ at the 1e-8 level.
  const fx = onReferenceBackend('resume');

  it.each([
    ['', {}],
    [' (generator weight average: its state too)', { generatorAverage: 0.9 }],
  ] as const)('an interrupted CoLab run, resumed, gives bit-identical weights, optimizer and generator states%s', async (tag, more) => {
    const dir = (name: string): string => join(fx.root, `${name}${tag === '' ? '' : '-avg'}`);
    const whole = await train(fastTrain(fx.data, dir('whole'), more), memoryIo());
    expect(whole.status).toBe('done');

    const controller = new AbortController();
    const cut = await train(fastTrain(fx.data, dir('cut'), { ...more, onStep: (s) => s === 2 && controller.abort() }), memoryIo(), controller.signal);
    expect(cut.status).toBe('interrupted');
    expect((loadCheckpoint(join(dir('cut'), 'latest.ckpt')) as Checkpoint).step).toBe(2);
    // --resume without the flag keeps the run's setting (config.json)
    const resumed = await train(fastTrain(fx.data, dir('cut'), { resume: true }), memoryIo());
    expect(resumed.status).toBe('done');
    const cfg = JSON.parse(readFileSync(join(dir('cut'), 'config.json'), 'utf8')) as { generatorAverage?: number };
    expect(cfg.generatorAverage).toBe('generatorAverage' in more ? 0.9 : undefined);

    const a = loadCheckpoint(join(dir('whole'), 'latest.ckpt')) as Checkpoint;
    const b = loadCheckpoint(join(dir('cut'), 'latest.ckpt')) as Checkpoint;
    expect('omegaAvg' in b.state).toBe('generatorAverage' in more);
    expect(b.step).toBe(4);
    expect(b.state.iteration).toBe(a.state.iteration);
    const ba = bytesOf(a.state);
    const bb = bytesOf(b.state);
    expect(bb.length).toBe(ba.length);
    expect(ba.filter((x) => typeof x !== 'number').length).toBeGreaterThan(10);
    ba.forEach((x, i) => {
      const y = bb[i]!;
      if (typeof x === 'number') expect(y).toBe(x);
      else expect(Buffer.compare(Buffer.from(x), Buffer.from(y as Uint8Array))).toBe(0);
    });
    // The log holds each step once.
    const steps = readFileSync(join(dir('cut'), 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step: number })
      .filter((e) => e.type === 'train')
      .map((e) => e.step);
    expect(steps).toEqual([1, 2, 3, 4]);
  });

  it('refuses to overwrite a run without --resume, and to resume with other settings', async () => {
    const io = memoryIo();
    await expect(train(fastTrain(fx.data, join(fx.root, 'whole')), io)).rejects.toThrow(/already holds a run/);
    await expect(train(fastTrain(fx.data, join(fx.root, 'whole'), { resume: true, lr: 0.5 }), io)).rejects.toThrow(/--lr: the run was started with 0.01/);
  });
});

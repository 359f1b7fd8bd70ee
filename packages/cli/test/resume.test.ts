import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenArrays } from '@colab-ts/nn';
import type { Checkpoint } from '../src/index.js';
import { loadCheckpoint, memoryIo, train } from '../src/index.js';
import { fastTrain, tempDir, tinyDataset } from './helpers.js';

const bytesOf = (ck: Checkpoint): Uint8Array[] => flattenArrays('test', ck.state).leaves.map((l) => new Uint8Array(l.data.buffer, l.data.byteOffset, l.data.byteLength));

describe('resume', () => {
  let data: string;
  let root: string;
  beforeAll(async () => {
    root = tempDir('resume');
    data = await tinyDataset(join(root, 'data'));
  });

  it('an interrupted CoLab run, resumed, gives bit-identical weights, optimizer and generator states', async () => {
    const whole = await train(fastTrain(data, join(root, 'whole')), memoryIo());
    expect(whole.status).toBe('done');

    const controller = new AbortController();
    const cut = await train(fastTrain(data, join(root, 'cut'), { onStep: (s) => s === 2 && controller.abort() }), memoryIo(), controller.signal);
    expect(cut.status).toBe('interrupted');
    expect((loadCheckpoint(join(root, 'cut', 'latest.ckpt')) as Checkpoint).step).toBe(2);
    const resumed = await train(fastTrain(data, join(root, 'cut'), { resume: true }), memoryIo());
    expect(resumed.status).toBe('done');

    const a = loadCheckpoint(join(root, 'whole', 'latest.ckpt')) as Checkpoint;
    const b = loadCheckpoint(join(root, 'cut', 'latest.ckpt')) as Checkpoint;
    expect(b.step).toBe(4);
    expect(b.state.iteration).toBe(a.state.iteration);
    const ba = bytesOf(a);
    const bb = bytesOf(b);
    expect(bb.length).toBe(ba.length);
    expect(ba.length).toBeGreaterThan(10);
    ba.forEach((x, i) => expect(Buffer.compare(Buffer.from(x), Buffer.from(bb[i]!))).toBe(0));
    // The log holds each step once.
    const steps = readFileSync(join(root, 'cut', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; step: number }).filter((e) => e.type === 'train').map((e) => e.step);
    expect(steps).toEqual([1, 2, 3, 4]);
  });

  it('refuses to overwrite a run without --resume, and to resume with other settings', async () => {
    const io = memoryIo();
    await expect(train(fastTrain(data, join(root, 'whole')), io)).rejects.toThrow(/already holds a run/);
    await expect(train(fastTrain(data, join(root, 'whole'), { resume: true, lr: 0.5 }), io)).rejects.toThrow(/--lr: the run was started with 0.01/);
  });
});

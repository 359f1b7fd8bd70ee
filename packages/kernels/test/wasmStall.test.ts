/**
 * The wasm engine's stall watchdog: a job whose worker makes no progress for
 * `stallMs` fails the call (and every later one) with an error that says so and
 * points at a diagnostic report holding the worker's stack, instead of waiting
 * forever; a job that is slow but progresses, or a worker that pauses for less
 * than `stallMs`, is not called stalled.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { array } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { conv3d } from '../src/reference.js';
import type { Triple } from '../src/wasm/wasmConv.js';
import { createWasmConv } from '../src/wasm/wasmConv.js';
import { expectAllClose, rand32 } from './helpers.js';

const t3 = (v: number): Triple => [v, v, v];
const OPTS = { stride: t3(1), padding: t3(1), dilation: t3(1) };
const f32 = (x: { data: unknown }): Float32Array => x.data as Float32Array;

describe('the stall watchdog', () => {
  for (const join of [true, false]) {
    it(`fails a job whose worker stops making progress (${join ? 'caller joins' : 'caller waits'})`, async () => {
      const eng = await createWasmConv({ threads: 2, join, stallMs: 600 });
      try {
        const t0 = performance.now();
        const err = await eng.hold(60_000).then(
          () => null,
          (e: unknown) => e as Error,
        );
        const took = performance.now() - t0;
        expect(err).toBeInstanceOf(Error);
        expect(err!.message).toMatch(/made no progress for 1 s on a hold job/);
        // 12 quiet checks of 50 ms each, not the minute the worker would hold
        expect(took).toBeGreaterThanOrEqual(550);
        expect(took).toBeLessThan(20_000);
        const report = /diagnostic report at (\S+)/.exec(err!.message)?.[1];
        expect(report).toBeDefined();
        expect(existsSync(report!)).toBe(true);
        const json = JSON.parse(readFileSync(report!, 'utf8')) as { workers: unknown[] };
        expect(json.workers.length).toBeGreaterThanOrEqual(1);
        rmSync(report!);
        // the engine stays broken: a later call fails with the same error instead of hanging
        const x = f32(rand32(1, [1, 2, 4, 4, 4]));
        const w = f32(rand32(2, [3, 2, 3, 3, 3]));
        await expect(eng.conv3d(x, [1, 2, 4, 4, 4], w, [3, 2, 3, 3, 3], null, OPTS)).rejects.toBe(err);
      } finally {
        eng.dispose();
      }
    }, 30_000);
  }

  it('lets a worker pause for less than stallMs, and a long job that progresses, finish', async () => {
    const eng = await createWasmConv({ threads: 2, stallMs: 600, inlineMacs: 0 });
    try {
      await eng.hold(300);
      // twice the stall span, but a chunk claimed every 100 ms
      const t0 = performance.now();
      await eng.hold(1200, 100);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(1150);
      // and the engine still computes
      const xs = [2, 8, 16, 32, 32];
      const ws = [8, 8, 3, 3, 3];
      const x = rand32(3, xs);
      const w = rand32(4, ws);
      const got = await eng.conv3d(f32(x), xs, f32(w), ws, null, OPTS);
      expectAllClose(array(got.data, got.shape), conv3d(x, w, null, { stride: 1, padding: 1 }), 1e-5);
    } finally {
      eng.dispose();
    }
  }, 30_000);

  it('notices a job that ended without waking the caller within one check, and counts it', async () => {
    const eng = await createWasmConv({ threads: 2, stallMs: 1200 });
    try {
      expect(eng.lostWakeups).toBe(0);
      // the worker counts itself done after 200 ms without a notify, then holds on for 20 s
      const t0 = performance.now();
      await eng.hold(20_000, 0, 200);
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(200);
      expect(took).toBeLessThan(5_000);
      expect(eng.lostWakeups).toBe(1);
    } finally {
      eng.dispose();
    }
  }, 30_000);

  it('refuses a stallMs that is not a positive number', async () => {
    await expect(createWasmConv({ threads: 2, stallMs: 0 })).rejects.toThrow(/stallMs must be a positive/);
  });
});

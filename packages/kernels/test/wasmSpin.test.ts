/**
 * The engine's polling policy: a joining caller stops polling for its workers (and tells them to sleep at
 * once) while they are often late, as on a machine busy with other work, and polls again after a pause.
 * The policy's state machine is checked by hand against its rule (windows of 256 joined jobs, more than 5%
 * of them later than the caller's 2 ms of polling, pauses of 2, 4, 8, 16 s); the engine is checked with the
 * test-only hold job, whose worker holds each job for 3 ms (late on any machine, loaded or not).
 */
import { describe, expect, it } from 'vitest';
import type { SpinState } from '../src/wasm/wasmConv.js';
import { createWasmConv, nextSpinState, SPIN_START } from '../src/wasm/wasmConv.js';

/** `n` joined jobs of `late` of which were late (first), all at time `now`. */
const window = (s: SpinState, n: number, late: number, now: number): SpinState => {
  let t = s;
  for (let i = 0; i < n; i++) t = nextSpinState(t, i < late ? 2.5 : 0.01, now);
  return t;
};

describe('the polling policy (nextSpinState)', () => {
  it('keeps polling over a window with at most 5% late jobs, stops above', () => {
    expect(window(SPIN_START, 256, 12, 0).spinning).toBe(true); // 12 / 256 = 4.7%
    expect(window(SPIN_START, 255, 255, 0).spinning).toBe(true); // the window is not full yet
    const off = window(SPIN_START, 256, 13, 1000); // 13 / 256 = 5.1%
    expect(off.spinning).toBe(false);
    expect(off.pausedUntil).toBe(3000);
    // a wait of exactly the polling time is not late
    let s = SPIN_START;
    for (let i = 0; i < 256; i++) s = nextSpinState(s, 2, 0);
    expect(s.spinning).toBe(true);
  });

  it('pauses 2 s, doubling while probes fail (up to 16 s), and starts over after a good window', () => {
    let s = window(SPIN_START, 256, 256, 0);
    const ends: number[] = [];
    let now = 0;
    for (let probe = 0; probe < 6; probe++) {
      expect(s.spinning).toBe(false);
      ends.push(s.pausedUntil - now);
      // within the pause nothing changes, whatever the waits
      expect(nextSpinState(s, 0.01, s.pausedUntil - 1)).toBe(s);
      now = s.pausedUntil;
      s = nextSpinState(s, 5, now); // the first job after the pause polls again (and starts a new window)
      expect(s.spinning).toBe(true);
      expect(s.jobs).toBe(0);
      s = window(s, 256, 256, now); // the probe's window: every job late
    }
    expect(ends).toEqual([2000, 4000, 8000, 16000, 16000, 16000]);
    now = s.pausedUntil;
    s = window(nextSpinState(s, 0, now), 256, 0, now); // a good probe
    expect(s).toEqual(SPIN_START);
    s = window(s, 256, 256, now);
    expect(s.pausedUntil - now).toBe(2000);
  });
});

describe('the engine polls while it pays', () => {
  const holds = async (eng: { hold(ms: number): Promise<void> }, n: number, ms: number): Promise<void> => {
    for (let i = 0; i < n; i++) await eng.hold(ms);
  };

  it('stops polling after a window of late workers (a joining caller, the default)', async () => {
    const eng = await createWasmConv({ threads: 2, join: true });
    try {
      expect(eng.spinning).toBe(true);
      await holds(eng, 256, 3);
      expect(eng.spinning).toBe(false);
    } finally {
      eng.dispose();
    }
  }, 30_000);

  it('polls always with adaptiveSpin: false, and for a caller that does not join', async () => {
    for (const opts of [{ join: true, adaptiveSpin: false }, { join: false }]) {
      const eng = await createWasmConv({ threads: 2, ...opts });
      try {
        await holds(eng, 260, 3);
        expect(eng.spinning).toBe(true);
      } finally {
        eng.dispose();
      }
    }
  }, 30_000);
});

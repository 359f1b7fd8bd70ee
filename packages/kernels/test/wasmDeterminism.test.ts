import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Triple, WasmConv, WasmConvOptions } from '../src/wasm/wasmConv.js';
import { createWasmConv } from '../src/wasm/wasmConv.js';

// The wasm engine must give bit-identical results run after run (a resumed
// training run has to reproduce an uninterrupted one), whatever the worker
// threads' scheduling was.

let eng: WasmConv;
beforeAll(async () => {
  eng = await createWasmConv({ threads: 2, inlineMacs: 0 }); // the workers' scheduling is what varies
});
afterAll(() => {
  eng.dispose();
});

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
}

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function expectRepeatable(run: () => Promise<{ data: Float32Array }>): Promise<void> {
  const first = bytes((await run()).data);
  expect(first.length).toBeGreaterThan(0);
  for (let i = 1; i < 5; i++) {
    const again = bytes((await run()).data);
    expect(Buffer.compare(first, again), `run ${i} differs from run 0`).toBe(0);
  }
}

const t3 = (v: number): Triple => [v, v, v];
interface Case {
  name: string;
  N: number;
  Cin: number;
  Cout: number;
  S: number;
  k: number;
  opts: WasmConvOptions;
}
const cases: Case[] = [
  // few row groups: backward-weights takes the split-k path
  { name: 'N=1, 32->32, 4^3 (split-k path)', N: 1, Cin: 32, Cout: 32, S: 4, k: 3, opts: { stride: t3(1), padding: t3(1), dilation: t3(1) } },
  { name: 'N=2, 16->16, 16^3', N: 2, Cin: 16, Cout: 16, S: 16, k: 3, opts: { stride: t3(1), padding: t3(1), dilation: t3(1) } },
  { name: 'N=1, 8->12, 12x10x14, stride 2', N: 1, Cin: 8, Cout: 12, S: 0, k: 3, opts: { stride: t3(2), padding: t3(1), dilation: t3(1) } },
  { name: 'N=1, 64->64, 8^3 (large weights)', N: 1, Cin: 64, Cout: 64, S: 8, k: 3, opts: { stride: t3(1), padding: t3(1), dilation: t3(1) } },
];

/** A case's input and weights (shapes and deterministic values from two seeds). */
function operands(c: Case, seedX: number, seedW: number) {
  const sp: Triple = c.S > 0 ? t3(c.S) : [12, 10, 14];
  const xShape = [c.N, c.Cin, ...sp];
  const wShape = [c.Cout, c.Cin, c.k, c.k, c.k];
  return { xShape, wShape, x: rand(nd(xShape), seedX), w: rand(nd(wShape), seedW) };
}
const nd = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

describe('the wasm engine is bit-deterministic (2 threads)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { xShape, wShape, x, w } = operands(c, 1, 2);
      const bias = rand(c.Cout, 3);
      const y = await eng.conv3d(x, xShape, w, wShape, bias, c.opts);
      const dy = rand(y.data.length, 4);
      await expectRepeatable(() => eng.conv3d(x, xShape, w, wShape, bias, c.opts));
      await expectRepeatable(() => eng.conv3dBackwardInput(dy, y.shape, w, wShape, xShape, c.opts));
      await expectRepeatable(() => eng.conv3dBackwardWeights(x, xShape, dy, y.shape, wShape, c.opts));
    });
  }
});

describe('the calling thread joining the workers changes no bit', () => {
  let alone: WasmConv;
  let waiting: WasmConv;
  beforeAll(async () => {
    alone = await createWasmConv({ workers: false });
    waiting = await createWasmConv({ threads: 2, inlineMacs: 0, join: false });
  });
  afterAll(() => {
    alone.dispose();
    waiting.dispose();
  });
  for (const c of cases) {
    it(c.name, async () => {
      const { xShape, wShape, x, w } = operands(c, 5, 6);
      const y = await eng.conv3d(x, xShape, w, wShape, null, c.opts);
      const dy = rand(y.data.length, 7);
      // eng: the caller runs thread 0's share beside one worker; waiting: two workers; alone: no workers.
      const dx = await eng.conv3dBackwardInput(dy, y.shape, w, wShape, xShape, c.opts);
      const dw = await eng.conv3dBackwardWeights(x, xShape, dy, y.shape, wShape, c.opts);
      for (const other of [waiting, alone]) {
        expect(Buffer.compare(bytes(y.data), bytes((await other.conv3d(x, xShape, w, wShape, null, c.opts)).data))).toBe(0);
        expect(Buffer.compare(bytes(dx.data), bytes((await other.conv3dBackwardInput(dy, y.shape, w, wShape, xShape, c.opts)).data))).toBe(0);
      }
      // The weight gradient's partial sums are split by the number of threads (not by who runs them): equal to the
      // two workers' bit for bit; one thread adds in another order (float64 partial sums, rounded once).
      expect(Buffer.compare(bytes(dw.data), bytes((await waiting.conv3dBackwardWeights(x, xShape, dy, y.shape, wShape, c.opts)).data))).toBe(0);
    });
  }
});

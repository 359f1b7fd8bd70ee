/**
 * The engine's single-threaded path (a browser page that cannot share memory
 * with workers runs the same job code on the calling thread; `workers: false`
 * asks for it here): every pass against the reference on the U-Net's layer
 * kinds, through memory that grows (and detaches its views) as it goes.
 */
import { array } from '@colab-ts/ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv3d, conv3dBackwardInput, conv3dBackwardWeights } from '../src/reference.js';
import type { Triple, WasmConv } from '../src/wasm/wasmConv.js';
import { createWasmConv } from '../src/wasm/wasmConv.js';
import { createWasmBackend } from '../src/wasm/backend.js';
import { expectAllClose, rand32 } from './helpers.js';

const t3 = (v: number): Triple => [v, v, v];
const f32 = (x: { data: unknown }): Float32Array => x.data as Float32Array;

let eng: WasmConv;
beforeAll(async () => {
  eng = await createWasmConv({ threads: 2, workers: false });
});
afterAll(() => {
  eng.dispose();
});

describe('the wasm engine without shared memory', () => {
  it('runs single-threaded on the calling thread', () => {
    expect(eng.workers).toBe(false);
    expect(eng.threads).toBe(1);
  });

  it.each([
    { k: 3, s: 1, p: 1, spatial: [6, 5, 7], ci: 5, co: 6 },
    { k: 3, s: 2, p: 1, spatial: [7, 6, 9], ci: 3, co: 5 },
    { k: 2, s: 2, p: 0, spatial: [4, 6, 4], ci: 6, co: 3 },
    { k: 3, s: 1, p: 1, spatial: [4, 4, 4], ci: 9, co: 10 },
  ])('agrees with the reference: kernel $k, stride $s, padding $p', async ({ k, s, p, spatial, ci, co }) => {
    const xShape = [2, ci, ...spatial];
    const wShape = [co, ci, k, k, k];
    const x = rand32(1, xShape);
    const w = rand32(2, wShape);
    const o = { stride: t3(s), padding: t3(p), dilation: t3(1) };
    const ro = { stride: s, padding: p };
    const yRef = conv3d(x, w, null, ro);
    const y = await eng.conv3d(f32(x), xShape, f32(w), wShape, null, o);
    expectAllClose(array(y.data, y.shape), yRef, 1e-5);
    const dy = rand32(3, yRef.shape);
    const dx = await eng.conv3dBackwardInput(f32(dy), [...yRef.shape], f32(w), wShape, xShape, o);
    expectAllClose(array(dx.data, dx.shape), conv3dBackwardInput(dy, w, xShape, ro), 1e-5);
    const dw = await eng.conv3dBackwardWeights(f32(x), xShape, f32(dy), [...yRef.shape], wShape, o);
    expectAllClose(array(dw.data, dw.shape), conv3dBackwardWeights(x, dy, wShape, ro), 1e-4);
  });
});

describe('an engine with workers routes small calls to the calling thread', () => {
  const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const xShape = [2, 6, 9, 8, 10];
  const wShape = [7, 6, 3, 3, 3];
  const o = { stride: t3(1), padding: t3(1), dilation: t3(1) };
  const macs = 2 * 7 * 9 * 8 * 10 * 6 * 27;
  const passes = async (e: WasmConv): Promise<Buffer[]> => {
    const x = f32(rand32(5, xShape));
    const w = f32(rand32(6, wShape));
    const dy = f32(rand32(7, [2, 7, 9, 8, 10]));
    const y = await e.conv3d(x, xShape, w, wShape, null, o);
    const dx = await e.conv3dBackwardInput(dy, [2, 7, 9, 8, 10], w, wShape, xShape, o);
    const dw = await e.conv3dBackwardWeights(x, xShape, dy, [2, 7, 9, 8, 10], wShape, o);
    return [y.data, dx.data, dw.data].map(bits);
  };

  it('below inlineMacs: bit for bit the single-threaded engine; above it: the workers', async () => {
    const single = await passes(eng);
    const routed = await createWasmConv({ threads: 2, inlineMacs: macs });
    const onWorkers = await createWasmConv({ threads: 2, inlineMacs: macs - 1 });
    const allWorkers = await createWasmConv({ threads: 2, inlineMacs: 0 });
    try {
      expect(routed.workers).toBe(true);
      expect(await passes(routed)).toEqual(single);
      const workers = await passes(allWorkers);
      expect(await passes(onWorkers)).toEqual(workers);
      // the workers split the weight gradient's row groups into partial sums: other roundings, so the
      // comparison above can tell the two routes apart
      expect(workers[2]!.equals(single[2]!)).toBe(false);
    } finally {
      for (const e of [routed, onWorkers, allWorkers]) e.dispose();
    }
  });

  it('createWasmBackend passes inlineMacs to its engine; a bad value is refused', async () => {
    const x = rand32(5, xShape);
    const dy = rand32(7, [2, 7, 9, 8, 10]);
    const dwOn = async (inlineMacs: number): Promise<Buffer> => {
      const be = await createWasmBackend({ threads: 2, inlineMacs });
      try {
        return bits(f32(await be.kernels.conv3dBackwardWeights(x, dy, wShape, { stride: 1, padding: 1 })));
      } finally {
        await be.close();
      }
    };
    const [single] = (await passes(eng)).slice(2);
    expect((await dwOn(Number.POSITIVE_INFINITY)).equals(single!)).toBe(true);
    expect((await dwOn(0)).equals(single!)).toBe(false);
    for (const bad of [-1, Number.NaN]) {
      await expect(createWasmConv({ threads: 2, inlineMacs: bad })).rejects.toThrow(/inlineMacs must be a number of multiply-adds >= 0/);
    }
  });
});

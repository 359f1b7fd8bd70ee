import type { NDArray } from '@colab-ts/ndarray';
import { key, map, toTypedArray, transpose, uniform, zeros } from '@colab-ts/ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmBackend } from '../src/index.js';
import { createWasmBackend } from '../src/index.js';
import { conv3d, conv3dBackwardInput, conv3dBackwardWeights, convTranspose3d } from '../src/reference.js';
import { BEST_FIT, createBufferPool } from '../src/wasm/pool.js';
import { expectAllClose, runModuleScript } from './helpers.js';

let be: WasmBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 2 });
});
afterAll(async () => {
  await be.close();
});

/** `a` within the float32 error bound of an n-term sum, `n 2^-24 sum |terms|` per element, of the exact `b`. */
function expectWithinSumBound(a: NDArray, b: NDArray, absTerms: NDArray, n: number): void {
  expect(a.shape).toEqual(b.shape);
  const [x, y, t] = [toTypedArray(a), toTypedArray(b), toTypedArray(absTerms)];
  for (let i = 0; i < x.length; i++) {
    const bound = n * 2 ** -24 * t[i]! + 2 ** -24 * Math.abs(y[i]!);
    if (!(Math.abs(x[i]! - y[i]!) <= bound)) expect.fail(`element ${i}: ${x[i]} vs ${y[i]} (bound ${bound})`);
  }
}

describe('the wasm backend', () => {
  it('runs the convolutions on WebAssembly worker threads over NDArray buffers', async () => {
    expect(be.name).toBe('wasm');
    expect(be.threads).toBe(2);
    expect(be.device).toBe('WebAssembly SIMD, 2 threads (this one and 1 worker)');
    expect(be.wasmKernels).toEqual(['conv3d', 'conv3dBackwardInput', 'conv3dBackwardWeights', 'convTranspose3d']);
    const float32 =
      'unary binary compare where leakyRelu leakyReluBackward sum max concat instanceNorm instanceNormLeakyRelu instanceNormBackward instanceNormAffineBackward';
    expect(be.float32Kernels).toEqual(float32.split(' '));
    const x = zeros([1, 2, 3]);
    expect((await be.upload(x)).data).toBe(x.data); // no copy
  });

  it('agrees with the reference on a U-Net-sized layer with bias, stride and dilation', async () => {
    const x = uniform(key(1), [2, 6, 10, 9, 11], { low: -1, high: 1 });
    const w = uniform(key(2), [5, 6, 3, 3, 3], { low: -1, high: 1 });
    const bias = uniform(key(3), [5], { low: -1, high: 1 });
    for (const o of [{ padding: 1 }, { stride: 2, padding: 1 }, { dilation: [2, 1, 2] as const, padding: [2, 1, 0] as const }]) {
      const y = await be.kernels.conv3d(x, w, bias, o);
      expectAllClose(y, conv3d(x, w, bias, o), 1e-5);
      // dx sums 5 * 27 = 135 products and can cancel to ~1e-3, so a relative tolerance on dx says little there: the
      // float32 sum is held to the textbook bound of a dot product instead, |error| <= n u sum |terms| (u = 2^-24),
      // with sum |terms| from the reference on |dy| and |w|.
      const dx = await be.kernels.conv3dBackwardInput(y, w, x.shape, o);
      const bound = conv3dBackwardInput(map(y, Math.abs), map(w, Math.abs), x.shape, o);
      expectWithinSumBound(dx, conv3dBackwardInput(y, w, x.shape, o), bound, 5 * 27);
      expectAllClose(await be.kernels.conv3dBackwardWeights(x, y, w.shape, o), conv3dBackwardWeights(x, y, w.shape, o), 1e-4);
    }
    const wt = uniform(key(4), [6, 3, 2, 2, 2], { low: -1, high: 1 });
    const o = { stride: 2, outputPadding: 1 };
    expectAllClose(await be.kernels.convTranspose3d(x, wt, null, o), convTranspose3d(x, wt, null, o), 1e-5);
  });

  it('reads strided views', async () => {
    const x = transpose(uniform(key(5), [1, 2, 4, 5, 3], { low: -1, high: 1 }), [0, 1, 4, 3, 2]);
    const w = uniform(key(6), [2, 2, 3, 3, 3], { low: -1, high: 1 });
    expectAllClose(await be.kernels.conv3d(x, w, null, { padding: 1 }), conv3d(x, w, null, { padding: 1 }), 1e-5);
  });

  it('runs float64 inputs on the reference, in float64', async () => {
    const x = uniform(key(7), [1, 2, 3, 3, 3], { low: -1, high: 1, dtype: 'float64' });
    const w = uniform(key(8), [1, 2, 2, 2, 2], { low: -1, high: 1 });
    const y = await be.kernels.conv3d(x, w, null, {});
    expect(y.dtype).toBe('float64');
    expect(Array.from(toTypedArray(y))).toEqual(Array.from(toTypedArray(conv3d(x, w, null, {}))));
  });

  it('recycles the storage of disposed results, never of uploads or of storage a live view shares', async () => {
    const x = uniform(key(9), [2, 3, 4], { low: -1, high: 1 });
    const up = await be.upload(x);
    const a = await be.kernels.unary(up, 'neg');
    be.dispose(a);
    const b = await be.kernels.unary(up, 'exp'); // same size: a's storage again
    expect(b.data).toBe(a.data);
    expect(Array.from(toTypedArray(b))).toEqual(Array.from(toTypedArray(x)).map((v) => Math.fround(Math.exp(v))));
    const view = await be.kernels.reshape(b, [6, 4]);
    be.dispose(b);
    const c = await be.kernels.unary(up, 'abs'); // b's storage is still the view's
    expect(c.data).not.toBe(b.data);
    expect(Array.from(toTypedArray(view))).toEqual(Array.from(toTypedArray(x)).map((v) => Math.fround(Math.exp(v))));
    be.dispose(view);
    be.dispose(view); // a second dispose of one array releases nothing more
    const d = await be.kernels.unary(up, 'neg');
    const e = await be.kernels.unary(up, 'neg');
    expect(d.data === b.data || e.data === b.data).toBe(true);
    expect(d.data).not.toBe(e.data);
    be.dispose(up); // an upload is the caller's array
    const f = await be.kernels.unary(up, 'sqrt');
    expect(f.data).not.toBe(x.data);
    expect(Array.from(toTypedArray(x)).every((v, i) => v === toTypedArray(up)[i])).toBe(true);
    // A result uploaded again (the next realize's leaf) and disposed there keeps its storage.
    const g = await be.kernels.unary(up, 'neg');
    be.dispose(await be.upload(g));
    const h = await be.kernels.unary(up, 'abs');
    expect(h.data).not.toBe(g.data);
    expect(Array.from(toTypedArray(g))).toEqual(Array.from(toTypedArray(x)).map((v) => -v));
    // A download keeps its storage, even when the buffer is disposed after it (as realize does).
    const k = await be.kernels.unary(up, 'exp');
    const kept = await be.download(k);
    be.dispose(k);
    const l = await be.kernels.unary(up, 'abs');
    expect(l.data).not.toBe(kept.data);
    expect(Array.from(toTypedArray(kept))).toEqual(Array.from(toTypedArray(x)).map((v) => Math.fround(Math.exp(v))));
  });

  it('packs strided float32 operands for the engine (a transposed view convolves as its packed copy)', async () => {
    const xt = transpose(uniform(key(10), [2, 5, 4, 3, 3], { low: -1, high: 1 }), [0, 1, 4, 3, 2]);
    const w = uniform(key(11), [2, 5, 3, 3, 3], { low: -1, high: 1 });
    expectAllClose(await be.kernels.conv3d(xt, w, null, { padding: 1 }), conv3d(xt, w, null, { padding: 1 }), 1e-5);
    expectAllClose(
      await be.kernels.conv3dBackwardWeights(xt, await be.kernels.conv3d(xt, w, null, {}), w.shape, {}),
      conv3dBackwardWeights(xt, conv3d(xt, w, null, {}), w.shape, {}),
      1e-4,
    );
  });

  it('keeps at most poolBytes of free buffers (a buffer that would exceed them is left to the collector)', () => {
    const pool = createBufferPool(100);
    const held = (n: number) => pool.track(wrap(pool.alloc.f32(n)), []);
    const wrap = (d: Float32Array) => ({ dtype: 'float32' as const, shape: [d.length], strides: [1], offset: 0, data: d });
    const [a, b, c] = [held(10), held(10), held(20)];
    pool.dispose(a);
    pool.dispose(b);
    expect(pool.pooledBytes()).toBe(80);
    pool.dispose(c); // 80 + 80 > 100: not kept
    expect(pool.pooledBytes()).toBe(80);
    expect(pool.alloc.f32(10)).toBe(b.data);
    expect(pool.alloc.f32(20)).not.toBe(c.data);
    expect(pool.pooledBytes()).toBe(40);
  });

  it('serves a request from a free buffer up to BEST_FIT times longer, as a view of its start, and takes it back whole', () => {
    expect(BEST_FIT).toBe(1.5);
    const pool = createBufferPool(1000);
    const wrap = (d: Float32Array) => ({ dtype: 'float32' as const, shape: [d.length], strides: [1], offset: 0, data: d });
    const held = (n: number) => pool.track(wrap(pool.alloc.f32(n)), []);
    const a = held(30);
    pool.dispose(a);
    const b = held(20); // 30 <= 1.5 * 20: a's buffer, its first 20 elements
    expect(b.data.length).toBe(20);
    expect(b.data.buffer).toBe(a.data.buffer);
    expect(b.data.byteOffset).toBe(0);
    expect(pool.pooledBytes()).toBe(0);
    const c = held(19); // 30 > 1.5 * 19 (and a's buffer is in use): a new one
    expect(c.data.buffer).not.toBe(a.data.buffer);
    pool.dispose(b);
    expect(pool.pooledBytes()).toBe(120); // all 30 elements back
    expect(held(30).data).toBe(a.data); // the whole array again, not a view
    // Exact lengths first: with 30 and 24 free, 24 takes the 24.
    const d = held(24);
    pool.dispose(d);
    pool.dispose(c);
    expect(held(24).data).toBe(d.data);
    expect(held(16).data.buffer).toBe(c.data.buffer); // 19 <= 1.5 * 16: the shortest that fits
    // A uint8 request never takes a float32 buffer.
    const e = held(40);
    pool.dispose(e);
    expect(pool.alloc.u8(160).buffer).not.toBe(e.data.buffer);
    // Storage released last by an array over another part of it (not the view handed out) stays out of the pool.
    pool.dispose(held(12));
    const parts = [(d: Float32Array) => new Float32Array(d.buffer, 16, 8), (d: Float32Array) => d.subarray(2), (d: Float32Array) => d.subarray(0, 4)];
    for (const part of parts) {
      const f = held(8); // the first: a view of the free 12's start
      const other = pool.track(wrap(part(f.data)), [f]);
      pool.dispose(f);
      const before = pool.pooledBytes();
      pool.dispose(other);
      expect(pool.pooledBytes()).toBe(before);
    }
  });

  it('runs kernels into a best-fit view and recycles it (values as the reference)', async () => {
    const x = uniform(key(12), [5, 6], { low: -1, high: 1 });
    const a = await be.kernels.unary(await be.upload(x), 'neg');
    be.dispose(a);
    const y = uniform(key(13), [4, 6], { low: -1, high: 1 }); // 24 elements: a's 30
    const b = await be.kernels.unary(await be.upload(y), 'exp');
    expect(b.data.buffer).toBe(a.data.buffer);
    expect(b.data.length).toBe(24);
    expect(Array.from(toTypedArray(b))).toEqual(Array.from(toTypedArray(y)).map((v) => Math.fround(Math.exp(v))));
    const w = uniform(key(14), [2, 2, 3, 3, 3], { low: -1, high: 1 });
    const z = uniform(key(15), [1, 2, 3, 4, 4], { low: -1, high: 1 });
    be.dispose(b);
    // The engine copies its result into a pooled view too (96 elements here: a buffer of 30 is too short).
    expectAllClose(await be.kernels.conv3d(z, w, null, { padding: 1 }), conv3d(z, w, null, { padding: 1 }), 1e-5);
    // poolFit 1: equal lengths only.
    const exact = await createWasmBackend({ threads: 1, poolFit: 1 });
    try {
      const c = await exact.kernels.unary(await exact.upload(x), 'neg');
      exact.dispose(c);
      expect((await exact.kernels.unary(await exact.upload(y), 'exp')).data.buffer).not.toBe(c.data.buffer);
    } finally {
      await exact.close();
    }
    await expect(createWasmBackend({ threads: 1, poolFit: 0.5 })).rejects.toThrow('fit must be >= 1');
  });

  it('checks shapes before the engine runs, naming the op', async () => {
    await expect(be.kernels.conv3d(zeros([1, 4, 3, 3, 3]), zeros([2, 8, 1, 1, 1]), null, {})).rejects.toThrow(
      'conv3d: input channels 4 != weight in-channels 8',
    );
    await expect(be.kernels.conv3dBackwardInput(zeros([1, 2, 3, 3, 3]), zeros([2, 1, 3, 3, 3]), [1, 1, 3, 3, 3], {})).rejects.toThrow(
      /^conv3dBackwardInput: dy has shape/,
    );
  });

  it('never keeps the process alive: a script that does not close it still exits', async () => {
    const stdout = await runModuleScript([
      "import { getBackend } from '@colab-ts/kernels';",
      "import { zeros } from '@colab-ts/ndarray';",
      'const be = await getBackend();',
      'const y = await be.kernels.conv3d(zeros([1, 2, 4, 4, 4]), zeros([2, 2, 3, 3, 3]), null, { padding: 1 });',
      'console.log(be.name, y.shape.join("x"));',
    ]);
    expect(stdout).toBe('wasm 1x2x4x4x4');
  });
});

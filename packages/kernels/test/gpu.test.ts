import { array, key, toTypedArray, transpose, uniform, zeros } from '@colab-ts/ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuBackend } from '../src/gpu.js';
import { createGpuBackend } from '../src/gpu.js';
import { conv3d, conv3dBackwardWeights, instanceNormStats, softmax } from '../src/reference.js';
import { expectAllClose, rand32, values } from './helpers.js';

let be: GpuBackend;
beforeAll(async () => {
  be = await createGpuBackend();
});
afterAll(async () => {
  await be.close();
});

describe('the gpu backend', () => {
  it('lets gpu.js choose its device: webasm on a machine without a GPU', () => {
    expect(be.name).toBe('gpu');
    expect(be.mode).toBe('webasm');
    expect(be.device).toBe('gpu.js webasm');
    expect([...be.gpuKernels].sort()).toEqual(
      [
        'avgPool3d',
        'avgPool3dBackward',
        'conv3d',
        'conv3dBackwardInput',
        'conv3dBackwardWeights',
        'convTranspose3d',
        'instanceNormStats',
        'maxPool3d',
        'maxPool3dBackward',
        'softmax',
        'softmaxBackward',
        'upsample3d',
        'upsample3dBackward',
      ].sort(),
    );
  });

  it('holds float32 as a packed Float32Array handle and other dtypes on the host', async () => {
    const x = transpose(rand32(1, [2, 3]), [1, 0]);
    const b = await be.upload(x);
    expect(b.shape).toEqual([3, 2]);
    expect(b.data).toBeInstanceOf(Float32Array);
    expect(b.texture).toBeNull();
    expect(values(await be.download(b))).toEqual(values(x));
    const i = await be.upload(array([1, 2, 3], [3], 'int32'));
    expect(i.host).not.toBeNull();
    expect(be.dtypeOf(i)).toBe('int32');
    expect((await be.download(i)).dtype).toBe('int32');
    expect(() => be.dispose(b)).not.toThrow();
  });

  it('compiles a kernel once per shape and reuses it', async () => {
    const x = await be.upload(rand32(2, [1, 2, 4, 4, 4]));
    const w = await be.upload(rand32(3, [3, 2, 3, 3, 3]));
    const before = be.compiledKernels().length;
    await be.kernels.conv3d(x, w, null, { padding: 1 });
    await be.kernels.conv3d(x, w, null, { padding: 1 });
    expect(be.compiledKernels().length).toBe(before + 1);
    await be.kernels.conv3d(x, w, null, { padding: 0 });
    expect(be.compiledKernels().length).toBe(before + 2);
  });

  it('splits large outputs over threads and agrees with the reference (webasm, no cpu fallback)', async () => {
    const x = uniform(key(4), [2, 4, 12, 12, 12], { low: -1, high: 1 });
    const w = uniform(key(5), [4, 4, 3, 3, 3], { low: -1, high: 1 });
    const y = await be.download(await be.kernels.conv3d(await be.upload(x), await be.upload(w), null, { padding: 1 }));
    expectAllClose(y, conv3d(x, w, null, { padding: 1 }), 1e-5);
    const dw = await be.download(await be.kernels.conv3dBackwardWeights(await be.upload(x), await be.upload(y), w.shape, { padding: 1 }));
    expectAllClose(dw, conv3dBackwardWeights(x, y, w.shape, { padding: 1 }), 1e-4);
    const s = await be.download(await be.kernels.softmax(await be.upload(x)));
    expectAllClose(s, softmax(x), 1e-6);
    for (const k of be.compiledKernels()) {
      expect(k.kernelClass).toBe('WebAssemblyKernel');
      expect(k.fallbackReason ?? undefined).toBeUndefined();
    }
  });

  it('loops past gpu.js default cap of 1000 iterations (bounds are constants)', async () => {
    const x = uniform(key(6), [1, 2, 1, 1, 1500], { low: 0, high: 1 });
    const { mean, variance } = await be.kernels.instanceNormStats(await be.upload(x));
    const ref = instanceNormStats(x);
    expectAllClose(await be.download(mean), ref.mean, 1e-6);
    expectAllClose(await be.download(variance), ref.variance, 1e-5);
    expect(values(ref.mean)[0]).toBeGreaterThan(0.4); // a capped loop would give about 1000/1500 of it
  });

  it('checks shapes before a kernel runs, naming the op', async () => {
    await expect(be.kernels.conv3d(await be.upload(zeros([1, 4, 3, 3, 3])), await be.upload(zeros([2, 8, 1, 1, 1])), null, {})).rejects.toThrow(
      'conv3d: input channels 4 != weight in-channels 8',
    );
    await expect(be.kernels.maxPool3d(await be.upload(zeros([1, 1, 2, 2, 2])), { kernelSize: 3 })).rejects.toThrow(/^maxPool3d: /);
  });

  it('runs float64 inputs on the reference, in float64', async () => {
    const x = uniform(key(7), [1, 2, 3, 3, 3], { low: -1, high: 1, dtype: 'float64' });
    const w = uniform(key(8), [1, 2, 2, 2, 2], { low: -1, high: 1, dtype: 'float64' });
    const y = await be.download(await be.kernels.conv3d(await be.upload(x), await be.upload(w), null, {}));
    expect(y.dtype).toBe('float64');
    expect(Array.from(toTypedArray(y))).toEqual(Array.from(toTypedArray(conv3d(x, w, null, {}))));
  });
});

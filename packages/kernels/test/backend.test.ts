import { ValueError, array, zeros } from '@colab-ts/ndarray';
import * as referenceEntry from '@colab-ts/kernels/reference';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, KernelName } from '../src/index.js';
import { BACKEND_ENV, availableBackends, getBackend, referenceBackend, referenceKernels, resetBackend, useBackend } from '../src/index.js';
import { conv3d } from '../src/reference.js';
import { rand, values } from './helpers.js';

const ALL_KERNELS: readonly KernelName[] = [
  'unary', 'binary', 'compare', 'where', 'cast', 'reshape', 'transpose', 'broadcastTo', 'slice', 'pad', 'concat', 'flip', 'sum', 'max', 'matmul',
  'conv3d', 'conv3dBackwardInput', 'conv3dBackwardWeights', 'convTranspose3d', 'maxPool3d', 'maxPool3dBackward', 'avgPool3d', 'avgPool3dBackward',
  'upsample3d', 'upsample3dBackward', 'instanceNormStats', 'softmax', 'softmaxBackward',
];

describe('the reference backend', () => {
  it('has every kernel, asynchronous, agreeing with the synchronous ones', async () => {
    expect(Object.keys(referenceBackend.kernels).sort()).toEqual([...ALL_KERNELS].sort());
    expect(Object.keys(referenceKernels).sort()).toEqual([...ALL_KERNELS].sort());
    const x = rand(1, [1, 2, 3, 3, 3]);
    const w = rand(2, [2, 2, 2, 2, 2]);
    const y = await referenceBackend.kernels.conv3d(x, w, null, { padding: 1 });
    expect(values(y)).toEqual(values(conv3d(x, w, null, { padding: 1 })));
    const { mean } = await referenceBackend.kernels.instanceNormStats(x);
    expect(mean.shape).toEqual([1, 2, 1, 1, 1]);
    expect(values(await referenceBackend.kernels.binary(array([1, 2]), array([3, 4]), 'add'))).toEqual([4, 6]);
  });

  it('reports shape errors as rejections naming the op', async () => {
    await expect(referenceBackend.kernels.conv3d(zeros([1, 4, 3, 3, 3]), zeros([2, 8, 1, 1, 1]), null, {})).rejects.toThrow(
      'conv3d: input channels 4 != weight in-channels 8',
    );
  });

  it('uploads and downloads by identity and reads shape and dtype', async () => {
    const x = zeros([2, 3], 'float64');
    const b = await referenceBackend.upload(x);
    expect(b).toBe(x);
    expect(await referenceBackend.download(b)).toBe(x);
    expect(referenceBackend.shapeOf(b)).toEqual([2, 3]);
    expect(referenceBackend.dtypeOf(b)).toBe('float64');
    expect(() => referenceBackend.dispose(b)).not.toThrow();
    expect(referenceBackend.name).toBe('reference');
  });

  it('is importable from the gpu.js-free subpath', () => {
    expect(referenceEntry.referenceBackend).toBe(referenceBackend);
    expect(typeof referenceEntry.distanceTransform).toBe('function');
    expect(typeof referenceEntry.connectedComponents3d).toBe('function');
  });
});

describe('the registry', () => {
  const saved = process.env[BACKEND_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
    resetBackend();
  });

  it('defaults to the reference backend', async () => {
    delete process.env[BACKEND_ENV];
    resetBackend();
    expect(await getBackend()).toBe(referenceBackend);
    expect(availableBackends).toEqual(['reference']);
  });

  it('useBackend chooses, and unknown names throw a clear error', async () => {
    const be: Backend<unknown> = await useBackend('reference');
    expect(be).toBe(referenceBackend);
    expect(await getBackend()).toBe(referenceBackend);
    expect(() => useBackend('cuda')).toThrow(ValueError);
    expect(() => useBackend('cuda')).toThrow('useBackend: unknown backend "cuda"; available: reference');
    expect(() => useBackend('gpu')).toThrow(/not part of this build yet/);
  });

  it(`reads ${BACKEND_ENV} on first use`, async () => {
    process.env[BACKEND_ENV] = 'reference';
    resetBackend();
    expect(await getBackend()).toBe(referenceBackend);
    process.env[BACKEND_ENV] = 'tpu';
    resetBackend();
    await expect(getBackend()).rejects.toThrow(`getBackend: ${BACKEND_ENV}: unknown backend "tpu"`);
  });
});

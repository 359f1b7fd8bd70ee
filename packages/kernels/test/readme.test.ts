import { array, key, normal } from '@colab-ts/ndarray';
import { afterAll, describe, expect, it } from 'vitest';
import '../src/gpu.js';
import { closeBackends, connectedComponents3d, distanceTransform, getBackend, resetBackend, useBackend } from '../src/index.js';

describe('examples', () => {
  it('the README example runs', async () => {
    const be = await getBackend();
    const x = normal(key(0), [1, 2, 8, 8, 8]);
    const w = normal(key(1), [4, 2, 3, 3, 3], { std: 0.1 });
    const yb = await be.kernels.conv3d(await be.upload(x), await be.upload(w), null, { padding: 1 });
    const y = await be.download(yb);
    expect(y.shape).toEqual([1, 4, 8, 8, 8]);
    expect(y.dtype).toBe('float32');
    const dx = await be.download(await be.kernels.conv3dBackwardInput(yb, await be.upload(w), x.shape, { padding: 1 }));
    expect(dx.shape).toEqual(x.shape);

    const mask = array([0, 1, 1, 0, 0, 1], [1, 2, 3], 'uint8');
    const dist = distanceTransform(mask, { spacing: [3, 0.8, 0.8] });
    [0.8, 0, 0, Math.hypot(0.8, 0.8), 0.8, 0].forEach((d, i) => expect(dist.data[i]).toBeCloseTo(d, 12));
    const { count, sizes } = connectedComponents3d(mask, { connectivity: 26 });
    expect(count).toBe(1);
    expect(sizes).toEqual([3, 3]);
  });

  it('the README backend-choice example runs', async () => {
    const cpu = await useBackend('wasm');
    expect(cpu.device).toMatch(/^WebAssembly SIMD, (\d+ threads \(this one and \d+ workers?\)|\d+ worker threads?)$/);
    const gpu = await useBackend('gpu');
    expect(gpu.device).toBe('gpu.js webasm');
    const ref = await useBackend('reference');
    expect((await getBackend()) === ref).toBe(true);
    resetBackend();
  });

  afterAll(closeBackends);
});

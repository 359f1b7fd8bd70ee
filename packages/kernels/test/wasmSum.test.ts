/**
 * The wasm backend's float32 `sum` in the SIMD loops (`simd.sums`): the same float64 additions in the same order as
 * the plain loops and the reference, so the same bits. The values make the order show: each group holds 2^40 and
 * -2^40 beside small ones, so which small values a partial sum absorbs depends on the order of adding.
 */
import type { NDArray } from '@colab-ts/ndarray';
import { array, key, toTypedArray, transpose, uniform } from '@colab-ts/ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmBackend } from '../src/index.js';
import { createWasmBackend, referenceBackend } from '../src/index.js';

let be: WasmBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 2 });
});
afterAll(() => be.close());

/** Values in [-1, 1) with 2^40 and -2^40 at two seeded places of every `m` consecutive elements. */
function wide(seed: number, shape: number[], m: number): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  const u = Float32Array.from(toTypedArray(uniform(key(seed), [n], { low: -1, high: 1 })) as Float32Array);
  const at = toTypedArray(uniform(key(seed + 1), [2 * Math.ceil(n / m)])) as Float32Array;
  for (let g = 0; g * m < n; g++) {
    const len = Math.min(m, n - g * m);
    const i = Math.floor(at[2 * g]! * len);
    const j = (i + 1 + Math.floor(at[2 * g + 1]! * (len - 1))) % len;
    u[g * m + i] = 2 ** 40;
    if (len > 1) u[g * m + j] = -(2 ** 40);
  }
  return array(u, shape, 'float32');
}

const bits = (x: NDArray): number[] => Array.from(new Uint32Array(Float32Array.from(toTypedArray(x) as Float32Array).buffer));

describe('wasm sum in the SIMD loops, bit for bit with the reference', () => {
  const cases: [string, number[], number[], number][] = [
    ['one run per output, a multiple of 4 (Dice sums over D, H, W)', [3, 2, 4, 8, 8], [2, 3, 4], 256],
    ['one run per output with a tail (33 elements)', [2, 3, 33], [2], 33],
    ['one run per output, 3 elements (tail only)', [5, 3], [1], 3],
    ['several runs per output, each a multiple of 4 (bias gradients over N, D, H, W)', [4, 3, 2, 6, 8], [0, 2, 3, 4], 96],
    ['several runs per output: N and W of [N, C, W]', [6, 5, 12], [0, 2], 12],
    ['all axes', [4, 7, 16], [0, 1, 2], 448],
  ];
  it.each(cases)('%s', async (_name, shape, axes, m) => {
    for (const seed of [1, 2, 3]) {
      const x = wide(seed, shape, m);
      const got = await be.download(await be.kernels.sum(await be.upload(x), axes, false));
      const want = await referenceBackend.kernels.sum(x, axes, false);
      expect(bits(got)).toEqual(bits(want as NDArray));
    }
  });

  it('over fewer than 4 strided elements (a channel sum of a softmax, on the plain row sweeps): each output in the reference order', async () => {
    // Per output: a small value, 2^60, -2^60 in channel order: float64 adding in that order loses the small value,
    // adding the last two first keeps it.
    const [N, C, V] = [2, 3, 37];
    const u = new Float32Array(N * C * V);
    for (let b = 0; b < N; b++)
      for (let v = 0; v < V; v++) {
        u[(b * C + 0) * V + v] = 0.25 + v / 64;
        u[(b * C + 1) * V + v] = 2 ** 60;
        u[(b * C + 2) * V + v] = -(2 ** 60);
      }
    const x = array(u, [N, C, V], 'float32');
    const got = await be.download(await be.kernels.sum(await be.upload(x), [1], false));
    const want = (await referenceBackend.kernels.sum(x, [1], false)) as NDArray;
    expect(bits(got)).toEqual(bits(want));
    expect(Array.from(toTypedArray(want) as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('a view whose runs are not contiguous (a transposed operand) gives the reference bits too', async () => {
    const x = transpose(wide(4, [8, 6, 5], 40), [2, 1, 0]);
    const got = await be.download(await be.kernels.sum(await be.upload(x), [1, 2], false));
    expect(bits(got)).toEqual(bits((await referenceBackend.kernels.sum(x, [1, 2], false)) as NDArray));
  });
});

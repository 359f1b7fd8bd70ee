import { grad, mul as mulT, realize, sum as sumT, tensor, type Tensor } from '@colab-ts/autodiff';
import { array, astype, key, normal, toTypedArray, zeros, type NDArray } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { conv3dLayer, conv3dLayerInit, convBlock, convBlockInit, convTranspose3dLayer, convTranspose3dLayerInit, head, headInit } from '../src/index.js';
import { instanceNorm, instanceNormInit, instanceNormLeakyRelu, leakyRelu, mapArrays, paramCount, toTensors } from '../src/index.js';

const vals = (x: NDArray): number[] => Array.from(toTypedArray(x));

describe('examples', () => {
  it('instance norm: per (n, c) over D, H, W, biased variance, eps 1e-5, affine, as loops', async () => {
    const x = normal(key(0), [2, 3, 2, 3, 2], { dtype: 'float64' });
    const scale = array([1, 2, -0.5], [3], 'float64');
    const bias = array([0, 1, 3], [3], 'float64');
    const y = vals(await realize(instanceNorm({ scale, bias }, x)));
    const xs = vals(x);
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 3; c++) {
        const at = (n * 3 + c) * 12;
        const seg = xs.slice(at, at + 12);
        const m = seg.reduce((a, b) => a + b, 0) / 12;
        const v = seg.reduce((a, b) => a + (b - m) ** 2, 0) / 12;
        seg.forEach((xi, i) => expect(y[at + i]).toBeCloseTo(((xi - m) / Math.sqrt(v + 1e-5)) * vals(scale)[c]! + vals(bias)[c]!, 12));
      }
    }
  });

  it('instanceNormLeakyRelu: the bits of leakyRelu(instanceNorm(...)), values and gradients, fused or not', async () => {
    const x = astype(normal(key(7), [2, 3, 2, 3, 4]), 'float32');
    const dy = astype(normal(key(8), [2, 3, 2, 3, 4]), 'float32');
    const p = { scale: astype(normal(key(9), [3]), 'float32'), bias: astype(normal(key(10), [3]), 'float32') };
    for (const slope of [0.01, 0, -0.5]) {
      const loss = (f: (t: Tensor) => Tensor) => grad((t: Tensor) => sumT(mulT(f(t), tensor(dy))));
      const [a, b, ga, gb] = await realize([
        instanceNormLeakyRelu(p, x, { slope }),
        leakyRelu(instanceNorm(p, x), { slope }),
        loss((t) => instanceNormLeakyRelu(p, t, { slope }))(tensor(x)),
        loss((t) => leakyRelu(instanceNorm(p, t), { slope }))(tensor(x)),
      ]);
      expect(vals(a!)).toEqual(vals(b!));
      expect(vals(ga!)).toEqual(vals(gb!));
    }
    // mixed dtypes take the two layers
    const p64 = { scale: astype(p.scale, 'float64'), bias: p.bias };
    const [c, d] = await realize([instanceNormLeakyRelu(p64, x), leakyRelu(instanceNorm(p64, x))]);
    expect(vals(c!)).toEqual(vals(d!));
    expect(() => instanceNormLeakyRelu(instanceNormInit(2), zeros([1, 3, 2, 2, 2]))).toThrow('instanceNormLeakyRelu: scale has shape [2], expected [3]');
  });

  it('leaky ReLU with slope 0.01', async () => {
    expect(vals(await realize(leakyRelu(array([-2, 0, 3], [3], 'float64'))))).toEqual([-0.02, 0, 3]);
    expect(vals(await realize(leakyRelu(array([-2], [1], 'float64'), { slope: 0.5 })))).toEqual([-1]);
  });

  it('conv layer: same padding, strides round up, bias per channel', async () => {
    const p = conv3dLayerInit(key(1), { inChannels: 2, outChannels: 3, kernel: [1, 3, 5], dtype: 'float64' });
    expect(p.w.shape).toEqual([3, 2, 1, 3, 5]);
    expect(conv3dLayer(p, zeros([1, 2, 4, 6, 8], 'float64')).shape).toEqual([1, 3, 4, 6, 8]);
    expect(conv3dLayer(p, zeros([1, 2, 4, 6, 8], 'float64'), { stride: [1, 2, 2] }).shape).toEqual([1, 3, 4, 3, 4]);
    const withBias = { w: p.w, b: array([1, 2, 3], [3], 'float64') };
    const y = vals(await realize(conv3dLayer(withBias, zeros([1, 2, 1, 1, 1], 'float64'))));
    expect(y).toEqual([1, 2, 3]);
  });

  it('transposed conv layer: kernel = stride multiplies the extent, and is the adjoint of the strided conv pattern', async () => {
    const up = convTranspose3dLayerInit(key(2), { inChannels: 4, outChannels: 2, kernel: [1, 2, 2], dtype: 'float64' });
    expect(up.w.shape).toEqual([4, 2, 1, 2, 2]);
    const x = normal(key(3), [1, 4, 2, 3, 3], { dtype: 'float64' });
    const y = await realize(convTranspose3dLayer(up, x));
    expect(y.shape).toEqual([1, 2, 2, 6, 6]);
    // non-overlapping: output voxel (d, 2h + a, 2w + b) = sum_ci x[ci, d, h, w] * W[ci, co, 0, a, b]
    const xs = vals(x);
    const ws = vals(up.w);
    const ys = vals(y);
    const co = 1;
    const [d, h, w, a, b] = [1, 2, 0, 1, 1];
    let want = 0;
    for (let ci = 0; ci < 4; ci++) want += xs[((ci * 2 + d) * 3 + h) * 3 + w]! * ws[((ci * 2 + co) * 1 + 0) * 4 + a * 2 + b]!;
    expect(ys[((co * 2 + d) * 6 + (2 * h + a)) * 6 + (2 * w + b)]).toBeCloseTo(want, 13);
  });

  it('conv block and head compose; NDArray and Tensor leaves are interchangeable', async () => {
    const block = convBlockInit(key(4), { inChannels: 1, outChannels: 4, dtype: 'float64' });
    const h = headInit(key(5), { inChannels: 4, outChannels: 3, dtype: 'float64' });
    expect(paramCount(block)).toBe(4 * 27 + 4 + 4 + 4);
    const x = normal(key(6), [1, 1, 2, 4, 4], { dtype: 'float64' });
    const [a, b] = await realize([head(h, convBlock(block, x)), head(toTensors(h), convBlock(toTensors(block), tensor(x)))]);
    expect(a!.shape).toEqual([1, 3, 2, 4, 4]);
    expect(vals(a!)).toEqual(vals(b!));
    expect(instanceNormInit(3).scale.shape).toEqual([3]);
    expect(mapArrays((l) => l, block)).toEqual(block);
  });
});

describe('errors', () => {
  it('names the layer, the expected and the given', () => {
    const p = conv3dLayerInit(key(0), { inChannels: 2, outChannels: 3 });
    expect(() => conv3dLayer(p, zeros([1, 4, 2, 2, 2]))).toThrow('conv3dLayer: input channels 4 != weight in-channels 2');
    expect(() => conv3dLayer(p, zeros([4, 2, 2]))).toThrow(/expects x \[N, C, D, H, W\]/);
    expect(() => conv3dLayerInit(key(0), { inChannels: 2, outChannels: 3, kernel: 2 })).toThrow(/kernel sizes must be odd/);
    expect(() => conv3dLayerInit(key(0), { inChannels: 0, outChannels: 3 })).toThrow(/inChannels must be a positive integer/);
    expect(() => instanceNorm(instanceNormInit(2), zeros([1, 3, 2, 2, 2]))).toThrow('instanceNorm: scale has shape [2], expected [3]');
    expect(() => head(p, zeros([1, 2, 2, 2, 2]))).toThrow(/expects a 1x1x1 weight/);
    expect(() => conv3dLayer({ w: 1, b: 2 } as never, zeros([1, 2, 2, 2, 2]))).toThrow(/w must be a Tensor or an NDArray, got number/);
    expect(() => toTensors({ a: 'x' })).toThrow(/tree leaf at \.a is not an NDArray or a Tensor \(string\)/);
  });
});

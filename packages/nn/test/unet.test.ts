import { realize, tensor } from '@colab-ts/autodiff';
import { key, normal, toTypedArray, zeros, type NDArray } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import {
  flattenArrays,
  heStd,
  paramCount,
  toTensors,
  totalStride,
  unetApply,
  unetConfigIssues,
  unetFeatures,
  unetInit,
  validateUNetConfig,
  type UNetConfig,
} from '../src/index.js';
import { tinyUNetConfig, unetStages } from '../src/testing.js';

const tiny: UNetConfig = tinyUNetConfig();
// 2D-like: every stage [1, 3, 3] with [1, 2, 2] strides (a slice per D).
const flat: UNetConfig = tinyUNetConfig({ inChannels: 2, outChannels: 3, stages: unetStages(3, { planar: true }), maxFeatures: 32 });
// nnU-Net-style anisotropic: in-plane first, 3D deeper.
const aniso: UNetConfig = {
  inChannels: 1,
  outChannels: 4,
  stages: [...unetStages(2, { planar: true }), ...unetStages(4).slice(2)],
  baseFeatures: 2,
  maxFeatures: 6,
};

const values = (x: NDArray): number[] => Array.from(toTypedArray(x));

describe('examples', () => {
  it('features double per stage up to the maximum; total stride multiplies', () => {
    expect(unetFeatures(flat)).toEqual([4, 8, 16]);
    expect(unetFeatures(aniso)).toEqual([2, 4, 6, 6]);
    expect(totalStride(aniso)).toEqual([4, 8, 8]);
  });

  it('output shapes: 3D, 2D-like and anisotropic configs (shapes are known before realize)', () => {
    const y3 = unetApply(unetInit(key(0), tiny), tensor(zeros([2, 1, 8, 8, 8])));
    expect(y3.shape).toEqual([2, 2, 8, 8, 8]);
    const y2 = unetApply(unetInit(key(0), flat), tensor(zeros([1, 2, 1, 16, 12])));
    expect(y2.shape).toEqual([1, 3, 1, 16, 12]);
    const ya = unetApply(unetInit(key(0), aniso), zeros([1, 1, 4, 8, 16]));
    expect(ya.shape).toEqual([1, 4, 4, 8, 16]);
  });

  it('deep supervision: one output per decoder level, full resolution first', () => {
    const params = unetInit(key(1), { ...aniso, deepSupervision: true });
    expect(params.heads.length).toBe(3);
    const outs = unetApply(params, zeros([2, 1, 4, 16, 16]));
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 4, 4, 16, 16],
      [2, 4, 4, 8, 8],
      [2, 4, 2, 4, 4],
    ]);
  });

  it('parameter structure and count follow PlainConvUNet', () => {
    const p = unetInit(key(0), tiny);
    expect(p.encoder.length).toBe(2);
    expect(p.decoder.length).toBe(1);
    expect(p.encoder[1]!.convs[0]!.conv.w.shape).toEqual([8, 4, 3, 3, 3]);
    expect(p.decoder[0]!.up.w.shape).toEqual([8, 4, 2, 2, 2]); // [Cin, Cout, k = stride]
    expect(p.decoder[0]!.convs[0]!.conv.w.shape).toEqual([4, 8, 3, 3, 3]); // over [up, skip]
    expect(p.head.w.shape).toEqual([2, 4, 1, 1, 1]);
    const conv = (ci: number, co: number, k: number): number => co * ci * k + co + 2 * co; // weight, bias, norm scale + bias
    const want = conv(1, 4, 27) + conv(4, 4, 27) + conv(4, 8, 27) + conv(8, 8, 27) + (8 * 4 * 8 + 4) + conv(8, 4, 27) + conv(4, 4, 27) + (4 * 2 + 2);
    expect(paramCount(p)).toBe(want);
    expect(unetInit(key(0), { ...tiny, convsPerStage: 1 }).encoder[0]!.convs.length).toBe(1);
  });

  it('runs on the backend and gives finite logits of the parameter dtype', async () => {
    const params = unetInit(key(2), { ...flat, dtype: 'float64' });
    const y = await realize(unetApply(toTensors(params), normal(key(3), [1, 2, 1, 8, 8], { dtype: 'float64' })));
    expect(y.shape).toEqual([1, 3, 1, 8, 8]);
    expect(y.dtype).toBe('float64');
    expect(values(y).every(Number.isFinite)).toBe(true);
  });
});

describe('initialisation', () => {
  it('He normal (fan-in, leaky ReLU gain): std within tolerance, zero biases, unit norm scales', () => {
    const params = unetInit(key(7), { ...tiny, baseFeatures: 16, maxFeatures: 32 });
    const { leaves, paths } = flattenArrays('t', params);
    let pooled = 0;
    let count = 0;
    leaves.forEach((l, i) => {
      const path = paths[i]!;
      const v = values(l);
      if (path.endsWith('.b') || path.endsWith('.bias'))
        expect(
          v.every((x) => x === 0),
          path,
        ).toBe(true);
      else if (path.endsWith('.scale'))
        expect(
          v.every((x) => x === 1),
          path,
        ).toBe(true);
      else {
        const sd = heStd(l.shape);
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
        if (v.length >= 5000) {
          expect(Math.abs(s / sd - 1), `${path}: std ${s} vs He ${sd}`).toBeLessThan(0.05);
          expect(Math.abs(m) / sd, path).toBeLessThan(0.05);
        }
        pooled += v.reduce((a, b) => a + (b / sd) ** 2, 0);
        count += v.length;
      }
    });
    expect(Math.abs(Math.sqrt(pooled / count) - 1)).toBeLessThan(0.02);
    expect(heStd([8, 4, 3, 3, 3])).toBeCloseTo(Math.sqrt(2 / (1 + 1e-4)) / Math.sqrt(108), 15);
    expect(heStd([8, 4, 2, 2, 2])).toBeCloseTo(Math.sqrt(2 / 1.0001 / 32), 15); // transposed: fan-in = Cout * prod(k), PyTorch's
  });

  it('is deterministic per key and differs between keys', () => {
    const a = flattenArrays('t', unetInit(key(11), tiny)).leaves.map(values);
    const b = flattenArrays('t', unetInit(key(11), tiny)).leaves.map(values);
    const c = flattenArrays('t', unetInit(key(12), tiny)).leaves.map(values);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(c[0]);
    // every weight tensor draws its own numbers
    expect(a[0]!.slice(0, 4)).not.toEqual(a[4]!.slice(0, 4));
  });
});

describe('errors', () => {
  it('lists every problem of a config at once', () => {
    const bad = {
      inChannels: 0,
      outChannels: 2,
      stages: [
        { kernel: [3, 3, 3], stride: [2, 2, 2] },
        { kernel: [2, 3, 3], stride: [2, 2, 2] },
      ],
      baseFeatures: 8,
      maxFeatures: 4,
    } as unknown as UNetConfig;
    expect(unetConfigIssues(bad)).toEqual([
      'inChannels: must be a positive integer, got 0',
      'maxFeatures: 4 is below baseFeatures 8',
      "stages[0].stride: the first stage's stride must be [1,1,1], got [2,2,2]",
      'stages[1].kernel: sizes must be odd ("same" padding), got [2,3,3]',
    ]);
    expect(() => validateUNetConfig(bad)).toThrow(/unet: invalid config:\n {2}- inChannels/);
    expect(() => unetInit(key(0), { ...tiny, stages: tiny.stages.slice(0, 1) })).toThrow(/stages: need at least 2 stages, got 1/);
    expect(() => unetInit(key(0), { ...tiny, stages: [{ kernel: [3, 3], stride: [1, 1, 1] } as never, tiny.stages[1]!] })).toThrow(
      /stages\[0\]\.kernel: must be three positive integers/,
    );
    expect(() => unetInit(0 as never, tiny)).toThrow(/must be a key/);
    expect(unetConfigIssues(tiny)).toEqual([]);
  });

  it('rejects inputs whose spatial size is not divisible by the total stride, or with the wrong channels or rank', () => {
    const p = unetInit(key(0), aniso);
    expect(() => unetApply(p, zeros([1, 1, 4, 8, 12]))).toThrow('unetApply: spatial size [4,8,12] is not divisible by the total stride [4,8,8]');
    expect(() => unetApply(p, zeros([1, 2, 4, 8, 8]))).toThrow('unetApply: input has 2 channels, the network expects 1');
    expect(() => unetApply(p, zeros([1, 4, 8, 8]))).toThrow(/expects x \[N, C, D, H, W\], got \[1,4,8,8\]/);
    expect(() => unetApply({ encoder: p.encoder, decoder: [] } as never, zeros([1, 1, 4, 8, 8]))).toThrow(/4 encoder and 0 decoder stages/);
    expect(() => unetApply({ encoder: p.encoder, decoder: p.decoder } as never, zeros([1, 1, 4, 8, 8]))).toThrow(/lack a head/);
  });
});

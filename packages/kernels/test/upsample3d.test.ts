import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array, get, zeros } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { upsample3d, upsample3dBackward, upsampleAxisTaps } from '../src/reference.js';
import { arbUpsampleCase, expectAdjoint, expectClose, rand, values } from './helpers.js';

const row = (data: number[]): NDArray => array(data, [1, 1, 1, 1, data.length], 'float64');

const arbCase = arbUpsampleCase(3);

describe('examples', () => {
  it('nearest repeats each voxel', () => {
    expect(values(upsample3d(row([1, 2]), { scale: [1, 1, 2], mode: 'nearest' }))).toEqual([1, 1, 2, 2]);
    const y = upsample3d(array([1, 2, 3, 4], [1, 1, 1, 2, 2], 'float64'), { scale: 2, mode: 'nearest' });
    expect(y.shape).toEqual([1, 1, 2, 4, 4]);
    expect(get(y, [0, 0, 1, 3, 2])).toBe(4);
  });

  it('trilinear matches PyTorch (align_corners False and True)', () => {
    expect(values(upsample3d(row([1, 2]), { scale: [1, 1, 2], mode: 'trilinear' }))).toEqual([1, 1.25, 1.75, 2]);
    const ac = values(upsample3d(row([1, 2]), { scale: [1, 1, 2], mode: 'trilinear', alignCorners: true }));
    [1, 4 / 3, 5 / 3, 2].forEach((v, i) => expectClose(ac[i]!, v, 1e-15));
    expect(upsampleAxisTaps(2, 2, 'trilinear', false)[1]).toEqual({ index: [0, 1], weight: [0.75, 0.25] });
  });

  it('the gradient sums the weights each input voxel contributed', () => {
    expect(values(upsample3dBackward(row([1, 1, 1, 1]), [1, 1, 1, 1, 2], { scale: [1, 1, 2], mode: 'trilinear' }))).toEqual([2, 2]);
    expect(values(upsample3dBackward(row([1, 2, 3, 4]), [1, 1, 1, 1, 2], { scale: [1, 1, 2], mode: 'nearest' }))).toEqual([3, 7]);
  });

  it('rejects bad options, naming the op', () => {
    expect(() => upsample3d(zeros([1, 1, 2, 2, 2]), { scale: 1.5, mode: 'nearest' })).toThrow(ValueError);
    expect(() => upsample3d(zeros([1, 1, 2, 2, 2]), { scale: 2, mode: 'cubic' as 'nearest' })).toThrow(/^upsample3d: mode must be/);
    expect(() => upsample3d(zeros([1, 1, 2, 2, 2]), { scale: 2, mode: 'nearest', alignCorners: true })).toThrow(/^upsample3d: alignCorners/);
    expect(() => upsample3dBackward(zeros([1, 1, 2, 2, 2]), [1, 1, 2, 2, 2], { scale: 2, mode: 'nearest' })).toThrow(/^upsample3dBackward: dy has shape/);
  });
});

describe('properties', () => {
  test.prop([arbCase], { numRuns: 60 })('<upsample3d(x), y> = <x, upsample3dBackward(y)>', (c) => {
    expectAdjoint(
      (x) => upsample3d(x, c.o),
      (y) => upsample3dBackward(y, c.shape, c.o),
      rand(c.seed, c.shape),
      c.seed + 1,
      1e-12,
    );
  });

  test.prop([arbCase], { numRuns: 30 })('interpolation weights are a partition of unity: constants stay constant', (c) => {
    const x = array(new Float64Array(c.shape.reduce((a, b) => a * b, 1)).fill(3.5), c.shape, 'float64');
    for (const v of values(upsample3d(x, c.o))) expectClose(v, 3.5, 1e-14);
  });

  test.prop([arbCase], { numRuns: 30 })('trilinear with aligned corners reproduces linear functions exactly', (c) => {
    const [, , D, H, W] = c.shape;
    const f = (z: number, y: number, x: number): number => 0.5 + 2 * z - 3 * y + 1.25 * x;
    const data: number[] = [];
    for (let nc = 0; nc < c.shape[0] * c.shape[1]; nc++)
      for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.push(f(z, y, x));
    const u = upsample3d(array(data, c.shape, 'float64'), { scale: c.o.scale, mode: 'trilinear', alignCorners: true });
    const [oD, oH, oW] = [D * c.o.scale[0], H * c.o.scale[1], W * c.o.scale[2]];
    const src = (o: number, n: number, out: number): number => (out > 1 ? (o * (n - 1)) / (out - 1) : 0);
    for (let z = 0; z < oD; z++)
      for (let y = 0; y < oH; y++) for (let x = 0; x < oW; x++) expectClose(get(u, [0, 0, z, y, x]), f(src(z, D, oD), src(y, H, oH), src(x, W, oW)), 1e-12);
  });
});

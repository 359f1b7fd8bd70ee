import { ShapeError, ValueError } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { convOutputSize, normalizeConv, normalizePool, normalizeUpsample, poolOutputShape, triple, upsampleOutputShape } from '../src/index.js';

describe('examples', () => {
  it('expands triples and checks their values', () => {
    expect(triple('op', 'stride', undefined, 1, 1)).toEqual([1, 1, 1]);
    expect(triple('op', 'stride', 2, 1, 1)).toEqual([2, 2, 2]);
    expect(triple('op', 'stride', [1, 2, 3], 1, 1)).toEqual([1, 2, 3]);
    expect(() => triple('op', 'stride', 0, 1, 1)).toThrow(ValueError);
    expect(() => triple('op', 'stride', 1.5, 1, 1)).toThrow('op: stride must be an integer >= 1 or three of them [d, h, w], got 1.5');
    expect(normalizeConv('conv3d', { padding: [0, 1, 2] })).toEqual({ stride: [1, 1, 1], padding: [0, 1, 2], dilation: [1, 1, 1] });
  });

  it('the convolution output size rule (PyTorch)', () => {
    expect(convOutputSize('conv3d', 0, 32, 3, 1, 1, 1)).toBe(32);
    expect(convOutputSize('conv3d', 0, 32, 3, 2, 1, 1)).toBe(16);
    expect(convOutputSize('conv3d', 0, 7, 3, 1, 0, 3)).toBe(1);
    expect(() => convOutputSize('conv3d', 2, 6, 3, 1, 0, 3)).toThrow(ShapeError);
    expect(() => convOutputSize('conv3d', 2, 6, 3, 1, 0, 3)).toThrow(
      /^conv3d: kernel extent 7 \(size 3, dilation 3\) exceeds the padded input extent 6 along w/,
    );
  });

  it('pooling defaults its stride to the window', () => {
    expect(normalizePool('maxPool3d', { kernelSize: [1, 2, 2] }).stride).toEqual([1, 2, 2]);
    expect(poolOutputShape('avgPool3d', [1, 1, 5, 5, 5], { kernelSize: 2 })).toEqual([1, 1, 2, 2, 2]);
    expect(() => normalizePool('maxPool3d', undefined as unknown as { kernelSize: 2 })).toThrow(/^maxPool3d: options/);
  });

  it('up-sampling multiplies each extent by its scale', () => {
    expect(upsampleOutputShape('upsample3d', [1, 2, 3, 4, 5], { scale: [1, 2, 3], mode: 'nearest' })).toEqual([1, 2, 3, 8, 15]);
    expect(normalizeUpsample('upsample3d', { scale: 2, mode: 'trilinear' }).alignCorners).toBe(false);
  });
});

import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, zeros } from '@colab-ts/ndarray';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conv3d, conv3dBackwardInput, conv3dBackwardWeights, convTranspose3d, convTranspose3dShape } from '../src/reference.js';
import { arbConvCase, arbTriple, dot, expectAllClose, expectClose, rand, values } from './helpers.js';

const f64 = (data: number[], shape: number[]): NDArray => array(data, shape, 'float64');

/** A convolution case seen from the transposed side: `x` is conv3d's output, with an outputPadding below the stride. */
const arbTransposeCase = fc
  .tuple(arbConvCase, arbTriple(0, 2))
  .map(([c, extra]) => {
    const outputPadding = c.stride.map((s, i) => Math.min(extra[i]!, s - 1)) as [number, number, number];
    // The transposed conv's output shape: a conv3d input whose conv3d output is xShape.
    const probe = conv3d(zeros(c.xShape), zeros(c.wShape), null, c).shape as number[];
    return { ...c, outputPadding, tShape: probe };
  })
  .filter((c) => {
    try {
      convTranspose3dShape(c.tShape, c.wShape, null, c);
      return true;
    } catch {
      return false; // padding crops the whole output
    }
  });

describe('examples', () => {
  it('scatters each input voxel through the kernel', () => {
    const x = f64([1, 2], [1, 1, 1, 1, 2]);
    const w = f64([1, 10], [1, 1, 1, 1, 2]);
    expect(values(convTranspose3d(x, w, null))).toEqual([1, 12, 20]);
    expect(values(convTranspose3d(x, w, null, { stride: [1, 1, 2] }))).toEqual([1, 10, 2, 20]);
    expect(values(convTranspose3d(x, w, f64([0.5], [1]), { stride: [1, 1, 2], outputPadding: [0, 0, 1] }))).toEqual([1.5, 10.5, 2.5, 20.5, 0.5]);
    expect(values(convTranspose3d(x, w, null, { stride: [1, 1, 2], padding: [0, 0, 1] }))).toEqual([10, 2]);
  });

  it('maps Cin to Cout with a [Cin, Cout, ...] weight', () => {
    const x = f64([1, 2], [1, 2, 1, 1, 1]);
    const w = f64([1, 2, 3, 10, 20, 30], [2, 3, 1, 1, 1]);
    expect(values(convTranspose3d(x, w, null))).toEqual([21, 42, 63]);
  });

  it('doubles a volume with a 2x2x2 kernel and stride 2 (the U-Net up-sampling)', () => {
    expect(convTranspose3dShape([2, 8, 4, 5, 6], [8, 4, 2, 2, 2], [4], { stride: 2 })).toEqual([2, 4, 8, 10, 12]);
  });

  it('rejects bad shapes and options, naming the op', () => {
    const x = zeros([1, 3, 2, 2, 2]);
    expect(() => convTranspose3d(x, zeros([4, 2, 2, 2, 2]), null)).toThrow(ShapeError);
    expect(() => convTranspose3d(x, zeros([4, 2, 2, 2, 2]), null)).toThrow('convTranspose3d: input channels 3 != weight in-channels 4');
    expect(() => convTranspose3d(x, zeros([3, 2, 2, 2, 2]), zeros([3]))).toThrow(/^convTranspose3d: bias/);
    expect(() => convTranspose3d(x, zeros([3, 2, 2, 2, 2]), null, { stride: 2, outputPadding: 2 })).toThrow(ValueError);
    expect(() => convTranspose3d(x, zeros([3, 2, 1, 1, 1]), null, { padding: 1 })).toThrow(/^convTranspose3d: output extent along d would be 0/);
  });
});

describe('properties', () => {
  const tol = 1e-10;

  test.prop([arbTransposeCase], { numRuns: 50 })('<convTranspose3d(x, w), y> = <x, conv3d(y, w)>', (c) => {
    const w = rand(c.seed + 1, c.wShape);
    const x = rand(c.seed, c.tShape);
    const out = convTranspose3d(x, w, null, c);
    expect(out.shape).toEqual(convTranspose3dShape(x.shape, w.shape, null, c));
    const y = rand(c.seed + 2, out.shape);
    expectClose(dot(out, y), dot(x, conv3d(y, w, null, c)), tol);
  });

  test.prop([arbTransposeCase], { numRuns: 30 })('equals conv3dBackwardInput, and its weight gradient is conv3dBackwardWeights with roles swapped', (c) => {
    const w = rand(c.seed + 1, c.wShape);
    const x = rand(c.seed, c.tShape);
    const out = convTranspose3d(x, w, null, c);
    expectAllClose(out, conv3dBackwardInput(x, w, out.shape, c), 1e-12);
    const y = rand(c.seed + 2, out.shape);
    expectClose(dot(out, y), dot(w, conv3dBackwardWeights(y, x, w.shape, c)), tol);
  });

  test.prop([arbTransposeCase], { numRuns: 30 })('outputPadding extends the output on the high side only (zeros there when padding is 0)', (c) => {
    const w = rand(c.seed + 1, c.wShape);
    const x = rand(c.seed, c.tShape);
    let plain: NDArray;
    try {
      plain = convTranspose3d(x, w, null, { ...c, outputPadding: 0 });
    } catch {
      return; // without outputPadding the padding crops everything
    }
    const padded = convTranspose3d(x, w, null, c);
    const [, , ...ps] = plain.shape as number[];
    const [, , ...qs] = padded.shape as number[];
    expect(qs).toEqual(ps.map((d, i) => d + c.outputPadding[i]!));
    // Every voxel of the plain output is the same in the padded one; the rest is 0.
    const pv = values(plain);
    const qv = values(padded);
    const [N, C] = plain.shape as [number, number];
    let i = 0;
    for (let nc = 0; nc < N * C; nc++)
      for (let z = 0; z < qs[0]!; z++)
        for (let y = 0; y < qs[1]!; y++)
          for (let v = 0; v < qs[2]!; v++, i++) {
            const inside = z < ps[0]! && y < ps[1]! && v < ps[2]!;
            if (inside) expect(qv[i]).toBe(pv[((nc * ps[0]! + z) * ps[1]! + y) * ps[2]! + v]);
            else if (c.padding.every((p) => p === 0)) expect(qv[i]).toBe(0);
          }
  });
});

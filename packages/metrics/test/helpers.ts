/**
 * Shared test helpers: mask builders, random-mask arbitraries and brute-force
 * references written with plain loops, independent of the code under test.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { array, toTypedArray } from '@colab-ts/ndarray';
import { arbMask, arbSpacing as arbSpacingIn } from '@colab-ts/ndarray/testing';
import fc from 'fast-check';

/** A uint8 `[D, H, W]` mask that is 1 on the inclusive box `[z0..z1] x [y0..y1] x [x0..x1]`. */
export function box(shape: readonly [number, number, number], lo: readonly [number, number, number], hi: readonly [number, number, number]): NDArray {
  const [D, H, W] = shape;
  const d = new Uint8Array(D * H * W);
  for (let z = lo[0]; z <= hi[0]; z++) for (let y = lo[1]; y <= hi[1]; y++) for (let x = lo[2]; x <= hi[2]; x++) d[(z * H + y) * W + x] = 1;
  return array(d, shape, 'uint8');
}

/** A uint8 mask with 1 at the given voxels. */
export function voxels(shape: readonly [number, number, number], at: readonly (readonly [number, number, number])[]): NDArray {
  const d = new Uint8Array(shape[0] * shape[1] * shape[2]);
  for (const [z, y, x] of at) d[(z * shape[1] + y) * shape[2] + x] = 1;
  return array(d, shape, 'uint8');
}

/** Random `[D, H, W]` extents, each in `[1, max]` (D in `[1, maxD]`). */
export const arbShape3 = (max = 5, maxD = max): fc.Arbitrary<[number, number, number]> =>
  fc.tuple(fc.integer({ min: 1, max: maxD }), fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));

/** A random mask of `shape` with a random density (so sometimes empty, sometimes full), uint8 0/1. */
export const arbMaskOf = (shape: readonly [number, number, number]): fc.Arbitrary<NDArray> => arbMask(shape, { density: [-0.1, 1.1] });

/** Two random masks of one random shape. */
export const arbMaskPair = (max = 5, maxD = max): fc.Arbitrary<[NDArray, NDArray]> => arbShape3(max, maxD).chain((s) => fc.tuple(arbMaskOf(s), arbMaskOf(s)));

/** Positive spacings `[d, h, w]` in `[0.25, 4]`. */
export const arbSpacing = arbSpacingIn();

/** The elements of `x` as plain numbers. */
export const values = (x: NDArray): number[] => Array.from(toTypedArray(x));

/** The number of voxels set in a mask. */
export const countSet = (x: NDArray): number => values(x).filter((v) => v !== 0).length;

/**
 * fast-check arbitraries for property tests of code built on NDArray
 * (`@colab-ts/ndarray/testing`). Needs `fast-check` (an optional peer dependency).
 * @module @colab-ts/ndarray/testing
 */
import fc from 'fast-check';
import { array } from './creation.js';
import type { DType } from './DType.js';
import type { NDArray } from './NDArray.js';
import type { Shape } from './Shape.js';
import { shapeSize } from './Shape.js';

/** Shapes of a given rank range whose total size stays at most `maxSize`. @category testing */
export function arbShape(
  options: {
    readonly minRank?: number;
    readonly rank?: number;
    readonly maxRank?: number;
    readonly maxDim?: number;
    readonly minDim?: number;
    readonly maxSize?: number;
  } = {},
): fc.Arbitrary<number[]> {
  const minRank = options.rank ?? options.minRank ?? 0;
  const maxRank = options.rank ?? options.maxRank ?? 4;
  const maxDim = options.maxDim ?? 5;
  const minDim = options.minDim ?? 1;
  const maxSize = options.maxSize ?? 256;
  return fc
    .integer({ min: minRank, max: maxRank })
    .chain((r) => fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: r, maxLength: r }))
    .filter((s) => shapeSize(s) <= maxSize);
}

/**
 * Shapes of one fixed rank whose axis `i` has an extent in `[lo[i], hi[i]]`.
 * @example arbShapeWithin([1, 1, 1, 1, 2], [2, 3, 3, 3, 3]) // [N, C, D, H, W] with at least 2 voxels along W
 * @category testing
 */
export const arbShapeWithin = <const L extends readonly number[]>(
  lo: L,
  hi: { readonly [K in keyof L]: number },
): fc.Arbitrary<{ -readonly [K in keyof L]: number }> =>
  fc.tuple(...lo.map((min, i) => fc.integer({ min, max: hi[i]! }))) as fc.Arbitrary<{ -readonly [K in keyof L]: number }>;

/** Finite values (no NaN or infinities) in `[-bound, bound]`, as float32-representable numbers. @category testing */
export const arbValue = (bound = 100): fc.Arbitrary<number> =>
  fc.float({ min: Math.fround(-bound), max: Math.fround(bound), noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v));

/** An array of the given shape with values from `values` (finite float32 numbers by default). @category testing */
export function arbNDArrayOfShape(shape: Shape, options: { readonly dtype?: DType; readonly values?: fc.Arbitrary<number> } = {}): fc.Arbitrary<NDArray> {
  const dtype = options.dtype ?? 'float32';
  const values =
    options.values ??
    (dtype === 'float32' || dtype === 'float64' ? arbValue() : dtype === 'uint8' ? fc.integer({ min: 0, max: 255 }) : fc.integer({ min: -1000, max: 1000 }));
  const n = shapeSize(shape);
  return fc.array(values, { minLength: n, maxLength: n }).map((v) => array(v, shape, dtype));
}

/** An array of random shape (see `arbShape`) and values. @category testing */
export function arbNDArray(
  options: Parameters<typeof arbShape>[0] & { readonly dtype?: DType; readonly values?: fc.Arbitrary<number> } = {},
): fc.Arbitrary<NDArray> {
  return arbShape(options).chain((s) => arbNDArrayOfShape(s, options));
}

/** Two shapes that broadcast together: the second drops leading axes and sets some extents to 1. @category testing */
export function arbBroadcastShapes(options: Parameters<typeof arbShape>[0] = {}): fc.Arbitrary<[number[], number[]]> {
  return arbShape(options).chain((s) =>
    fc
      .tuple(fc.integer({ min: 0, max: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.boolean())
      .map(([drop, ones, swap]) => {
        const t = s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
        return (swap ? [t, s] : [s, t]) as [number[], number[]];
      }),
  );
}

/** A pair of arrays whose shapes broadcast together. @category testing */
export function arbBroadcastPair(options: Parameters<typeof arbShape>[0] & { readonly dtype?: DType } = {}): fc.Arbitrary<[NDArray, NDArray]> {
  return arbBroadcastShapes(options).chain(([a, b]) => fc.tuple(arbNDArrayOfShape(a, options), arbNDArrayOfShape(b, options)));
}

/** A valid permutation of `0 .. rank-1`. @category testing */
export const arbPermutation = (rank: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(
    Array.from({ length: rank }, (_, i) => i),
    { minLength: rank, maxLength: rank },
  );

/**
 * A uint8 0/1 mask of `shape`: a density is drawn from `density` (default `[0, 1]`),
 * then each voxel is 1 where a uniform draw in `[0, 1]` falls below it. A range
 * reaching past `[0, 1]` makes empty and full masks common.
 * @example fc.sample(arbMask([2, 4, 4], { density: [0.02, 0.5] }), 1)
 * @category testing
 */
export function arbMask(shape: Shape, options: { readonly density?: readonly [number, number] } = {}): fc.Arbitrary<NDArray<number, 'uint8'>> {
  const [lo, hi] = options.density ?? [0, 1];
  const n = shapeSize(shape);
  return fc
    .tuple(fc.double({ min: lo, max: hi, noNaN: true }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }))
    .map(([density, u]) =>
      array(
        u.map((v) => (v < density ? 1 : 0)),
        shape,
        'uint8',
      ),
    );
}

/** Positive voxel spacings `[sd, sh, sw]`, each in `[min, max]` (default `[0.25, 4]`). @category testing */
export const arbSpacing = (options: { readonly min?: number; readonly max?: number } = {}): fc.Arbitrary<[number, number, number]> => {
  const axis = fc.double({ min: options.min ?? 0.25, max: options.max ?? 4, noNaN: true });
  return fc.tuple(axis, axis, axis);
};

/**
 * The largest `|a[i] - b[i]|` relative to the largest `|b[i]|` (`Infinity` when the lengths differ): how far `a` is
 * from the reference `b`, for agreement checks between implementations.
 * @example relError([1, 2.002], [1, 2]) // 0.001
 * @category testing
 */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / Math.max(scale, 1e-300);
}

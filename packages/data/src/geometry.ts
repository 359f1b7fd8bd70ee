/**
 * Whether two volumes lie on the same grid in the world: spacing within a
 * relative tolerance, and the largest difference of their voxel-to-world
 * affines (the dataset check and `colab-ts evaluate` use the same test).
 * @module
 */
import type { Affine } from './Volume.js';

/** Whether two spacings agree within relative tolerance `tol` (default 1e-3). @example spacingClose([2.5, 1, 1], [2.5, 1, 1.0001]) // true @category nifti */
export function spacingClose(a: readonly number[], b: readonly number[], tol = 1e-3): boolean {
  return a.length === b.length && a.every((s, i) => Math.abs(s - b[i]!) <= tol * Math.max(Math.abs(s), Math.abs(b[i]!)));
}

/**
 * The largest difference between the top three rows of two affines, each
 * relative to the entry's size when above 1 (so a shift of 10 mm at an
 * origin of 100 mm is 0.1); NaN when a row is missing.
 * @example affineDistance(a, a) // 0
 * @category nifti
 */
export function affineDistance(a: Affine, b: Affine): number {
  return Math.max(...a.slice(0, 3).flatMap((row, r) => row.map((x, c) => Math.abs(x - (b[r]?.[c] ?? Number.NaN)) / Math.max(1, Math.abs(x)))));
}

/**
 * A training case and a batch of patches, in colab-ts's image layout:
 * a case's image is `[C, D, H, W]` and its label maps are `[1, D, H, W]`;
 * a batch stacks patches as `[N, C, D, H, W]` and `[N, 1, D, H, W]`.
 * A 2D case has `D = 1`.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, isFloat, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { Spacing } from './resample.js';

/**
 * One case: image `[C, D, H, W]` (float), ROI label `[1, D, H, W]` (integer,
 * 0 = background) and optional human-defined context labels `[1, D, H, W]`.
 * @category cases
 */
export interface Case {
  readonly id: string;
  readonly image: NDArray;
  readonly label: NDArray;
  readonly context?: NDArray | undefined;
  /**
   * An optional float map `[1, D, H, W]` carried with every patch: cropped with
   * it (0 outside the volume) and moved by the same spatial augmentation
   * (nearest neighbour, 0 outside). CoLab's soft dilated mask M (Eq. 8),
   * computed once on the whole case, travels this way.
   */
  readonly weight?: NDArray | undefined;
  readonly spacing: Spacing;
}

/**
 * A batch of patches: `image [N, C, pd, ph, pw]`, `label`, `context` and
 * `weight` `[N, 1, pd, ph, pw]`, which patches were drawn to contain the ROI, each
 * patch's corner in its case (negative or past the end where padded), and the
 * case ids.
 * @category cases
 */
export interface Batch {
  readonly image: NDArray;
  readonly label: NDArray;
  readonly context?: NDArray | undefined;
  /** The patches of the cases' `weight` maps `[N, 1, pd, ph, pw]` (float), when every case has one. */
  readonly weight?: NDArray | undefined;
  readonly roi: readonly boolean[];
  readonly origins: readonly (readonly [number, number, number])[];
  readonly caseIds: readonly string[];
}

/**
 * Throws a ShapeError unless a case has the documented layout: a float
 * `[C, D, H, W]` image and integer `[1, D, H, W]` label (and context) maps.
 * @category cases
 */
export function checkCase(op: string, c: Case): void {
  if (c.image.shape.length !== 4) throw new ShapeError(op, `case ${c.id}: image must be [C,D,H,W], got ${showShape(c.image.shape)}`);
  const spatial = c.image.shape.slice(1);
  for (const [name, m] of [
    ['label', c.label],
    ['context', c.context],
  ] as const) {
    if (m === undefined) continue;
    if (m.shape.length !== 4 || m.shape[0] !== 1 || !shapesEqual(m.shape.slice(1), spatial)) {
      throw new ShapeError(op, `case ${c.id}: ${name} must be [1,${spatial.join(',')}], got ${showShape(m.shape)}`);
    }
    if (isFloat(m.dtype)) throw new ShapeError(op, `case ${c.id}: ${name} must be an integer map (uint8 or int32), got ${m.dtype}`);
  }
  if (c.weight !== undefined) {
    if (c.weight.shape.length !== 4 || c.weight.shape[0] !== 1 || !shapesEqual(c.weight.shape.slice(1), spatial)) {
      throw new ShapeError(op, `case ${c.id}: weight must be [1,${spatial.join(',')}], got ${showShape(c.weight.shape)}`);
    }
    if (!isFloat(c.weight.dtype)) throw new ShapeError(op, `case ${c.id}: weight must be a float map, got ${c.weight.dtype}`);
  }
}

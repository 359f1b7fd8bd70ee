/**
 * Shapes, strides and axes: validation, sizes, row-major strides and NumPy
 * broadcasting of shapes.
 * @module
 */
import { ShapeError, showShape } from './errors.js';

/** A shape: one non-negative integer extent per axis. @category shape */
export type Shape = readonly number[];

/** The image layout `[N, C, D, H, W]` every 3D operator uses. @category shape */
export type Shape5 = readonly [n: number, c: number, d: number, h: number, w: number];

/**
 * The shape type of a rank: `ShapeOf<5>` is a shape whose `length` is 5;
 * `ShapeOf<number>` is any `Shape`. (Assignable to `Shape` for every rank.)
 * @category shape
 */
export type ShapeOf<R extends number> = Shape & { readonly length: R };

/** Number of elements of a shape (1 for the scalar shape `[]`). @category shape */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides, in elements, of a packed array of this shape. @category shape */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Throws unless every extent is a non-negative safe integer. @category shape */
export function checkShape(op: string, shape: unknown): Shape {
  if (!Array.isArray(shape)) throw new ShapeError(op, `shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(op, `shape ${showShape(shape as number[])} has an invalid extent ${String(d)}`, {
        expected: 'non-negative integers',
        got: showShape(shape as number[]),
      });
    }
  }
  return shape as Shape;
}

/** Are two shapes equal? @category shape */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Maps a possibly negative axis into `[0, rank)`, or throws naming the op. @category shape */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for rank ${rank}`, {
      expected: `an integer in [${-rank}, ${rank})`,
      got: String(axis),
    });
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes a list of axes (all axes when undefined), rejecting duplicates. @category shape */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `repeated axis in [${list.join(',')}]`);
  return out;
}

/** NumPy broadcasting of any number of shapes; throws `op: cannot broadcast [..] with [..]`. @category shape */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      const o = out[j]!;
      if (o === 1) out[j] = d;
      else if (d !== 1 && d !== o) {
        throw new ShapeError(op, `cannot broadcast ${shapes.map(showShape).join(' with ')}`, {
          expected: 'shapes whose trailing extents are equal or 1',
          got: shapes.map(showShape).join(' and '),
        });
      }
    }
  }
  return out;
}

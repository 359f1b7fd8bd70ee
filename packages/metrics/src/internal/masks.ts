/**
 * Reading masks and label maps for the metrics: argument checks and packed
 * copies of the elements.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, isNDArray, shapesEqual, showShape, toTypedArray } from '@colab-ts/ndarray';

/** Throws unless `x` is an NDArray. @category internal */
export function checkArray(op: string, name: string, x: unknown): asserts x is NDArray {
  if (!isNDArray(x)) throw new ValueError(op, `${name} must be an NDArray, got ${x === null ? 'null' : typeof x}`);
}

/** Checks that `pred` and `truth` are arrays of one shape; returns their elements in row-major order. @category internal */
export function readPair(
  op: string,
  pred: unknown,
  truth: unknown,
): { readonly shape: readonly number[]; readonly p: ArrayLike<number>; readonly t: ArrayLike<number> } {
  checkArray(op, 'pred', pred);
  checkArray(op, 'truth', truth);
  if (!shapesEqual(pred.shape, truth.shape)) {
    throw new ShapeError(op, `pred and truth must have one shape, got ${showShape(pred.shape)} and ${showShape(truth.shape)}`, {
      expected: showShape(truth.shape),
      got: showShape(pred.shape),
    });
  }
  return { shape: pred.shape, p: toTypedArray(pred), t: toTypedArray(truth) };
}

/**
 * Batched matrix product with NumPy's `matmul` rules: the last two axes are
 * matrices, leading axes broadcast, a 1-D operand is a row (left) or column
 * (right) vector whose axis is dropped from the result.
 * @module
 */
import { contiguous } from './creation.js';
import { allocate, promoteTypes } from './DType.js';
import { dual } from './dual.js';
import { ShapeError, showShape } from './errors.js';
import type { NDArray } from './NDArray.js';
import { assertNDArray, fromData } from './NDArray.js';
import { broadcastShapes, shapeSize } from './Shape.js';
import { broadcastTo, reshape } from './views.js';

/**
 * The matrix product `a @ b`, batched over leading axes; accumulates in float64.
 * @example matmul(zeros([8, 2, 3]), zeros([3, 4])) // shape [8, 2, 4]
 * @category linear algebra
 */
export const matmul: {
  (b: NDArray): (a: NDArray) => NDArray;
  (a: NDArray, b: NDArray): NDArray;
} = dual(2, (a: NDArray, b: NDArray): NDArray => {
  assertNDArray('matmul', a, 'a');
  assertNDArray('matmul', b, 'b');
  if (a.shape.length === 0 || b.shape.length === 0) {
    throw new ShapeError('matmul', `operands must have rank >= 1, got ${showShape(a.shape)} and ${showShape(b.shape)}`);
  }
  const a2 = a.shape.length === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.shape.length === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const m = a2.shape[a2.shape.length - 2]!;
  const k = a2.shape[a2.shape.length - 1]!;
  const k2 = b2.shape[b2.shape.length - 2]!;
  const n = b2.shape[b2.shape.length - 1]!;
  if (k !== k2) {
    throw new ShapeError('matmul', `inner dimensions differ: ${showShape(a.shape)} @ ${showShape(b.shape)} (${k} != ${k2})`, {
      expected: `b.shape[-2] = ${k}`,
      got: String(k2),
    });
  }
  const batch = broadcastShapes('matmul', a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const A = contiguous(broadcastTo(a2, [...batch, m, k]));
  const B = contiguous(broadcastTo(b2, [...batch, k, n]));
  const dtype = promoteTypes(a.dtype, b.dtype);
  const nb = shapeSize(batch);
  const out = allocate(dtype, nb * m * n);
  const acc = new Float64Array(n);
  const ad = A.data;
  const bd = B.data;
  for (let p = 0; p < nb; p++) {
    const aBase = p * m * k;
    const bBase = p * k * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let kk = 0; kk < k; kk++) {
        // No skip for aik === 0: 0 * NaN and 0 * Infinity must still give NaN.
        const aik = ad[aBase + i * k + kk]!;
        const row = bBase + kk * n;
        for (let j = 0; j < n; j++) acc[j] = acc[j]! + aik * bd[row + j]!;
      }
      out.set(acc, (p * m + i) * n);
    }
  }
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
  return fromData(dtype, shape, out);
});

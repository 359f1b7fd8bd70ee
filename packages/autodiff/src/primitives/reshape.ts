/** `reshape`: same elements in row-major order, another shape. @module */
import type { Shape } from '@colab-ts/ndarray';
import { ShapeError, ValueError, dual, shapeSize, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor, checkShapeParam } from '../internal/coerce.js';

const raw = (x: Tensor, shape: Shape): Tensor => (shapesEqual(x.shape, shape) ? x : bind(reshapePrimitive, [x], { shape }));

/** Reshape to a shape of the same size. @category primitives */
export const reshapePrimitive: PrimitiveDef<'reshape', { readonly shape: Shape }> = definePrimitive({
  name: 'reshape',
  shape: ([x], { shape }) => {
    checkShapeParam('reshape', shape);
    if (shapeSize(shape) !== shapeSize(x!.shape)) {
      throw new ShapeError('reshape', `cannot reshape ${showShape(x!.shape)} (size ${shapeSize(x!.shape)}) to ${showShape(shape)}`);
    }
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x], { shape }) => be.kernels.reshape(x!, shape),
  jvp: linearJvp((t, { shape }) => raw(t, shape)),
  vjp: (ct, [x]) => [raw(ct, x!.shape)],
});

/** Resolves one `-1` extent. */
function resolve(from: Shape, shape: Shape): Shape {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown === 0) return shape;
  if (unknown > 1) throw new ValueError('reshape', `at most one -1 extent, got ${showShape(shape)}`);
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = shapeSize(from);
  if (known === 0 || total % known !== 0) throw new ShapeError('reshape', `cannot reshape ${showShape(from)} to ${showShape(shape)}`);
  return shape.map((d) => (d === -1 ? total / known : d));
}

/**
 * Reshapes `x` (one extent may be -1).
 * @example reshape(x, [2, -1]) or pipe(x, reshape([2, -1]))
 * @category ops
 */
export const reshape: {
  (shape: Shape): (x: TensorLike) => Tensor;
  (x: TensorLike, shape: Shape): Tensor;
} = dual(2, (x: TensorLike, shape: Shape): Tensor => {
  const t = asTensor('reshape', x);
  return raw(t, resolve(t.shape, shape));
});

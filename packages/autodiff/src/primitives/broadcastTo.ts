/** `broadcastTo`: NumPy broadcasting to a target shape. @module */
import type { Shape } from '@colab-ts/ndarray';
import { ShapeError, dual, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor, checkShapeParam } from '../internal/coerce.js';
import { reshape } from './reshape.js';
import { sumAxes } from './sum.js';

const raw = (x: Tensor, shape: Shape): Tensor => (shapesEqual(x.shape, shape) ? x : bind(broadcastToPrimitive, [x], { shape }));

/** Axes of `shape` that broadcasting from `from` creates or stretches (what the cotangent sums over). */
function broadcastAxes(from: Shape, shape: Shape): number[] {
  const lead = shape.length - from.length;
  const axes: number[] = [];
  for (let i = 0; i < shape.length; i++) if (i < lead || (from[i - lead] === 1 && shape[i] !== 1)) axes.push(i);
  return axes;
}

/** Broadcasts to `shape` (new leading axes; extents of 1 stretched). @category primitives */
export const broadcastToPrimitive: PrimitiveDef<'broadcastTo', { readonly shape: Shape }> = definePrimitive({
  name: 'broadcastTo',
  shape: ([x], { shape }) => {
    checkShapeParam('broadcastTo', shape);
    const lead = shape.length - x!.shape.length;
    if (lead < 0 || x!.shape.some((d, i) => d !== 1 && d !== shape[i + lead])) {
      throw new ShapeError('broadcastTo', `cannot broadcast ${showShape(x!.shape)} to ${showShape(shape)}`, {
        expected: showShape(shape),
        got: showShape(x!.shape),
      });
    }
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x], { shape }) => be.kernels.broadcastTo(x!, shape),
  jvp: linearJvp((t, { shape }) => raw(t, shape)),
  vjp: (ct, [x], { shape }) => [reshape(sumAxes(ct, broadcastAxes(x!.shape, shape)), x!.shape)],
});

/**
 * Broadcasts `x` to `shape` (NumPy rules).
 * @example broadcastTo(bias, [2, 4, 8, 8, 8]) or pipe(bias, broadcastTo([2, 4, 8, 8, 8]))
 * @category ops
 */
export const broadcastTo: {
  (shape: Shape): (x: TensorLike) => Tensor;
  (x: TensorLike, shape: Shape): Tensor;
} = dual(2, (x: TensorLike, shape: Shape): Tensor => raw(asTensor('broadcastTo', x), shape));

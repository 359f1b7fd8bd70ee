/** `stopGradient`: the identity with zero derivative. @module */
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';

/** Identity in value, zero derivative (aliased by realize). @category primitives */
export const stopGradientPrimitive: PrimitiveDef<'stopGradient', NoParams> = definePrimitive({
  name: 'stopGradient',
  alias: true,
  shape: ([x]) => x!,
  impl: (be, [x], _p, out) => be.kernels.reshape(x!, out.shape),
  jvp: () => null,
  vjp: () => [null],
});

/**
 * `x` in value; a constant to every transformation.
 * @example grad((x) => mul(stopGradient(x), x))(x) // = x
 * @category ops
 */
export const stopGradient = (x: TensorLike): Tensor => bind(stopGradientPrimitive, [asTensor('stopGradient', x)], {});

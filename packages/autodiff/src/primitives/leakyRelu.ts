/** `leakyRelu`: `x > 0 ? x : slope * x` in one kernel (fused; the composite took three). @module */
import { ValueError } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat } from '../internal/coerce.js';
import { greater } from './compare.js';
import { mul } from './mul.js';
import { where } from './where.js';

/** The derivative applied to a tangent or cotangent `t`: `t` where `x > 0`, `slope * t` elsewhere (so 0 at `x = 0` counts as not positive). */
const scaled = (x: Tensor, t: Tensor, slope: number): Tensor => where(greater(x, 0), t, mul(t, slope));

/**
 * Leaky ReLU of a float tensor, `x > 0 ? x : slope * x`. Its rules are written
 * with `where`, `greater` and `mul`, so they are differentiable again (the
 * second derivative is 0 away from the kink), as the composite's were.
 * @category primitives
 */
export const leakyReluPrimitive: PrimitiveDef<'leakyRelu', { readonly slope: number }> = definePrimitive({
  name: 'leakyRelu',
  shape: ([x], { slope }) => {
    checkFloat('leakyRelu', x!);
    if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new ValueError('leakyRelu', `slope must be a finite number, got ${String(slope)}`);
    return { shape: x!.shape, dtype: x!.dtype };
  },
  impl: (be, [x], { slope }) => be.kernels.leakyRelu(x!, slope),
  jvp: ([x], [t], { slope }) => (t ? scaled(x!, t, slope) : null),
  vjp: (ct, [x], { slope }) => [scaled(x!, ct, slope)],
});

/** Leaky ReLU of a float tensor (the public `leakyRelu` composite picks this for float inputs). @internal */
export const leakyReluFused = (x: Tensor, slope: number): Tensor => bind(leakyReluPrimitive, [x], { slope });

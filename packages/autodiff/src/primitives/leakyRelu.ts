/**
 * `leakyRelu`: `x > 0 ? x : slope * x` in one kernel (fused; the composite took
 * three), and `leakyReluBackward`, its derivative applied to a tangent or
 * cotangent, `x > 0 ? t : slope * t`, in one kernel (the rules took three:
 * `where(greater(x, 0), t, mul(t, slope))`). The backward primitive is linear
 * in `t`, with the same map as its own tangent and cotangent, and piecewise
 * constant in `x` (zero derivative away from 0, as the three-op rules gave),
 * so `grad(grad(f))` and `jvp(grad(f))` still hold.
 * @module
 */
import { ValueError } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat, checkSame } from '../internal/coerce.js';

type Slope = { readonly slope: number };

function checkSlope(op: string, slope: number): void {
  if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new ValueError(op, `slope must be a finite number, got ${String(slope)}`);
}

/**
 * Leaky ReLU of a float tensor, `x > 0 ? x : slope * x`. Its rules are
 * `leakyReluBackward`, so they are differentiable again (the second derivative
 * is 0 away from the kink), as the composite's were.
 * @category primitives
 */
export const leakyReluPrimitive: PrimitiveDef<'leakyRelu', Slope> = definePrimitive({
  name: 'leakyRelu',
  shape: ([x], { slope }) => {
    checkFloat('leakyRelu', x!);
    checkSlope('leakyRelu', slope);
    return { shape: x!.shape, dtype: x!.dtype };
  },
  impl: (be, [x], { slope }) => be.kernels.leakyRelu(x!, slope),
  jvp: ([x], [t], { slope }) => (t ? leakyReluBackward(x!, t, slope) : null),
  vjp: (ct, [x], { slope }) => [leakyReluBackward(x!, ct, slope)],
});

/**
 * The derivative of leaky ReLU at `x` applied to `t` (x's shape and dtype): `t` where `x > 0`, `slope * t`
 * elsewhere (so 0 at `x = 0` counts as not positive). Linear in `t`; no derivative in `x`.
 * @category primitives
 */
export const leakyReluBackwardPrimitive: PrimitiveDef<'leakyReluBackward', Slope> = definePrimitive({
  name: 'leakyReluBackward',
  shape: ([x, t], { slope }) => {
    checkFloat('leakyReluBackward', x!);
    checkSlope('leakyReluBackward', slope);
    return checkSame('leakyReluBackward', [x!, t!]);
  },
  impl: (be, [x, t], { slope }) => be.kernels.leakyReluBackward(x!, t!, slope),
  jvp: ([x], [, tt], { slope }) => (tt ? leakyReluBackward(x!, tt, slope) : null),
  vjp: (ct, [x], { slope }) => [null, leakyReluBackward(x!, ct, slope)],
});

/** Leaky ReLU of a float tensor (the public `leakyRelu` composite picks this for float inputs). @internal */
export const leakyReluFused = (x: Tensor, slope: number): Tensor => bind(leakyReluPrimitive, [x], { slope });

/**
 * The derivative of `leakyRelu(x, { slope })` applied to `dy`: `x > 0 ? dy : slope * dy` (one kernel).
 * @example leakyReluBackward(x, dy, 0.01)
 * @category ops
 */
export const leakyReluBackward = (x: Tensor, dy: Tensor, slope: number): Tensor => bind(leakyReluBackwardPrimitive, [x, dy], { slope });

/** `identity`: the fresh wrapper each transformation puts around its primal inputs. @module */
import type { NoParams, PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';

/** Identity (aliased by realize, so it runs no kernel). @category primitives */
export const identityPrimitive: PrimitiveDef<'identity', NoParams> = definePrimitive({
  name: 'identity',
  alias: true,
  shape: ([x]) => x!,
  impl: (be, [x], _p, out) => be.kernels.reshape(x!, out.shape),
  jvp: (_x, [t]) => t ?? null,
  vjp: (ct) => [ct],
});

/** A fresh node equal to `x`: what transformations differentiate through. @category primitives */
export const identity = (x: Tensor): Tensor => bind(identityPrimitive, [x], {});

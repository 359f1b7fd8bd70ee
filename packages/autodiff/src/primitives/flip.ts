/** `flip`: reverses axes. @module */
import { dual, normalizeAxes } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { asTensor, checkAxes } from '../internal/coerce.js';

const raw = (x: Tensor, axes: readonly number[]): Tensor => (axes.length === 0 ? x : bind(flipPrimitive, [x], { axes }));

/** Reverses the order of elements along `axes` (normalized, distinct); its own adjoint. @category primitives */
export const flipPrimitive: PrimitiveDef<'flip', { readonly axes: readonly number[] }> = definePrimitive({
  name: 'flip',
  shape: ([x], { axes }) => {
    checkAxes('flip', x!.shape, axes);
    return x!;
  },
  impl: (be, [x], { axes }) => be.kernels.flip(x!, axes),
  jvp: linearJvp((t, { axes }) => raw(t, axes)),
  vjp: (ct, _x, { axes }) => [raw(ct, axes)],
});

/**
 * Reverses `x` along `axes` (default all).
 * @example flip(x, { axes: [2] }) or pipe(x, flip({ axes: -1 }))
 * @category ops
 */
export const flip: {
  (options?: { readonly axes?: number | readonly number[] }): (x: TensorLike) => Tensor;
  (x: TensorLike, options?: { readonly axes?: number | readonly number[] }): Tensor;
} = dual(
  (args) => isTensor(args[0]) || typeof args[0] === 'number',
  (x: TensorLike, options: { readonly axes?: number | readonly number[] } = {}): Tensor => {
    const t = asTensor('flip', x);
    return raw(t, normalizeAxes('flip', options.axes, t.shape.length));
  },
);

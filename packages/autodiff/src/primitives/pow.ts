/** `pow`: elementwise power with a scalar exponent. @module */
import { ValueError, scalar } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor, checkFloat } from '../internal/coerce.js';
import { mul } from './mul.js';

const raw = (x: Tensor, exponent: number): Tensor => bind(powPrimitive, [x], { exponent });

// d(x^p) = p x^(p-1) dx; p = 0 has a zero derivative, p = 1 the identity.
const scale = (x: Tensor, t: Tensor, p: number): Tensor | null => (p === 0 ? null : p === 1 ? t : mul(t, mul(raw(x, p - 1), p)));

/** `x ** exponent` for a number `exponent`. @category primitives */
export const powPrimitive: PrimitiveDef<'pow', { readonly exponent: number }> = definePrimitive({
  name: 'pow',
  shape: ([x], { exponent }) => {
    if (typeof exponent !== 'number' || Number.isNaN(exponent)) throw new ValueError('pow', `exponent must be a number, got ${String(exponent)}`);
    checkFloat('pow', x!);
    return x!;
  },
  impl: async (be, [x], { exponent }, out) => {
    const p = await be.upload(scalar(exponent, out.dtype));
    try {
      return await be.kernels.binary(x!, p, 'pow');
    } finally {
      be.dispose(p);
    }
  },
  jvp: ([x], [t], { exponent }) => (t ? scale(x!, t, exponent) : null),
  vjp: (ct, [x], { exponent }) => [scale(x!, ct, exponent)],
});

/**
 * Elementwise `x ** exponent` (a number; for a tensor exponent use `exp(mul(b, log(x)))`).
 * @example pow(x, 3)
 * @category ops
 */
export const pow = (x: TensorLike, exponent: number): Tensor => raw(asTensor('pow', x), exponent);

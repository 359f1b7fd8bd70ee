/**
 * `maxPool3d`: max pooling over `[D, H, W]` windows; each window's derivative
 * goes to its first maximum (the kernel's choice). Derivatives need
 * non-overlapping windows (stride >= kernelSize on every axis, the U-Net
 * case): then the tangent gather is `sumPool(mask * t)` with the mask from
 * `maxPool3dBackward`, which keeps the rules within existing kernels.
 * @module
 */
import type { NormalizedPool, PoolOptions } from '@colab-ts/kernels';
import { maxPool3dShape, normalizePool } from '@colab-ts/kernels';
import { ValueError, dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat, fillLike } from '../internal/coerce.js';
import { avgPool3dRaw } from './avgPool3d.js';
import { maxPool3dBackwardRaw } from './maxPool3dBackward.js';
import { mul } from './mul.js';

/** `maxPool3d` with normalized options (the form the rules use). @internal */
export const maxPool3dRaw = (x: Tensor, o: NormalizedPool): Tensor => bind(maxPool3dPrimitive, [x], o);

/** Throws unless the windows do not overlap (what the derivative rules need). @internal */
export function checkNonOverlapping(op: string, o: NormalizedPool): void {
  if (o.stride.some((s, i) => s < o.kernelSize[i]!)) {
    throw new ValueError(op, `derivatives need non-overlapping windows (stride >= kernelSize), got stride [${o.stride.join(',')}] and kernelSize [${o.kernelSize.join(',')}]`);
  }
}

/** `t` at each window's first maximum of `x`: the pooled tangent (non-overlapping windows). @internal */
export function gatherAtMax(t: Tensor, x: Tensor, o: NormalizedPool): Tensor {
  checkNonOverlapping('maxPool3d', o);
  const pooled = maxPool3dRaw(x, o);
  const mask = maxPool3dBackwardRaw(fillLike(pooled, 1), x, o);
  return mul(avgPool3dRaw(mul(mask, t), o), o.kernelSize[0] * o.kernelSize[1] * o.kernelSize[2]);
}

/** Max pooling; derivative to each window's first maximum. @category primitives */
export const maxPool3dPrimitive: PrimitiveDef<'maxPool3d', NormalizedPool> = definePrimitive({
  name: 'maxPool3d',
  shape: ([x], o) => {
    const shape = maxPool3dShape(x!.shape, o);
    checkFloat('maxPool3d', x!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x], o) => be.kernels.maxPool3d(x!, o),
  jvp: ([x], [t], o) => (t ? gatherAtMax(t, x!, o) : null),
  vjp: (ct, [x], o) => {
    checkNonOverlapping('maxPool3d', o);
    return [maxPool3dBackwardRaw(ct, x!, o)];
  },
});

/**
 * Max pooling over `[D, H, W]` windows (stride defaults to the window).
 * @example maxPool3d(x, { kernelSize: 2 }) or pipe(x, maxPool3d({ kernelSize: [1, 2, 2] }))
 * @category ops
 */
export const maxPool3d: {
  (options: PoolOptions): (x: Tensor) => Tensor;
  (x: Tensor, options: PoolOptions): Tensor;
} = dual(2, (x: Tensor, options: PoolOptions): Tensor => maxPool3dRaw(x, normalizePool('maxPool3d', options)));

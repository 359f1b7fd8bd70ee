/** `upsample3d`: nearest or trilinear up-sampling; linear, adjoint `upsample3dBackward`. @module */
import type { NormalizedUpsample, UpsampleOptions } from '@colab-ts/kernels';
import { normalizeUpsample, upsample3dShape } from '@colab-ts/kernels';
import { dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat } from '../internal/coerce.js';
import { upsample3dBackwardRaw } from './upsample3dBackward.js';

/** `upsample3d` with normalized options (the form the rules use). @internal */
export const upsample3dRaw = (x: Tensor, o: NormalizedUpsample): Tensor => bind(upsample3dPrimitive, [x], o);

/** Up-sampling by an integer factor per spatial axis. @category primitives */
export const upsample3dPrimitive: PrimitiveDef<'upsample3d', NormalizedUpsample> = definePrimitive({
  name: 'upsample3d',
  shape: ([x], o) => {
    const shape = upsample3dShape(x!.shape, o);
    checkFloat('upsample3d', x!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x], o) => be.kernels.upsample3d(x!, o),
  jvp: linearJvp(upsample3dRaw),
  vjp: (ct, [x], o) => [upsample3dBackwardRaw(ct, x!.shape, o)],
});

/**
 * Nearest or trilinear up-sampling of `[N, C, D, H, W]` by an integer factor per axis.
 * @example upsample3d(x, { scale: 2, mode: 'trilinear' }) or pipe(x, upsample3d({ scale: [1, 2, 2], mode: 'nearest' }))
 * @category ops
 */
export const upsample3d: {
  (options: UpsampleOptions): (x: Tensor) => Tensor<5>;
  (x: Tensor, options: UpsampleOptions): Tensor<5>;
} = dual(2, (x: Tensor, options: UpsampleOptions): Tensor => upsample3dRaw(x, normalizeUpsample('upsample3d', options)));

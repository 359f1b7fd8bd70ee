/** `avgPool3d`: average pooling (padding counts as zeros); linear, adjoint `avgPool3dBackward`. @module */
import type { NormalizedPool, PoolOptions } from '@colab-ts/kernels';
import { avgPool3dShape, normalizePool } from '@colab-ts/kernels';
import { dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat } from '../internal/coerce.js';
import { avgPool3dBackwardRaw } from './avgPool3dBackward.js';

/** `avgPool3d` with normalized options (the form the rules use). @internal */
export const avgPool3dRaw = (x: Tensor, o: NormalizedPool): Tensor => bind(avgPool3dPrimitive, [x], o);

/** Average pooling over `[D, H, W]` windows. @category primitives */
export const avgPool3dPrimitive: PrimitiveDef<'avgPool3d', NormalizedPool> = definePrimitive({
  name: 'avgPool3d',
  shape: ([x], o) => {
    const shape = avgPool3dShape(x!.shape, o);
    checkFloat('avgPool3d', x!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x], o) => be.kernels.avgPool3d(x!, o),
  jvp: linearJvp(avgPool3dRaw),
  vjp: (ct, [x], o) => [avgPool3dBackwardRaw(ct, x!.shape, o)],
});

/**
 * Average pooling over `[D, H, W]` windows (stride defaults to the window; padded voxels count as zeros).
 * @example avgPool3d(x, { kernelSize: 2 }) or pipe(x, avgPool3d({ kernelSize: 2 }))
 * @category ops
 */
export const avgPool3d: {
  (options: PoolOptions): (x: Tensor) => Tensor<5>;
  (x: Tensor, options: PoolOptions): Tensor<5>;
} = dual(2, (x: Tensor, options: PoolOptions): Tensor => avgPool3dRaw(x, normalizePool('avgPool3d', options)));

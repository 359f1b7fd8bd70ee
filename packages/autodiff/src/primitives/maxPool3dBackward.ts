/**
 * `maxPool3dBackward(dy, x)`: routes each `dy` to its window's first maximum in
 * `x`. Linear in `dy`; piecewise constant in `x` (zero derivative there).
 * @module
 */
import type { NormalizedPool, PoolOptions } from '@colab-ts/kernels';
import { maxPool3dBackwardShape, normalizePool } from '@colab-ts/kernels';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkPair } from './conv3d.js';
import { gatherAtMax } from './maxPool3d.js';

/** `maxPool3dBackward` with normalized options (the form the rules use). @internal */
export const maxPool3dBackwardRaw = (dy: Tensor, x: Tensor, o: NormalizedPool): Tensor => bind(maxPool3dBackwardPrimitive, [dy, x], o);

/** The vector-Jacobian product of `maxPool3d` at `x`. @category primitives */
export const maxPool3dBackwardPrimitive: PrimitiveDef<'maxPool3dBackward', NormalizedPool> = definePrimitive({
  name: 'maxPool3dBackward',
  shape: ([dy, x], o) => {
    const shape = maxPool3dBackwardShape(dy!.shape, x!.shape, o);
    checkPair('maxPool3dBackward', dy!, x!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [dy, x], o) => be.kernels.maxPool3dBackward(dy!, x!, o),
  jvp: linearJvp((tdy, o, [, x]) => maxPool3dBackwardRaw(tdy, x!, o)),
  vjp: (ct, [, x], o) => [gatherAtMax(ct, x!, o), null],
});

/**
 * The gradient of `maxPool3d(x, options)` given the output cotangent `dy`.
 * @example maxPool3dBackward(dy, x, { kernelSize: 2 })
 * @category ops
 */
export const maxPool3dBackward = (dy: Tensor, x: Tensor, options: PoolOptions): Tensor<5> =>
  maxPool3dBackwardRaw(dy, x, normalizePool('maxPool3dBackward', options)) as Tensor<5>;

/** `avgPool3dBackward`: the adjoint of `avgPool3d`; linear, adjoint `avgPool3d`. @module */
import type { NormalizedPool, PoolOptions } from '@colab-ts/kernels';
import { avgPool3dBackwardShape, normalizePool } from '@colab-ts/kernels';
import type { Shape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat } from '../internal/coerce.js';
import { avgPool3dRaw } from './avgPool3d.js';

/** Parameters: the pooled input's shape and the pooling options. @category primitives */
export interface AvgPool3dBackwardParams extends NormalizedPool {
  readonly inputShape: Shape;
}

/** `avgPool3dBackward` with normalized options (the form the rules use). @internal */
export const avgPool3dBackwardRaw = (dy: Tensor, inputShape: Shape, o: NormalizedPool): Tensor =>
  bind(avgPool3dBackwardPrimitive, [dy], { kernelSize: o.kernelSize, stride: o.stride, padding: o.padding, inputShape });

const poolPart = (o: AvgPool3dBackwardParams): NormalizedPool => ({ kernelSize: o.kernelSize, stride: o.stride, padding: o.padding });

/** Spreads each `dy / volume` over its window. @category primitives */
export const avgPool3dBackwardPrimitive: PrimitiveDef<'avgPool3dBackward', AvgPool3dBackwardParams> = definePrimitive({
  name: 'avgPool3dBackward',
  shape: ([dy], o) => {
    const shape = avgPool3dBackwardShape(dy!.shape, o.inputShape, o);
    checkFloat('avgPool3dBackward', dy!);
    return { shape, dtype: dy!.dtype };
  },
  impl: (be, [dy], o) => be.kernels.avgPool3dBackward(dy!, o.inputShape, poolPart(o)),
  jvp: linearJvp((t, o) => avgPool3dBackwardRaw(t, o.inputShape, o)),
  vjp: (ct, _x, o) => [avgPool3dRaw(ct, poolPart(o))],
});

/**
 * The gradient of `avgPool3d` for an input of `inputShape`, given the output cotangent `dy`.
 * @example avgPool3dBackward(dy, x.shape, { kernelSize: 2 })
 * @category ops
 */
export const avgPool3dBackward = (dy: Tensor, inputShape: Shape, options: PoolOptions): Tensor<5> =>
  avgPool3dBackwardRaw(dy, inputShape, normalizePool('avgPool3dBackward', options)) as Tensor<5>;

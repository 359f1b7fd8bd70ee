/** `avgPool3dBackward`: the adjoint of `avgPool3d`; linear, adjoint `avgPool3d` (the pair is defined in `avgPool3d.ts`). @module */
import type { NormalizedPool, PoolOptions } from '@colab-ts/kernels';
import type { Shape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import type { AdjointParams } from './adjointPair.js';
import { avgPool3dPair } from './avgPool3d.js';

/** Parameters: the pooled input's shape and the pooling options. @category primitives */
export type AvgPool3dBackwardParams = AdjointParams<NormalizedPool>;

/** Spreads each `dy / volume` over its window. @category primitives */
export const avgPool3dBackwardPrimitive: PrimitiveDef<'avgPool3dBackward', AvgPool3dBackwardParams> = avgPool3dPair.backward;

/**
 * The gradient of `avgPool3d` for an input of `inputShape`, given the output cotangent `dy`.
 * @example avgPool3dBackward(dy, x.shape, { kernelSize: 2 })
 * @category ops
 */
export const avgPool3dBackward: (dy: Tensor, inputShape: Shape, options: PoolOptions) => Tensor<5> = avgPool3dPair.backwardOp;

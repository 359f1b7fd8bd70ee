/** `upsample3dBackward`: the adjoint of `upsample3d`; linear, adjoint `upsample3d` (the pair is defined in `upsample3d.ts`). @module */
import type { NormalizedUpsample, UpsampleOptions } from '@colab-ts/kernels';
import type { Shape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import type { AdjointParams } from './adjointPair.js';
import { upsample3dPair } from './upsample3d.js';

/** Parameters: the up-sampled input's shape and the options. @category primitives */
export type Upsample3dBackwardParams = AdjointParams<NormalizedUpsample>;

/** Scatters each `dy` back over its interpolation taps. @category primitives */
export const upsample3dBackwardPrimitive: PrimitiveDef<'upsample3dBackward', Upsample3dBackwardParams> = upsample3dPair.backward;

/**
 * The gradient of `upsample3d` for an input of `inputShape`, given the output cotangent `dy`.
 * @example upsample3dBackward(dy, x.shape, { scale: 2, mode: 'trilinear' })
 * @category ops
 */
export const upsample3dBackward: (dy: Tensor, inputShape: Shape, options: UpsampleOptions) => Tensor<5> = upsample3dPair.backwardOp;

/** `upsample3d`: nearest or trilinear up-sampling; linear, adjoint `upsample3dBackward` (both built by `adjointPair`). @module */
import type { NormalizedUpsample, UpsampleOptions } from '@colab-ts/kernels';
import { normalizeUpsample, upsample3dBackwardShape, upsample3dShape } from '@colab-ts/kernels';
import type { PrimitiveDef } from '../Primitive.js';
import type { AdjointKernels, LinearOp } from './adjointPair.js';
import { adjointPair } from './adjointPair.js';

const kernels: AdjointKernels<NormalizedUpsample> = (be) => [(x, o) => be.kernels.upsample3d(x, o), (dy, s, o) => be.kernels.upsample3dBackward(dy, s, o)];

/** The up-sampling pair: `upsample3d` and its adjoint, which scatters each `dy` back over its interpolation taps. @internal */
export const upsample3dPair = adjointPair({ name: 'upsample3d', shapes: [upsample3dShape, upsample3dBackwardShape], normalize: normalizeUpsample, kernels });

/** Up-sampling by an integer factor per spatial axis. @category primitives */
export const upsample3dPrimitive: PrimitiveDef<'upsample3d', NormalizedUpsample> = upsample3dPair.forward;

/**
 * Nearest or trilinear up-sampling of `[N, C, D, H, W]` by an integer factor per axis.
 * @example upsample3d(x, { scale: 2, mode: 'trilinear' }) or pipe(x, upsample3d({ scale: [1, 2, 2], mode: 'nearest' }))
 * @category ops
 */
export const upsample3d: LinearOp<UpsampleOptions> = upsample3dPair.op;

/** `avgPool3d`: average pooling (padding counts as zeros); linear, adjoint `avgPool3dBackward` (both built by `adjointPair`). @module */
import type { NormalizedPool, PoolOptions } from '@colab-ts/kernels';
import { avgPool3dBackwardShape, avgPool3dShape, normalizePool } from '@colab-ts/kernels';
import type { PrimitiveDef } from '../Primitive.js';
import type { AdjointKernels, LinearOp } from './adjointPair.js';
import { adjointPair } from './adjointPair.js';

const kernels: AdjointKernels<NormalizedPool> = (be) => [(x, o) => be.kernels.avgPool3d(x, o), (dy, s, o) => be.kernels.avgPool3dBackward(dy, s, o)];

/** The pooling pair: `avgPool3d` and its adjoint, which spreads each `dy / volume` over its window. @internal */
export const avgPool3dPair = adjointPair({ name: 'avgPool3d', shapes: [avgPool3dShape, avgPool3dBackwardShape], normalize: normalizePool, kernels });

/** `avgPool3d` with normalized options (the form the rules use). @internal */
export const avgPool3dRaw = avgPool3dPair.forwardRaw;

/** Average pooling over `[D, H, W]` windows. @category primitives */
export const avgPool3dPrimitive: PrimitiveDef<'avgPool3d', NormalizedPool> = avgPool3dPair.forward;

/**
 * Average pooling over `[D, H, W]` windows (stride defaults to the window; padded voxels count as zeros).
 * @example avgPool3d(x, { kernelSize: 2 }) or pipe(x, avgPool3d({ kernelSize: 2 }))
 * @category ops
 */
export const avgPool3d: LinearOp<PoolOptions> = avgPool3dPair.op;

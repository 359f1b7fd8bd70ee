/**
 * Every reference kernel as one synchronous record over `NDArray`: the general
 * kernels (the @colab-ts/ndarray functions) and the 3D operators.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import type { SyncKernels } from '../Backend.js';
import { avgPool3d, avgPool3dBackward } from '../avgPool3d/reference.js';
import { conv3d, conv3dBackwardInput, conv3dBackwardWeights } from '../conv3d/reference.js';
import { convTranspose3d } from '../convTranspose3d/reference.js';
import { instanceNorm, instanceNormAffineBackward, instanceNormBackward, instanceNormLeakyRelu } from '../instanceNorm/reference.js';
import { instanceNormStats } from '../instanceNormStats/reference.js';
import { maxPool3d, maxPool3dBackward } from '../maxPool3d/reference.js';
import { softmax, softmaxBackward } from '../softmax/reference.js';
import { upsample3d, upsample3dBackward } from '../upsample3d/reference.js';
import { generalKernels } from './general.js';

/** The reference kernels, synchronous (the reference backend wraps each in a Promise). @category reference */
export const referenceKernels: SyncKernels<NDArray> = {
  ...generalKernels,
  conv3d,
  conv3dBackwardInput,
  conv3dBackwardWeights,
  convTranspose3d,
  maxPool3d,
  maxPool3dBackward,
  avgPool3d,
  avgPool3dBackward,
  upsample3d,
  upsample3dBackward,
  instanceNormStats,
  instanceNorm,
  instanceNormLeakyRelu,
  instanceNormBackward,
  instanceNormAffineBackward,
  softmax,
  softmaxBackward,
};

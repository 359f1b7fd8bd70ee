/**
 * Every operator's signature type and shape rule, re-exported in one list for
 * the package's entry points (the rules live beside their operators).
 * @module
 */
export type { AvgPool3d, AvgPool3dBackward } from './avgPool3d/index.js';
export { avgPool3dBackwardShape, avgPool3dShape } from './avgPool3d/index.js';
export type { Conv3d, Conv3dBackwardInput, Conv3dBackwardWeights } from './conv3d/index.js';
export { conv3dBackwardInputShape, conv3dBackwardWeightsShape, conv3dShape } from './conv3d/index.js';
export type { ConvTranspose3d } from './convTranspose3d/index.js';
export { convTranspose3dShape } from './convTranspose3d/index.js';
export type { InstanceNorm, InstanceNormAffineBackward, InstanceNormBackward, InstanceNormLeakyRelu } from './instanceNorm/index.js';
export { instanceNormAffineBackwardShape, instanceNormBackwardShape, instanceNormLeakyReluShape, instanceNormShape } from './instanceNorm/index.js';
export type { InstanceNormStats } from './instanceNormStats/index.js';
export { instanceNormStatsShape } from './instanceNormStats/index.js';
export type { MaxPool3d, MaxPool3dBackward } from './maxPool3d/index.js';
export { maxPool3dBackwardShape, maxPool3dShape } from './maxPool3d/index.js';
export type { Softmax, SoftmaxBackward } from './softmax/index.js';
export { softmaxBackwardShape, softmaxShape } from './softmax/index.js';
export type { AxisTaps, Upsample3d, Upsample3dBackward } from './upsample3d/index.js';
export { upsample3dBackwardShape, upsample3dShape, upsampleAxisTaps } from './upsample3d/index.js';
export type { NormalizedConv, NormalizedPool, NormalizedUpsample, Triple3 } from './options.js';
export {
  convOutputSize,
  convTranspose3dOutputShape,
  conv3dOutputShape,
  normalizeConv,
  normalizePool,
  normalizeUpsample,
  poolOutputShape,
  triple,
  upsampleOutputShape,
} from './options.js';

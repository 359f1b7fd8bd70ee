/**
 * `@colab-ts/kernels/reference`: the reference backend, its kernels as plain
 * synchronous functions on `NDArray`, and the TypeScript-only volume
 * operators (distance transforms, components, morphology, importance map).
 * Never loads gpu.js or WebAssembly, so metrics and data code can use it freely.
 * @module @colab-ts/kernels/reference
 */
export type * from './Backend.js';
export * from './shapes.js';
export * from './volumes.js';
export { referenceBackend } from './reference/backend.js';
export { referenceKernels } from './reference/kernels.js';
export { avgPool3d, avgPool3dBackward } from './avgPool3d/reference.js';
export { conv3d, conv3dBackwardInput, conv3dBackwardWeights } from './conv3d/reference.js';
export { convTranspose3d } from './convTranspose3d/reference.js';
export { instanceNorm, instanceNormAffineBackward, instanceNormBackward, instanceNormLeakyRelu } from './instanceNorm/reference.js';
export { instanceNormStats } from './instanceNormStats/reference.js';
export { maxPool3d, maxPool3dBackward } from './maxPool3d/reference.js';
export { softmax, softmaxBackward } from './softmax/reference.js';
export { upsample3d, upsample3dBackward } from './upsample3d/reference.js';

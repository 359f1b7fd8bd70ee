/**
 * The reference backend: plain TypeScript loops over `NDArray`, obviously
 * right and slow; the oracle every other backend is tested against. Its
 * buffers are `NDArray`s, so `upload`/`download` are the identity.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import type { Backend, Kernels } from '../Backend.js';
import { referenceKernels as K } from './kernels.js';

const kernels: Kernels<NDArray> = {
  unary: async (x, op) => K.unary(x, op),
  binary: async (a, b, op) => K.binary(a, b, op),
  compare: async (a, b, op) => K.compare(a, b, op),
  where: async (c, a, b) => K.where(c, a, b),
  leakyRelu: async (x, slope) => K.leakyRelu(x, slope),
  leakyReluBackward: async (x, dy, slope) => K.leakyReluBackward(x, dy, slope),
  cast: async (x, dtype) => K.cast(x, dtype),
  reshape: async (x, shape) => K.reshape(x, shape),
  transpose: async (x, axes) => K.transpose(x, axes),
  broadcastTo: async (x, shape) => K.broadcastTo(x, shape),
  slice: async (x, specs) => K.slice(x, specs),
  pad: async (x, widths, value) => K.pad(x, widths, value),
  concat: async (xs, axis) => K.concat(xs, axis),
  flip: async (x, axes) => K.flip(x, axes),
  sum: async (x, axes, keepDims) => K.sum(x, axes, keepDims),
  max: async (x, axes, keepDims) => K.max(x, axes, keepDims),
  matmul: async (a, b) => K.matmul(a, b),
  conv3d: async (x, w, bias, o) => K.conv3d(x, w, bias, o),
  conv3dBackwardInput: async (dy, w, s, o) => K.conv3dBackwardInput(dy, w, s, o),
  conv3dBackwardWeights: async (x, dy, s, o) => K.conv3dBackwardWeights(x, dy, s, o),
  convTranspose3d: async (x, w, bias, o) => K.convTranspose3d(x, w, bias, o),
  maxPool3d: async (x, o) => K.maxPool3d(x, o),
  maxPool3dBackward: async (dy, x, o) => K.maxPool3dBackward(dy, x, o),
  avgPool3d: async (x, o) => K.avgPool3d(x, o),
  avgPool3dBackward: async (dy, s, o) => K.avgPool3dBackward(dy, s, o),
  upsample3d: async (x, o) => K.upsample3d(x, o),
  upsample3dBackward: async (dy, s, o) => K.upsample3dBackward(dy, s, o),
  instanceNormStats: async (x) => K.instanceNormStats(x),
  instanceNorm: async (x, s, b, eps) => K.instanceNorm(x, s, b, eps),
  instanceNormLeakyRelu: async (x, s, b, eps, slope) => K.instanceNormLeakyRelu(x, s, b, eps, slope),
  instanceNormBackward: async (x, s, dy, eps) => K.instanceNormBackward(x, s, dy, eps),
  instanceNormAffineBackward: async (x, dy, eps) => K.instanceNormAffineBackward(x, dy, eps),
  softmax: async (x) => K.softmax(x),
  softmaxBackward: async (y, dy) => K.softmaxBackward(y, dy),
};

/**
 * The reference backend (`NDArray` buffers; every kernel a plain loop in float64).
 * @example const y = await referenceBackend.kernels.conv3d(x, w, null, { padding: 1 })
 * @category backends
 */
export const referenceBackend: Backend<NDArray> = Object.freeze({
  name: 'reference',
  device: 'reference (TypeScript)',
  upload: async (x: NDArray) => x,
  download: async (b: NDArray) => b,
  dispose: () => undefined,
  shapeOf: (b: NDArray) => b.shape,
  dtypeOf: (b: NDArray) => b.dtype,
  kernels: Object.freeze(kernels),
});

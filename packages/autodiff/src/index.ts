/**
 * @colab-ts/autodiff: lazy tensors with composable forward- and reverse-mode
 * automatic differentiation. Build a program from ops on `Tensor`s (pure,
 * synchronous, shape-checked as it is built), transform it (`grad`, `vjp`,
 * `jvp`, `valueAndGrad`, nested to any depth: Hessian-vector products are
 * `jvp(grad(f), [x], [v])`), and `await realize(tree)` to run it on a backend
 * of @colab-ts/kernels.
 * @module @colab-ts/autodiff
 */
export type { Aval, Tensor, TensorLike } from './Tensor.js';
export { isTensor } from './Tensor.js';
export type { NoParams, PrimitiveDef } from './Primitive.js';
export { bind, definePrimitive, linearJvp } from './Primitive.js';
export type { ParamsMap, PrimName } from './primitives/index.js';
export { primitives } from './primitives/index.js';
export type { FlattenOptions, Flattened, Realized, TensorTree } from './tree.js';
export { flatten, isPlainRecord, treeLeaves, treeMap } from './tree.js';
export type { GradOf, GradOptions, Selected, TransformOptions } from './transforms.js';
export { grad, jvp, valueAndGrad, vjp } from './transforms.js';
export type { RealizeOptions, RealizeStats } from './realize.js';
export { lastRealizeStats, realize, realizeWithStats } from './realize.js';
// Constructors.
export { scalarTensor, tensor } from './primitives/constant.js';
// Primitive ops.
export { add } from './primitives/add.js';
export { sub } from './primitives/sub.js';
export { mul } from './primitives/mul.js';
export { div } from './primitives/div.js';
export { neg } from './primitives/neg.js';
export { exp } from './primitives/exp.js';
export { log } from './primitives/log.js';
export { sqrt } from './primitives/sqrt.js';
export { pow } from './primitives/pow.js';
export { maximum } from './primitives/maximum.js';
export { where } from './primitives/where.js';
export { equal, greater, greaterEqual, less, lessEqual, notEqual } from './primitives/compare.js';
export { cast } from './primitives/cast.js';
export { stopGradient } from './primitives/stopGradient.js';
export type { ReduceOptions, Reduction } from './primitives/sum.js';
export { sum } from './primitives/sum.js';
export { max } from './primitives/max.js';
export { broadcastTo } from './primitives/broadcastTo.js';
export { reshape } from './primitives/reshape.js';
export { swapLastAxes, transpose } from './primitives/transpose.js';
export { slice } from './primitives/slice.js';
export { pad } from './primitives/pad.js';
export { concat } from './primitives/concat.js';
export { flip } from './primitives/flip.js';
export { matmul } from './primitives/matmul.js';
export type { Conv3dOptions } from './primitives/conv3d.js';
export { conv3d } from './primitives/conv3d.js';
export type { ConvTranspose3dOptions, NormalizedConvTranspose } from './primitives/convTranspose3d.js';
export { convTranspose3d } from './primitives/convTranspose3d.js';
export type { Conv3dBackwardWeightsParams } from './primitives/conv3dBackwardWeights.js';
export { conv3dBackwardWeights } from './primitives/conv3dBackwardWeights.js';
export {
  instanceNorm,
  instanceNormAffineBackward,
  instanceNormBackward,
  instanceNormBackwardComposite,
  instanceNormComposite,
  instanceNormLeakyRelu,
} from './primitives/instanceNorm.js';
export { maxPool3d } from './primitives/maxPool3d.js';
export { maxPool3dBackward } from './primitives/maxPool3dBackward.js';
export { leakyReluBackward } from './primitives/leakyRelu.js';
export type { AdjointParams, LinearOp } from './primitives/adjointPair.js';
export { avgPool3d } from './primitives/avgPool3d.js';
export type { AvgPool3dBackwardParams } from './primitives/avgPool3dBackward.js';
export { avgPool3dBackward } from './primitives/avgPool3dBackward.js';
export { upsample3d } from './primitives/upsample3d.js';
export type { Upsample3dBackwardParams } from './primitives/upsample3dBackward.js';
export { upsample3dBackward } from './primitives/upsample3dBackward.js';
// Composites.
export { abs, leakyRelu, logSigmoid, minimum, relu, sigmoid, softplus, square, tanh } from './composites/elementwise.js';
export type { SoftmaxOptions } from './composites/reductions.js';
export { logSoftmax, logSumExp, mean, softmax, variance, vdot } from './composites/reductions.js';

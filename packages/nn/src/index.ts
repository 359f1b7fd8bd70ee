/**
 * @colab-ts/nn: neural networks for colab-ts as pure functions over
 * @colab-ts/autodiff tensors. Layers `(params, x) -> y`, nnU-Net's generic
 * 3D U-Net (`unetInit(key, config)`, `unetApply(params, x)`), segmentation
 * losses on soft targets (cross-entropy, soft Dice, their sum, one-vs-all
 * BCE) and optimizers `(params, grads, state) -> [params, state]` (SGD with
 * Nesterov momentum, Adam, poly schedule, gradient clipping). Parameters are
 * stored as trees of `NDArray`s and wrapped with `toTensors` for a forward pass.
 * @module @colab-ts/nn
 */
export type { Tensorized } from './tree.js';
export { flattenArrays, mapArrays, paramCount, toTensors } from './tree.js';
export type { FloatDType } from './init.js';
export { fanIn, heNormal, heStd } from './init.js';
export type { ConvBlockParams, ConvInitOptions, ConvParams, ConvTransposeInitOptions, Leaf, NormParams, Triple } from './layers.js';
export {
  conv3dLayer,
  conv3dLayerInit,
  convBlock,
  convBlockInit,
  convTranspose3dLayer,
  convTranspose3dLayerInit,
  head,
  headInit,
  instanceNorm,
  instanceNormInit,
  instanceNormLeakyRelu,
  leakyRelu,
} from './layers.js';
export type { DecoderStageParams, DeepUNetParams, EncoderStageParams, UNetConfig, UNetParams, UNetParamsOf, UNetStage } from './unet.js';
export { totalStride, unetApply, unetConfigIssues, unetFeatures, unetInit, validateUNetConfig } from './unet.js';
export type { CeDiceOptions, OneVsAllBceOptions, Reduction, SoftDiceOptions, VoxelLossOptions } from './losses.js';
export { ceDiceLoss, oneVsAllBce, softCrossEntropy, softDice, softDiceLoss } from './losses.js';
export type { AdamOptions, AdamState, LearningRate, Optimizer, SgdOptions, SgdState } from './optim.js';
export { adam, clipGradNorm, globalNorm, polyLr, sgd, sgdUpdate } from './optim.js';

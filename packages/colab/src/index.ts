/**
 * @colab-ts/colab: Context Label Learning (CoLab; Li, Kamnitsas, Ouyang, Chen
 * and Glocker, IEEE TMI 2023). Context probabilities (Eq. 4), the extended
 * label (Eq. 5, 6), the distance map and soft dilated mask (Eq. 8), the
 * distance-constrained label (Eq. 7, 9), the exact meta-gradient of the task
 * generator (Eq. 10-15), one training iteration of Algorithm 1, and the
 * baselines of Section V-B (k-means, dilated-mask and anatomy context labels,
 * largest-component post-processing).
 *
 * Channel order everywhere: ROI classes first, then the background (for a
 * ROI label) or the `t` background sub-classes (for an extended label and the
 * segmentation model's output), the first sub-class being the far background.
 * @module @colab-ts/colab
 */
export type { ConstrainedLabelOptions, TensorInput } from './labels.js';
export { aggregateLabels, contextProbabilities, distanceConstrainedLabels, farBackgroundLabel, roiOneHot } from './labels.js';
export type { CaseDilatedMaskOptions, DistanceMapOptions, SoftDilatedMaskOptions } from './distanceMap.js';
export { caseDilatedMask, distanceMap, roiMask, softDilatedMask } from './distanceMap.js';
export type { PredictRoiOptions } from './predictRoi.js';
export { predictRoi } from './predictRoi.js';
export type { AnatomyContextOptions, KMeansContextOptions, KMeansOptions, KMeansResult, PostprocessOptions } from './baselines.js';
export {
  anatomyContextLabels,
  checkShares,
  constantContextLabels,
  dilatedMaskContextLabels,
  kmeans,
  kmeansContextLabels,
  largestComponentPostprocess,
} from './baselines.js';
export type { ColabBatch, ColabLossOptions } from './losses.js';
export { colabLabels, deepSupervised, deepSupervisionWeights, fixedLabelLoss, poolTargetTo, roiLoss, roiLossKinds, segmentationLoss } from './losses.js';
export type { RoiLossKind, RoiLossOptions } from './losses.js';
export type { MetaGradientMode, MetaGradientParts, MetaProblem } from './metaGradient.js';
export { metaGradient, metaGradientModes, metaGradientParts } from './metaGradient.js';
export type { ColabConfig, ColabConfigInput, ConfigIssue, ModelFn } from './config.js';
export { colabDefaults, decodeColabConfig, formatIssues, validateColabConfig } from './config.js';
export type { ColabMetrics, ColabState, ColabTrainBatch, SegmentationState, SegmentationStepConfig } from './colabStep.js';
export { colabInit, colabStep, labelGenerator, segmentationInit, segmentationStep } from './colabStep.js';

/**
 * @colab-ts/metrics: segmentation metrics on `NDArray` masks. A confusion-count
 * core (TP, FP, FN, TN) shared by Dice, IoU, sensitivity, precision and
 * specificity, per case and per class; surface distances with the DeepMind
 * `surface-distance` definition (area-weighted surfels on the voxel-corner
 * grid) for the Hausdorff distance, HD95, mean surface distances and surface
 * Dice in mm; false positives far from the ROI; aggregates that count NaN and infinite cases; CSV tables.
 * @module @colab-ts/metrics
 */
export type { ClassSpec, Confusion } from './confusion.js';
export { classMask, confusion, perClass } from './confusion.js';
export { dice, iou, precision, sensitivity, specificity } from './overlap.js';
export type { SurfaceDistances, SurfaceOptions } from './surfaceDistances.js';
export { surfaceDistances } from './surfaceDistances.js';
export type { HausdorffOptions, MeanSurfaceDistance } from './surfaceMetrics.js';
export { averageSurfaceDistance, directedPercentile, hausdorff, meanSurfaceDistance, robustHausdorff, surfaceDice, surfaceOverlap } from './surfaceMetrics.js';
export type { Row, Summary } from './summarize.js';
export { summarize, summarizeColumns, toCsv } from './summarize.js';
export type { FarFalsePositiveOptions } from './farFalsePositives.js';
export { farFalsePositives } from './farFalsePositives.js';
export type { CaseRow, EvaluateOptions } from './evaluateCase.js';
export { evaluateCase } from './evaluateCase.js';
export type { MutualInformationOptions } from './mutualInformation.js';
export { normalizedMutualInformation } from './mutualInformation.js';

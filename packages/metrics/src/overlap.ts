/**
 * Overlap metrics from confusion counts: Dice, IoU, sensitivity, precision,
 * specificity. Each takes either the counts (`dice(confusion(p, t))`, or one
 * entry of `perClass`) or the two masks (`dice(pred, truth)`).
 *
 * Empty masks follow one rule, nnU-Net's: a ratio whose denominator is 0 is
 * NaN (there is nothing to measure), never 0 or 1. So Dice and IoU are NaN
 * when both masks are empty, sensitivity when the truth is empty, precision
 * when the prediction is empty, specificity when the truth is full.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { isNDArray } from '@colab-ts/ndarray';
import type { Confusion } from './confusion.js';
import { confusion } from './confusion.js';

/** The counts of a call `f(counts)` or `f(pred, truth)`. */
function countsOf(a: Confusion | NDArray, b: NDArray | undefined): Confusion {
  return isNDArray(a) ? confusion(a, b as NDArray) : a;
}

/** `num / den`, NaN when `den` is 0. */
const ratio = (num: number, den: number): number => (den === 0 ? NaN : num / den);

/**
 * Dice similarity coefficient `2 TP / (2 TP + FP + FN)`; NaN when both masks are empty.
 * @example dice(array([1, 1, 0]), array([1, 0, 0])) // 2/3
 * @category overlap
 */
export function dice(counts: Confusion): number;
export function dice(pred: NDArray, truth: NDArray): number;
export function dice(a: Confusion | NDArray, b?: NDArray): number {
  const { tp, fp, fn } = countsOf(a, b);
  return ratio(2 * tp, 2 * tp + fp + fn);
}

/**
 * Intersection over union (Jaccard) `TP / (TP + FP + FN)`; NaN when both masks are empty.
 * @example iou(array([1, 1, 0]), array([1, 0, 0])) // 1/2
 * @category overlap
 */
export function iou(counts: Confusion): number;
export function iou(pred: NDArray, truth: NDArray): number;
export function iou(a: Confusion | NDArray, b?: NDArray): number {
  const { tp, fp, fn } = countsOf(a, b);
  return ratio(tp, tp + fp + fn);
}

/**
 * Sensitivity (recall, true-positive rate) `TP / (TP + FN)`; NaN when the truth is empty.
 * @example sensitivity(array([1, 0, 0]), array([1, 1, 0])) // 1/2
 * @category overlap
 */
export function sensitivity(counts: Confusion): number;
export function sensitivity(pred: NDArray, truth: NDArray): number;
export function sensitivity(a: Confusion | NDArray, b?: NDArray): number {
  const { tp, fn } = countsOf(a, b);
  return ratio(tp, tp + fn);
}

/**
 * Precision (positive predictive value) `TP / (TP + FP)`; NaN when the prediction is empty.
 * @example precision(array([1, 1, 0]), array([1, 0, 0])) // 1/2
 * @category overlap
 */
export function precision(counts: Confusion): number;
export function precision(pred: NDArray, truth: NDArray): number;
export function precision(a: Confusion | NDArray, b?: NDArray): number {
  const { tp, fp } = countsOf(a, b);
  return ratio(tp, tp + fp);
}

/**
 * Specificity (true-negative rate) `TN / (TN + FP)`; NaN when the truth is full.
 * @example specificity(array([1, 1, 0]), array([1, 0, 0])) // 1/2
 * @category overlap
 */
export function specificity(counts: Confusion): number;
export function specificity(pred: NDArray, truth: NDArray): number;
export function specificity(a: Confusion | NDArray, b?: NDArray): number {
  const { tn, fp } = countsOf(a, b);
  return ratio(tn, tn + fp);
}

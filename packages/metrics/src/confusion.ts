/**
 * The confusion-count core that every overlap metric shares: true and false
 * positives and negatives of a binary mask against a reference, and the same
 * per class of a label map.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array, toTypedArray } from '@colab-ts/ndarray';
import { checkArray, readPair } from './internal/masks.js';

/**
 * Voxel counts of a prediction against a reference (`truth`):
 * `tp` in both, `fp` predicted only, `fn` missed, `tn` in neither.
 * @category confusion
 */
export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

/**
 * One class of a label map: a label (`2`) or a region, the union of several
 * labels (`[1, 2]`, as nnU-Net's regions).
 * @category confusion
 */
export type ClassSpec = number | readonly number[];

/**
 * Confusion counts of two binary masks of one shape (any rank); any non-zero
 * value (NaN included) is foreground.
 * @example confusion(array([1, 1, 0, 0]), array([1, 0, 1, 0])) // { tp: 1, fp: 1, fn: 1, tn: 1 }
 * @category confusion
 */
export function confusion(pred: NDArray, truth: NDArray): Confusion {
  const { p, t } = readPair('confusion', pred, truth);
  return count(p, t, (v) => v !== 0);
}

/**
 * Confusion counts of two label maps for each class, in the order given: a
 * voxel belongs to class `c` when its label equals `c` (or is one of the
 * labels of a region).
 * @example perClass(pred, truth, [1, 2, [1, 2]]).map(dice)
 * @category confusion
 */
export function perClass(pred: NDArray, truth: NDArray, classes: readonly ClassSpec[]): Confusion[] {
  const op = 'perClass';
  const { p, t } = readPair(op, pred, truth);
  return checkClasses(op, classes).map((c) => count(p, t, memberOf(c)));
}

/**
 * The uint8 mask of one class of a label map (1 where the label is the class,
 * or one of a region's labels), for the surface metrics of that class.
 * @example classMask(labels, 2)
 * @category confusion
 */
export function classMask(labels: NDArray, cls: ClassSpec): NDArray<number, 'uint8'> {
  const op = 'classMask';
  checkArray(op, 'labels', labels);
  const inClass = memberOf(checkClasses(op, [cls])[0]!);
  const values = toTypedArray(labels);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = inClass(values[i]!) ? 1 : 0;
  return array(out, labels.shape, 'uint8');
}

function count(p: ArrayLike<number>, t: ArrayLike<number>, inClass: (v: number) => boolean): Confusion {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < p.length; i++) {
    const a = inClass(p[i]!);
    const b = inClass(t[i]!);
    if (a) {
      if (b) tp++;
      else fp++;
    } else if (b) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

const memberOf = (c: ClassSpec): ((v: number) => boolean) => {
  if (typeof c === 'number') return (v) => v === c;
  const set = new Set(c);
  return (v) => set.has(v);
};

function checkClasses(op: string, classes: unknown): readonly ClassSpec[] {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  if (!Array.isArray(classes) || !classes.every((c) => ok(c) || (Array.isArray(c) && c.length > 0 && c.every(ok)))) {
    throw new ValueError(op, `classes must be a list of labels or non-empty lists of labels, got ${JSON.stringify(classes)}`);
  }
  return classes as readonly ClassSpec[];
}

/**
 * One case's metrics per class in one call, as table rows for `toCsv` and
 * `summarizeColumns`.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError } from '@colab-ts/ndarray';
import type { ClassSpec } from './confusion.js';
import { classMask, confusion, perClass } from './confusion.js';
import { farFalsePositives } from './farFalsePositives.js';
import { dice, iou, precision, sensitivity } from './overlap.js';
import { surfaceDistances } from './surfaceDistances.js';
import type { SurfaceOptions } from './surfaceDistances.js';
import { averageSurfaceDistance, robustHausdorff, surfaceOverlap } from './surfaceMetrics.js';

/**
 * Options of `evaluateCase`: `classes` of a label map (default: binary masks,
 * non-zero is foreground, reported as class `1`), `percentile` of the robust
 * Hausdorff distance (default 95), the surface-Dice `tolerance` in mm (omit
 * to skip it), `surface: false` to skip surface metrics, and a `caseId`.
 * With `farBeyond` (mm) each row also gets `farFp`, the false positives
 * farther than that from the class's reference voxels (`farFalsePositives`).
 * @category table
 */
export interface EvaluateOptions extends SurfaceOptions {
  readonly classes?: readonly ClassSpec[];
  readonly farBeyond?: number;
  readonly percentile?: number;
  readonly tolerance?: number;
  readonly surface?: boolean;
  readonly caseId?: string;
}

/**
 * Metrics of one class of one case. `hausdorff` is the maximum (percentile
 * 100), `robustHausdorff` the one at `percentile`; `msd` the symmetric mean
 * surface distance, `msdPredToTruth` and `msdTruthToPred` the directed ones.
 * @category table
 */
export interface CaseRow {
  readonly [column: string]: number | string;
  readonly case: string;
  readonly class: string;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  readonly dice: number;
  readonly iou: number;
  readonly sensitivity: number;
  readonly precision: number;
}

const classLabel = (c: ClassSpec): string => (typeof c === 'number' ? String(c) : c.join('+'));

/**
 * Per-class metrics of one case: confusion counts, Dice, IoU, sensitivity,
 * precision, far false positives with `farBeyond`, and (unless `surface: false`) Hausdorff, robust Hausdorff at
 * `percentile`, mean surface distances and, with a `tolerance`, surface Dice.
 * @example toCsv(cases.flatMap(([id, p, t]) => evaluateCase(p, t, { classes: [1, 2], spacing, caseId: id })))
 * @category table
 */
export function evaluateCase(pred: NDArray, truth: NDArray, options: EvaluateOptions = {}): CaseRow[] {
  const { classes, percentile = 95, tolerance, surface = true, caseId = '', farBeyond } = options;
  if (typeof caseId !== 'string') throw new ValueError('evaluateCase', `caseId must be a string, got ${JSON.stringify(caseId)}`);
  const counts = classes === undefined ? [confusion(pred, truth)] : perClass(pred, truth, classes);
  return counts.map((c, i) => {
    const spec = classes?.[i];
    const row: Record<string, number | string> = {
      case: caseId,
      class: spec === undefined ? '1' : classLabel(spec),
      ...c,
      dice: dice(c),
      iou: iou(c),
      sensitivity: sensitivity(c),
      precision: precision(c),
    };
    if (farBeyond !== undefined) {
      const spacing = options.spacing === undefined ? {} : { spacing: options.spacing };
      row.farBeyond = farBeyond;
      row.farFp =
        spec === undefined
          ? farFalsePositives(pred, truth, { beyond: farBeyond, ...spacing })
          : farFalsePositives(classMask(pred, spec), classMask(truth, spec), { beyond: farBeyond, ...spacing });
    }
    if (surface) {
      const sd = spec === undefined ? surfaceDistances(pred, truth, options) : surfaceDistances(classMask(pred, spec), classMask(truth, spec), options);
      const msd = averageSurfaceDistance(sd);
      row.hausdorff = robustHausdorff(sd, 100);
      row.percentile = percentile;
      row.robustHausdorff = robustHausdorff(sd, percentile);
      row.msd = msd.average;
      row.msdPredToTruth = msd.predToTruth;
      row.msdTruthToPred = msd.truthToPred;
      if (tolerance !== undefined) {
        row.tolerance = tolerance;
        row.surfaceDice = surfaceOverlap(sd, tolerance);
      }
    }
    return row as CaseRow;
  });
}

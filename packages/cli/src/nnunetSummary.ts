/**
 * nnU-Net v2's `summary.json` layout for `colab-ts evaluate`:
 * `metric_per_case` (per case: `prediction_file`, `reference_file` and
 * `metrics` per class label), `mean` (per class, the mean over cases) and
 * `foreground_mean` (the mean over classes), with nnU-Net's metric names
 * (`Dice`, `IoU`, `TP`, `FP`, `FN`, `TN`, `n_pred`, `n_ref`) and colab-ts's
 * surface metrics beside them (`Sensitivity`, `Precision`, `HD`, `HD95` for
 * the chosen percentile, `ASSD`). Numbers stay JSON numbers: a value that is
 * not finite (Dice of two empty masks, a distance to an empty mask) is
 * `null`, left out of the means (as nnU-Net's `nanmean`), and counted in
 * `undefined_counts`.
 * @module
 */
import type { CaseRow } from '@colab-ts/metrics';

/** One case of `metric_per_case`. @category evaluate */
export interface NnunetCase {
  readonly prediction_file: string;
  readonly reference_file: string;
  readonly metrics: Readonly<Record<string, Readonly<Record<string, number | null>>>>;
}

/** nnU-Net's summary.json, plus the counts of undefined values. @category evaluate */
export interface NnunetSummary {
  readonly metric_per_case: readonly NnunetCase[];
  readonly mean: Readonly<Record<string, Readonly<Record<string, number | null>>>>;
  readonly foreground_mean: Readonly<Record<string, number | null>>;
  /** Per class and metric, how many cases had no finite value (null in `metric_per_case`, left out of `mean`). */
  readonly undefined_counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** nnU-Net's metrics of one row (one case and class). @category evaluate */
export function nnunetMetrics(r: CaseRow): Record<string, number | null> {
  const m: Record<string, number | null> = {
    Dice: finite(r.dice),
    IoU: finite(r.iou),
    FP: r.fp,
    TP: r.tp,
    FN: r.fn,
    TN: r.tn,
    n_pred: r.tp + r.fp,
    n_ref: r.tp + r.fn,
    Sensitivity: finite(r.sensitivity),
    Precision: finite(r.precision),
  };
  if (r.hausdorff !== undefined) {
    m.HD = finite(r.hausdorff);
    m[`HD${String(r.percentile)}`] = finite(r.robustHausdorff);
    m.ASSD = finite(r.msd);
  }
  return m;
}

const meanOf = (vs: readonly (number | null)[]): number | null => {
  const f = vs.filter((v): v is number => v !== null);
  return f.length === 0 ? null : f.reduce((a, b) => a + b, 0) / f.length;
};

/**
 * The summary.json of rows from `evaluateCase`; `files` gives each case's
 * prediction and reference file.
 * @example nnunetSummary(ev.rows, new Map([['c1', { prediction: 'p/c1.nii.gz', reference: 'g/c1.nii.gz' }]]))
 * @category evaluate
 */
export function nnunetSummary(
  rows: readonly CaseRow[],
  files: ReadonlyMap<string, { readonly prediction: string; readonly reference: string }>,
): NnunetSummary {
  const cases = [...new Set(rows.map((r) => r.case))];
  const classes = [...new Set(rows.map((r) => r.class))];
  const metric_per_case = cases.map((id) => ({
    prediction_file: files.get(id)?.prediction ?? id,
    reference_file: files.get(id)?.reference ?? id,
    metrics: Object.fromEntries(rows.filter((r) => r.case === id).map((r) => [r.class, nnunetMetrics(r)])),
  }));
  const mean: Record<string, Record<string, number | null>> = {};
  const undefined_counts: Record<string, Record<string, number>> = {};
  for (const c of classes) {
    const per = metric_per_case.map((m) => m.metrics[c]).filter((m): m is Record<string, number | null> => m !== undefined);
    const names = [...new Set(per.flatMap((m) => Object.keys(m)))];
    mean[c] = Object.fromEntries(names.map((k) => [k, meanOf(per.map((m) => m[k] ?? null))]));
    undefined_counts[c] = Object.fromEntries(names.map((k) => [k, per.filter((m) => m[k] === null || m[k] === undefined).length]));
  }
  const names = [...new Set(Object.values(mean).flatMap((m) => Object.keys(m)))];
  const foreground_mean = Object.fromEntries(names.map((k) => [k, meanOf(classes.map((c) => mean[c]![k] ?? null))]));
  return { metric_per_case, mean, foreground_mean, undefined_counts };
}

/** JSON text in which every number that is not finite is `null` (never the strings "NaN" or "Infinity"). @category evaluate */
export const finiteJson = (x: unknown): string => `${JSON.stringify(x, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;

/**
 * Aggregates over cases that say what they left out: statistics over the
 * finite values, with counts of the NaN (undefined, e.g. Dice of two empty
 * masks) and infinite (e.g. HD95 against an empty mask) ones beside them.
 * @module
 */
import { ValueError } from '@colab-ts/ndarray';

/**
 * Statistics of a list of per-case values. `n` counts every value;
 * `nFinite + nNaN + nInfinite === n`. `mean`, `std` (sample, n - 1), `median`,
 * `q1`, `q3` (linear interpolation, numpy's default), `min`, `max` are over
 * the finite values only (NaN when there are none; `std` NaN below two).
 * @category aggregate
 */
export interface Summary {
  readonly n: number;
  readonly nFinite: number;
  readonly nNaN: number;
  readonly nInfinite: number;
  readonly nPosInfinite: number;
  readonly nNegInfinite: number;
  readonly mean: number;
  readonly std: number;
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  readonly min: number;
  readonly max: number;
}

/** Quantile `q` of sorted values by linear interpolation between order statistics. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Summary statistics over the finite values, counting NaN and infinite ones
 * instead of dropping them silently.
 * @example summarize([0.9, 0.8, NaN, Infinity]) // { n: 4, nFinite: 2, nNaN: 1, nInfinite: 1, mean: 0.85, ... }
 * @category aggregate
 */
export function summarize(values: Iterable<number> | ArrayLike<number>): Summary {
  const all = Array.from(values as ArrayLike<number>);
  if (!all.every((v) => typeof v === 'number')) throw new ValueError('summarize', 'values must all be numbers');
  const finite = all.filter(Number.isFinite).sort((a, b) => a - b);
  const nNaN = all.filter(Number.isNaN).length;
  const nPosInfinite = all.filter((v) => v === Infinity).length;
  const nNegInfinite = all.filter((v) => v === -Infinity).length;
  const m = finite.length;
  const mean = m === 0 ? NaN : finite.reduce((s, v) => s + v, 0) / m;
  const std = m < 2 ? NaN : Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (m - 1));
  return {
    n: all.length,
    nFinite: m,
    nNaN,
    nInfinite: nPosInfinite + nNegInfinite,
    nPosInfinite,
    nNegInfinite,
    mean,
    std,
    median: quantile(finite, 0.5),
    q1: quantile(finite, 0.25),
    q3: quantile(finite, 0.75),
    min: m === 0 ? NaN : finite[0]!,
    max: m === 0 ? NaN : finite[m - 1]!,
  };
}

/** One row of a table: column name to a number or a string. @category table */
export type Row = Readonly<Record<string, number | string>>;

/**
 * A `Summary` of each numeric column of a table, optionally per group
 * (`by: 'class'` gives one entry per class, keyed by its value).
 * @example summarizeColumns(rows, ['dice', 'hd95'], { by: 'class' })
 * @category aggregate
 */
export function summarizeColumns(
  rows: readonly Row[],
  columns: readonly string[],
  options: { readonly by?: string } = {},
): Record<string, Record<string, Summary>> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const g = options.by === undefined ? 'all' : String(r[options.by]);
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  const out: Record<string, Record<string, Summary>> = {};
  for (const [g, rs] of groups) {
    const s: Record<string, Summary> = {};
    for (const c of columns) {
      s[c] = summarize(
        rs.map((r) => {
          const v = r[c];
          if (typeof v !== 'number') throw new ValueError('summarizeColumns', `column ${JSON.stringify(c)} must hold numbers, got ${JSON.stringify(v)}`);
          return v;
        }),
      );
    }
    out[g] = s;
  }
  return out;
}

const csvField = (v: number | string | undefined): string => {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * A table as CSV text: a header, then one line per row (RFC 4180 quoting).
 * Numbers print as JavaScript does, so NaN and Infinity stay visible
 * (`NaN`, `Infinity`). Columns default to those of the rows, in first-seen order.
 * @example toCsv(rows) // "case,class,dice\ncase_001,1,0.91\n..."
 * @category table
 */
export function toCsv(rows: readonly Row[], options: { readonly columns?: readonly string[] } = {}): string {
  const columns = options.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [columns.map(csvField).join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

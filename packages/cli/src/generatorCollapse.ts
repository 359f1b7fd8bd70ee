/**
 * Whether a CoLab run's task generator collapsed: its context labels put
 * (almost) all of the background near the ROI into one sub-class, so the
 * segmentation model trained on no learnt split at all. Into sub-class 0 (the
 * one Eq. 7 fills with the far background) the labels are the baseline's;
 * into another sub-class they are a soft dilated mask of the ROI. Read from
 * the `contextShares` of log.jsonl's `gen` lines (`ColabMetrics.contextShares`).
 * @module
 */

/** The shares per context sub-class at one generator update (a `gen` line of log.jsonl). */
export interface GeneratorShares {
  readonly step: number;
  /** Absent in logs written before the field existed. */
  readonly contextShares?: readonly number[] | undefined;
}

/** A collapse: the sub-class that holds the background near the ROI, its mean share and the updates it was read over. @category runs */
export interface GeneratorCollapse {
  readonly subClass: number;
  readonly share: number;
  readonly updates: number;
  readonly fromStep: number;
}

/** The share of one sub-class above which the labels count as collapsed (0.95: one voxel in twenty left to the others). */
export const COLLAPSE_SHARE = 0.95;

/**
 * The mean share of each sub-class over the last quarter of the generator updates (at least `minUpdates` of them
 * with shares); `undefined` when the log has fewer. @category runs
 */
export function recentShares(
  gens: readonly GeneratorShares[],
  minUpdates = 8,
): { readonly shares: number[]; readonly updates: number; readonly fromStep: number } | undefined {
  const withShares = gens.filter((g) => Array.isArray(g.contextShares) && g.contextShares.length > 0);
  if (withShares.length < minUpdates) return undefined;
  const last = withShares.slice(withShares.length - Math.max(minUpdates, Math.ceil(withShares.length / 4)));
  const t = last[0]!.contextShares!.length;
  const shares = Array.from({ length: t }, (_, k) => last.reduce((a, g) => a + (g.contextShares![k] ?? 0), 0) / last.length);
  return { shares, updates: last.length, fromStep: last[0]!.step };
}

/**
 * The collapse of a run's generator, read over the last quarter of its updates: one sub-class with a mean share of
 * at least `threshold` (`COLLAPSE_SHARE`) of the background near the ROI. `undefined` when it did not collapse or
 * the log holds too few updates with shares. @category runs
 */
export function generatorCollapse(gens: readonly GeneratorShares[], threshold = COLLAPSE_SHARE): GeneratorCollapse | undefined {
  const r = recentShares(gens);
  if (r === undefined) return undefined;
  const subClass = r.shares.indexOf(Math.max(...r.shares));
  const share = r.shares[subClass]!;
  return share >= threshold ? { subClass, share, updates: r.updates, fromStep: r.fromStep } : undefined;
}

/** One sentence on a collapse: where the labels went and what the run trained on. @category runs */
export function collapseText(c: GeneratorCollapse): string {
  const pct = `${(100 * c.share).toFixed(1)}%`;
  const what =
    c.subClass === 0
      ? "sub-class 0, the far background's: the segmentation model trained on the baseline's labels"
      : `sub-class ${c.subClass}: the labels were a soft dilated mask of the ROI, not a learnt split`;
  return `the task generator collapsed: ${pct} of the background near the ROI in ${what} (mean of the last ${c.updates} generator updates, from step ${c.fromStep})`;
}

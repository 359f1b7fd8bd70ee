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
  /** `ColabMetrics.contextFlips`; absent in logs written before the field existed, null when the batch had no pair. */
  readonly contextFlips?: number | null | undefined;
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
  const last = lastQuarter(
    gens.filter((g) => Array.isArray(g.contextShares) && g.contextShares.length > 0),
    minUpdates,
  );
  if (last === undefined) return undefined;
  const t = last[0]!.contextShares!.length;
  const shares = Array.from({ length: t }, (_, k) => last.reduce((a, g) => a + (g.contextShares![k] ?? 0), 0) / last.length);
  return { shares, updates: last.length, fromStep: last[0]!.step };
}

// The last quarter of `gens` (at least `minUpdates` of them); undefined when there are fewer.
function lastQuarter<G>(gens: readonly G[], minUpdates: number): readonly G[] | undefined {
  return gens.length < minUpdates ? undefined : gens.slice(gens.length - Math.max(minUpdates, Math.ceil(gens.length / 4)));
}

/** The mean neighbour-flip fraction at or above which the labels count as a checkerboard: no smoother than labels drawn at random with equal shares. */
export const CHECKERBOARD_FLIPS = 0.5;

/**
 * The mean `contextFlips` over the last quarter of the generator updates that have one (at least `minUpdates`):
 * how often neighbouring voxels of the background near the ROI get different sub-classes; `undefined` when the log
 * has fewer. @category runs
 */
export function recentFlips(
  gens: readonly GeneratorShares[],
  minUpdates = 8,
): { readonly flips: number; readonly updates: number; readonly fromStep: number } | undefined {
  const last = lastQuarter(
    gens.filter((g) => typeof g.contextFlips === 'number' && Number.isFinite(g.contextFlips)),
    minUpdates,
  );
  if (last === undefined) return undefined;
  return { flips: last.reduce((a, g) => a + g.contextFlips!, 0) / last.length, updates: last.length, fromStep: last[0]!.step };
}

/** One sentence on checkerboard labels (`recentFlips` at or above `CHECKERBOARD_FLIPS`), else `undefined`. @category runs */
export function checkerboardText(gens: readonly GeneratorShares[], threshold = CHECKERBOARD_FLIPS): string | undefined {
  const r = recentFlips(gens);
  if (r === undefined || r.flips < threshold) return undefined;
  return `the task generator's labels alternate voxel by voxel: ${(100 * r.flips).toFixed(1)}% of neighbouring voxels of the background near the ROI get different sub-classes (a checkerboard, not a split of tissues; the paper's failure at t = 6; mean of the last ${r.updates} generator updates, from step ${r.fromStep})`;
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

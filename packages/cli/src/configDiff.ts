/**
 * What `--resume` compares: every setting of the saved run configuration
 * against the one the command line and the dataset resolve to now. Only
 * `--iterations` (to train longer) and the dataset's path may change; any other difference is
 * listed, one line per setting with its flag, instead of being dropped.
 * @module
 */
import type { RunConfig } from './model.js';

/** Settings that may differ on `--resume`. */
const MAY_CHANGE: ReadonlySet<string> = new Set(['iterations', 'data']); // data: the folder may move; its content is compared

/** Settings that may differ when `experiment` reuses a finished run's result. */
const REUSE_MAY_CHANGE: ReadonlySet<string> = new Set(['data']);

/** Settings that come from the dataset, not from a flag. */
const FROM_DATA: ReadonlySet<string> = new Set(['classes', 'inChannels', 'normalization', 'spacing', 'labels', 'version']);

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? 'absent';
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * One line per setting in which `now` differs from the `saved` run
 * configuration, each with its fix; empty when the run can be resumed
 * (`'resume'`: `iterations` and `data` may differ) or its result reused as it
 * is (`'reuse'`, `experiment`'s finished runs: only `data`, the folder's path, may differ).
 * @example configDifferences(saved, { ...saved, lr: 0.5 }) // ['--lr: the run was started with 0.01, got 0.5 (fix: ...)']
 * @category runs
 */
export function configDifferences(saved: RunConfig, now: RunConfig, mode: 'resume' | 'reuse' = 'resume'): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].filter((k) => !(mode === 'resume' ? MAY_CHANGE : REUSE_MAY_CHANGE).has(k));
  const rec = (c: RunConfig, k: string): unknown => (c as unknown as Record<string, unknown>)[k];
  const same =
    mode === 'resume' ? 'resume with the same settings, or start a new --out' : 'pass the settings the run was trained with, or choose another --out';
  return keys
    .filter((k) => JSON.stringify(rec(saved, k)) !== JSON.stringify(rec(now, k)))
    .map((k) => {
      const was = `the run was ${mode === 'resume' ? 'started' : 'trained'} with ${show(rec(saved, k))}, got ${show(rec(now, k))}`;
      if (FROM_DATA.has(k))
        return `--data: ${k}: ${was} (fix: ${mode === 'resume' ? 'resume with the dataset the run was started on' : 'pass the dataset the run was trained on'}, or ${mode === 'resume' ? 'start a new' : 'choose another'} --out)`;
      if (k === 'trainCases' || k === 'valCases')
        return `--val-fraction or --data: ${k}: ${was} (fix: ${mode === 'resume' ? 'resume with the same --val-fraction and dataset, or start a new --out' : 'pass the same --val-fraction, --test-fraction and dataset, or choose another --out'})`;
      return `--${kebab(k)}: ${was} (fix: ${same})`;
    });
}

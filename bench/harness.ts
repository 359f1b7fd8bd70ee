/**
 * Shared benchmark helpers: interleaved timing with warm-up and medians, machine
 * facts, and writing a results file under bench/results/.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Median of a list of numbers. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Times each named function `runs` times after `warmup` calls, interleaving the
 * candidates run by run so that drift in machine load hits all of them alike.
 * Returns the median milliseconds per candidate.
 */
export function timeInterleaved(
  candidates: Readonly<Record<string, () => unknown>>,
  options: { readonly warmup?: number; readonly runs?: number } = {},
): Record<string, { medianMs: number; minMs: number; runs: number }> {
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 15;
  const names = Object.keys(candidates);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  let sink = 0;
  for (let i = 0; i < warmup; i++) for (const n of names) sink += Number(Boolean(candidates[n]!()));
  for (let r = 0; r < runs; r++) {
    for (const n of names) {
      const t0 = performance.now();
      const out = candidates[n]!();
      times[n]!.push(performance.now() - t0);
      sink += Number(Boolean(out));
    }
  }
  if (sink < 0) console.log(sink); // keeps results observable
  return Object.fromEntries(names.map((n) => [n, { medianMs: median(times[n]!), minMs: Math.min(...times[n]!), runs }]));
}

/** Facts about the machine and runtime, recorded beside every result. */
export const machine = () => ({
  node: process.version,
  v8: process.versions.v8,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  platform: `${process.platform}-${process.arch}`,
  date: new Date().toISOString(),
});

/** Writes `bench/results/<name>.json` atomically (temporary file, then rename) and returns its path. */
export function writeResults(name: string, results: unknown): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

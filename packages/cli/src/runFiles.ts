/**
 * Reading back what a run folder holds (config.json, log.jsonl, checkpoints)
 * with typed errors: a file that is not what colab-ts wrote is a data error
 * (exit code 2) naming the file and the fix, never "this is a bug".
 * @module
 */
import { readFileSync } from 'node:fs';
import { CheckpointError, loadCheckpoint } from './checkpoint.js';
import { CliError } from './io.js';
import type { Method, RunConfig } from './model.js';
import { METHODS } from './model.js';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Reads a run's config.json; `fix` says what to do when it is not a colab-ts configuration. @category runs */
export function readRunConfig(path: string, fix: string): RunConfig {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) throw new CliError('data', [`${path}: not valid JSON (${e.message}) (fix: ${fix})`]);
    throw e;
  }
  const ok =
    isObject(j) &&
    j.version === 1 &&
    METHODS.includes(j.method as Method) &&
    Array.isArray(j.patch) &&
    typeof j.classes === 'number' &&
    isObject(j.normalization);
  if (!ok) throw new CliError('data', [`${path}: not a colab-ts run configuration (version 1 with method, patch, classes and normalization) (fix: ${fix})`]);
  return j as unknown as RunConfig;
}

/**
 * The entries of log.jsonl. A last line cut short (a crash while appending)
 * is dropped; any other line that is not JSON is a data error.
 * @category runs
 */
export function parseLog<T>(text: string, path: string): T[] {
  const lines = text.split('\n');
  const out: T[] = [];
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      out.push(JSON.parse(l) as T);
    } catch {
      const torn = lines.slice(i + 1).every((x) => x.trim() === '');
      if (!torn) throw new CliError('data', [`${path}:${i + 1}: not a JSON line (fix: delete the damaged line, or start a new --out)`]);
    }
  });
  return out;
}

/** Loads a checkpoint, turning a damaged file into a data error with `fix`. @category runs */
export function readCheckpoint(path: string, fix: string): unknown {
  try {
    return loadCheckpoint(path);
  } catch (e) {
    if (e instanceof CheckpointError) throw new CliError('data', [`${e.message} (fix: ${fix})`]);
    throw e;
  }
}

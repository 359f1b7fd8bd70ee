/**
 * Package-wide guards: every runtime export is exercised by a test file and
 * documented with a TSDoc `@category`; no metric writes to its inputs; views
 * (transposes) read like their contiguous copies.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contiguous, transpose } from '@colab-ts/ndarray';
import type { NDArray } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import * as metrics from '../src/index.js';
import { arbMaskPair, arbSpacing } from './helpers.js';
import { test } from '@fast-check/vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const read = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? read(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

describe('examples', () => {
  it('every runtime export of the package is exercised by a test file', () => {
    const tests = readdirSync(here)
      .filter((f) => f.endsWith('.test.ts') && f !== 'index.test.ts')
      .map((f) => readFileSync(join(here, f), 'utf8'))
      .join('\n');
    const missing = Object.keys(metrics).filter((n) => !new RegExp(`\\b${n}\\b`).test(tests));
    expect(missing).toEqual([]);
    expect(Object.keys(metrics).sort()).toEqual(
      [
        'averageSurfaceDistance',
        'classMask',
        'confusion',
        'dice',
        'directedPercentile',
        'evaluateCase',
        'farFalsePositives',
        'hausdorff',
        'iou',
        'meanSurfaceDistance',
        'normalizedMutualInformation',
        'perClass',
        'precision',
        'robustHausdorff',
        'sensitivity',
        'specificity',
        'summarize',
        'summarizeColumns',
        'surfaceDice',
        'surfaceDistances',
        'surfaceOverlap',
        'toCsv',
      ].sort(),
    );
  });

  it('every exported declaration has a TSDoc comment with a @category, and every module a header', () => {
    const undocumented: string[] = [];
    for (const file of read(join(here, '../src'))) {
      const src = readFileSync(file, 'utf8');
      expect(src.trimStart().startsWith('/**'), file).toBe(true);
      const lines = src.split('\n');
      lines.forEach((line, i) => {
        if (!/^export (function|const|interface|class) |^export type \w/.test(line)) return;
        // The comment just above (overload signatures share the first one's).
        let j = i - 1;
        while (j >= 0 && /^export function /.test(lines[j]!)) j--;
        const end = j;
        while (j >= 0 && !lines[j]!.startsWith('/**')) j--;
        const doc = lines.slice(j, end + 1).join('\n');
        if (!lines[end]!.trimEnd().endsWith('*/') || !doc.includes('@category')) undocumented.push(`${file}: ${line}`);
      });
    }
    expect(undocumented).toEqual([]);
  });
});

describe('properties', () => {
  const snapshot = (x: NDArray): unknown => ({ shape: [...x.shape], strides: [...x.strides], offset: x.offset, data: Array.from(x.data) });

  test.prop([arbMaskPair(4), arbSpacing], { numRuns: 20 })('no metric writes to its inputs', ([p, t], spacing) => {
    const before = [snapshot(p), snapshot(t)];
    metrics.confusion(p, t);
    metrics.perClass(p, t, [0, 1]);
    metrics.classMask(p, 1);
    metrics.dice(p, t);
    metrics.surfaceDistances(p, t, { spacing });
    metrics.hausdorff(p, t, { spacing, percentile: 95 });
    metrics.meanSurfaceDistance(p, t, { spacing });
    metrics.surfaceDice(p, t, { spacing, tolerance: 1 });
    metrics.evaluateCase(p, t, { spacing, tolerance: 1 });
    expect([snapshot(p), snapshot(t)]).toEqual(before);
  });

  test.prop([arbMaskPair(4), arbSpacing], { numRuns: 20 })('strided views give the results of their contiguous copies', ([p, t], spacing) => {
    const perm = [2, 0, 1];
    const [vp, vt] = [transpose(p, perm), transpose(t, perm)];
    const [cp, ct] = [contiguous(vp), contiguous(vt)];
    const s = [spacing[2], spacing[0], spacing[1]];
    expect(metrics.confusion(vp, vt)).toEqual(metrics.confusion(cp, ct));
    expect(metrics.surfaceDistances(vp, vt, { spacing: s, dimensions: 3 })).toEqual(metrics.surfaceDistances(cp, ct, { spacing: s, dimensions: 3 }));
    // And the transpose moves the surfaces with their spacing: the same distances.
    const moved = metrics.hausdorff(vp, vt, { spacing: s, dimensions: 3 });
    const original = metrics.hausdorff(p, t, { spacing, dimensions: 3 });
    if (Number.isFinite(original)) expect(moved).toBeCloseTo(original, 9);
    else expect(moved).toBe(original);
  });
});

/**
 * Guards the rule that every runtime export has example tests: each name
 * exported by src/index.ts and src/testing.ts must appear in some other test file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nd from '../src/index.js';
import * as testing from '../src/testing.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const sources = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts') && f !== 'index.test.ts' && f !== 'purity.test.ts')
  .map((f) => readFileSync(join(here, f), 'utf8'))
  .join('\n');

describe('examples', () => {
  it('every runtime export of the package is exercised by a test file', () => {
    const names = [...Object.keys(nd), ...Object.keys(testing)];
    const missing = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(sources));
    expect(missing).toEqual([]);
  });

  it('the public entry exports the documented operations', () => {
    for (const n of [
      'array',
      'zeros',
      'ones',
      'full',
      'arange',
      'linspace',
      'fromNested',
      'toNested',
      'toTypedArray',
      'scalar',
      'astype',
      'reshape',
      'transpose',
      'slice',
      'expandDims',
      'squeeze',
      'broadcastTo',
      'flip',
      'contiguous',
      'add',
      'sub',
      'mul',
      'div',
      'neg',
      'exp',
      'log',
      'sqrt',
      'abs',
      'pow',
      'maximum',
      'minimum',
      'clip',
      'where',
      'sum',
      'mean',
      'max',
      'min',
      'argmax',
      'argmin',
      'logSumExp',
      'softmax',
      'matmul',
      'concat',
      'stack',
      'pad',
      'arrayEqual',
      'allClose',
      'key',
      'split',
      'uniform',
      'normal',
      'permutation',
      'dual',
    ]) {
      expect(typeof (nd as Record<string, unknown>)[n], n).toBe('function');
    }
  });
});

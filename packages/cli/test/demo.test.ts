import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, memoryIo, run } from '../src/index.js';
import { removeTempDirs, tempDir } from './helpers.js';

describe('demo', () => {
  afterAll(removeTempDirs);
  it('runs end to end with tiny flags and writes the report', async () => {
    const out = join(tempDir('demo'), 'report');
    const io = memoryIo();
    const code = await run(
      ['demo', '--out', out, '--cases', '3', '--test-cases', '2', '--size', '1,32,32', '--iterations', '2', '--features', '4', '--batch-size', '2'],
      io,
    );
    expect(io.err()).not.toMatch(/Error/);
    expect(code).toBe(EXIT.ok);
    expect(io.out()).toMatch(/\| baseline \(w\/o context labels\) \|/);
    expect(io.out()).toMatch(/\| CoLab \(t = 2\) \|/);
    for (const f of [
      'results.json',
      'table.md',
      'figures/overlay.png',
      'figures/logits.png',
      'figures/progress-baseline.png',
      'figures/progress-colab.png',
      'figures/overlay.svg',
      'figures/logits.svg',
      'figures/progress-baseline.svg',
      'figures/progress-colab.svg',
    ])
      expect(existsSync(join(out, f))).toBe(true);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { methods: { method: string; summary: { dice: { n: number } } }[] };
    expect(res.methods.map((m) => m.method)).toEqual(['baseline', 'colab']);
    expect(res.methods[0]!.summary.dice.n).toBe(2);
  });
});

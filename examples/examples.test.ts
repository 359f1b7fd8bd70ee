/**
 * Every worked example runs (as the README says: `npx tsx --conditions=@colab-ts/source examples/<file>`),
 * exits 0, and prints the line of its own check. The examples are small already (seconds each).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** What each example prints when its own check passes. */
const CHECKS: Readonly<Record<string, RegExp>> = {
  'ndarray-basics.ts': /softmax sums to 1: true[\s\S]*data-last \(pipe\) and data-first forms agree: true/,
  'hessian-vector-product.ts': /^agree$/m,
  'unet-overfit.ts': /^reached Dice > 0\.95/m,
  'colab-meta-gradient.ts': /^agree$/m,
};

describe('examples', () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

  it('every example has a check here', () => {
    expect(files.sort()).toEqual(Object.keys(CHECKS).sort());
  });

  it.each(Object.keys(CHECKS))(
    '%s runs and passes its own check',
    (file) => {
      const r = spawnSync(tsx, ['--conditions=@colab-ts/source', join(here, file)], { cwd: root, encoding: 'utf8', timeout: 170_000 });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(CHECKS[file]!);
    },
    180_000,
  );
});

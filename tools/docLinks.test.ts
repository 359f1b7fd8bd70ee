/**
 * Every relative link of the repository's Markdown files points at a file or
 * folder that exists, and every repository path written in backticks
 * (`packages/x/src/y.ts`, `bench/z.ts`) names a file that exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Known dead references, waiting for their fix in a file another change owns:
 * docs/colab.md cites the paper by a path outside the repository. Delete the
 * entry with that fix.
 */
const KNOWN_DEAD: Readonly<Record<string, readonly string[]>> = {};
/** Outputs that a script writes into git-ignored folders (`pnpm docs:api`): named in docs before they exist. */
const GENERATED: readonly string[] = ['docs/api/'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const markdown = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && existsSync(join(root, f)));

describe('documentation links', () => {
  it('finds the Markdown files', () => {
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md']));
  });

  it.each(markdown)('%s: relative links resolve', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const dead: string[] = [];
    for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
      const link = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#')) continue;
      const path = link.split('#')[0]!;
      if (path !== '' && !existsSync(join(root, dirname(file), decodeURIComponent(path)))) dead.push(link);
    }
    expect(dead).toEqual([]);
  });

  it.each(markdown.filter((f) => !f.startsWith('.changeset/')))('%s: repository paths in backticks exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const missing: string[] = [];
    for (const m of text.matchAll(/`((?:packages|bench|examples|docs|tools|shared)\/[A-Za-z0-9_./<>-]+)`/g)) {
      const path = m[1]!;
      if (path.includes('<')) continue; // a pattern such as packages/<p>/test/<module>.test.ts
      if (KNOWN_DEAD[file]?.includes(path) === true || GENERATED.some((g) => path.startsWith(g))) continue;
      if (!existsSync(join(root, path)) && !existsSync(join(root, dirname(file), path))) missing.push(path);
    }
    expect(missing).toEqual([]);
  });
});

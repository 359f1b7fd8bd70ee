/**
 * A package whose `test/readme.test.ts` marks its code with
 * `// README-EXAMPLE-START` and `// README-EXAMPLE-END` runs its README's
 * first ```ts block as written: the marked code is that block, verbatim. The
 * package's own test checks what the example computes.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const START = '// README-EXAMPLE-START';
const END = '// README-EXAMPLE-END';
const packages = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages');
const marked = readdirSync(packages).filter((p) => {
  const test = join(packages, p, 'test', 'readme.test.ts');
  return existsSync(test) && readFileSync(test, 'utf8').includes(START);
});

describe('README examples', () => {
  it('finds the packages that run their README example verbatim', () => {
    expect(marked).toEqual(expect.arrayContaining(['data', 'ndarray']));
  });

  it.each(marked)('%s: the README example is the marked code of test/readme.test.ts, verbatim', (p) => {
    const readme = readFileSync(join(packages, p, 'README.md'), 'utf8');
    const test = readFileSync(join(packages, p, 'test', 'readme.test.ts'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]?.trim();
    expect(block).toBeDefined();
    expect(test.slice(test.indexOf(START) + START.length, test.indexOf(END)).trim()).toBe(block);
  });
});

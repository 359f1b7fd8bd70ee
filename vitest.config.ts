import { defineConfig } from 'vitest/config';

// Tests run from source: the `@colab-ts/source` export condition maps every
// workspace package to its `src/` entry, so no build is needed before `test`.
export default defineConfig({
  resolve: { conditions: ['@colab-ts/source'] },
  ssr: { resolve: { conditions: ['@colab-ts/source'], externalConditions: ['@colab-ts/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default', './tools/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

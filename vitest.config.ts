import { defineConfig } from 'vitest/config';

// Tests run from source: the `@colab-ts/source` export condition maps every
// workspace package to its `src/` entry, so no build is needed before `test`.
export default defineConfig({
  resolve: { conditions: ['@colab-ts/source'] },
  ssr: { resolve: { conditions: ['@colab-ts/source'], externalConditions: ['@colab-ts/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts', 'tools/**/*.test.ts'],
    pool: 'forks',
    // Test files share each worker's module cache: importing @fast-check/vitest
    // costs 4-12 s per file when every file gets a fresh module graph (it builds
    // wrappers for every combination of vitest's test modifiers), which made the
    // suite several minutes long. The packages are pure functions; the one piece
    // of global state, the kernels backend registry, is reset by the tests that
    // change it.
    isolate: false,
    reporters: ['default', './tools/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

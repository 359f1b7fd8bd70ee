/**
 * Every library package bundles for the browser (esbuild, platform browser,
 * no externals) without a Node built-in, and gpu.js is never in what a page
 * loads up front: only in the lazy chunk the gpu backend imports. The
 * reference-only entry has neither gpu.js nor the WebAssembly engine.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs tool without types
import { PACKAGES, checkBrowserBundles } from '../../../tools/browser-bundles.mjs';

interface Row {
  readonly name: string;
  readonly upfront: { readonly raw: number; readonly gz: number };
  readonly gpuUpfront: boolean;
  readonly gpuLazy: boolean;
}

describe('browser bundles', () => {
  it('every package bundles without Node built-ins; gpu.js only in a lazy chunk', async () => {
    const { rows, failures } = (await checkBrowserBundles()) as { rows: Row[]; failures: string[] };
    expect(failures).toEqual([]);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining((PACKAGES as string[]).map((p) => `@colab-ts/${p}`)));
    const byName = new Map(rows.map((r) => [r.name, r]));
    // the backends that carry gpu.js load it lazily, and it is there to load (the check is not vacuous)
    expect(byName.get('@colab-ts/kernels')).toMatchObject({ gpuUpfront: false, gpuLazy: true });
    expect(byName.get('reference-backend script')).toMatchObject({ gpuUpfront: false });
    // no package's up-front bundle is anywhere near gpu.js's ~640 KB
    for (const r of rows) expect(r.upfront.raw, r.name).toBeLessThan(300 * 1024);
  });

  // CI builds every package before testing: the published dist/ (the `browser` condition's dist/browser/) must bundle too.
  it.runIf(process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false')(
    'the built dist/ bundles the same way (CI, after pnpm build)',
    async () => {
      const { failures } = (await checkBrowserBundles({ dist: true })) as { failures: string[] };
      expect(failures).toEqual([]);
    },
  );
});

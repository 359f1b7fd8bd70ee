/**
 * Every library package bundles for the browser (esbuild, platform browser,
 * no externals) without a Node built-in, and gpu.js is in none of them, with
 * or without code splitting: only `@colab-ts/kernels/gpu` reaches it, in the
 * lazy chunk its backend imports (or inlined, in a single-file bundle). The
 * reference-only entry has neither gpu.js nor the WebAssembly engine.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs tool without types
import { PACKAGES, checkBrowserBundles } from '../../../tools/browser-bundles.mjs';

interface Row {
  readonly name: string;
  readonly upfront: { readonly raw: number; readonly gz: number };
  readonly splitting: boolean;
  readonly gpuUpfront: boolean;
  readonly gpuLazy: boolean;
  readonly gpuText: boolean;
}

describe('browser bundles', () => {
  it("every package bundles without Node built-ins and without gpu.js; '@colab-ts/kernels/gpu' has it in a lazy chunk", async () => {
    const { rows, failures } = (await checkBrowserBundles()) as { rows: Row[]; failures: string[] };
    expect(failures).toEqual([]);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining((PACKAGES as string[]).map((p) => `@colab-ts/${p}`)));
    const byName = new Map(rows.map((r) => [r.name, r]));
    const none = { gpuUpfront: false, gpuLazy: false, gpuText: false };
    for (const p of PACKAGES as string[]) expect(byName.get(`@colab-ts/${p}`), p).toMatchObject(none);
    expect(byName.get('reference-backend script')).toMatchObject(none);
    // single files (no splitting: esbuild inlines every dynamic import) of scripts on the reference and wasm backends
    expect(byName.get('reference-backend script (single file)')).toMatchObject({ splitting: false, ...none });
    expect(byName.get('wasm-backend script (single file)')).toMatchObject({ splitting: false, ...none });
    // where the gpu entry is imported, gpu.js is there (the checks are not vacuous): lazily, or in the single file
    expect(byName.get('@colab-ts/kernels/gpu')).toMatchObject({ gpuUpfront: false, gpuLazy: true, gpuText: true });
    expect(byName.get('gpu-backend script (single file)')).toMatchObject({ splitting: false, gpuText: true });
    // no bundle without gpu.js is anywhere near gpu.js's ~640 KB
    for (const r of rows) if (!r.gpuText) expect(r.upfront.raw, r.name).toBeLessThan(300 * 1024);
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

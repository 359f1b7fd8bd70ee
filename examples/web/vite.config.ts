import { defaultClientConditions, defineConfig } from 'vite';

// Cross-origin isolation (COOP + COEP) lets the wasm backend share its memory
// with Web Workers (SharedArrayBuffer); without these headers it runs
// single-threaded. Any static host serving dist/ should send the same two.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  // The workspace packages from source (no build needed), in their browser variants.
  resolve: { conditions: ['@colab-ts/source', ...defaultClientConditions] },
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { headers: isolation },
  preview: { headers: isolation },
});

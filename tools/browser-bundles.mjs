// Bundles every library package for the browser with esbuild
// (`--bundle --platform=browser`, no externals, minified, ESM with code
// splitting as an app bundler does) and reports, per package:
//   - failure on any Node built-in (esbuild cannot resolve `node:*` for the browser),
//   - the size of what a page loads up front (the entry chunk and its static
//     imports) and of the lazy chunks (dynamic imports: the wasm engine, and
//     gpu.js behind `@colab-ts/kernels/gpu`),
//   - whether gpu.js is in the up-front part (it must never be: the gpu
//     backend loads it by dynamic import).
// Plus scenario bundles:
//   - a script that picks the reference backend, with splitting (no gpu.js
//     anywhere: `@colab-ts/kernels` never references it);
//   - single-file bundles without code splitting (esbuild then inlines every
//     dynamic import) of a script that picks the reference backend and of one
//     that picks the wasm backend: they fail if gpu.js's text is in the file;
//   - the same for a script that imports `@colab-ts/kernels/gpu` (which must
//     contain gpu.js: the check is not vacuous, and the package's
//     `sideEffects` keeps the registering import);
//   - `@colab-ts/kernels/reference` without splitting (no gpu.js and no
//     WebAssembly engine at all).
//
// Usage: node tools/browser-bundles.mjs [--json] [--dist]
//   --dist: bundle the built `dist/` (after `pnpm build`) instead of `src/`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PACKAGES = ['ndarray', 'kernels', 'autodiff', 'nn', 'colab', 'metrics', 'data'];

const isGpuJs = (path) => /(^|[/\\])gpu\.js[/\\@]/.test(path) || path.includes('/gpu.js@');
/** Text only gpu.js's own code has, which survives minification (names of its GLSL helpers and function-node classes). */
const GPU_JS_TEXT = /getFloatFromSampler2D|WebGL2FunctionNode/;

/** One bundle of `code` (an entry module's source); returns sizes and what the up-front part holds. */
async function bundle(name, code, { dist = false, splitting = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'colab-ts-bundle-'));
  try {
    const entry = join(ROOT, `.bundle-entry-${name.replace(/\W/g, '_')}-${process.pid}.mjs`);
    writeFileSync(entry, code);
    let result;
    try {
      result = await esbuild.build({
        entryPoints: { main: entry },
        bundle: true,
        platform: 'browser',
        format: 'esm',
        splitting,
        minify: true,
        target: 'es2022',
        outdir: dir,
        write: false,
        metafile: true,
        logLevel: 'silent',
        conditions: dist ? [] : ['@colab-ts/source'],
        absWorkingDir: ROOT,
      });
    } finally {
      rmSync(entry, { force: true });
    }
    const outputs = result.metafile.outputs;
    const byPath = new Map(result.outputFiles.map((f) => [f.path, f.contents]));
    const byKey = new Map(Object.keys(outputs).map((k) => [k, byPath.get(resolve(ROOT, k))]));
    const main = Object.keys(outputs).find((k) => outputs[k].entryPoint !== undefined);
    // the up-front closure: the entry and everything it imports statically
    const upfront = new Set();
    const visit = (k) => {
      if (upfront.has(k)) return;
      upfront.add(k);
      for (const i of outputs[k].imports) if (i.kind === 'import-statement' && outputs[i.path] !== undefined) visit(i.path);
    };
    visit(main);
    const size = (keys) => {
      let raw = 0;
      let gz = 0;
      for (const k of keys) {
        if (!k.endsWith('.js')) continue;
        const c = byKey.get(k);
        raw += c.length;
        gz += gzipSync(c).length;
      }
      return { raw, gz };
    };
    const all = Object.keys(outputs).filter((k) => k.endsWith('.js'));
    const lazy = all.filter((k) => !upfront.has(k));
    const gpuUpfront = [...upfront].some((k) => Object.keys(outputs[k].inputs).some(isGpuJs));
    const gpuLazy = lazy.some((k) => Object.keys(outputs[k].inputs).some(isGpuJs));
    const inputs = [...upfront].flatMap((k) => Object.keys(outputs[k].inputs));
    // gpu.js's text anywhere in the output, whatever the metafile says its inputs were
    const gpuText = all.some((k) => GPU_JS_TEXT.test(new TextDecoder().decode(byKey.get(k))));
    return { name, splitting, upfront: size(upfront), lazy: size(lazy), gpuUpfront, gpuLazy, gpuText, inputs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every check; throws with all failures listed. */
export async function checkBrowserBundles({ dist = false } = {}) {
  const rows = [];
  const failures = [];
  const run = async (name, code, opts) => {
    try {
      rows.push(await bundle(name, code, { dist, ...opts }));
    } catch (e) {
      const errors = (e.errors ?? []).map((x) => `${x.location?.file ?? ''}: ${x.text}`).join('\n  ');
      failures.push(`${name}: does not bundle for the browser\n  ${errors || e.message}`);
    }
  };
  for (const p of PACKAGES) await run(`@colab-ts/${p}`, `import * as m from '@colab-ts/${p}';\nglobalThis.__m = m;\n`);
  await run('@colab-ts/kernels/gpu', `import * as m from '@colab-ts/kernels/gpu';\nglobalThis.__m = m;\n`);
  const script = (backend, extra = '') =>
    `${extra}import { useBackend, getBackend } from '@colab-ts/kernels';\nimport { grad, realize } from '@colab-ts/autodiff';\nawait useBackend('${backend}');\nglobalThis.__m = { getBackend, grad, realize };\n`;
  await run('reference-backend script', script('reference'));
  // Without code splitting esbuild inlines dynamic imports: only what is never referenced stays out.
  await run('reference-backend script (single file)', script('reference'), { splitting: false });
  await run('wasm-backend script (single file)', script('wasm'), { splitting: false });
  await run('gpu-backend script (single file)', script('gpu', "import '@colab-ts/kernels/gpu';\n"), { splitting: false });
  await run('@colab-ts/kernels/reference (no splitting)', `import * as m from '@colab-ts/kernels/reference';\nglobalThis.__m = m;\n`, { splitting: false });
  for (const r of rows) {
    // (a single file has no lazy part: the checks below say where gpu.js may be in one)
    if (r.gpuUpfront && r.splitting) failures.push(`${r.name}: gpu.js is in the up-front bundle (it must load lazily, with the gpu backend only)`);
    const node = r.inputs.filter((i) => /^(node:|fs|path|os|crypto|zlib|worker_threads)$/.test(i));
    if (node.length > 0) failures.push(`${r.name}: Node built-ins ${node.join(', ')}`);
  }
  const byName = new Map(rows.map((r) => [r.name, r]));
  // gpu.js must be nowhere (no lazy chunk, not inlined) in what never imports `@colab-ts/kernels/gpu`
  const gpuFree = [
    ...PACKAGES.map((p) => `@colab-ts/${p}`),
    'reference-backend script',
    'reference-backend script (single file)',
    'wasm-backend script (single file)',
  ];
  for (const name of gpuFree) {
    const r = byName.get(name);
    if (r !== undefined && (r.gpuText || r.gpuLazy || r.gpuUpfront))
      failures.push(`${name}: gpu.js is in the bundle, though nothing imports '@colab-ts/kernels/gpu'`);
  }
  // and it is there where the gpu entry is imported (lazily with splitting, inlined without): the text check is not vacuous
  const gpuEntry = byName.get('@colab-ts/kernels/gpu');
  if (gpuEntry !== undefined && !(gpuEntry.gpuLazy && gpuEntry.gpuText)) failures.push('@colab-ts/kernels/gpu: gpu.js is not in a lazy chunk of its bundle');
  const gpuScript = byName.get('gpu-backend script (single file)');
  if (gpuScript !== undefined && !gpuScript.gpuText)
    failures.push("gpu-backend script (single file): no gpu.js in the file (did `sideEffects` drop the import of '@colab-ts/kernels/gpu'?)");
  const ref = byName.get('@colab-ts/kernels/reference (no splitting)');
  if (ref !== undefined) {
    if (ref.gpuLazy || ref.gpuText) failures.push('@colab-ts/kernels/reference: gpu.js is in the bundle');
    if (ref.inputs.some((i) => /src[/\\]wasm[/\\]/.test(i))) failures.push('@colab-ts/kernels/reference: the WebAssembly engine is in the bundle');
  }
  return { rows, failures };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, failures } = await checkBrowserBundles({ dist: process.argv.includes('--dist') });
  if (process.argv.includes('--json'))
    console.log(
      JSON.stringify(
        rows.map(({ inputs, ...r }) => r),
        null,
        2,
      ),
    );
  else {
    console.log('| bundle | up front (min) | up front (min+gzip) | lazy chunks (min) | gpu.js |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) {
      const gpu = !r.splitting ? (r.gpuText ? 'in the file' : 'none') : r.gpuUpfront ? 'UP FRONT' : r.gpuLazy ? 'lazy chunk' : 'none';
      console.log(`| ${r.name} | ${kb(r.upfront.raw)} | ${kb(r.upfront.gz)} | ${r.lazy.raw ? kb(r.lazy.raw) : '-'} | ${gpu} |`);
    }
  }
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(failures.length ? 1 : 0);
}

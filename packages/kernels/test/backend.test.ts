import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueError, array, zeros } from '@colab-ts/ndarray';
import * as referenceEntry from '@colab-ts/kernels/reference';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Backend, KernelName } from '../src/index.js';
import {
  BACKEND_ENV,
  availableBackends,
  closeBackends,
  defaultBackend,
  getBackend,
  referenceBackend,
  referenceKernels,
  resetBackend,
  useBackend,
} from '../src/index.js';
import { createGpuBackend } from '../src/gpu.js'; // plugs the gpu backend into the registry
import * as gpuEntry from '../src/gpu.js';
import { conv3d } from '../src/reference.js';
import { rand, runModuleScript, values } from './helpers.js';

const ALL_KERNELS: readonly KernelName[] = [
  'unary',
  'binary',
  'compare',
  'where',
  'leakyRelu',
  'leakyReluBackward',
  'cast',
  'reshape',
  'transpose',
  'broadcastTo',
  'slice',
  'pad',
  'concat',
  'flip',
  'sum',
  'max',
  'matmul',
  'conv3d',
  'conv3dBackwardInput',
  'conv3dBackwardWeights',
  'convTranspose3d',
  'maxPool3d',
  'maxPool3dBackward',
  'avgPool3d',
  'avgPool3dBackward',
  'upsample3d',
  'upsample3dBackward',
  'instanceNormStats',
  'instanceNorm',
  'instanceNormLeakyRelu',
  'instanceNormBackward',
  'instanceNormAffineBackward',
  'softmax',
  'softmaxBackward',
];

describe('the reference backend', () => {
  it('has every kernel, asynchronous, agreeing with the synchronous ones', async () => {
    expect(Object.keys(referenceBackend.kernels).sort()).toEqual([...ALL_KERNELS].sort());
    expect(Object.keys(referenceKernels).sort()).toEqual([...ALL_KERNELS].sort());
    const x = rand(1, [1, 2, 3, 3, 3]);
    const w = rand(2, [2, 2, 2, 2, 2]);
    const y = await referenceBackend.kernels.conv3d(x, w, null, { padding: 1 });
    expect(values(y)).toEqual(values(conv3d(x, w, null, { padding: 1 })));
    const { mean } = await referenceBackend.kernels.instanceNormStats(x);
    expect(mean.shape).toEqual([1, 2, 1, 1, 1]);
    expect(values(await referenceBackend.kernels.binary(array([1, 2]), array([3, 4]), 'add'))).toEqual([4, 6]);
  });

  it('reports shape errors as rejections naming the op', async () => {
    await expect(referenceBackend.kernels.conv3d(zeros([1, 4, 3, 3, 3]), zeros([2, 8, 1, 1, 1]), null, {})).rejects.toThrow(
      'conv3d: input channels 4 != weight in-channels 8',
    );
  });

  it('uploads and downloads by identity and reads shape and dtype', async () => {
    const x = zeros([2, 3], 'float64');
    const b = await referenceBackend.upload(x);
    expect(b).toBe(x);
    expect(await referenceBackend.download(b)).toBe(x);
    expect(referenceBackend.shapeOf(b)).toEqual([2, 3]);
    expect(referenceBackend.dtypeOf(b)).toBe('float64');
    expect(() => referenceBackend.dispose(b)).not.toThrow();
    expect(referenceBackend.name).toBe('reference');
  });

  it('is importable from the gpu.js-free subpath', () => {
    expect(referenceEntry.referenceBackend).toBe(referenceBackend);
    expect(typeof referenceEntry.distanceTransform).toBe('function');
    expect(typeof referenceEntry.connectedComponents3d).toBe('function');
  });
});

describe('the registry', () => {
  const saved = process.env[BACKEND_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
    resetBackend();
  });
  afterAll(closeBackends);

  it('lists the fast backends first; without a GPU the default is wasm', async () => {
    expect(availableBackends).toEqual(['wasm', 'gpu', 'reference']);
    expect(defaultBackend).toBe('wasm');
    delete process.env[BACKEND_ENV];
    resetBackend();
    const be = await getBackend();
    expect(be.name).toBe('wasm');
    expect(be.device).toMatch(/^WebAssembly SIMD, (\d+ threads \(this one and \d+ workers?\)|\d+ worker threads?)$/);
    expect(await getBackend()).toBe(be);
  });

  it('useBackend chooses and loads each backend once; unknown names throw a clear error', async () => {
    const be: Backend<unknown> = await useBackend('reference');
    expect(be).toBe(referenceBackend);
    expect(await getBackend()).toBe(referenceBackend);
    const gpu = await useBackend('gpu');
    expect(gpu.name).toBe('gpu');
    expect(gpu.device).toBe('gpu.js webasm');
    expect(await useBackend('gpu')).toBe(gpu);
    expect(await getBackend()).toBe(gpu);
    expect(() => useBackend('cuda')).toThrow(ValueError);
    expect(() => useBackend('cuda')).toThrow('useBackend: unknown backend "cuda"; available: wasm, gpu, reference');
  });

  it(`reads ${BACKEND_ENV} on first use`, async () => {
    process.env[BACKEND_ENV] = 'reference';
    resetBackend();
    expect(await getBackend()).toBe(referenceBackend);
    process.env[BACKEND_ENV] = 'gpu';
    resetBackend();
    expect((await getBackend()).name).toBe('gpu');
    process.env[BACKEND_ENV] = 'tpu';
    resetBackend();
    await expect(getBackend()).rejects.toThrow(`getBackend: ${BACKEND_ENV}: unknown backend "tpu"`);
  });

  it("the gpu backend is plugged in by importing '@colab-ts/kernels/gpu'", () => {
    expect(gpuEntry.createGpuBackend).toBe(createGpuBackend);
    expect(Object.keys(gpuEntry).sort()).toEqual(['createGpuBackend']);
    expect(() => useBackend('gpu')).not.toThrow();
  });

  it("a program that never imports '@colab-ts/kernels/gpu' gets a clear error for gpu, and no gpu.js", async () => {
    const stdout = await runModuleScript(
      [
        "import { availableBackends, closeBackends, getBackend, loadBackend, loadDefaultBackend, useBackend } from '@colab-ts/kernels';",
        'const shown = (e) => e.name + ": " + e.message;',
        'const said = (f) => { try { f(); return "no error"; } catch (e) { return shown(e); } };',
        'console.log(said(() => useBackend("gpu")));',
        'console.log(said(() => loadBackend("gpu")));',
        'console.log(await getBackend().then(() => "no error", shown));',
        'console.log(availableBackends.join(), (await loadDefaultBackend()).name);',
        // gpu.js was never loaded (Node's module cache has no file of it) until the gpu entry point is imported
        'const { createRequire } = await import("node:module");',
        'const gpuJsFiles = () => Object.keys(createRequire(import.meta.url).cache).filter((f) => /[/\\\\]gpu\\.js[/\\\\]/.test(f)).length;',
        'console.log(gpuJsFiles());',
        'await import("@colab-ts/kernels/gpu");',
        'const gpu = await useBackend("gpu");',
        'console.log(gpu.device, gpuJsFiles() > 0);',
        'await closeBackends();',
      ],
      { [BACKEND_ENV]: 'gpu' },
    );
    const hint = "the gpu backend is not loaded: import '@colab-ts/kernels/gpu' (once, anywhere in the program) before choosing it";
    expect(stdout.split('\n')).toEqual([
      `ValueError: useBackend: ${hint}`,
      `ValueError: loadBackend: ${hint}`,
      `ValueError: getBackend: ${BACKEND_ENV}: ${hint}`,
      'wasm,gpu,reference wasm',
      '0',
      'gpu.js webasm true',
    ]);
  });

  it('closeBackends frees the loaded backends; a later use loads afresh', async () => {
    const first = await useBackend('wasm');
    await closeBackends();
    const second = await useBackend('wasm');
    expect(second).not.toBe(first);
    const x = rand(1, [1, 1, 2, 2, 2]);
    expect((await second.kernels.conv3d(x, x, null, {})).shape).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('lazy loading', () => {
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  /**
   * The files a module loads statically (its value imports, followed transitively; type-only imports are erased),
   * or with `dynamic` also those its `import()` calls can load.
   */
  function staticClosure(entry: string, { dynamic = false } = {}): { files: Set<string>; bare: Set<string> } {
    const files = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string): void => {
      if (files.has(file)) return;
      files.add(file);
      const text = readFileSync(file, 'utf8');
      const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^'";]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
      if (dynamic) specs.push(...[...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!));
      for (const spec of specs) {
        if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
        else bare.add(spec);
      }
    };
    visit(join(src, entry));
    return { files, bare };
  }

  it('@colab-ts/kernels/reference never loads gpu.js, the wasm engine, or any fast kernel', () => {
    const { files, bare } = staticClosure('reference.ts');
    expect([...bare].sort()).toEqual(['@colab-ts/ndarray']);
    expect([...files].filter((f) => /[/\\](gpu|wasm)[/\\.]/.test(f))).toEqual([]);
  });

  it('@colab-ts/kernels loads the wasm engine only when its backend is chosen (dynamic import)', () => {
    const { files, bare } = staticClosure('index.ts');
    expect([...bare].sort()).toEqual(['@colab-ts/ndarray']);
    expect([...files].filter((f) => /[/\\](gpu|wasm)[/\\.]/.test(f))).toEqual([]);
  });

  it('@colab-ts/kernels never references gpu.js or the gpu backend, not even by dynamic import', () => {
    const { files, bare } = staticClosure('index.ts', { dynamic: true });
    expect([...bare].sort()).toEqual(['#wasm-platform', '@colab-ts/ndarray']);
    expect([...files].filter((f) => /[/\\]gpu[/\\.]/.test(f))).toEqual([]);
  });

  it('@colab-ts/kernels/gpu loads gpu.js and the gpu kernels only when the backend is first used (dynamic import)', () => {
    const { files, bare } = staticClosure('gpu.ts');
    expect([...bare].sort()).toEqual(['@colab-ts/ndarray']);
    expect([...files].filter((f) => /[/\\](gpu|wasm)[/\\]/.test(f))).toEqual([]);
    expect(staticClosure('gpu.ts', { dynamic: true }).bare).toContain('gpu.js');
  });
});

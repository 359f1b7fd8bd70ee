/**
 * The backend registry: which backends exist, which one is in use, and how to
 * choose (`useBackend(name)`, or the environment variable `COLAB_TS_BACKEND`
 * read on first use). Each backend is one entry of `LOADERS`, loaded on demand
 * and once: `wasm` starts its worker threads only when chosen. `gpu` is known
 * by name but this module never references its code or gpu.js (not even by
 * dynamic import, which a bundler without code splitting would inline): the
 * entry point `@colab-ts/kernels/gpu` plugs its loader in when imported
 * (`plugGpuLoader`), and until then choosing `gpu` is a clear error. Without a
 * choice the fast backend that works here is the default: `gpu` (when plugged
 * in) where gpu.js finds a real GPU (WebGPU or WebGL), else `wasm`, else the
 * `reference`.
 * @module
 */
import { ValueError } from '@colab-ts/ndarray';
import type { AnyBackend, BackendName } from './Backend.js';
import { referenceBackend } from './reference/backend.js';

/** A loaded backend and how to close it. */
interface Loaded {
  readonly backend: AnyBackend;
  readonly close: () => Promise<void>;
}

/** A backend loaded at most once, and closed (then loadable again) on demand. */
interface Slot {
  (): Promise<Loaded>;
  /** Closes the backend if it was loaded, and forgets it. */
  readonly close: () => Promise<void>;
}

const once = (load: () => Promise<Loaded>): Slot => {
  let p: Promise<Loaded> | undefined;
  const get = (): Promise<Loaded> => {
    p ??= load().catch((e: unknown) => {
      p = undefined; // a failed load may be retried
      throw e;
    });
    return p;
  };
  const close = async (): Promise<void> => {
    const loaded = p;
    p = undefined;
    if (loaded !== undefined) await (await loaded.catch(() => null))?.close();
  };
  return Object.assign(get, { close });
};

/** How to load the gpu backend: set by `@colab-ts/kernels/gpu` when it is imported, else undefined. */
let gpuLoader: (() => Promise<Loaded>) | undefined;

/** What choosing `gpu` before `@colab-ts/kernels/gpu` is imported says. */
const gpuNotLoaded = "the gpu backend is not loaded: import '@colab-ts/kernels/gpu' (once, anywhere in the program) before choosing it";

/**
 * Plugs in the gpu backend's loader (`@colab-ts/kernels/gpu` calls this when
 * imported; idempotent). Not part of the public API: it is not exported from
 * `@colab-ts/kernels`.
 * @internal
 */
export function plugGpuLoader(load: () => Promise<AnyBackend & { readonly close: () => Promise<void> }>): void {
  gpuLoader ??= async () => {
    const backend = await load();
    return { backend, close: backend.close };
  };
}

/** Is the gpu backend's loader plugged in (`@colab-ts/kernels/gpu` imported)? */
const gpuPlugged = (): boolean => gpuLoader !== undefined;

/** One loader per backend (every `BackendName` must have one), in order of preference. */
const LOADERS = {
  wasm: once(async () => {
    const { createWasmBackend } = await import('./wasm/backend.js');
    const backend = await createWasmBackend();
    return { backend, close: backend.close };
  }),
  gpu: once(async () => {
    if (gpuLoader === undefined) throw new ValueError('loadBackend', gpuNotLoaded);
    return gpuLoader();
  }),
  reference: once(async () => ({ backend: referenceBackend, close: async () => undefined })),
} satisfies { readonly [K in BackendName]: Slot };

/** The names of the backends the registry knows (`gpu` loads once `@colab-ts/kernels/gpu` is imported). @category backends */
export type AvailableBackend = keyof typeof LOADERS;

/**
 * The names of the backends the registry knows, in order of preference.
 * `gpu` is among them whether or not `@colab-ts/kernels/gpu` was imported;
 * choosing it before then throws a `ValueError` that says what to import.
 * @category backends
 */
export const availableBackends: readonly AvailableBackend[] = Object.freeze(Object.keys(LOADERS) as AvailableBackend[]);

/** The CPU default: used when neither `useBackend` nor `COLAB_TS_BACKEND` chose one and no GPU is found. @category backends */
export const defaultBackend: AvailableBackend = 'wasm';

/** The environment variable that chooses the backend. @category backends */
export const BACKEND_ENV = 'COLAB_TS_BACKEND';

let current: Promise<AnyBackend> | undefined;

/** Is `name` a backend the registry knows (see `availableBackends`)? @category backends */
export const isAvailableBackend = (name: unknown): name is AvailableBackend => typeof name === 'string' && Object.hasOwn(LOADERS, name);

function loaderOf(op: string, name: unknown): () => Promise<AnyBackend> {
  if (!isAvailableBackend(name)) {
    throw new ValueError(op, `unknown backend ${JSON.stringify(name)}; available: ${availableBackends.join(', ')}`);
  }
  if (name === 'gpu' && !gpuPlugged()) throw new ValueError(op, gpuNotLoaded);
  const load = LOADERS[name];
  return async () => (await load()).backend;
}

/** A WebGL context's renderer names a CPU rasterizer (SwiftShader, llvmpipe, Microsoft Basic Render), not a GPU. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

interface WebGlProbe {
  getExtension(name: string): { readonly UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(p: number): unknown;
  readonly RENDERER: number;
}

/** The WebGL renderer string of this page, or undefined (no document, no WebGL). Checked without loading gpu.js. */
function webGlRenderer(): string | undefined {
  const doc = (globalThis as { readonly document?: { createElement(tag: string): { getContext(kind: string): unknown } } }).document;
  if (doc === undefined) return undefined;
  try {
    const canvas = doc.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGlProbe | null;
    if (gl === null) return undefined;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext === null ? gl.RENDERER : ext.UNMASKED_RENDERER_WEBGL));
  } catch {
    return undefined;
  }
}

/**
 * Might a GPU be reachable? A WebGL renderer that is not a software one, or a
 * WebGPU adapter that is not a fallback (CPU) adapter: on SwiftShader
 * (headless Chromium, CI) gpu.js runs about 300 times slower than the wasm
 * backend (kernels README). Checked without loading gpu.js.
 */
async function gpuLikely(): Promise<boolean> {
  const renderer = webGlRenderer();
  if (renderer !== undefined && !SOFTWARE_RENDERER.test(renderer)) return true;
  const gpu = (globalThis as { readonly navigator?: { readonly gpu?: { requestAdapter(): Promise<{ readonly isFallbackAdapter?: boolean } | null> } } })
    .navigator?.gpu;
  if (gpu === undefined) return false;
  try {
    const adapter = await gpu.requestAdapter();
    return adapter !== null && adapter.isFallbackAdapter !== true;
  } catch {
    return false;
  }
}

/**
 * Loads the default backend: `gpu` when `@colab-ts/kernels/gpu` was imported,
 * a GPU is likely (WebGPU, or WebGL on a hardware renderer) and gpu.js then
 * runs on WebGPU or WebGL, else `wasm`
 * (worker threads; single-threaded in a page that is not cross-origin
 * isolated), else (no WebAssembly SIMD here) `reference`.
 * @example const be = await loadDefaultBackend(); be.name // 'wasm' on a CPU-only Node
 * @category backends
 */
export async function loadDefaultBackend(): Promise<AnyBackend> {
  if (gpuPlugged() && (await gpuLikely())) {
    try {
      const gpu = (await LOADERS.gpu()).backend as AnyBackend & { readonly mode?: string };
      if (gpu.mode !== 'webasm' && gpu.mode !== 'cpu') return gpu;
    } catch {
      // no usable gpu.js device: fall through to the CPU backends
    }
  }
  try {
    return (await LOADERS.wasm()).backend;
  } catch (e) {
    // e.g. an engine without WebAssembly SIMD: say so once, run on (a page without cross-origin isolation runs wasm single-threaded).
    console.warn(`colab-ts: the wasm backend cannot run here (${e instanceof Error ? e.message : String(e)}); using the reference backend`);
    return referenceBackend;
  }
}

/**
 * Chooses the backend every later `getBackend()` returns, and loads it.
 * Throws a `ValueError` at once for an unknown name, and for `gpu` before
 * `@colab-ts/kernels/gpu` is imported.
 * @example await useBackend('reference')
 * @category backends
 */
export function useBackend(name: BackendName | (string & {})): Promise<AnyBackend> {
  const load = loaderOf('useBackend', name);
  current = load();
  return current;
}

/**
 * The backend in use: the last `useBackend` choice, else `COLAB_TS_BACKEND`,
 * else the default (`loadDefaultBackend`). Rejects with a `ValueError` when the
 * environment variable names an unknown backend, or `gpu` before
 * `@colab-ts/kernels/gpu` is imported.
 * @example const be = await getBackend(); await be.kernels.softmax(x)
 * @category backends
 */
export function getBackend(): Promise<AnyBackend> {
  if (current === undefined) {
    const env = readEnv(BACKEND_ENV);
    if (env === undefined || env === '') {
      current = loadDefaultBackend();
    } else {
      try {
        current = loaderOf('getBackend', env)();
      } catch (e) {
        return Promise.reject(e instanceof ValueError ? new ValueError('getBackend', `${BACKEND_ENV}: ${e.message.replace(/^getBackend: /, '')}`) : e);
      }
    }
  }
  return current;
}

/** Forgets the choice, so the next `getBackend()` reads `COLAB_TS_BACKEND` again (for tests). @category backends */
export function resetBackend(): void {
  current = undefined;
}

/**
 * Closes every loaded backend (the wasm worker threads, gpu.js kernels and contexts)
 * and forgets the choice; a later use loads afresh. Idle workers never keep a
 * process alive, so this is for freeing resources, not for exiting.
 * @example await closeBackends()
 * @category backends
 */
export async function closeBackends(): Promise<void> {
  current = undefined;
  await Promise.allSettled(Object.values(LOADERS).map((slot) => slot.close()));
}

/** An environment variable where there is a process environment (Node); undefined in browsers. */
function readEnv(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

/**
 * Loads the backend `name` without choosing it for later `getBackend()` calls
 * (`useBackend` does both): for code that passes its backend explicitly.
 * Throws a `ValueError` at once for an unknown name, and for `gpu` before
 * `@colab-ts/kernels/gpu` is imported.
 * @example const be = await loadBackend('reference'); await realize(t, { backend: be })
 * @category backends
 */
export function loadBackend(name: BackendName | (string & {})): Promise<AnyBackend> {
  return loaderOf('loadBackend', name)();
}

/**
 * The backend registry: which backends exist, which one is in use, and how to
 * choose (`useBackend(name)`, or the environment variable `COLAB_TS_BACKEND`
 * read on first use). Each backend is one entry of `LOADERS`, loaded on demand
 * (a later `gpu` entry imports gpu.js only when chosen).
 * @module
 */
import { ValueError } from '@colab-ts/ndarray';
import type { AnyBackend, BackendName } from './Backend.js';
import { referenceBackend } from './reference/backend.js';

/** One loader per available backend; adding `wasm` or `gpu` is one entry each. */
const LOADERS = {
  reference: async () => referenceBackend,
} satisfies { readonly [K in BackendName]?: () => Promise<AnyBackend> };

/** The names of the backends this build can load. @category backends */
export type AvailableBackend = keyof typeof LOADERS;

/** The names of the backends this build can load, default first. @category backends */
export const availableBackends: readonly AvailableBackend[] = Object.freeze(Object.keys(LOADERS) as AvailableBackend[]);

/** The backend used when neither `useBackend` nor `COLAB_TS_BACKEND` chose one. @category backends */
export const defaultBackend: AvailableBackend = 'reference';

/** The environment variable that chooses the backend. @category backends */
export const BACKEND_ENV = 'COLAB_TS_BACKEND';

let current: Promise<AnyBackend> | undefined;

/** Is `name` a backend this build can load? @category backends */
export const isAvailableBackend = (name: unknown): name is AvailableBackend =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(LOADERS, name);

function loaderOf(op: string, name: unknown): () => Promise<AnyBackend> {
  if (!isAvailableBackend(name)) {
    const known = name === 'wasm' || name === 'gpu' ? ` ('${name}' is not part of this build yet)` : '';
    throw new ValueError(op, `unknown backend ${JSON.stringify(name)}${known}; available: ${availableBackends.join(', ')}`);
  }
  return LOADERS[name];
}

/**
 * Chooses the backend every later `getBackend()` returns, and loads it.
 * Throws a `ValueError` at once for an unknown name.
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
 * else the default (`reference`). Rejects with a `ValueError` when the
 * environment variable names an unknown backend.
 * @example const be = await getBackend(); await be.kernels.softmax(x)
 * @category backends
 */
export function getBackend(): Promise<AnyBackend> {
  if (current === undefined) {
    const env = readEnv(BACKEND_ENV);
    try {
      current = loaderOf('getBackend', env === undefined || env === '' ? defaultBackend : env)();
    } catch (e) {
      return Promise.reject(e instanceof ValueError ? new ValueError('getBackend', `${BACKEND_ENV}: ${e.message.replace(/^getBackend: /, '')}`) : e);
    }
  }
  return current;
}

/** Forgets the choice, so the next `getBackend()` reads `COLAB_TS_BACKEND` again (for tests). @category backends */
export function resetBackend(): void {
  current = undefined;
}

/** An environment variable where there is a process environment (Node); undefined in browsers. */
function readEnv(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

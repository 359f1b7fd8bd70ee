/**
 * @colab-ts/kernels: the 3D operators of colab-ts behind one asynchronous
 * interface (`Backend`), with a backend registry (`reference`, `wasm`, `gpu`),
 * every operator's shape rule, and the TypeScript-only volume operators shared
 * by all backends. `@colab-ts/kernels/reference` has the reference backend and
 * the volume operators without any accelerator code. The WebAssembly engine
 * loads only when the wasm backend is chosen. This entry point never
 * references gpu.js: importing `@colab-ts/kernels/gpu` plugs the `gpu`
 * backend into the registry.
 * @module @colab-ts/kernels
 */
import type { WasmBackend, WasmBackendOptions } from './wasm/backend.js';

export type * from './Backend.js';
export * from './shapes.js';
export * from './volumes.js';
export { referenceBackend } from './reference/backend.js';
export { referenceKernels } from './reference/kernels.js';
export type { AvailableBackend } from './registry.js';
export {
  BACKEND_ENV,
  availableBackends,
  closeBackends,
  defaultBackend,
  getBackend,
  isAvailableBackend,
  loadDefaultBackend,
  resetBackend,
  useBackend,
} from './registry.js';
export { loadBackend } from './registry.js';
export type { WasmBackend, WasmBackendOptions } from './wasm/backend.js';

/**
 * Creates a `wasm` backend of its own (apart from the registry's), with its own worker threads.
 * @example const be = await createWasmBackend({ threads: 2 }); await be.close()
 * @category backends
 */
export const createWasmBackend = async (options?: WasmBackendOptions): Promise<WasmBackend> => (await import('./wasm/backend.js')).createWasmBackend(options);

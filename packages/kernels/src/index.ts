/**
 * @colab-ts/kernels: the 3D operators of colab-ts behind one asynchronous
 * interface (`Backend`), with a backend registry (`reference`, `wasm`, `gpu`),
 * every operator's shape rule, and the TypeScript-only volume operators shared
 * by all backends. `@colab-ts/kernels/reference` has the reference backend and
 * the volume operators without any accelerator code. gpu.js and the
 * WebAssembly engine load only when their backend is chosen.
 * @module @colab-ts/kernels
 */
import type { GpuBackend } from './gpu/backend.js';
import type { GpuDeviceOptions } from './gpu/device.js';
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
export type { GpuBackend } from './gpu/backend.js';
export type { GpuBuffer, GpuTexture } from './gpu/buffer.js';
export type { CompiledKernelInfo, GpuDeviceOptions, GpuMode } from './gpu/device.js';
export type { WasmBackend, WasmBackendOptions } from './wasm/backend.js';

/**
 * Creates a `gpu` backend of its own (apart from the registry's), loading gpu.js now.
 * @example const be = await createGpuBackend({ mode: 'webasm' }); be.device // 'gpu.js webasm'
 * @category backends
 */
export const createGpuBackend = async (options?: GpuDeviceOptions): Promise<GpuBackend> => (await import('./gpu/backend.js')).createGpuBackend(options);

/**
 * Creates a `wasm` backend of its own (apart from the registry's), with its own worker threads.
 * @example const be = await createWasmBackend({ threads: 2 }); await be.close()
 * @category backends
 */
export const createWasmBackend = async (options?: WasmBackendOptions): Promise<WasmBackend> => (await import('./wasm/backend.js')).createWasmBackend(options);

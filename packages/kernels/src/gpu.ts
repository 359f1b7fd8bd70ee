/**
 * `@colab-ts/kernels/gpu`: the gpu.js backend. Importing this entry point
 * plugs the `gpu` backend into the registry of `@colab-ts/kernels`, so that
 * `useBackend('gpu')`, `loadBackend('gpu')`, `COLAB_TS_BACKEND=gpu` and the
 * default backend on a machine with a GPU can use it; `@colab-ts/kernels`
 * itself never references gpu.js, so a bundle that does not import this entry
 * has no gpu.js in it, with or without code splitting. gpu.js and the gpu
 * kernels still load only when the backend is first used (dynamic `import()`:
 * a lazy chunk for an app bundler that splits code).
 *
 * ```ts
 * import '@colab-ts/kernels/gpu'; // once, anywhere in the program
 * import { useBackend } from '@colab-ts/kernels';
 * const gpu = await useBackend('gpu');
 * ```
 * @module @colab-ts/kernels/gpu
 */
import type { GpuBackend } from './gpu/backend.js';
import type { GpuDeviceOptions } from './gpu/device.js';
import { plugGpuLoader } from './registry.js';

export type { GpuBackend } from './gpu/backend.js';
export type { GpuBuffer, GpuTexture } from './gpu/buffer.js';
export type { CompiledKernelInfo, GpuDeviceOptions, GpuMode } from './gpu/device.js';

/**
 * Creates a `gpu` backend of its own (apart from the registry's), loading gpu.js now.
 * @example const be = await createGpuBackend({ mode: 'webasm' }); be.device // 'gpu.js webasm'
 * @category backends
 */
export const createGpuBackend = async (options?: GpuDeviceOptions): Promise<GpuBackend> => (await import('./gpu/backend.js')).createGpuBackend(options);

// The side effect this entry point exists for (package.json lists it in `sideEffects`).
plugGpuLoader(() => createGpuBackend());

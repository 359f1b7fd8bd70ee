/**
 * @colab-ts/kernels: the 3D operators of colab-ts behind one asynchronous
 * interface (`Backend`), with a backend registry, every operator's shape
 * rule, and the TypeScript-only volume operators shared by all backends.
 * `@colab-ts/kernels/reference` has the reference backend and the volume
 * operators without any accelerator code.
 * @module
 */
export type * from './Backend.js';
export * from './shapes.js';
export * from './volumes.js';
export { referenceBackend } from './reference/backend.js';
export { referenceKernels } from './reference/kernels.js';
export type { AvailableBackend } from './registry.js';
export { BACKEND_ENV, availableBackends, defaultBackend, getBackend, isAvailableBackend, resetBackend, useBackend } from './registry.js';

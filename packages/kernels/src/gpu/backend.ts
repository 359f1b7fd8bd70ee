/**
 * The `gpu` backend: gpu.js kernels for the 3D operators on float32 buffers
 * (`GpuBuffer`), the reference for the rest. gpu.js chooses the device
 * (WebGPU, WebGL, else its webasm WebAssembly SIMD backend); on a GPU the
 * results stay there as textures between kernels until `download`.
 * Which kernels run on gpu.js is the record `GPU_KERNELS`; every other kernel,
 * and every kernel given a buffer that is not float32, runs on the reference.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { isNDArray } from '@colab-ts/ndarray';
import type { Backend, KernelName, Kernels } from '../Backend.js';
import { conv3dBackwardInputGpu, conv3dBackwardWeightsGpu, conv3dGpu } from '../conv3d/gpu.js';
import { convTranspose3dGpu } from '../convTranspose3d/gpu.js';
import { avgPool3dBackwardGpu, avgPool3dGpu } from '../avgPool3d/gpu.js';
import { instanceNormStatsGpu } from '../instanceNormStats/gpu.js';
import { maxPool3dBackwardGpu, maxPool3dGpu } from '../maxPool3d/gpu.js';
import { referenceKernels } from '../reference/kernels.js';
import { softmaxBackwardGpu, softmaxGpu } from '../softmax/gpu.js';
import { upsample3dBackwardGpu, upsample3dGpu } from '../upsample3d/gpu.js';
import type { GpuBuffer } from './buffer.js';
import { downloadBuffer, isGpuBuffer, uploadArray } from './buffer.js';
import type { CompiledKernelInfo, GpuDevice, GpuDeviceOptions, GpuMode } from './device.js';
import { createGpuDevice } from './device.js';

/** The `gpu` backend, with what gpu.js chose and compiled. @category backends */
export interface GpuBackend extends Backend<GpuBuffer> {
  /** The gpu.js backend new kernels run on. */
  readonly mode: GpuMode;
  /** The kernels that run on gpu.js (for float32 buffers); the others run on the reference. */
  readonly gpuKernels: readonly KernelName[];
  /** Each compiled gpu.js kernel and the backend it really runs on. */
  readonly compiledKernels: () => readonly CompiledKernelInfo[];
  /** Destroys the compiled kernels, gpu.js's worker threads and contexts. */
  readonly close: () => Promise<void>;
}

type GpuKernelImpls = { readonly [K in KernelName]?: (dev: GpuDevice, ...args: Parameters<Kernels<GpuBuffer>[K]>) => ReturnType<Kernels<GpuBuffer>[K]> };

/** The kernels with a gpu.js implementation. */
const GPU_KERNELS = {
  conv3d: conv3dGpu,
  conv3dBackwardInput: conv3dBackwardInputGpu,
  conv3dBackwardWeights: conv3dBackwardWeightsGpu,
  convTranspose3d: convTranspose3dGpu,
  maxPool3d: maxPool3dGpu,
  maxPool3dBackward: maxPool3dBackwardGpu,
  avgPool3d: avgPool3dGpu,
  avgPool3dBackward: avgPool3dBackwardGpu,
  upsample3d: upsample3dGpu,
  upsample3dBackward: upsample3dBackwardGpu,
  instanceNormStats: instanceNormStatsGpu,
  softmax: softmaxGpu,
  softmaxBackward: softmaxBackwardGpu,
} satisfies GpuKernelImpls;

/** Replaces every buffer (or list of buffers) among `args` by its `NDArray`. */
const toHost = (args: readonly unknown[]): Promise<unknown[]> =>
  Promise.all(
    args.map(async (a) => {
      if (isGpuBuffer(a)) return downloadBuffer(a);
      if (Array.isArray(a) && a.length > 0 && a.every(isGpuBuffer)) return Promise.all(a.map(downloadBuffer));
      return a;
    }),
  );

/** Uploads an `NDArray` result, or each `NDArray` field of a record result. */
function toDevice(out: unknown): unknown {
  if (isNDArray(out)) return uploadArray(out);
  if (typeof out === 'object' && out !== null) return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, isNDArray(v) ? uploadArray(v) : v]));
  return out;
}

/** Runs kernel `name` on the reference: buffers down, result up. */
function viaReference<K extends KernelName>(name: K): Kernels<GpuBuffer>[K] {
  const ref = referenceKernels[name] as (...args: unknown[]) => unknown;
  const run = async (...args: unknown[]): Promise<unknown> => toDevice(ref(...(await toHost(args))));
  return run as Kernels<GpuBuffer>[K];
}

/** Are all buffers among `args` float32 (what gpu.js kernels take)? */
const allF32 = (args: readonly unknown[]): boolean => args.every((a) => !isGpuBuffer(a) || a.dtype === 'float32');

function kernelsOn(dev: GpuDevice): Kernels<GpuBuffer> {
  const names = Object.keys(referenceKernels) as KernelName[];
  const entries = names.map((name) => {
    const fallback = viaReference(name);
    const impl = (GPU_KERNELS as GpuKernelImpls)[name] as ((dev: GpuDevice, ...args: unknown[]) => Promise<unknown>) | undefined;
    if (impl === undefined) return [name, fallback];
    const slow = fallback as (...args: unknown[]) => Promise<unknown>;
    return [name, (...args: unknown[]) => (allF32(args) ? impl(dev, ...args) : slow(...args))];
  });
  return Object.freeze(Object.fromEntries(entries)) as Kernels<GpuBuffer>;
}

/**
 * Creates a `gpu` backend on a fresh gpu.js instance (loads gpu.js now).
 * @example const be = await createGpuBackend(); be.device // 'gpu.js webasm' on a CPU-only machine
 * @category backends
 */
export async function createGpuBackend(options: GpuDeviceOptions = {}): Promise<GpuBackend> {
  const dev = await createGpuDevice(options);
  return Object.freeze({
    name: 'gpu' as const,
    device: `gpu.js ${dev.mode}`,
    mode: dev.mode,
    gpuKernels: Object.freeze(Object.keys(GPU_KERNELS) as KernelName[]),
    upload: async (x: NDArray) => uploadArray(x),
    download: downloadBuffer,
    dispose: (b: GpuBuffer) => b.texture?.delete?.(),
    shapeOf: (b: GpuBuffer) => b.shape,
    dtypeOf: (b: GpuBuffer) => b.dtype,
    kernels: kernelsOn(dev),
    compiledKernels: dev.compiled,
    close: dev.destroy,
  });
}

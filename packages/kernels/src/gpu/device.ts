/**
 * The gpu.js device behind the `gpu` backend: loads gpu.js on demand (never
 * at import time), lets it choose its device (WebGPU where an adapter
 * answers, else WebGL where a context exists, else its `webasm` WebAssembly
 * SIMD backend, else plain JavaScript), and compiles each kernel once per
 * shape and options, caching it by a key.
 * @module
 */
import type { GPU, IGPUKernelSettings, IGPUSettings, IKernelRunShortcut, ThreadKernelVariable } from 'gpu.js';

/**
 * A kernel's source: the text of a plain JavaScript `function` that gpu.js
 * parses (its `this` is gpu.js's thread context). Kept as text, not as a
 * function whose `toString()` is taken at run time: an app's minifier renames
 * a function's locals so that inner names shadow outer ones (a loop's `n`
 * over an argument `n`), which gpu.js's function-wide types cannot follow
 * ("Unhandled binary expression between Array & Number" on WebGL2).
 * @category gpu
 */
export type KernelSource = string;

/** Kernel settings, with the loop cap gpu.js accepts but does not declare. @category gpu */
export type KernelSettings = IGPUKernelSettings & { readonly loopMaxIterations?: number };

/** The gpu.js backend a kernel runs on. @category gpu */
export type GpuMode = 'webgpu' | 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';

/** What one compiled kernel actually runs on, for tests that assert the fast path ran. @category gpu */
export interface CompiledKernelInfo {
  readonly key: string;
  /** The backend of the kernel gpu.js built (`kernel.kernel.constructor.mode`). */
  readonly mode: string;
  /** The class of that kernel, e.g. `WebAssemblyKernel`. */
  readonly kernelClass: string;
  /** Why gpu.js fell back to its cpu backend (null or undefined when it did not). */
  readonly fallbackReason: string | null | undefined;
}

/** A gpu.js instance and the kernels compiled on it. @category gpu */
export interface GpuDevice {
  /** The backend gpu.js chose for new kernels. */
  readonly mode: GpuMode;
  /** True on WebGPU or WebGL: kernel outputs stay on the device as textures/buffers. */
  readonly onDevice: boolean;
  /** Compiles (once per key) and returns a kernel. */
  readonly kernel: (key: string, source: KernelSource, settings: KernelSettings) => IKernelRunShortcut;
  /** The compiled kernels' backends. */
  readonly compiled: () => readonly CompiledKernelInfo[];
  /** Destroys every kernel and the gpu.js instance. */
  readonly destroy: () => Promise<void>;
}

/** Options for `createGpuDevice`. @category gpu */
export interface GpuDeviceOptions {
  /** Force a gpu.js mode (default: gpu.js's own choice; `webgpu` when an adapter answers). */
  readonly mode?: GpuMode;
}

type GpuModule = typeof import('gpu.js');

/** Loads gpu.js (a CommonJS module) by dynamic import. @category gpu */
export async function loadGpuJs(): Promise<GpuModule> {
  const mod: GpuModule & { readonly default?: GpuModule } = await import('gpu.js');
  return mod.default ?? mod;
}

/**
 * Creates a gpu.js device. Without `mode`, WebGPU when `GPU.isWebGPUAvailable()`
 * answers, else `new GPU({ mode: 'gpu' })` (headless-gl, WebGL2, WebGL, webasm in that order).
 * @example const dev = await createGpuDevice(); dev.mode // 'webasm' on a CPU-only machine
 * @category gpu
 */
export async function createGpuDevice(options: GpuDeviceOptions = {}): Promise<GpuDevice> {
  const mod = await loadGpuJs();
  const GpuCtor = mod.GPU;
  let mode: string | undefined = options.mode;
  if (mode === undefined) mode = (await GpuCtor.isWebGPUAvailable().catch(() => false)) ? 'webgpu' : 'gpu';
  const gpu: GPU = new GpuCtor({ mode } as IGPUSettings);
  // gpu.js's GL kernels all report mode 'gpu': name them by their class (compared by identity, as a
  // bundler may rename classes), so a WebGL2 device reads `webgl2`, not `gpu`.
  const K = (gpu as GPU & { readonly Kernel?: { readonly mode?: string } }).Kernel;
  const chosen =
    K === undefined || K === null
      ? mode
      : K === mod.WebGL2Kernel
        ? 'webgl2'
        : K === mod.WebGLKernel
          ? 'webgl'
          : K === mod.HeadlessGLKernel
            ? 'headlessgl'
            : (K.mode ?? mode);
  const cache = new Map<string, IKernelRunShortcut>();
  const onDevice = chosen !== 'webasm' && chosen !== 'cpu';
  return {
    mode: chosen as GpuMode,
    onDevice,
    kernel: (key, source, settings) => {
      let k = cache.get(key);
      if (k === undefined) {
        // gpu.js parses the function's text; handing it the text keeps its typings out of our kernels' `this`.
        // On a GPU: outputs stay there (pipeline), highp arithmetic, and gpu.js's exact integer division
        // (index arithmetic is float there). On webasm/cpu there is no device memory to pipeline into.
        const gpuOnly = onDevice ? { tactic: 'precision' as const, fixIntegerDivisionAccuracy: true } : {};
        k = gpu.createKernel(source, { ...settings, ...gpuOnly, pipeline: onDevice, asyncMode: true, precision: 'single', dynamicOutput: false });
        cache.set(key, k);
      }
      return k;
    },
    compiled: () =>
      [...cache.entries()].map(([key, k]) => {
        const inner = k.kernel as { readonly constructor: { readonly name: string; readonly mode?: string }; readonly fallbackReason?: string | null };
        return { key, mode: inner.constructor.mode ?? 'unknown', kernelClass: inner.constructor.name, fallbackReason: inner.fallbackReason };
      }),
    destroy: async () => {
      cache.clear();
      await gpu.destroy();
    },
  };
}

/** The arguments gpu.js kernels take here: flat float32 values or device textures. @category gpu */
export type KernelArg = ThreadKernelVariable;

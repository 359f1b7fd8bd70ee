/**
 * Running one gpu.js kernel of the `gpu` backend: flat 1-D output of the
 * result's size, shape facts as `constants` (so loop bounds are constants,
 * and `loopMaxIterations` is raised to the largest of them: gpu.js silently
 * caps loops at 1000 otherwise), compiled once per kernel name and constants.
 * @module
 */
import type { Shape } from '@colab-ts/ndarray';
import { shapeSize } from '@colab-ts/ndarray';
import type { KernelVariable, Texture } from 'gpu.js';
import type { GpuBuffer } from './buffer.js';
import { fromF32, fromKernelResult } from './buffer.js';
import type { GpuDevice, KernelSource } from './device.js';

/** A float32 buffer as a kernel argument (its values or its device texture). @category gpu */
export function kernelArg(b: GpuBuffer): KernelVariable {
  if (b.data !== null) return b.data.length === 0 ? new Float32Array(1) : b.data;
  if (b.texture !== null) return b.texture as Texture; // a texture/buffer handle gpu.js itself returned
  throw new TypeError(`gpu: a ${b.dtype} buffer cannot be a gpu.js kernel argument`);
}

/** A one-element stand-in for an absent optional argument (gpu.js needs a value). @category gpu */
export const NONE: KernelVariable = new Float32Array(1);

/**
 * Runs kernel `name` (compiled once per `constants`) over `args`, returning a buffer of `shape`.
 * @category gpu
 */
export async function runKernel(
  dev: GpuDevice,
  name: string,
  source: KernelSource,
  constants: Readonly<Record<string, number>>,
  shape: Shape,
  args: readonly KernelVariable[],
): Promise<GpuBuffer> {
  const n = shapeSize(shape);
  if (n === 0) return fromF32(new Float32Array(0), shape);
  const bound = Math.max(1000, ...Object.values(constants)) + 1;
  const facts = Object.entries(constants).map(([k, v]) => `${k}=${v}`);
  const key = `${name}[${n}](${facts.join(',')})`;
  const k = dev.kernel(key, source, { output: [n], constants, loopMaxIterations: bound });
  const out: unknown = await k(...args);
  return fromKernelResult(out, shape);
}

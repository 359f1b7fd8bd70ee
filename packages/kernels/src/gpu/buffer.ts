/**
 * The `gpu` backend's buffer: a small handle `{ shape, dtype, data | texture | host }`.
 * float32 values live in a packed `Float32Array` (webasm, cpu: the "device"
 * is this process's memory) or in a gpu.js texture/buffer (WebGL, WebGPU:
 * kernel outputs stay on the GPU between kernels until downloaded). Other
 * dtypes, which gpu.js cannot hold, stay an `NDArray` on the host and their
 * kernels run on the reference.
 * @module
 */
import type { DType, NDArray, Shape } from '@colab-ts/ndarray';
import { array, shapeSize, toTypedArray } from '@colab-ts/ndarray';

/** A device-resident gpu.js result (a WebGL texture or a WebGPU buffer handle). @category gpu */
export interface GpuTexture {
  readonly toArray: () => unknown;
  readonly delete?: () => void;
}

/** A buffer of the `gpu` backend. Exactly one of `data`, `texture`, `host` is set. @category gpu */
export interface GpuBuffer {
  readonly shape: Shape;
  readonly dtype: DType;
  /** float32 values, packed row-major (webasm/cpu devices, or uploads). */
  readonly data: Float32Array | null;
  /** float32 values on a GPU (WebGL texture, WebGPU buffer). */
  readonly texture: GpuTexture | null;
  /** Values of a dtype other than float32, on the host. */
  readonly host: NDArray | null;
}

/** Is `b` a `GpuBuffer`? @category gpu */
export const isGpuBuffer = (b: unknown): b is GpuBuffer =>
  typeof b === 'object' && b !== null && 'shape' in b && 'dtype' in b && 'data' in b && 'texture' in b && 'host' in b;

/** A float32 buffer over packed values. @category gpu */
export const fromF32 = (data: Float32Array, shape: Shape): GpuBuffer => ({ shape: shape.slice(), dtype: 'float32', data, texture: null, host: null });

/** A buffer over an `NDArray`: float32 packed into a Float32Array, other dtypes kept on the host. @category gpu */
export function uploadArray(x: NDArray): GpuBuffer {
  if (x.dtype === 'float32') return fromF32(toTypedArray(x) as Float32Array, x.shape);
  return { shape: x.shape.slice(), dtype: x.dtype, data: null, texture: null, host: x };
}

/** Flattens whatever a gpu.js readback gives (a Float32Array or nested arrays of them) into `n` float32 values. @category gpu */
export function flatten(values: unknown, n: number): Float32Array {
  if (values instanceof Float32Array && values.length === n) return values;
  const out = new Float32Array(n);
  let i = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'number') out[i++] = v;
    else if (ArrayBuffer.isView(v) || Array.isArray(v)) for (const e of v as ArrayLike<unknown> & Iterable<unknown>) walk(e);
  };
  walk(values);
  return out;
}

/** A kernel's result as a buffer: a Float32Array is kept as is, anything else is a device texture. @category gpu */
export function fromKernelResult(result: unknown, shape: Shape): GpuBuffer {
  if (result instanceof Float32Array) return fromF32(result, shape);
  if (typeof result === 'object' && result !== null && 'toArray' in result) {
    return { shape: shape.slice(), dtype: 'float32', data: null, texture: result as GpuTexture, host: null };
  }
  return fromF32(flatten(result, shapeSize(shape)), shape);
}

/** The float32 values of a buffer on the host (reads a texture back). @category gpu */
export async function readF32(b: GpuBuffer): Promise<Float32Array> {
  if (b.data !== null) return b.data;
  if (b.texture !== null) return flatten(await b.texture.toArray(), shapeSize(b.shape));
  return Float32Array.from(toTypedArray(b.host!));
}

/** Downloads a buffer into an `NDArray`. @category gpu */
export async function downloadBuffer(b: GpuBuffer): Promise<NDArray> {
  if (b.host !== null) return b.host;
  return array(await readF32(b), b.shape, 'float32');
}

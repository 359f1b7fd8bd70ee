/**
 * The `wasm` backend: the CPU fast path. `conv3d`, `conv3dBackwardInput`,
 * `conv3dBackwardWeights` and `convTranspose3d` on float32 run on the
 * WebAssembly SIMD engine of `wasmConv.ts` (im2col + register-blocked GEMM
 * micro-kernels emitted from TypeScript, on worker threads over one shared
 * memory); `unary`, `binary`, `compare`, `where`, `leakyRelu`,
 * `leakyReluBackward`, `sum`, `max` and `concat` on float32 run typed-array
 * loops of their own (`general.ts`, exact as the reference), and the three
 * instance-norm kernels the reference's own float64 loops; every
 * other kernel, and every kernel given a float64 (or integer) input, runs on
 * the reference. Buffers are `NDArray`s, as for the reference.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { isPacked, shapeSize, toTypedArray } from '@colab-ts/ndarray';
import type { Backend, ConvOptions, ConvTransposeOptions, KernelName, Kernels } from '../Backend.js';
import { conv3dBackwardInputShape, conv3dBackwardWeightsShape, conv3dShape } from '../conv3d/index.js';
import { convTranspose3dShape } from '../convTranspose3d/index.js';
import * as norm from '../instanceNorm/index.js';
import { checkArray, wrapPacked } from '../internal/io.js';
import { conv3dOutputShape, normalizeConv } from '../options.js';
import { referenceBackend } from '../reference/backend.js';
import type { Allocator } from './general.js';
import { binaryF32, binarySimdF32, compareF32, concatF32, leakyReluF32, maxF32, packF32, sumF32, unaryF32, whereF32 } from './general.js';
import type { WasmSimdLoops } from './simdLoops.js';
import { createWasmSimdLoops } from './simdLoops.js';
import { createBufferPool } from './pool.js';
import type { WasmConv, WasmConvOptions } from './wasmConv.js';
import { createWasmConv } from './wasmConv.js';
import { platform } from '#wasm-platform';

/** The `wasm` backend, with its engine's thread count and a `close`. @category backends */
export interface WasmBackend extends Backend<NDArray> {
  /** Worker threads of the WebAssembly engine. */
  readonly threads: number;
  /** The kernels that run on WebAssembly (for float32 inputs); the others run on the reference. */
  readonly wasmKernels: readonly KernelName[];
  /** The general kernels with float32 typed-array loops of their own (no float64 staging); the rest run on the reference. */
  readonly float32Kernels: readonly KernelName[];
  /** Stops the worker threads (idle workers never keep the process alive; this frees them). */
  readonly close: () => Promise<void>;
}

/** Options for `createWasmBackend`. @category backends */
export interface WasmBackendOptions {
  /** Worker threads (default: the number of CPUs, at most 8). */
  readonly threads?: number;
  /** Most bytes of disposed buffers kept for reuse by later kernels (default: an eighth of the memory, at most 2 GiB; 0 turns the pool off). */
  readonly poolBytes?: number;
  /** How much longer than a request a free buffer may be and still serve it, as a view of its start (default 1.5; 1: equal lengths only). */
  readonly poolFit?: number;
  /**
   * Convolutions of at most this many multiply-adds run on the calling thread even when there are workers
   * (default: the engine's measured threshold, see `createWasmConv`; 0 sends every call to the workers,
   * Infinity none). For tuning and benchmarks.
   */
  readonly inlineMacs?: number;
  /**
   * Do the engine's threads stop polling for each other while its workers are often late (a machine busy with
   * other work), and poll again once they keep up (default true; false: always poll)? See `createWasmConv`.
   */
  readonly adaptiveSpin?: boolean;
}

/** The float32 values of `x`, packed (its own storage when already packed float32: the engine only reads it). */
const packedF32 = (x: NDArray): Float32Array =>
  x.data instanceof Float32Array ? (isPacked(x) ? x.data : packF32(x as NDArray & { data: Float32Array })) : Float32Array.from(toTypedArray(x));

const engineOptions = (op: string, o: ConvOptions): WasmConvOptions => {
  const n = normalizeConv(op, o);
  return { stride: [...n.stride], padding: [...n.padding], dilation: [...n.dilation] };
};

const isF32 = (...xs: readonly (NDArray | null)[]): boolean => xs.every((x) => x === null || x.dtype === 'float32');

/** Zero-pads `[N, C, d, h, w]` values on the high side of each spatial axis to `to`. */
function padHigh(data: Float32Array, shape: Shape, to: readonly number[]): Float32Array {
  const [N, C, D, H, W] = shape as readonly [number, number, number, number, number];
  const [D2, H2, W2] = to as readonly [number, number, number];
  const out = new Float32Array(N * C * D2 * H2 * W2);
  for (let nc = 0; nc < N * C; nc++)
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++) {
        const src = ((nc * D + z) * H + y) * W;
        out.set(data.subarray(src, src + W), ((nc * D2 + z) * H2 + y) * W2);
      }
  return out;
}

/**
 * A convolution kernel on the engine: the operands checked, the output shape computed (shape
 * errors as the reference reports them), float32 operands run by `run`, other dtypes by the reference.
 */
async function viaEngine(
  op: string,
  named: readonly (readonly [string, NDArray | null])[],
  shapeOf: () => number[],
  fallback: () => NDArray | Promise<NDArray>,
  run: (shape: number[]) => Promise<{ readonly data: Float32Array }>,
): Promise<NDArray> {
  for (const [name, a] of named) if (a !== null) checkArray(op, name, a);
  const shape = shapeOf();
  if (!isF32(...named.map(([, a]) => a))) return fallback();
  return wrapPacked('float32', shape, (await run(shape)).data);
}

/**
 * An instance-norm kernel on float32 operands (`x` first, then as in its signature): the reference's float64
 * arithmetic (the same group drivers, `normalizeGroups` ...) with the SIMD loops (`normLoops`) on packed operands,
 * into a pooled buffer; `undefined` for other dtypes (the caller runs the reference). The operands are checked and
 * the shape computed first, as the reference does. `slope`: instance norm followed by leaky ReLU (`instanceNormLeakyRelu`).
 */
function normF32(
  loops: WasmSimdLoops,
  alloc: Allocator,
  op: 'instanceNorm' | 'instanceNormBackward' | 'instanceNormAffineBackward' | 'instanceNormLeakyRelu',
  operands: Readonly<Record<string, NDArray>>,
  eps: number,
  slope = 0,
): NDArray | undefined {
  const named = Object.entries(operands);
  for (const [name, a] of named) checkArray(op, name, a);
  const [x, b, c] = named.map(([, a]) => a) as [NDArray, NDArray, NDArray | undefined];
  const s =
    op === 'instanceNormAffineBackward'
      ? norm.instanceNormAffineBackwardShape(x.shape, b.shape, eps)
      : op === 'instanceNormLeakyRelu'
        ? norm.instanceNormLeakyReluShape(x.shape, b.shape, c!.shape, eps, slope)
        : op === 'instanceNorm'
          ? norm.instanceNormShape(x.shape, b.shape, c!.shape, eps)
          : norm.instanceNormBackwardShape(x.shape, b.shape, c!.shape, eps);
  if (!isF32(x, b, c ?? null)) return undefined;
  const out = alloc.f32(shapeSize(s));
  const [xd, bd, cd] = [packedF32(x), packedF32(b), c === undefined ? undefined : packedF32(c)];
  const [channels, m] = [x.shape[1]!, x.shape[2]! * x.shape[3]! * x.shape[4]!];
  const groups = m === 0 ? 0 : xd.length / m;
  if (op === 'instanceNormAffineBackward') {
    out.set(norm.affineBackwardGroups(loops.bind(xd, bd), groups, channels, m, eps));
  } else {
    const L = loops.bind(xd, op === 'instanceNormBackward' ? cd! : null);
    if (op === 'instanceNormBackward') norm.backwardGroups(L, groups, bd, channels, m, eps);
    else norm.normalizeGroups(L, groups, bd, cd!, channels, m, eps, op === 'instanceNormLeakyRelu' ? slope : null);
    out.set(loops.result(out.length));
  }
  return wrapPacked('float32', s, out);
}

/**
 * `leakyReluBackward` on float32 operands of one shape with the SIMD loop (`x > 0 ? dy : dy * slope`, the
 * reference's bits), into a pooled buffer; `undefined` otherwise (the caller runs the reference, which checks).
 */
function leakyBackF32(loops: WasmSimdLoops, alloc: Allocator, x: NDArray, dy: NDArray, slope: number): NDArray | undefined {
  for (const [name, a] of [
    ['x', x],
    ['dy', dy],
  ] as const)
    checkArray('leakyReluBackward', name, a);
  if (!isF32(x, dy) || x.shape.length !== dy.shape.length || x.shape.some((d, i) => d !== dy.shape[i])) return undefined;
  const out = alloc.f32(shapeSize(x.shape));
  loops.leakyReluBackward(packedF32(x), packedF32(dy), slope);
  out.set(loops.result(out.length));
  return wrapPacked('float32', x.shape, out);
}

const GRADIENT_SHAPE = { conv3dBackwardInput: conv3dBackwardInputShape, conv3dBackwardWeights: conv3dBackwardWeightsShape } as const;

function kernelsOn(engine: WasmConv, loops: WasmSimdLoops, alloc: Allocator): Kernels<NDArray> {
  // The two conv gradients share their shape: (a, b, the shape of the result, options) in the
  // shape rule, the reference and the engine alike.
  const convGradient = (
    op: keyof typeof GRADIENT_SHAPE,
    [an, a]: readonly [string, NDArray],
    [bn, b]: readonly [string, NDArray],
    target: Shape,
    options: ConvOptions,
  ): Promise<NDArray> =>
    viaEngine(
      op,
      [
        [an, a],
        [bn, b],
      ],
      () => GRADIENT_SHAPE[op](a.shape, b.shape, target, options),
      () => ref[op](a, b, target, options),
      (out) => engine[op](packedF32(a), [...a.shape], packedF32(b), [...b.shape], [...out], engineOptions(op, options)),
    );
  const ref = referenceBackend.kernels;
  const kernels: Kernels<NDArray> = {
    ...ref,
    unary: async (x, op) => unaryF32(x, op, alloc) ?? ref.unary(x, op),
    binary: async (a, b, op) => binarySimdF32(a, b, op, alloc, loops) ?? binaryF32(a, b, op, alloc) ?? ref.binary(a, b, op),
    compare: async (a, b, op) => compareF32(a, b, op, alloc) ?? ref.compare(a, b, op),
    where: async (c, a, b) => whereF32(c, a, b, alloc) ?? ref.where(c, a, b),
    leakyRelu: async (x, slope) => leakyReluF32(x, slope, alloc) ?? ref.leakyRelu(x, slope),
    leakyReluBackward: async (x, dy, slope) => leakyBackF32(loops, alloc, x, dy, slope) ?? ref.leakyReluBackward(x, dy, slope),
    sum: async (x, axes, keepDims) => sumF32(x, axes, keepDims, alloc, loops) ?? ref.sum(x, axes, keepDims),
    max: async (x, axes, keepDims) => maxF32(x, axes, keepDims, alloc) ?? ref.max(x, axes, keepDims),
    concat: async (xs, axis) => concatF32(xs, axis, alloc) ?? ref.concat(xs, axis),
    instanceNorm: async (x, scale, bias, eps) => normF32(loops, alloc, 'instanceNorm', { x, scale, bias }, eps) ?? ref.instanceNorm(x, scale, bias, eps),
    instanceNormLeakyRelu: async (x, scale, bias, eps, slope) =>
      normF32(loops, alloc, 'instanceNormLeakyRelu', { x, scale, bias }, eps, slope) ?? ref.instanceNormLeakyRelu(x, scale, bias, eps, slope),
    instanceNormBackward: async (x, scale, dy, eps) =>
      normF32(loops, alloc, 'instanceNormBackward', { x, scale, dy }, eps) ?? ref.instanceNormBackward(x, scale, dy, eps),
    instanceNormAffineBackward: async (x, dy, eps) =>
      normF32(loops, alloc, 'instanceNormAffineBackward', { x, dy }, eps) ?? ref.instanceNormAffineBackward(x, dy, eps),
    conv3d: async (x, w, bias, options) =>
      viaEngine(
        'conv3d',
        [
          ['x', x],
          ['w', w],
          ['bias', bias],
        ],
        () => conv3dShape(x.shape, w.shape, bias === null ? null : bias.shape, options),
        () => ref.conv3d(x, w, bias, options),
        () => engine.conv3d(packedF32(x), [...x.shape], packedF32(w), [...w.shape], bias === null ? null : packedF32(bias), engineOptions('conv3d', options)),
      ),
    conv3dBackwardInput: async (dy, w, inputShape, options) => convGradient('conv3dBackwardInput', ['dy', dy], ['w', w], inputShape, options),
    conv3dBackwardWeights: async (x, dy, weightShape, options) => convGradient('conv3dBackwardWeights', ['x', x], ['dy', dy], weightShape, options),
    convTranspose3d: async (x, w, bias, options: ConvTransposeOptions) => {
      const op = 'convTranspose3d';
      checkArray(op, 'x', x);
      checkArray(op, 'w', w);
      if (bias !== null) checkArray(op, 'bias', bias);
      const ys = convTranspose3dShape(x.shape, w.shape, bias === null ? null : bias.shape, options);
      if (!isF32(x, w, bias)) return ref.convTranspose3d(x, w, bias, options);
      // The input gradient of conv3d(·, w) on an input of shape ys. With an output padding of at least the
      // stride (possible when the dilation exceeds it) that conv3d has more outputs than x: the extra
      // ones are zeros in x's role as the output gradient.
      const conv = conv3dOutputShape(op, ys, w.shape, null, options);
      let dy = packedF32(x);
      if (conv.some((e, i) => e !== x.shape[i])) dy = padHigh(dy, x.shape, conv.slice(2));
      const r = await engine.conv3dBackwardInput(dy, conv, packedF32(w), [...w.shape], [...ys], engineOptions(op, options));
      const out = r.data;
      if (bias !== null) {
        const b = packedF32(bias);
        const C = ys[1]!;
        const spatial = ys[2]! * ys[3]! * ys[4]!;
        for (let nc = 0; nc < ys[0]! * C; nc++) {
          const v = b[nc % C]!;
          for (let s = nc * spatial; s < (nc + 1) * spatial; s++) out[s] = out[s]! + v;
        }
      }
      return wrapPacked('float32', ys, out);
    },
  };
  return kernels;
}

/** Every kernel of `kernels`, its results registered with the pool (`track`) so that `dispose` can recycle their storage. */
function tracked(kernels: Kernels<NDArray>, track: <R>(result: R, args: readonly unknown[]) => R): Kernels<NDArray> {
  const out: Record<string, unknown> = {};
  for (const [name, k] of Object.entries(kernels))
    out[name] = async (...args: unknown[]) => track(await (k as (...a: unknown[]) => Promise<unknown>)(...args), args);
  return Object.freeze(out) as unknown as Kernels<NDArray>;
}

/** The kernels that run on the WebAssembly engine. */
const WASM_KERNELS: readonly KernelName[] = Object.freeze(['conv3d', 'conv3dBackwardInput', 'conv3dBackwardWeights', 'convTranspose3d']);

/** The general kernels with float32 loops of their own on the main thread (general.ts). */
const FLOAT32_KERNELS: readonly KernelName[] = Object.freeze([
  'unary',
  'binary',
  'compare',
  'where',
  'leakyRelu',
  'leakyReluBackward',
  'sum',
  'max',
  'concat',
  'instanceNorm',
  'instanceNormLeakyRelu',
  'instanceNormBackward',
  'instanceNormAffineBackward',
]);

/**
 * Creates a `wasm` backend with its own engine and worker threads.
 * @example const be = await createWasmBackend({ threads: 2 }); await be.kernels.conv3d(x, w, null, { padding: 1 })
 * @category backends
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = options.threads ?? platform.defaultThreads();
  const pool = createBufferPool(options.poolBytes ?? platform.defaultPoolBytes(), options.poolFit);
  const engine = await createWasmConv({
    threads,
    alloc: pool.alloc.f32,
    ...(options.inlineMacs === undefined ? {} : { inlineMacs: options.inlineMacs }),
    ...(options.adaptiveSpin === undefined ? {} : { adaptiveSpin: options.adaptiveSpin }),
  });
  return Object.freeze({
    name: 'wasm' as const,
    device: engine.workers
      ? engine.joins
        ? `WebAssembly SIMD, ${engine.threads} threads (this one and ${engine.threads - 1} worker${engine.threads === 2 ? '' : 's'})`
        : `WebAssembly SIMD, ${engine.threads} worker thread${engine.threads === 1 ? '' : 's'}`
      : 'WebAssembly SIMD, single-threaded (memory cannot be shared here: a page without cross-origin isolation)',
    threads: engine.threads,
    wasmKernels: WASM_KERNELS,
    float32Kernels: FLOAT32_KERNELS,
    // A new record over the same storage (no copy): disposing an upload must never release the pool reference
    // that the same array may hold as an earlier kernel result.
    upload: async (x: NDArray) => Object.freeze({ dtype: x.dtype, shape: x.shape, strides: x.strides, offset: x.offset, data: x.data }) as NDArray,
    // The caller keeps a download, so its storage leaves the pool (realize disposes every buffer after downloading).
    download: async (b: NDArray) => {
      pool.escape(b);
      return b;
    },
    dispose: pool.dispose,
    shapeOf: (b: NDArray) => b.shape,
    dtypeOf: (b: NDArray) => b.dtype,
    kernels: tracked(kernelsOn(engine, createWasmSimdLoops(), pool.alloc), pool.track),
    close: async () => engine.dispose(),
  });
}

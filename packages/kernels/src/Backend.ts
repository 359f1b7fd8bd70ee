/**
 * The kernel interface: one record of asynchronous functions per backend, over
 * the backend's own buffer type `B` (an `NDArray` for `reference` and `wasm`, a
 * device handle for `gpu`). A backend missing a kernel does not compile.
 * Buffers stay on the backend between kernels; `upload`/`download` cross over.
 * Layout of 3D operators: activations `[N, C, D, H, W]`, convolution weights
 * `[Cout, Cin, kD, kH, kW]` (transposed convolution: `[Cin, Cout, kD, kH, kW]`).
 * @module
 */
import type { DType, NDArray, PadWidths, Shape, SliceSpec } from '@colab-ts/ndarray';

/** The backends colab-ts ships. @category backends */
export type BackendName = 'reference' | 'wasm' | 'gpu';

/** One extent per spatial axis `[d, h, w]`, or one number for all three. @category options */
export type Triple = number | readonly [number, number, number];

/** Stride, zero padding and dilation of a 3D convolution (defaults 1, 0, 1). @category options */
export interface ConvOptions {
  readonly stride?: Triple;
  readonly padding?: Triple;
  readonly dilation?: Triple;
}

/** Transposed convolution: as `ConvOptions`, plus extra size added on the high side of each output axis. @category options */
export interface ConvTransposeOptions extends ConvOptions {
  readonly outputPadding?: Triple;
}

/** Window, stride (default: the window) and padding of a pooling operator. @category options */
export interface PoolOptions {
  readonly kernelSize: Triple;
  readonly stride?: Triple;
  readonly padding?: Triple;
}

/** Up-sampling by an integer factor per axis. @category options */
export interface UpsampleOptions {
  readonly scale: Triple;
  readonly mode: 'nearest' | 'trilinear';
  /** Trilinear only: align the corner voxels' centres (PyTorch `align_corners`). Default false. */
  readonly alignCorners?: boolean;
}

/** Elementwise unary operations. @category kernels */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs';
/** Elementwise binary arithmetic (NumPy broadcasting). @category kernels */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
/** Comparisons, returning uint8. @category kernels */
export type CompareOp = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';

/** Every kernel, with its signature over buffers of type `B`. @category kernels */
export interface Kernels<B> {
  // Elementwise, NumPy broadcasting; see @colab-ts/ndarray for dtype rules.
  readonly unary: (x: B, op: UnaryOp) => Promise<B>;
  readonly binary: (a: B, b: B, op: BinaryOp) => Promise<B>;
  readonly compare: (a: B, b: B, op: CompareOp) => Promise<B>;
  readonly where: (cond: B, a: B, b: B) => Promise<B>;
  // `x > 0 ? x : slope * x` in one pass on a float array (the slope rounded to x's dtype, as a weak scalar).
  readonly leakyRelu: (x: B, slope: number) => Promise<B>;
  // Its derivative applied to `dy` (x's shape): `x > 0 ? dy : slope * dy` in one pass, float arrays; the result has dy's dtype.
  readonly leakyReluBackward: (x: B, dy: B, slope: number) => Promise<B>;
  readonly cast: (x: B, dtype: DType) => Promise<B>;
  // Layout.
  readonly reshape: (x: B, shape: Shape) => Promise<B>;
  readonly transpose: (x: B, axes: readonly number[]) => Promise<B>;
  readonly broadcastTo: (x: B, shape: Shape) => Promise<B>;
  readonly slice: (x: B, specs: readonly (SliceSpec | null)[]) => Promise<B>;
  readonly pad: (x: B, widths: PadWidths, value: number) => Promise<B>;
  readonly concat: (xs: readonly B[], axis: number) => Promise<B>;
  readonly flip: (x: B, axes: readonly number[]) => Promise<B>;
  // Reductions and products.
  readonly sum: (x: B, axes: readonly number[], keepDims: boolean) => Promise<B>;
  readonly max: (x: B, axes: readonly number[], keepDims: boolean) => Promise<B>;
  readonly matmul: (a: B, b: B) => Promise<B>;
  // 3D convolution and its two gradients; transposed convolution.
  readonly conv3d: (x: B, w: B, bias: B | null, options: ConvOptions) => Promise<B>;
  readonly conv3dBackwardInput: (dy: B, w: B, inputShape: Shape, options: ConvOptions) => Promise<B>;
  readonly conv3dBackwardWeights: (x: B, dy: B, weightShape: Shape, options: ConvOptions) => Promise<B>;
  readonly convTranspose3d: (x: B, w: B, bias: B | null, options: ConvTransposeOptions) => Promise<B>;
  // Pooling and up-sampling with their gradients.
  readonly maxPool3d: (x: B, options: PoolOptions) => Promise<B>;
  readonly maxPool3dBackward: (dy: B, x: B, options: PoolOptions) => Promise<B>;
  readonly avgPool3d: (x: B, options: PoolOptions) => Promise<B>;
  readonly avgPool3dBackward: (dy: B, inputShape: Shape, options: PoolOptions) => Promise<B>;
  readonly upsample3d: (x: B, options: UpsampleOptions) => Promise<B>;
  readonly upsample3dBackward: (dy: B, inputShape: Shape, options: UpsampleOptions) => Promise<B>;
  // Per-(n, c) mean and (biased) variance over D, H, W, each shaped [N, C, 1, 1, 1].
  readonly instanceNormStats: (x: B) => Promise<{ readonly mean: B; readonly variance: B }>;
  // Instance norm with affine `scale`, `bias` [C] (per (n, c) over D, H, W, biased variance), fused, and its input cotangent.
  readonly instanceNorm: (x: B, scale: B, bias: B, eps: number) => Promise<B>;
  // Instance norm then leaky ReLU (`slope >= 0`) in one pass: the bits of `leakyRelu(instanceNorm(...), slope)`.
  readonly instanceNormLeakyRelu: (x: B, scale: B, bias: B, eps: number, slope: number) => Promise<B>;
  readonly instanceNormBackward: (x: B, scale: B, dy: B, eps: number) => Promise<B>;
  // The cotangents of its `scale` and `bias` in one kernel: `[sum(dy * xhat), sum(dy)]` over N, D, H, W, shaped [2, C].
  readonly instanceNormAffineBackward: (x: B, dy: B, eps: number) => Promise<B>;
  // Softmax over the channel axis (1) and its vector-Jacobian product given the output y.
  readonly softmax: (x: B) => Promise<B>;
  readonly softmaxBackward: (y: B, dy: B) => Promise<B>;
}

/** Names of all kernels. @category kernels */
export type KernelName = keyof Kernels<unknown>;

/**
 * The synchronous form of every kernel (same arguments, the result unwrapped
 * from its Promise): what the reference backend computes on `NDArray`s.
 * @category kernels
 */
export type SyncKernels<B> = {
  readonly [K in KernelName]: (...args: Parameters<Kernels<B>[K]>) => Awaited<ReturnType<Kernels<B>[K]>>;
};

/** A backend: its kernels over buffers `B`, and the crossings between `NDArray` and `B`. @category backends */
export interface Backend<B = NDArray> {
  readonly name: BackendName;
  /** Describes the device (e.g. "reference (TypeScript)", "gpu.js webgpu"). */
  readonly device: string;
  readonly upload: (x: NDArray) => Promise<B>;
  readonly download: (b: B) => Promise<NDArray>;
  /** Frees a buffer (a no-op where memory is garbage-collected). */
  readonly dispose: (b: B) => void;
  readonly shapeOf: (b: B) => Shape;
  readonly dtypeOf: (b: B) => DType;
  readonly kernels: Kernels<B>;
}

/**
 * A backend whose buffer type is not known statically (what the registry
 * returns); hand it to code that is generic in `B`, e.g. `<B>(be: Backend<B>) => ...`.
 * @category backends
 */
// `B` is used both as an argument and as a result, so no concrete type covers every backend.
// biome-ignore lint/suspicious/noExplicitAny: a backend of any handle type; `unknown` would make Backend's handle-taking methods uncallable (contravariance)
export type AnyBackend = Backend<any>;

/**
 * Option normalisation and output-shape rules shared by every 3D operator, in
 * one place: convolution (stride, padding, dilation), transposed convolution
 * (plus `outputPadding`), pooling and up-sampling. Every rule throws a
 * `ShapeError`/`ValueError` whose message leads with the operator's name, and
 * every kernel calls its rule before any loop runs. Backends reuse these
 * rules, so they agree on what is valid by construction.
 * @module
 */
import type { DType, Shape } from '@colab-ts/ndarray';
import { ShapeError, ValueError, showShape } from '@colab-ts/ndarray';
import type { ConvOptions, ConvTransposeOptions, PoolOptions, Triple, UpsampleOptions } from './Backend.js';

/** A per-axis triple `[d, h, w]` after normalisation. @category options */
export type Triple3 = readonly [number, number, number];

/** The spatial axes, for messages. */
const AXES = ['d', 'h', 'w'] as const;

/**
 * Expands a `Triple` (one number or `[d, h, w]`) into three integers `>= min`,
 * or `fallback` when undefined; throws `op: <name> must be ...` otherwise.
 * @category options
 */
export function triple(op: string, name: string, value: Triple | undefined, fallback: number, min: number): Triple3 {
  const v: readonly number[] = value === undefined ? [fallback, fallback, fallback] : typeof value === 'number' ? [value, value, value] : value;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((e) => Number.isSafeInteger(e) && e >= min)) {
    throw new ValueError(op, `${name} must be an integer >= ${min} or three of them [d, h, w], got ${JSON.stringify(value)}`);
  }
  return [v[0]!, v[1]!, v[2]!];
}

/** Throws unless `shape` has rank 5 (`[N, C, D, H, W]`). @category shapes */
export function checkRank5(op: string, name: string, shape: Shape): readonly [number, number, number, number, number] {
  if (shape.length !== 5) {
    throw new ShapeError(op, `${name} must have rank 5 [N, C, D, H, W], got shape ${showShape(shape)}`, {
      expected: 'rank 5',
      got: showShape(shape),
    });
  }
  return [shape[0]!, shape[1]!, shape[2]!, shape[3]!, shape[4]!];
}

/** Throws unless two shapes are equal. @category shapes */
export function checkSameShape(op: string, what: string, expected: Shape, got: Shape): void {
  if (expected.length !== got.length || expected.some((e, i) => e !== got[i])) {
    throw new ShapeError(op, `${what} has shape ${showShape(got)}, expected ${showShape(expected)}`, {
      expected: showShape(expected),
      got: showShape(got),
    });
  }
}

/**
 * The shape rule of a gradient kernel: `dy` is rank 5 with the shape `forward(op)` gives (the forward op's output,
 * its errors naming `op`); the result is `result`, the shape of what the gradient is taken with respect to.
 * @example gradientShape('avgPool3dBackward', dyShape, (op) => poolOutputShape(op, inputShape, options), inputShape)
 * @category shapes
 */
export function gradientShape(op: string, dyShape: Shape, forward: (op: string) => Shape, result: Shape): number[] {
  checkRank5(op, 'dy', dyShape);
  checkSameShape(op, 'dy', forward(op), dyShape);
  return result.slice();
}

/** The dtype of a float kernel's output: float64 if any input is float64, float32 otherwise. @category shapes */
export const resultDType = (...dtypes: readonly DType[]): 'float32' | 'float64' => (dtypes.includes('float64') ? 'float64' : 'float32');

/** Convolution options with every field a triple. @category options */
export interface NormalizedConv {
  readonly stride: Triple3;
  readonly padding: Triple3;
  readonly dilation: Triple3;
}

/** Stride >= 1 (default 1), padding >= 0 (default 0), dilation >= 1 (default 1). @category options */
export function normalizeConv(op: string, options: ConvOptions = {}): NormalizedConv {
  return {
    stride: triple(op, 'stride', options.stride, 1, 1),
    padding: triple(op, 'padding', options.padding, 0, 0),
    dilation: triple(op, 'dilation', options.dilation, 1, 1),
  };
}

/**
 * Output extent of a convolution along one axis (PyTorch):
 * `floor((n + 2 p - dil (k - 1) - 1) / s) + 1`; throws when it would be below 1.
 * @category shapes
 */
export function convOutputSize(op: string, axis: number, n: number, k: number, s: number, p: number, dil: number): number {
  const span = dil * (k - 1) + 1;
  const out = Math.floor((n + 2 * p - span) / s) + 1;
  if (n + 2 * p < span || out < 1) {
    throw new ShapeError(op, `kernel extent ${span} (size ${k}, dilation ${dil}) exceeds the padded input extent ${n + 2 * p} along ${AXES[axis]}`, {
      expected: `input + 2 * padding >= ${span}`,
      got: String(n + 2 * p),
    });
  }
  return out;
}

/**
 * Output shape of `conv3d(x, w, bias)`: checks ranks, channels and the bias,
 * `[N, Cin, D, H, W] * [Cout, Cin, kD, kH, kW] -> [N, Cout, oD, oH, oW]`.
 * @category shapes
 */
export function conv3dOutputShape(op: string, xShape: Shape, wShape: Shape, biasShape: Shape | null, options: ConvOptions = {}): number[] {
  const o = normalizeConv(op, options);
  const [n, c, ...sp] = checkRank5(op, 'input', xShape);
  const [cout, cin, ...k] = checkRank5(op, 'weight', wShape);
  if (c !== cin) {
    throw new ShapeError(op, `input channels ${c} != weight in-channels ${cin}`, { expected: String(cin), got: String(c) });
  }
  if (biasShape !== null) checkSameShape(op, 'bias', [cout], biasShape);
  const out = sp.map((d, i) => convOutputSize(op, i, d, k[i]!, o.stride[i]!, o.padding[i]!, o.dilation[i]!));
  return [n, cout, ...out];
}

/**
 * Output shape of `convTranspose3d(x, w, bias)` (PyTorch; weight `[Cin, Cout, kD, kH, kW]`):
 * `(n - 1) s - 2 p + dil (k - 1) + outputPadding + 1` per axis, with
 * `outputPadding < max(stride, dilation)`.
 * @category shapes
 */
export function convTranspose3dOutputShape(op: string, xShape: Shape, wShape: Shape, biasShape: Shape | null, options: ConvTransposeOptions = {}): number[] {
  const o = normalizeConv(op, options);
  const op3 = triple(op, 'outputPadding', options.outputPadding, 0, 0);
  const [n, c, ...sp] = checkRank5(op, 'input', xShape);
  const [cin, cout, ...k] = checkRank5(op, 'weight', wShape);
  if (c !== cin) {
    throw new ShapeError(op, `input channels ${c} != weight in-channels ${cin}`, { expected: String(cin), got: String(c) });
  }
  if (biasShape !== null) checkSameShape(op, 'bias', [cout], biasShape);
  const out = sp.map((d, i) => {
    const s = o.stride[i]!;
    const dil = o.dilation[i]!;
    if (op3[i]! >= Math.max(s, dil)) {
      throw new ValueError(op, `outputPadding ${op3[i]} along ${AXES[i]} must be smaller than stride ${s} or dilation ${dil}`);
    }
    const size = (d - 1) * s - 2 * o.padding[i]! + dil * (k[i]! - 1) + op3[i]! + 1;
    if (d < 1 || size < 1) {
      throw new ShapeError(op, `output extent along ${AXES[i]} would be ${size} (input ${d}, padding ${o.padding[i]})`, {
        expected: '>= 1',
        got: String(size),
      });
    }
    return size;
  });
  return [n, cout, ...out];
}

/** Pooling options with every field a triple. @category options */
export interface NormalizedPool {
  readonly kernelSize: Triple3;
  readonly stride: Triple3;
  readonly padding: Triple3;
}

/** Window >= 1, stride >= 1 (default: the window), padding >= 0 and at most half the window. @category options */
export function normalizePool(op: string, options: PoolOptions): NormalizedPool {
  if (typeof options !== 'object' || options === null) throw new ValueError(op, 'options { kernelSize } are required');
  const kernelSize = triple(op, 'kernelSize', options.kernelSize, 0, 1);
  const stride = options.stride === undefined ? kernelSize : triple(op, 'stride', options.stride, 1, 1);
  const padding = triple(op, 'padding', options.padding, 0, 0);
  for (let i = 0; i < 3; i++) {
    if (2 * padding[i]! > kernelSize[i]!) {
      throw new ValueError(op, `padding ${padding[i]} along ${AXES[i]} must be at most half the window ${kernelSize[i]}`);
    }
  }
  return { kernelSize, stride, padding };
}

/** Output shape of a pooling: `floor((n + 2 p - k) / s) + 1` per axis (no ceil mode). @category shapes */
export function poolOutputShape(op: string, xShape: Shape, options: PoolOptions): number[] {
  const o = normalizePool(op, options);
  const [n, c, ...sp] = checkRank5(op, 'input', xShape);
  return [n, c, ...sp.map((d, i) => convOutputSize(op, i, d, o.kernelSize[i]!, o.stride[i]!, o.padding[i]!, 1))];
}

/** Up-sampling options with the scale a triple. @category options */
export interface NormalizedUpsample {
  readonly scale: Triple3;
  readonly mode: 'nearest' | 'trilinear';
  readonly alignCorners: boolean;
}

/** Integer scale >= 1 per axis, mode `nearest` or `trilinear`, `alignCorners` (trilinear only) default false. @category options */
export function normalizeUpsample(op: string, options: UpsampleOptions): NormalizedUpsample {
  if (typeof options !== 'object' || options === null) throw new ValueError(op, 'options { scale, mode } are required');
  const scale = triple(op, 'scale', options.scale, 0, 1);
  if (options.mode !== 'nearest' && options.mode !== 'trilinear') {
    throw new ValueError(op, `mode must be 'nearest' or 'trilinear', got ${JSON.stringify(options.mode)}`);
  }
  if (options.alignCorners === true && options.mode !== 'trilinear') {
    throw new ValueError(op, `alignCorners applies to mode 'trilinear' only`);
  }
  return { scale, mode: options.mode, alignCorners: options.alignCorners ?? false };
}

/** Output shape of an up-sampling: each spatial extent times its scale. @category shapes */
export function upsampleOutputShape(op: string, xShape: Shape, options: UpsampleOptions): number[] {
  const o = normalizeUpsample(op, options);
  const [n, c, ...sp] = checkRank5(op, 'input', xShape);
  return [n, c, ...sp.map((d, i) => d * o.scale[i]!)];
}

/**
 * Every fast kernel equals the reference: one table of cases (operator,
 * arbitraries, per-backend float32 tolerance), run against each fast backend
 * on random tiny shapes, strides, paddings, dilations and values. Inputs are
 * float32 (the fast paths' dtype); the reference computes in float64 and
 * rounds once, so the tolerance is the fast backend's float32 accumulation
 * error, relative: `|fast - ref| <= tol (1 + |fast| + |ref|)`.
 * Operators a backend delegates to the reference are in the table too: they
 * must agree exactly, and the row keeps them honest when they get fast paths.
 */
import type { DType, NDArray, Shape } from '@colab-ts/ndarray';
import { array, astype, broadcastTo, map, slice, transpose, zeros } from '@colab-ts/ndarray';
import { arbBroadcastShapes, arbShapeWithin } from '@colab-ts/ndarray/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyBackend, ConvTransposeOptions, PoolOptions } from '../src/index.js';
import { createGpuBackend } from '../src/gpu.js';
import { createWasmBackend, referenceBackend } from '../src/index.js';
import type { GpuBackend } from '../src/gpu.js';
import { conv3dShape, convTranspose3dShape } from '../src/reference.js';
import type { ConvCase, PoolCase } from './helpers.js';
import { arbConvCase, arbPoolCase, arbSeed, arbTriple, arbUpsampleCase, dot, expectAllClose, expectClose, rand32 } from './helpers.js';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';

type FastName = 'wasm' | 'gpu';

/** One generated case, ready to run on any backend: the kernel's outputs as NDArrays. */
interface Runnable {
  readonly run: (be: AnyBackend) => Promise<readonly NDArray[]>;
}

/** One row of the table: an operator, its cases, its tolerance per fast backend, how many runs. */
interface AgreementCase {
  readonly op: string;
  readonly cases: fc.Arbitrary<Runnable>;
  readonly tol: Readonly<Record<FastName, number>>;
  readonly numRuns?: number;
}

/** Builds a row from typed cases `C` and a runner over the backend's own buffers. */
function row<C>(
  op: string,
  arb: fc.Arbitrary<C>,
  run: (be: AnyBackend, c: C) => Promise<readonly NDArray[]>,
  tol: Readonly<Record<FastName, number>>,
  numRuns?: number,
): AgreementCase {
  return {
    op,
    cases: arb.map((c) => ({ run: (be: AnyBackend) => run(be, c), toString: () => JSON.stringify(c) })),
    tol,
    ...(numRuns === undefined ? {} : { numRuns }),
  };
}

/** A row whose fast backends must agree with the reference bit for bit. */
const exactRow = <C>(op: string, arb: fc.Arbitrary<C>, run: (be: AnyBackend, c: C) => Promise<readonly NDArray[]>, numRuns?: number): AgreementCase =>
  row(op, arb, run, { wasm: 0, gpu: 0 }, numRuns);

/** Uploads, runs one kernel, downloads. */
const up = (be: AnyBackend, x: NDArray): Promise<unknown> => be.upload(x);
const down = async (be: AnyBackend, b: unknown): Promise<NDArray> => be.download(b);

const convOpts = (c: ConvCase) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation });

/** Convolution cases with an optional bias. */
const arbConvBias = fc.tuple(arbConvCase, fc.boolean());

/** Transposed convolutions: a conv3d case seen from its output side, with an output padding below max(stride, dilation). */
const arbTranspose = fc
  .tuple(arbConvCase, arbTriple(0, 2), fc.boolean())
  .map(([c, extra, bias]) => {
    const outputPadding = c.stride.map((s, i) => Math.min(extra[i]!, Math.max(s, c.dilation[i]!) - 1)) as [number, number, number];
    const xShape = conv3dShape(c.xShape, c.wShape, null, c) as Shape;
    const wShape: Shape = [c.wShape[1], c.wShape[0], c.wShape[2], c.wShape[3], c.wShape[4]];
    const o: ConvTransposeOptions = { ...convOpts(c), outputPadding };
    return { xShape, wShape, o, bias, seed: c.seed };
  })
  .filter((c) => {
    try {
      convTranspose3dShape(c.xShape, c.wShape, null, c.o);
      return true;
    } catch {
      return false;
    }
  });

const poolOpts = (c: { kernelSize: [number, number, number]; stride: [number, number, number]; padding: [number, number, number] }): PoolOptions => ({
  kernelSize: c.kernelSize,
  stride: c.stride,
  padding: c.padding,
});

const arbUpsample = arbUpsampleCase(6);

const arbChannels = fc.tuple(arbShapeWithin([1, 1, 1, 1, 1], [2, 4, 3, 3, 3]), arbSeed);

/** How an operand is laid out: packed, a transposed view, a slice at an offset, or broadcast from extent-1 axes. */
type Layout = 'packed' | 'transposed' | 'sliced' | 'broadcast';
interface OperandCase {
  readonly seed: number;
  readonly layout: Layout;
  /** Values on a grid of quarters, so that comparisons meet ties and `where` meets zeros (else `u 2^e`, u in [-1, 1), e in 0..39). */
  readonly ties: boolean;
}
const arbOperand: fc.Arbitrary<OperandCase> = fc.record({
  seed: arbSeed,
  layout: fc.constantFrom<Layout>('packed', 'transposed', 'sliced', 'broadcast'),
  ties: fc.boolean(),
});

/** An operand of `shape` and `dtype` in the case's layout (values in [-1, 1)). */
function operand(shape: Shape, c: OperandCase, dtype: DType = 'float32'): NDArray {
  const values = (s: Shape): NDArray => {
    const x = rand32(c.seed, s);
    // Exponents spread over 40 binades, so that float64 sums of them round and the order of summation shows.
    const v = map(x, c.ties ? (u) => Math.round(u * 4) / 4 : (u) => u * 2 ** (((Math.abs(u) * 997) % 40) | 0));
    return dtype === 'float32' ? v : astype(v, dtype);
  };
  const r = shape.length;
  switch (c.layout) {
    case 'packed':
      return values(shape);
    case 'transposed':
      return transpose(
        values([...shape].reverse()),
        Array.from({ length: r }, (_, i) => r - 1 - i),
      );
    case 'sliced':
      return slice(
        values(shape.map((d) => d + 1)),
        shape.map((d) => ({ start: 1, stop: d + 1 })),
      );
    case 'broadcast':
      return broadcastTo(values(shape.map((d, i) => (i % 2 === 0 ? 1 : d))), shape);
  }
}

/** Elementwise cases: an operation, two shapes that broadcast together (rank <= 5), operand layouts, a dtype. */
const arbElementwise = fc.record({
  shapes: arbBroadcastShapes({ maxRank: 5, maxDim: 4, maxSize: 300 }),
  a: arbOperand,
  b: arbOperand,
  c: arbOperand,
  dtype: fc.constantFrom<DType>('float32', 'float32', 'float64'),
  unary: fc.constantFrom('neg' as const, 'exp' as const, 'log' as const, 'sqrt' as const, 'abs' as const),
  binary: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const, 'div' as const, 'pow' as const, 'maximum' as const, 'minimum' as const),
  slope: fc.constantFrom(0.01, 0.2, 0, 1, 3, -0.5),
  compare: fc.constantFrom('equal' as const, 'notEqual' as const, 'less' as const, 'lessEqual' as const, 'greater' as const, 'greaterEqual' as const),
});

/** Sum cases: a shape (rank <= 5), an operand layout, a dtype, a set of axes (possibly empty, unsorted or negative), keepDims. */
const arbSum = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 0, maxLength: 5 }).filter((s) => s.reduce((p, d) => p * d, 1) <= 512),
    x: arbOperand,
    keepDims: fc.boolean(),
    dtype: fc.constantFrom<DType>('float32', 'float32', 'float64'),
  })
  .chain((c) =>
    fc
      .shuffledSubarray(Array.from({ length: c.shape.length }, (_, i) => i))
      .chain((axes) =>
        fc
          .array(fc.boolean(), { minLength: axes.length, maxLength: axes.length })
          .map((neg) => ({ ...c, axes: axes.map((a, i) => (neg[i] ? a - c.shape.length : a)) })),
      ),
  );

/** Concat cases: a shape (rank 1-5), an axis, one to three extents along it, operand layouts, a dtype. */
const arbConcat = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
    dtype: fc.constantFrom<DType>('float32', 'float32', 'float64'),
    negative: fc.boolean(),
  })
  .chain((c) =>
    fc
      .record({
        axis: fc.integer({ min: 0, max: c.shape.length - 1 }),
        extents: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
        xs: fc.array(arbOperand, { minLength: 3, maxLength: 3 }),
      })
      .map((r) => ({ ...c, ...r })),
  );

/** Float32 accumulation over at most a few hundred terms of size <= 1. */
const CONV_TOL = { wasm: 1e-5, gpu: 1e-5 } as const;
/** Exact up to one float32 rounding of a few operations. */
const TIGHT_TOL = { wasm: 1e-6, gpu: 2e-6 } as const;

/** A pooling kernel and its backward on one case: the pooled output, then `backward` of a random `dy` (given the uploaded `x`). */
const poolRow = (name: 'maxPool3d' | 'avgPool3d', backward: (be: AnyBackend, dy: unknown, x: unknown, c: PoolCase) => Promise<unknown>): AgreementCase =>
  row(
    `${name} + ${name}Backward`,
    arbPoolCase,
    async (be, c) => {
      const x = await up(be, rand32(c.seed, c.xShape));
      const y = await be.kernels[name](x, poolOpts(c));
      const dy = await up(be, rand32(c.seed + 1, be.shapeOf(y)));
      return [await down(be, y), await down(be, await backward(be, dy, x, c))];
    },
    TIGHT_TOL,
  );

/** The agreement table: one row per operator. */
export const AGREEMENT_CASES: readonly AgreementCase[] = [
  row(
    'conv3d',
    arbConvBias,
    async (be, [c, bias]) => {
      const x = rand32(c.seed, c.xShape);
      const w = rand32(c.seed + 1, c.wShape);
      const b = bias ? await up(be, rand32(c.seed + 2, [c.wShape[0]])) : null;
      return [await down(be, await be.kernels.conv3d(await up(be, x), await up(be, w), b, convOpts(c)))];
    },
    CONV_TOL,
  ),
  row(
    'conv3dBackwardInput',
    arbConvCase,
    async (be, c) => {
      const w = rand32(c.seed + 1, c.wShape);
      const dy = rand32(c.seed + 2, conv3dShape(c.xShape, c.wShape, null, c));
      return [await down(be, await be.kernels.conv3dBackwardInput(await up(be, dy), await up(be, w), c.xShape, convOpts(c)))];
    },
    CONV_TOL,
  ),
  row(
    'conv3dBackwardWeights',
    arbConvCase,
    async (be, c) => {
      const x = rand32(c.seed, c.xShape);
      const dy = rand32(c.seed + 2, conv3dShape(c.xShape, c.wShape, null, c));
      return [await down(be, await be.kernels.conv3dBackwardWeights(await up(be, x), await up(be, dy), c.wShape, convOpts(c)))];
    },
    { wasm: 3e-5, gpu: 3e-5 },
  ),
  row(
    'convTranspose3d',
    arbTranspose,
    async (be, c) => {
      const x = rand32(c.seed, c.xShape);
      const w = rand32(c.seed + 1, c.wShape);
      const b = c.bias ? await up(be, rand32(c.seed + 2, [c.wShape[1]!])) : null;
      return [await down(be, await be.kernels.convTranspose3d(await up(be, x), await up(be, w), b, c.o))];
    },
    CONV_TOL,
  ),
  poolRow('maxPool3d', (be, dy, x, c) => be.kernels.maxPool3dBackward(dy, x, poolOpts(c))),
  poolRow('avgPool3d', (be, dy, _x, c) => be.kernels.avgPool3dBackward(dy, c.xShape, poolOpts(c))),
  row(
    'upsample3d + upsample3dBackward',
    arbUpsample,
    async (be, c) => {
      const y = await be.kernels.upsample3d(await up(be, rand32(c.seed, c.shape)), c.o);
      const dy = await up(be, rand32(c.seed + 1, be.shapeOf(y)));
      return [await down(be, y), await down(be, await be.kernels.upsample3dBackward(dy, c.shape, c.o))];
    },
    TIGHT_TOL,
  ),
  row(
    'softmax + softmaxBackward',
    arbChannels,
    async (be, [shape, seed]) => {
      const y = await be.kernels.softmax(await up(be, rand32(seed, shape)));
      const dy = await up(be, rand32(seed + 1, shape));
      return [await down(be, y), await down(be, await be.kernels.softmaxBackward(y, dy))];
    },
    TIGHT_TOL,
  ),
  row(
    'instanceNormStats',
    arbChannels,
    async (be, [shape, seed]) => {
      const { mean, variance } = await be.kernels.instanceNormStats(await up(be, rand32(seed, shape)));
      return [await down(be, mean), await down(be, variance)];
    },
    TIGHT_TOL,
  ),
  exactRow(
    "instanceNorm, instanceNormLeakyRelu, instanceNormBackward, instanceNormAffineBackward (fused; packed, transposed and float64 operands: the reference's arithmetic, bit for bit)",
    fc.tuple(
      arbChannels,
      fc.constantFrom('packed', 'transposed', 'float64'),
      fc.double({ min: 1e-6, max: 1, noNaN: true }),
      fc.oneof(fc.constantFrom(0, 0.01), fc.double({ min: 0, max: 2, noNaN: true })),
    ),
    async (be, [[shape, seed], layout, eps, slope]) => {
      const [n, c, d, h, w] = shape;
      // a transposed view: stored as [C, N, D, H, W], seen as [N, C, D, H, W]
      const x0 = layout === 'transposed' ? transpose(rand32(seed, [c, n, d, h, w]), [1, 0, 2, 3, 4]) : rand32(seed, shape);
      const x = layout === 'float64' ? astype(x0, 'float64') : x0;
      const [scale, bias, dy] = [rand32(seed + 1, [c]), rand32(seed + 2, [c]), rand32(seed + 3, shape)];
      const y = await down(be, await be.kernels.instanceNorm(await up(be, x), await up(be, scale), await up(be, bias), eps));
      const dx = await down(be, await be.kernels.instanceNormBackward(await up(be, x), await up(be, scale), await up(be, dy), eps));
      const g = await down(be, await be.kernels.instanceNormAffineBackward(await up(be, x), await up(be, dy), eps));
      const z = await down(be, await be.kernels.instanceNormLeakyRelu(await up(be, x), await up(be, scale), await up(be, bias), eps, slope));
      expect([y.dtype, dx.dtype, g.dtype, z.dtype]).toEqual(
        layout === 'float64' ? ['float64', 'float64', 'float64', 'float64'] : ['float32', 'float32', 'float32', 'float32'],
      );
      return [y, dx, g, z];
    },
  ),
  exactRow(
    'instanceNorm family on long groups with cancelling +-2^40 pairs (the sums round: every lane, tail and combining step in the reference order, bit for bit)',
    fc.tuple(arbShapeWithin([1, 1, 1, 5, 5], [2, 3, 4, 17, 19]), arbSeed, fc.double({ min: 1e-6, max: 1, noNaN: true })),
    async (be, [shape, seed, eps]) => {
      const c = shape[1]!;
      const m = shape[2]! * shape[3]! * shape[4]!;
      // Values in [-1, 1) with 2^40 and -2^40 at two random places of each group: a float64 sum absorbs the small
      // values added to a partial sum holding 2^40, so which ones are lost depends on the order of adding, and the
      // mean (and every result) with it.
      const wide = (k: number): NDArray => {
        const u = Float32Array.from(rand32(k, shape).data as Float32Array);
        const at = rand32(k + 7, [u.length / m, 2]).data as Float32Array;
        for (let g = 0; g < u.length / m; g++) {
          const i = Math.floor(((at[2 * g]! + 1) / 2) * m);
          const j = (i + 1 + Math.floor(((at[2 * g + 1]! + 1) / 2) * (m - 1))) % m;
          u[g * m + i] = 2 ** 40;
          u[g * m + j] = -(2 ** 40);
        }
        return array(u, shape, 'float32');
      };
      // no bias: it would drown the small values' outputs (about 2^-37), and with them a change of the mean
      const [x, dy, scale, bias] = [wide(seed), wide(seed + 1), rand32(seed + 2, [c]), zeros([c])];
      const y = await down(be, await be.kernels.instanceNorm(await up(be, x), await up(be, scale), await up(be, bias), 1e-3 * eps));
      const dx = await down(be, await be.kernels.instanceNormBackward(await up(be, x), await up(be, scale), await up(be, dy), eps));
      const g = await down(be, await be.kernels.instanceNormAffineBackward(await up(be, x), await up(be, dy), eps));
      const z = await down(be, await be.kernels.instanceNormLeakyRelu(await up(be, x), await up(be, scale), await up(be, bias), eps, 0.01));
      return [y, dx, g, z];
    },
  ),
  exactRow(
    'float64 conv3d (delegated to the reference)',
    arbConvCase,
    async (be, c) => {
      const x = await up(be, rand32(c.seed, c.xShape));
      const w64 = await be.kernels.cast(await up(be, rand32(c.seed + 1, c.wShape)), 'float64');
      const y = await down(be, await be.kernels.conv3d(x, w64, null, convOpts(c)));
      expect(y.dtype).toBe('float64');
      return [y];
    },
    5,
  ),
  exactRow(
    'unary, binary, compare, where, leakyRelu (broadcasting, any layout; float32 fast paths, float64 delegated)',
    arbElementwise,
    async (be, c) => {
      const [sa, sb] = c.shapes;
      const [a, b] = [await up(be, operand(sa, c.a, c.dtype)), await up(be, operand(sb, c.b, c.dtype))];
      const cond = await be.kernels.compare(await up(be, operand(sb, c.c, c.dtype)), b, c.compare);
      return [
        await down(be, await be.kernels.unary(a, c.unary)),
        await down(be, await be.kernels.binary(a, b, c.binary)),
        await down(be, await be.kernels.binary(b, a, c.binary)),
        await down(be, cond),
        await down(be, await be.kernels.where(cond, a, b)),
        await down(be, await be.kernels.leakyRelu(a, c.slope)),
      ];
    },
    40,
  ),
  exactRow(
    'leakyReluBackward (x and dy in any layout, any slope, ties at 0; float32 fast path, float64 delegated)',
    fc.record({
      shape: arbShapeWithin([1, 1, 1, 1, 1], [2, 3, 4, 4, 5]),
      x: arbOperand,
      dy: arbOperand,
      slope: fc.constantFrom(0.01, 0.2, 0, 1, 3, -0.5),
      dtype: fc.constantFrom<DType>('float32', 'float32', 'float64'),
    }),
    async (be, c) => {
      const x = await up(be, operand(c.shape, c.x, c.dtype));
      const dy = await up(be, operand(c.shape, c.dy, c.dtype));
      const dx = await down(be, await be.kernels.leakyReluBackward(x, dy, c.slope));
      expect(dx.dtype).toBe(c.dtype);
      return [dx];
    },
    40,
  ),
  exactRow(
    'sum and max over any axes (float32 fast paths, sum in the reference order; float64 delegated)',
    arbSum,
    async (be, c) => {
      const x = await up(be, operand(c.shape, c.x, c.dtype));
      return [await down(be, await be.kernels.sum(x, c.axes, c.keepDims)), await down(be, await be.kernels.max(x, c.axes, c.keepDims))];
    },
    80,
  ),
  exactRow(
    'sum and max over leading axes (outputs contiguous, the reduction strided: row sweeps of up to 512 outputs), a NaN or not',
    fc.record({
      shape: arbShapeWithin([1, 1, 1, 1, 4], [3, 6, 2, 3, 200]),
      x: arbOperand,
      axes: fc.constantFrom([1], [0], [0, 1], [1, 0], [1, 2]),
      keepDims: fc.boolean(),
      nan: fc.option(fc.nat(), { nil: undefined }),
      cancel: fc.boolean(),
    }),
    async (be, c) => {
      // With `cancel`, values from {±2^60, ±1, 2^-30}: float64 sums of them round where big ones meet small ones
      // and cancel exactly, so a different grouping or order of the additions shows in the float32 result.
      const pick = (v: number) => [2 ** 60, -(2 ** 60), 1, -1, 2 ** -30][Math.floor(Math.abs(v) * 997) % 5]!;
      const x0 = map(operand(c.shape, { ...c.x, layout: 'packed' }), c.cancel ? pick : (v) => v);
      const data = Float32Array.from(x0.data as Float32Array);
      if (c.nan !== undefined) data[c.nan % data.length] = Number.NaN;
      const x = array(data, c.shape, 'float32');
      const xb = await up(be, x);
      return [await down(be, await be.kernels.sum(xb, c.axes, c.keepDims)), await down(be, await be.kernels.max(xb, c.axes, c.keepDims))];
    },
    30,
  ),
  exactRow(
    'concat along any axis (operands in any layout; float32 fast path, float64 delegated)',
    arbConcat,
    async (be, c) => {
      const xs = await Promise.all(
        c.extents.map((e, i) =>
          up(
            be,
            operand(
              c.shape.map((d, k) => (k === c.axis ? e : d)),
              c.xs[i]!,
              c.dtype,
            ),
          ),
        ),
      );
      return [await down(be, await be.kernels.concat(xs, c.axis - (c.negative ? c.shape.length : 0)))];
    },
    40,
  ),
  exactRow(
    'general kernels in a chain: binary, sum (fast paths on wasm), matmul (delegated)',
    arbChannels,
    async (be, [shape, seed]) => {
      const a = await up(be, rand32(seed, shape));
      const b = await up(be, rand32(seed + 1, shape));
      const s = await be.kernels.sum(await be.kernels.binary(a, b, 'mul'), [2, 3], false);
      const m = await be.kernels.matmul(await up(be, rand32(seed, [3, 4])), await up(be, rand32(seed + 1, [4, 2])));
      return [await down(be, s), await down(be, m)];
    },
    5,
  ),
];

const NUM_RUNS = 12;

describe.each(['wasm', 'gpu'] as const)('%s agrees with the reference', (name) => {
  let be: AnyBackend;
  beforeAll(async () => {
    be = name === 'wasm' ? await createWasmBackend({ threads: 2 }) : await createGpuBackend();
  });
  afterAll(async () => {
    await (be as { close?: () => Promise<void> }).close?.();
  });

  for (const c of AGREEMENT_CASES) {
    test.prop([c.cases], { numRuns: c.numRuns ?? NUM_RUNS })(c.op, async (k) => {
      const fast = await k.run(be);
      const ref = await k.run(referenceBackend);
      expect(fast.length).toBe(ref.length);
      fast.forEach((f, i) => {
        expect(f.dtype).toBe(ref[i]!.dtype);
        expectAllClose(f, ref[i]!, c.tol[name]);
      });
    });
  }

  test.prop([arbConvCase], { numRuns: NUM_RUNS })(
    'adjoint identities on the backend itself: <conv3d(x, w), y> = <x, dInput(y)> = <w, dWeights(x, y)>',
    async (c) => {
      const x = rand32(c.seed, c.xShape);
      const w = rand32(c.seed + 1, c.wShape);
      const y = rand32(c.seed + 2, conv3dShape(c.xShape, c.wShape, null, c));
      const o = convOpts(c);
      const [xb, wb, yb] = [await up(be, x), await up(be, w), await up(be, y)];
      const lhs = dot(await down(be, await be.kernels.conv3d(xb, wb, null, o)), y);
      expectClose(lhs, dot(x, await down(be, await be.kernels.conv3dBackwardInput(yb, wb, c.xShape, o))), 1e-5);
      expectClose(lhs, dot(w, await down(be, await be.kernels.conv3dBackwardWeights(xb, yb, c.wShape, o))), 1e-5);
    },
  );

  if (name === 'gpu') {
    it('ran every gpu.js kernel on its fast path (webasm here, never the cpu fallback)', () => {
      const compiled = (be as GpuBackend).compiledKernels();
      expect(compiled.length).toBeGreaterThan(10);
      expect(new Set(compiled.map((k) => k.mode))).toEqual(new Set([(be as GpuBackend).mode]));
      for (const k of compiled) {
        expect(k.fallbackReason ?? undefined, k.key).toBeUndefined();
        if (k.mode === 'webasm') expect(k.kernelClass).toBe('WebAssemblyKernel');
      }
    });
  }
});

describe('a backend with nothing to do', () => {
  it('returns empty outputs for an empty batch', async () => {
    for (const be of [await createGpuBackend()]) {
      const y = await be.kernels.conv3d(await be.upload(zeros([0, 2, 3, 3, 3])), await be.upload(zeros([1, 2, 1, 1, 1])), null, {});
      expect(be.shapeOf(y)).toEqual([0, 1, 3, 3, 3]);
      await be.close();
    }
  });
});

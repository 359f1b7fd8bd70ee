/**
 * The wasm engine's convolution paths against the reference kernels, on the
 * layer shapes of the 3D U-Net and their edge cases: odd and tiny spatial
 * sizes (a row shorter than a register tile, 1 voxel), channel counts that are
 * not multiples of the micro-tile (4 rows, 8 columns), the U-Net's stride and
 * padding variants (3^3 pad 1, 3^3 stride 2 pad 1, 2^3 stride 2, 1^3), and
 * each micro-kernel variant the engine can emit (with and without the fused
 * multiply-add of relaxed SIMD; one and two threads).
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { array } from '@colab-ts/ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv3d, conv3dBackwardInput, conv3dBackwardWeights } from '../src/reference.js';
import type { Triple, WasmConv, WasmConvOptions } from '../src/wasm/wasmConv.js';
import { createWasmConv } from '../src/wasm/wasmConv.js';
import { arbSeed, expectAllClose, rand32 } from './helpers.js';

/** The U-Net's layer kinds: kernel, stride, padding (per axis the same), and a dilated one. */
const LAYERS = [
  { k: 3, s: 1, p: 1, d: 1 },
  { k: 3, s: 2, p: 1, d: 1 },
  { k: 2, s: 2, p: 0, d: 1 },
  { k: 1, s: 1, p: 0, d: 1 },
  { k: 3, s: 1, p: 2, d: 2 },
] as const;

interface EngineCase {
  readonly n: number;
  readonly ci: number;
  readonly co: number;
  readonly spatial: Triple;
  readonly layer: (typeof LAYERS)[number];
  readonly seed: number;
}

const arbEngineCase: fc.Arbitrary<EngineCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    ci: fc.integer({ min: 1, max: 13 }),
    co: fc.integer({ min: 1, max: 13 }),
    spatial: fc.tuple(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 19 })),
    layer: fc.constantFrom(...LAYERS),
    seed: arbSeed,
  })
  .filter(({ spatial, layer }) => spatial.every((v) => v + 2 * layer.p >= layer.d * (layer.k - 1) + 1));

const t3 = (v: number): Triple => [v, v, v];
const optsOf = (c: EngineCase): WasmConvOptions => ({ stride: t3(c.layer.s), padding: t3(c.layer.p), dilation: t3(c.layer.d) });
const refOpts = (c: EngineCase) => ({ stride: c.layer.s, padding: c.layer.p, dilation: c.layer.d });
const f32 = (x: { data: unknown }): Float32Array => x.data as Float32Array;

async function checkCase(eng: WasmConv, c: EngineCase): Promise<void> {
  const { k } = c.layer;
  const xShape = [c.n, c.ci, ...c.spatial];
  const wShape = [c.co, c.ci, k, k, k];
  const x = rand32(c.seed, xShape);
  const w = rand32(c.seed + 1, wShape);
  const bias = rand32(c.seed + 2, [c.co]);
  const o = optsOf(c);
  const yRef = conv3d(x, w, bias, refOpts(c));
  const y = await eng.conv3d(f32(x), xShape, f32(w), wShape, f32(bias), o);
  expect(y.shape).toEqual(yRef.shape);
  expectAllClose(array(y.data, y.shape), yRef, 1e-5);
  const dy = rand32(c.seed + 3, yRef.shape);
  const dx = await eng.conv3dBackwardInput(f32(dy), [...yRef.shape], f32(w), wShape, xShape, o);
  expectAllClose(array(dx.data, dx.shape), conv3dBackwardInput(dy, w, xShape, refOpts(c)), 1e-5);
  const dw = await eng.conv3dBackwardWeights(f32(x), xShape, f32(dy), [...yRef.shape], wShape, o);
  expectAllClose(array(dw.data, dw.shape), conv3dBackwardWeights(x, dy, wShape, refOpts(c)), 1e-4);
}

// inlineMacs 0 sends every call to the workers (by default these small shapes would run on the calling thread).
// In Node the calling thread runs a share of each worker job (join); join: false leaves all of it to the workers.
describe.each([
  { name: '2 threads, default micro-kernels', threads: 2, kernel: {}, inlineMacs: 0 },
  { name: '2 threads, the caller only waits (join: false)', threads: 2, kernel: {}, inlineMacs: 0, join: false },
  { name: '3 threads (the caller and two workers)', threads: 3, kernel: {}, inlineMacs: 0 },
  { name: '2 threads, mul + add (no relaxed SIMD)', threads: 2, kernel: { fma: false }, inlineMacs: 0 },
  { name: '1 thread', threads: 1, kernel: {}, inlineMacs: 0 },
  { name: '2 threads, small calls on the calling thread (the default)', threads: 2, kernel: {}, inlineMacs: undefined },
])(
  'the wasm engine ($name) agrees with the reference',
  ({ threads, kernel, inlineMacs, join }: { threads: number; kernel: object; inlineMacs?: number; join?: boolean }) => {
    let eng: WasmConv;
    beforeAll(async () => {
      eng = await createWasmConv({ threads, kernel, ...(inlineMacs === undefined ? {} : { inlineMacs }), ...(join === undefined ? {} : { join }) });
    });
    afterAll(() => {
      eng.dispose();
    });

    it('on the U-Net layer shapes (batch 2, deep stages at 4^3 and 8^3)', async () => {
      for (const c of [
        { n: 2, ci: 16, co: 16, spatial: t3(8), layer: LAYERS[0], seed: 11 },
        { n: 2, ci: 32, co: 20, spatial: t3(4), layer: LAYERS[0], seed: 12 },
        { n: 2, ci: 12, co: 24, spatial: [8, 6, 10] as Triple, layer: LAYERS[1], seed: 13 },
        { n: 2, ci: 24, co: 12, spatial: t3(4), layer: LAYERS[2], seed: 14 },
        { n: 2, ci: 16, co: 2, spatial: [5, 7, 9] as Triple, layer: LAYERS[3], seed: 15 },
      ] satisfies EngineCase[])
        await checkCase(eng, c);
    });

    test.prop([arbEngineCase], { numRuns: 15 })('on random shapes, channels and U-Net layer kinds', (c) => checkCase(eng, c));
  },
);

/**
 * WebAssembly SIMD loops for the wasm backend's float32 path on the calling
 * thread: the instance-norm kernels' (`NormLoops`) and leaky ReLU's backward
 * pass (`leakyReluBackward`). The operands are copied
 * into the module's own memory, the loops run there, and the result is
 * copied out. Sums run as two `f64x2` accumulators (the four-accumulator
 * order of the plain loops), the element-wise passes in `f64x2` arithmetic
 * rounded once by `f32x4.demote_f64x2_zero`, so every result is the plain
 * loops' bits (and so the reference's). About 5 to 10 times fewer ns per
 * element than the plain loops in V8 (bench/results/kernels.md).
 * @module
 */
import type { NormLoops } from '../instanceNorm/index.js';
import type { FunctionBuilder, ValType } from './emitter.js';
import { ModuleBuilder, T } from './emitter.js';
import { WA } from './wasmApi.js';

const PAGE = 65536;
/** Lanes 2 and 3 of a float32x4 moved to lanes 0 and 1. */
const HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Lanes 0 and 1 of two vectors, packed as one float32x4. */
const JOIN = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** New locals of the given types, in order. */
const locals = <N extends ValType[]>(f: FunctionBuilder, ...types: N): { [K in keyof N]: number } => types.map((t) => f.local(t)) as { [K in keyof N]: number };

/** `[lo, hi]`: the four float32 lanes of the v128 local `v` as two float64x2 values pushed in that order. */
const promoteBoth = (f: FunctionBuilder, v: number): FunctionBuilder => f.get(v).f64x2PromoteLowF32x4().get(v).get(v).i8x16Shuffle(HIGH).f64x2PromoteLowF32x4();

/**
 * Emits a loop over `[p, end)` in steps of `step` bytes, `p` (and every pointer in `also`) advanced each time;
 * `body` emits one step.
 */
function loop(f: FunctionBuilder, p: number, end: number, step: number, also: readonly number[], body: () => void): void {
  f.block().loop().get(p).get(end).i32GeU().brIf(1);
  body();
  for (const q of [p, ...also]) f.get(q).i32Const(step).i32Add().set(q);
  f.br(0).end().end();
}

/** `p + 4 * (n & ~3)` and `p + 4 n`: the end of the whole quadruples and of the run, into locals `qe` and `e`. */
function ends(f: FunctionBuilder, p: number, n: number, qe: number, e: number): void {
  f.get(p).get(n).i32Const(-4).i32And().i32Const(2).i32Shl().i32Add().set(qe);
  f.get(p).get(n).i32Const(2).i32Shl().i32Add().set(e);
}

/** `(a0 + a1) + (a2 + a3)` of two float64x2 accumulators, pushed (lane 0 of `lo` replaced by the f64 local `a0`). */
function combine(f: FunctionBuilder, a0: number, lo: number, hi: number): FunctionBuilder {
  return f.get(a0).get(lo).f64x2ExtractLane(1).f64Add().get(hi).f64x2ExtractLane(0).get(hi).f64x2ExtractLane(1).f64Add().f64Add();
}

function buildModule(): Uint8Array {
  const mb = new ModuleBuilder({ module: 'env', name: 'mem', initial: 1, maximum: 65536, shared: false });

  // sum(p, n): the four-accumulator float64 sum of n float32 at p
  {
    const f = mb.addFunction('sum', [T.i32, T.i32], [T.f64]);
    const [p, n] = [0, 1];
    const [qe, e, v, lo, hi, a0] = locals(f, T.i32, T.i32, T.v128, T.v128, T.v128, T.f64);
    ends(f, p, n, qe, e);
    loop(f, p, qe, 16, [], () => {
      f.get(p).v128Load(0, 0).set(v);
      f.get(lo).get(v).f64x2PromoteLowF32x4().f64x2Add().set(lo);
      f.get(hi).get(v).get(v).i8x16Shuffle(HIGH).f64x2PromoteLowF32x4().f64x2Add().set(hi);
    });
    f.get(lo).f64x2ExtractLane(0).set(a0);
    loop(f, p, e, 4, [], () => void f.get(a0).get(p).f32Load().f64PromoteF32().f64Add().set(a0));
    combine(f, a0, lo, hi);
  }

  // squaredDeviations(p, n, mu): sum((x - mu)^2)
  {
    const f = mb.addFunction('squaredDeviations', [T.i32, T.i32, T.f64], [T.f64]);
    const [p, n, mu] = [0, 1, 2];
    const [qe, e, v, lo, hi, a0, m2, d] = locals(f, T.i32, T.i32, T.v128, T.v128, T.v128, T.f64, T.v128, T.v128);
    ends(f, p, n, qe, e);
    f.get(mu).f64x2Splat().set(m2);
    loop(f, p, qe, 16, [], () => {
      f.get(p).v128Load(0, 0).set(v);
      promoteBoth(f, v);
      f.get(m2).f64x2Sub().tee(d).get(d).f64x2Mul().get(hi).f64x2Add().set(hi);
      f.get(m2).f64x2Sub().tee(d).get(d).f64x2Mul().get(lo).f64x2Add().set(lo);
    });
    f.get(lo).f64x2ExtractLane(0).set(a0);
    loop(f, p, e, 4, [], () => {
      f.get(p).f32Load().f64PromoteF32().get(mu).f64Sub();
      const s = f.local(T.f64);
      f.tee(s).get(s).f64Mul().get(a0).f64Add().set(a0);
    });
    combine(f, a0, lo, hi);
  }

  // dySums(px, pdy, n, mu, res): f64 [sum(dy), sum(dy (x - mu))] at res
  {
    const f = mb.addFunction('dySums', [T.i32, T.i32, T.i32, T.f64, T.i32]);
    const [px, pdy, n, mu, res] = [0, 1, 2, 3, 4];
    const [qe, e, vx, vy, glo, ghi, hlo, hhi, m2, g0, h0, y] = locals(
      f,
      T.i32,
      T.i32,
      T.v128,
      T.v128,
      T.v128,
      T.v128,
      T.v128,
      T.v128,
      T.v128,
      T.f64,
      T.f64,
      T.f64,
    );
    ends(f, px, n, qe, e);
    f.get(mu).f64x2Splat().set(m2);
    loop(f, px, qe, 16, [pdy], () => {
      f.get(px).v128Load(0, 0).set(vx);
      f.get(pdy).v128Load(0, 0).set(vy);
      // g += dy; h += dy * (x - mu), low then high lanes
      f.get(glo).get(vy).f64x2PromoteLowF32x4().f64x2Add().set(glo);
      f.get(ghi).get(vy).get(vy).i8x16Shuffle(HIGH).f64x2PromoteLowF32x4().f64x2Add().set(ghi);
      f.get(hlo).get(vy).f64x2PromoteLowF32x4().get(vx).f64x2PromoteLowF32x4().get(m2).f64x2Sub().f64x2Mul().f64x2Add().set(hlo);
      f.get(hhi)
        .get(vy)
        .get(vy)
        .i8x16Shuffle(HIGH)
        .f64x2PromoteLowF32x4()
        .get(vx)
        .get(vx)
        .i8x16Shuffle(HIGH)
        .f64x2PromoteLowF32x4()
        .get(m2)
        .f64x2Sub()
        .f64x2Mul()
        .f64x2Add()
        .set(hhi);
    });
    f.get(glo).f64x2ExtractLane(0).set(g0);
    f.get(hlo).f64x2ExtractLane(0).set(h0);
    loop(f, px, e, 4, [pdy], () => {
      f.get(pdy).f32Load().f64PromoteF32().set(y);
      f.get(g0).get(y).f64Add().set(g0);
      f.get(h0).get(y).get(px).f32Load().f64PromoteF32().get(mu).f64Sub().f64Mul().f64Add().set(h0);
    });
    f.get(res);
    combine(f, g0, glo, ghi).f64Store(0);
    f.get(res);
    combine(f, h0, hlo, hhi).f64Store(8);
  }

  // affine(px, pout, n, mu, k, b, slope, leaky): out = (x - mu) k + b, then (leaky != 0) v > 0 ? v : v slope
  {
    const f = mb.addFunction('affine', [T.i32, T.i32, T.i32, T.f64, T.f64, T.f64, T.f32, T.i32]);
    const [px, pout, n, mu, k, b, slope, leaky] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [qe, e, v, m2, k2, b2, s4, r] = locals(f, T.i32, T.i32, T.v128, T.v128, T.v128, T.v128, T.v128, T.f32);
    ends(f, px, n, qe, e);
    f.get(mu).f64x2Splat().set(m2);
    f.get(k).f64x2Splat().set(k2);
    f.get(b).f64x2Splat().set(b2);
    f.get(slope).f32x4Splat().set(s4);
    const quads = (relu: boolean) =>
      loop(f, px, qe, 16, [pout], () => {
        f.get(px).v128Load(0, 0).set(v);
        f.get(pout);
        f.get(v).f64x2PromoteLowF32x4().get(m2).f64x2Sub().get(k2).f64x2Mul().get(b2).f64x2Add().f32x4DemoteF64x2Zero();
        f.get(v).get(v).i8x16Shuffle(HIGH).f64x2PromoteLowF32x4().get(m2).f64x2Sub().get(k2).f64x2Mul().get(b2).f64x2Add().f32x4DemoteF64x2Zero();
        f.i8x16Shuffle(JOIN);
        if (relu) {
          f.set(v);
          f.get(v).get(v).get(s4).f32x4Mul().get(v).v128Const0().f32x4Gt().v128Bitselect();
        }
        f.v128Store(0, 0);
      });
    const tail = (relu: boolean) =>
      loop(f, px, e, 4, [pout], () => {
        f.get(pout).get(px).f32Load().f64PromoteF32().get(mu).f64Sub().get(k).f64Mul().get(b).f64Add().f32DemoteF64();
        if (relu) f.set(r).get(r).get(r).get(slope).f32Mul().get(r).f32Const(0).f32Gt().select();
        f.f32Store();
      });
    f.get(leaky).if_();
    quads(true);
    tail(true);
    f.else_();
    quads(false);
    tail(false);
    f.end();
  }

  // backward(px, pdy, pout, n, mu, k, a, cc): out = k ((dy - a) - (x - mu) cc)
  {
    const f = mb.addFunction('backward', [T.i32, T.i32, T.i32, T.i32, T.f64, T.f64, T.f64, T.f64]);
    const [px, pdy, pout, n, mu, k, a, cc] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [qe, e, vx, vy, m2, k2, a2, c2] = locals(f, T.i32, T.i32, T.v128, T.v128, T.v128, T.v128, T.v128, T.v128);
    ends(f, px, n, qe, e);
    f.get(mu).f64x2Splat().set(m2);
    f.get(k).f64x2Splat().set(k2);
    f.get(a).f64x2Splat().set(a2);
    f.get(cc).f64x2Splat().set(c2);
    loop(f, px, qe, 16, [pdy, pout], () => {
      f.get(px).v128Load(0, 0).set(vx);
      f.get(pdy).v128Load(0, 0).set(vy);
      f.get(pout);
      f.get(k2).get(vy).f64x2PromoteLowF32x4().get(a2).f64x2Sub().get(vx).f64x2PromoteLowF32x4().get(m2).f64x2Sub().get(c2).f64x2Mul().f64x2Sub().f64x2Mul();
      f.f32x4DemoteF64x2Zero();
      f.get(k2)
        .get(vy)
        .get(vy)
        .i8x16Shuffle(HIGH)
        .f64x2PromoteLowF32x4()
        .get(a2)
        .f64x2Sub()
        .get(vx)
        .get(vx)
        .i8x16Shuffle(HIGH)
        .f64x2PromoteLowF32x4()
        .get(m2)
        .f64x2Sub()
        .get(c2)
        .f64x2Mul()
        .f64x2Sub()
        .f64x2Mul();
      f.f32x4DemoteF64x2Zero().i8x16Shuffle(JOIN).v128Store(0, 0);
    });
    loop(f, px, e, 4, [pdy, pout], () => {
      f.get(pout)
        .get(k)
        .get(pdy)
        .f32Load()
        .f64PromoteF32()
        .get(a)
        .f64Sub()
        .get(px)
        .f32Load()
        .f64PromoteF32()
        .get(mu)
        .f64Sub()
        .get(cc)
        .f64Mul()
        .f64Sub()
        .f64Mul();
      f.f32DemoteF64().f32Store();
    });
  }
  // sumInto(p, n, res): the four float64 accumulators at res (lanes 0-3, as two f64x2) plus n float32 at p, element j
  // into accumulator j % 4; n a multiple of 4 (a run of a reduction that continues the accumulators of the runs before)
  {
    const f = mb.addFunction('sumInto', [T.i32, T.i32, T.i32]);
    const [p, n, res] = [0, 1, 2];
    const [qe, e, v, lo, hi] = locals(f, T.i32, T.i32, T.v128, T.v128, T.v128);
    ends(f, p, n, qe, e);
    f.get(res).v128Load(0, 0).set(lo);
    f.get(res).v128Load(16, 0).set(hi);
    loop(f, p, qe, 16, [], () => {
      f.get(p).v128Load(0, 0).set(v);
      f.get(lo).get(v).f64x2PromoteLowF32x4().f64x2Add().set(lo);
      f.get(hi).get(v).get(v).i8x16Shuffle(HIGH).f64x2PromoteLowF32x4().f64x2Add().set(hi);
    });
    f.get(res).get(lo).v128Store(0, 0);
    f.get(res).get(hi).v128Store(16, 0);
  }

  // leakyBack(px, pdy, pout, n, slope): out = x > 0 ? dy : dy slope (a float32 product)
  {
    const f = mb.addFunction('leakyBack', [T.i32, T.i32, T.i32, T.i32, T.f32]);
    const [px, pdy, pout, n, slope] = [0, 1, 2, 3, 4];
    const [qe, e, vy, s4, y] = locals(f, T.i32, T.i32, T.v128, T.v128, T.f32);
    ends(f, px, n, qe, e);
    f.get(slope).f32x4Splat().set(s4);
    loop(f, px, qe, 16, [pdy, pout], () => {
      f.get(pout).get(pdy).v128Load(0, 0).tee(vy).get(vy).get(s4).f32x4Mul().get(px).v128Load(0, 0).v128Const0().f32x4Gt().v128Bitselect().v128Store(0, 0);
    });
    loop(f, px, e, 4, [pdy, pout], () => {
      f.get(pout).get(pdy).f32Load().tee(y).get(y).get(slope).f32Mul().get(px).f32Load().f32Const(0).f32Gt().select().f32Store();
    });
  }
  // binary_<op>_<sa><sb>(pa, pb, pout, n): out = a op b over n elements, an operand with stride 0 read once
  for (const op of BINARY_OPS)
    for (const [sa, sb] of BINARY_STRIDES) {
      const f = mb.addFunction(`binary_${op}_${sa}${sb}`, [T.i32, T.i32, T.i32, T.i32]);
      const [pa, pb, pout, n] = [0, 1, 2, 3];
      const [qe, e, va, vb] = locals(f, T.i32, T.i32, T.v128, T.v128);
      ends(f, pout, n, qe, e);
      if (sa === 0) f.get(pa).v128Load32Splat().set(va);
      if (sb === 0) f.get(pb).v128Load32Splat().set(vb);
      const vector = { add: () => f.f32x4Add(), sub: () => f.f32x4Sub(), mul: () => f.f32x4Mul(), div: () => f.f32x4Div() }[op];
      const scalar = { add: () => f.f32Add(), sub: () => f.f32Sub(), mul: () => f.f32Mul(), div: () => f.f32Div() }[op];
      const moving = [...(sa === 1 ? [pa] : []), ...(sb === 1 ? [pb] : [])];
      loop(f, pout, qe, 16, moving, () => {
        f.get(pout);
        if (sa === 1) f.get(pa).v128Load(0, 0);
        else f.get(va);
        if (sb === 1) f.get(pb).v128Load(0, 0);
        else f.get(vb);
        vector();
        f.v128Store(0, 0);
      });
      // (an operand of stride 0 stays on its one value)
      loop(f, pout, e, 4, moving, () => {
        f.get(pout).get(pa).f32Load().get(pb).f32Load();
        scalar();
        f.f32Store();
      });
    }
  return mb.emit();
}

/** The binary operations with a SIMD loop: one float32 operation each, so `f32x4` and the reference agree bit for bit. */
const BINARY_OPS = ['add', 'sub', 'mul', 'div'] as const;
/** Element strides of `(a, b)` with a SIMD loop: both packed, or one a single broadcast value. */
const BINARY_STRIDES = [
  [1, 1],
  [1, 0],
  [0, 1],
] as const;

type Exports = {
  sum(p: number, n: number): number;
  squaredDeviations(p: number, n: number, mu: number): number;
  dySums(px: number, pdy: number, n: number, mu: number, res: number): void;
  affine(px: number, pout: number, n: number, mu: number, k: number, b: number, slope: number, leaky: number): void;
  backward(px: number, pdy: number, pout: number, n: number, mu: number, k: number, a: number, cc: number): void;
  leakyBack(px: number, pdy: number, pout: number, n: number, slope: number): void;
  sumInto(p: number, n: number, res: number): void;
} & Record<string, (pa: number, pb: number, pout: number, n: number) => void>;

/** A binary operation with a SIMD loop. @category wasm */
export type SimdBinaryOp = (typeof BINARY_OPS)[number];
/** Is `op` a binary operation with a SIMD loop? @category wasm */
export const hasSimdBinary = (op: string): op is SimdBinaryOp => (BINARY_OPS as readonly string[]).includes(op);

/** The SIMD loops' engine: `bind` copies the operands in and returns loops over them; `result` copies `n` results out. @category wasm */
export interface WasmSimdLoops {
  bind(x: Float32Array, dy: Float32Array | null): NormLoops;
  /** The first `n` results of the last `bind`'s loops (or of `leakyReluBackward`), a view of the module's memory. */
  result(n: number): Float32Array;
  /** `x > 0 ? dy : dy * fround(slope)` over packed `x` and `dy` of one length, into `result`. */
  leakyReluBackward(x: Float32Array, dy: Float32Array, slope: number): void;
  /**
   * Copies `a` and `b` in for `n` results of `op`; `run(ai, sa, bi, sb, oi, len)` then computes
   * `out[oi + j] = a[ai + j sa] op b[bi + j sb]` for `j < len` (strides 0 or 1, not both 0), into `result`.
   */
  binary(op: SimdBinaryOp, a: Float32Array, b: Float32Array, n: number): (ai: number, sa: 0 | 1, bi: number, sb: 0 | 1, oi: number, len: number) => void;
  /**
   * Copies `x` in for sums in the plain reduction's order (four float64 accumulators, element j of a run into
   * accumulator j % 4 and a tail into the first, combined as `(a0 + a1) + (a2 + a3)`): `run(o, n)` is one run's sum;
   * `start()`, `add(o, n)` (n a multiple of 4) for each run, `total()` is a sum over several runs.
   */
  sums(x: Float32Array): { run(o: number, n: number): number; start(): void; add(o: number, n: number): void; total(): number };
}

let compiled: object | undefined;

/**
 * Instantiates the SIMD loops with their own (non-shared, growing) memory. Throws where WebAssembly SIMD is missing
 * (the wasm backend does not load there either).
 * @category wasm
 */
export function createWasmSimdLoops(): WasmSimdLoops {
  if (compiled === undefined) {
    const bytes = buildModule();
    if (!WA.validate(bytes)) throw new Error('wasm norm loops: generated module failed validation');
    compiled = new WA.Module(bytes);
  }
  const memory = new WA.Memory({ initial: 1, maximum: 65536, shared: false });
  const k = new WA.Instance(compiled, { env: { mem: memory } }).exports as unknown as Exports;
  const RES = 0;
  let xAt = 64;
  let dyAt = 64;
  let outAt = 64;
  const f32 = (): Float32Array => new Float32Array(memory.buffer as ArrayBufferLike);
  const res = (): Float64Array => new Float64Array(memory.buffer as ArrayBufferLike, RES, 2);
  /** Copies `x` and `dy` in (`out` after them, `n` values: as long as `x` unless given). */
  const place = (x: Float32Array, dy: Float32Array | null, n = x.length): void => {
    const bytes = (k: number) => Math.ceil((k * 4) / 16) * 16;
    xAt = 64;
    dyAt = xAt + bytes(x.length);
    outAt = dyAt + (dy === null ? 0 : bytes(dy.length));
    const top = outAt + bytes(n);
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / PAGE));
    const v = f32();
    v.set(x, xAt >> 2);
    if (dy !== null) v.set(dy, dyAt >> 2);
  };
  return {
    binary(op, a, b, n) {
      place(a, b, n);
      const fns = [
        [null, k[`binary_${op}_01`]!],
        [k[`binary_${op}_10`]!, k[`binary_${op}_11`]!],
      ] as const;
      return (ai, sa, bi, sb, oi, len) => fns[sa][sb]!(xAt + 4 * ai, dyAt + 4 * bi, outAt + 4 * oi, len);
    },
    sums(x) {
      place(x, null, 0);
      // RES (0-31): the four accumulators of sumInto; dySums uses the first 16 bytes at other times.
      const acc = (): Float64Array => new Float64Array(memory.buffer as ArrayBufferLike, RES, 4);
      return {
        run: (o, n) => k.sum(xAt + 4 * o, n),
        start: () => void acc().fill(0),
        add: (o, n) => k.sumInto(xAt + 4 * o, n, RES),
        total: () => {
          const a = acc();
          return a[0]! + a[1]! + (a[2]! + a[3]!);
        },
      };
    },
    leakyReluBackward(x, dy, slope) {
      place(x, dy);
      k.leakyBack(xAt, dyAt, outAt, x.length, slope);
    },
    bind(x, dy) {
      place(x, dy);
      return {
        mean: (o, m) => k.sum(xAt + 4 * o, m) / m,
        squaredDeviations: (o, m, mu) => k.squaredDeviations(xAt + 4 * o, m, mu),
        dySums: (o, m, mu) => {
          k.dySums(xAt + 4 * o, dyAt + 4 * o, m, mu, RES);
          const r = res();
          return [r[0]!, r[1]!];
        },
        affine: (o, m, mu, kk, b) => k.affine(xAt + 4 * o, outAt + 4 * o, m, mu, kk, b, 0, 0),
        affineLeaky: (o, m, mu, kk, b, slope) => k.affine(xAt + 4 * o, outAt + 4 * o, m, mu, kk, b, slope, 1),
        backward: (o, m, mu, kk, a, cc) => k.backward(xAt + 4 * o, dyAt + 4 * o, outAt + 4 * o, m, mu, kk, a, cc),
      };
    },
    result(n) {
      return f32().subarray(outAt >> 2, (outAt >> 2) + n);
    },
  };
}

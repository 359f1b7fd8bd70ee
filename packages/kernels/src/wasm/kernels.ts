/**
 * Generates the SIMD convolution micro-kernels as a WebAssembly module that
 * imports one shared memory (env.mem).
 *
 * convk — "output-stationary" GEMM micro-kernel, C[MR x NR] = A[MR x K] * B[K x NR] (+ init):
 *   A is a packed weight panel (K x MR floats, row k holds the MR weights of k),
 *   B row k is the NR contiguous floats at  b + koff[k]  (implicit im2col: koff
 *   is a table of byte offsets into the zero-padded input, or k*NR*4 for a
 *   packed panel). Accumulators start at bias[r] (splat). Stores are full v128
 *   when ncols == NR, lane-by-lane otherwise; rows >= mrows are skipped.
 *
 * dwk — weight-gradient micro-kernel, C[MR x NR] += A[MR x L] * B[L x NR]:
 *   row r of A is read with a scalar stride sA starting at xbase + koffRows[r] + seg.x,
 *   B is read as v128s at b + seg.dy + p*ldb (dy transposed to [P][CoutPad]).
 *   The reduction runs over a list of `nseg` segments of `len` steps each.
 */
import { ModuleBuilder, T } from './emitter.js';
import type { FunctionBuilder } from './emitter.js';

/** Blocking of the generated micro-kernels. @category wasm */
export interface KernelConfig {
  /** rows of the conv micro-tile (output channels) */
  mr: number;
  /** v128 columns of the conv micro-tile (NR = 4*nv spatial positions) */
  nv: number;
  /** k-loop unroll of convk */
  unroll: number;
  /** rows (im2col rows = Cin*k^3) of the dW micro-tile */
  dwMr: number;
  /** v128 columns (output channels) of the dW micro-tile */
  dwNv: number;
  /**
   * Multiply-add with relaxed SIMD's `f32x4.relaxed_madd` (one fused instruction on a CPU with FMA)
   * instead of `f32x4.mul` + `f32x4.add`; only where the engine found relaxed SIMD available.
   */
  fma: boolean;
}

/** The measured best blocking: 4 x 8 tiles, no unrolling. @category wasm */
export const DEFAULT_KERNEL_CONFIG: KernelConfig = { mr: 4, nv: 2, unroll: 1, dwMr: 4, dwNv: 2, fma: false };

/** 2 GiB: keeps every byte address a non-negative i32 in the JS drivers. @category wasm */
export const MEMORY_MAX_PAGES = 32768;

/**
 * `taps`: constant byte offsets of consecutive im2col rows that share one koff
 * entry (e.g. the kw taps of a row at dilation dw: [0, 4*dw, 8*dw]); then
 * K counts koff entries (groups) and each group consumes taps.length rows of A.
 */
/** The v128 locals of an mr x nv register tile: accumulators, the B vectors of one step and the splat A value. */
function tileLocals(f: FunctionBuilder, mr: number, nv: number): { acc: number[][]; bv: number[]; s: number } {
  const acc = Array.from({ length: mr }, () => Array.from({ length: nv }, () => f.local(T.v128)));
  const bv = Array.from({ length: nv }, () => f.local(T.v128));
  return { acc, bv, s: f.local(T.v128) };
}

/** acc += s * b (stack: nothing; leaves acc updated). */
function madd(f: FunctionBuilder, fma: boolean, acc: number, s: number, b: number): void {
  if (fma) f.get(s).get(b).get(acc).f32x4RelaxedMadd().set(acc);
  else f.get(acc).get(s).get(b).f32x4Mul().f32x4Add().set(acc);
}

function emitConvKernel(f: FunctionBuilder, mr: number, nv: number, unroll: number, fma: boolean, taps: number[] = [0]): void {
  const [a, b, koff, K, c, ldc, bias, mrows, ncols] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const nr = nv * 4;
  const { acc, bv, s } = tileLocals(f, mr, nv);
  const kend = f.local(T.i32);
  const kendU = f.local(T.i32);
  const bp = f.local(T.i32);

  for (let r = 0; r < mr; r++) {
    f.get(bias)
      .v128Load32Splat(r * 4)
      .set(acc[r]![0]!);
    for (let v = 1; v < nv; v++) f.get(acc[r]![0]!).set(acc[r]![v]!);
  }
  f.get(koff).get(K).i32Const(2).i32Shl().i32Add().set(kend);
  f.get(koff).get(K).i32Const(-unroll).i32And().i32Const(2).i32Shl().i32Add().set(kendU);

  const nt = taps.length;
  const step = (u: number): void => {
    f.get(b)
      .get(koff)
      .i32Load(u * 4)
      .i32Add()
      .set(bp);
    for (let t = 0; t < nt; t++) {
      for (let v = 0; v < nv; v++)
        f.get(bp)
          .v128Load(taps[t]! + v * 16)
          .set(bv[v]!);
      for (let r = 0; r < mr; r++) {
        f.get(a)
          .v128Load32Splat(((u * nt + t) * mr + r) * 4)
          .set(s);
        for (let v = 0; v < nv; v++) madd(f, fma, acc[r]![v]!, s, bv[v]!);
      }
    }
  };
  if (unroll > 1) {
    f.block();
    f.get(koff).get(kendU).i32GeU().brIf(0);
    f.loop();
    for (let u = 0; u < unroll; u++) step(u);
    f.get(a)
      .i32Const(unroll * nt * mr * 4)
      .i32Add()
      .set(a);
    f.get(koff)
      .i32Const(unroll * 4)
      .i32Add()
      .tee(koff);
    f.get(kendU).i32LtU().brIf(0);
    f.end();
    f.end();
  }
  f.block();
  f.get(koff).get(kend).i32GeU().brIf(0);
  f.loop();
  step(0);
  f.get(a)
    .i32Const(nt * mr * 4)
    .i32Add()
    .set(a);
  f.get(koff).i32Const(4).i32Add().tee(koff);
  f.get(kend).i32LtU().brIf(0);
  f.end();
  f.end();

  // stores
  f.get(ncols).i32Const(nr).i32Eq().if_();
  for (let r = 0; r < mr; r++) {
    if (r > 0) {
      f.get(c).get(ldc).i32Add().set(c);
      f.get(mrows).i32Const(r).i32GtS().if_();
    }
    for (let v = 0; v < nv; v++)
      f.get(c)
        .get(acc[r]![v]!)
        .v128Store(v * 16);
    if (r > 0) f.end();
  }
  f.else_();
  for (let r = 0; r < mr; r++) {
    if (r > 0) {
      f.get(c).get(ldc).i32Add().set(c);
      f.get(mrows).i32Const(r).i32GtS().if_();
    }
    for (let col = 0; col < nr; col++) {
      f.get(ncols).i32Const(col).i32GtS().if_();
      f.get(c)
        .get(acc[r]![col >> 2]!)
        .v128Store32Lane(col & 3, col * 4);
      f.end();
    }
    if (r > 0) f.end();
  }
  f.end();
}

function emitDwKernel(f: FunctionBuilder, mr: number, nv: number, fma: boolean): void {
  const [xbase, koffRows, segs, nseg, len, sA, ldb, b, c, ldc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const { acc, bv, s } = tileLocals(f, mr, nv);
  const ar: number[] = [];
  for (let r = 0; r < mr; r++) ar.push(f.local(T.i32));
  const pa = f.local(T.i32);
  const pb = f.local(T.i32);
  const segEnd = f.local(T.i32);
  const cnt = f.local(T.i32);
  const cr = f.local(T.i32);

  for (let r = 0; r < mr; r++)
    f.get(xbase)
      .get(koffRows)
      .i32Load(r * 4)
      .i32Add()
      .set(ar[r]!);
  f.get(c).set(cr);
  for (let r = 0; r < mr; r++) {
    if (r > 0) f.get(cr).get(ldc).i32Add().set(cr);
    for (let v = 0; v < nv; v++)
      f.get(cr)
        .v128Load(v * 16)
        .set(acc[r]![v]!);
  }
  f.get(segs).get(nseg).i32Const(3).i32Shl().i32Add().set(segEnd);
  f.block();
  f.get(nseg).i32Eqz().brIf(0);
  f.get(len).i32Eqz().brIf(0);
  f.loop(); // segments
  f.get(segs).i32Load(0).set(pa);
  f.get(b).get(segs).i32Load(4).i32Add().set(pb);
  f.get(len).set(cnt);
  f.loop(); // steps
  for (let v = 0; v < nv; v++)
    f.get(pb)
      .v128Load(v * 16)
      .set(bv[v]!);
  for (let r = 0; r < mr; r++) {
    f.get(ar[r]!).get(pa).i32Add().v128Load32Splat(0).set(s);
    for (let v = 0; v < nv; v++) madd(f, fma, acc[r]![v]!, s, bv[v]!);
  }
  f.get(pa).get(sA).i32Add().set(pa);
  f.get(pb).get(ldb).i32Add().set(pb);
  f.get(cnt).i32Const(1).i32Sub().tee(cnt);
  f.brIf(0);
  f.end();
  f.get(segs).i32Const(8).i32Add().tee(segs);
  f.get(segEnd).i32LtU().brIf(0);
  f.end();
  f.end();

  f.get(c).set(cr);
  for (let r = 0; r < mr; r++) {
    if (r > 0) f.get(cr).get(ldc).i32Add().set(cr);
    for (let v = 0; v < nv; v++)
      f.get(cr)
        .get(acc[r]![v]!)
        .v128Store(v * 16);
  }
}

/** transp(dst, src, rows, cols, srcRowBytes, dstRowBytes): dst[c][r] = src[r][c] (floats). */
function emitTranspose(f: FunctionBuilder): void {
  const [dst, src, rows, cols, ls, ld] = [0, 1, 2, 3, 4, 5];
  const r = f.local(T.i32),
    c = f.local(T.i32),
    sp = f.local(T.i32),
    dp = f.local(T.i32);
  f.block();
  f.get(rows).i32Eqz().brIf(0);
  f.get(cols).i32Eqz().brIf(0);
  f.i32Const(0).set(r);
  f.loop();
  f.get(src).get(r).get(ls).i32Mul().i32Add().set(sp);
  f.get(dst).get(r).i32Const(2).i32Shl().i32Add().set(dp);
  f.get(cols).set(c);
  f.loop();
  f.get(dp).get(sp).f32Load(0).f32Store(0);
  f.get(sp).i32Const(4).i32Add().set(sp);
  f.get(dp).get(ld).i32Add().set(dp);
  f.get(c).i32Const(1).i32Sub().tee(c).brIf(0);
  f.end();
  f.get(r).i32Const(1).i32Add().tee(r).get(rows).i32LtU().brIf(0);
  f.end();
  f.end();
}

/** pack(dst, koff, K, colPtrs): dst[k][j] = f32 at colPtrs[j] + koff[k], j < NR (im2col panel for strided W). */
function emitPack(f: FunctionBuilder, nr: number): void {
  const [dst, koff, K, cols] = [0, 1, 2, 3];
  const cp: number[] = [];
  for (let j = 0; j < nr; j++) cp.push(f.local(T.i32));
  const o = f.local(T.i32),
    kend = f.local(T.i32);
  for (let j = 0; j < nr; j++)
    f.get(cols)
      .i32Load(j * 4)
      .set(cp[j]!);
  f.get(koff).get(K).i32Const(2).i32Shl().i32Add().set(kend);
  f.block();
  f.get(K).i32Eqz().brIf(0);
  f.loop();
  f.get(koff).i32Load(0).set(o);
  for (let j = 0; j < nr; j++)
    f.get(dst)
      .get(cp[j]!)
      .get(o)
      .i32Add()
      .f32Load(0)
      .f32Store(j * 4);
  f.get(dst)
    .i32Const(nr * 4)
    .i32Add()
    .set(dst);
  f.get(koff).i32Const(4).i32Add().tee(koff).get(kend).i32LtU().brIf(0);
  f.end();
  f.end();
}

/** A module with one `f32x4.relaxed_madd`: it validates where relaxed SIMD is available. @category wasm */
export function relaxedSimdProbe(): Uint8Array {
  const m = new ModuleBuilder({ module: 'env', name: 'mem', initial: 1, maximum: 1, shared: false });
  m.addFunction('probe', []).v128Const0().v128Const0().v128Const0().f32x4RelaxedMadd().drop();
  return m.emit();
}

/** Emits the engine's WebAssembly module (convk, dwk, transp, pack, mcopy, mzero) for a blocking. @category wasm */
export function buildKernelModule(cfg: KernelConfig, initialPages: number, extraTaps: number[][] = [], shared = true): Uint8Array {
  const m = new ModuleBuilder({ module: 'env', name: 'mem', initial: initialPages, maximum: MEMORY_MAX_PAGES, shared });
  const i = T.i32;
  emitConvKernel(m.addFunction('convk', [i, i, i, i, i, i, i, i, i]), cfg.mr, cfg.nv, cfg.unroll, cfg.fma);
  for (const taps of extraTaps) {
    const name = `convk_${taps.join('_')}`;
    emitConvKernel(m.addFunction(name, [i, i, i, i, i, i, i, i, i]), cfg.mr, cfg.nv, 1, cfg.fma, taps);
  }
  emitDwKernel(m.addFunction('dwk', [i, i, i, i, i, i, i, i, i, i]), cfg.dwMr, cfg.dwNv, cfg.fma);
  emitTranspose(m.addFunction('transp', [i, i, i, i, i, i]));
  emitPack(m.addFunction('pack', [i, i, i, i]), cfg.nv * 4);
  const cp = m.addFunction('mcopy', [i, i, i]); // (dst, src, bytes)
  cp.get(0).get(1).get(2).memoryCopy();
  const fl = m.addFunction('mzero', [i, i]); // (dst, bytes)
  fl.get(0).i32Const(0).get(1).memoryFill();
  return m.emit();
}

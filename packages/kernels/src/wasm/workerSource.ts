/**
 * Source of the persistent compute workers, as a plain JavaScript string so it
 * can be started with `new Worker(src, { eval: true })` (works under tsx and
 * after bundling; no files to locate at runtime).
 *
 * Protocol (all in the shared memory, Int32 view at byte 0):
 *   ctrl[0]  job sequence number; workers Atomics.wait on it
 *   ctrl[1]  number of workers that finished the current job
 *   ctrl[2]  job type (1 = conv, 2 = dW, 3 = exit, 4 = pad, 6 = scatter, 7 = hold)
 *   ctrl[3]  error flag (set by a worker that threw)
 *   ctrl[4]  work counter: workers grab chunks of output rows with Atomics.add
 *            (dynamic scheduling: robust to imbalance and to a busy machine;
 *            every output value is still computed in a fixed order, so
 *            results do not depend on which thread ran which chunk)
 *   ctrl[5]  may workers poll for the next job before sleeping (1) or must
 *            they sleep at once (0)? The caller clears it while polling does
 *            not pay (a machine busy with other work)
 *   ctrl[8..] job parameters (byte addresses / sizes)
 * @category wasm
 */
export const CTRL_SEQ = 0;
/** Control word: workers done with the current job. @category wasm */
export const CTRL_DONE = 1;
/** Control word: the current job's kind. @category wasm */
export const CTRL_JOB = 2;
/** Control word: a worker failed. @category wasm */
export const CTRL_ERR = 3;
/** Control word: the next chunk to claim. @category wasm */
export const CTRL_NEXT = 4;
/** Control word: 1 while workers may poll for the next job before sleeping, 0 to sleep at once. @category wasm */
export const CTRL_SPIN = 5;
/** Control words from here: the job's parameters. @category wasm */
export const CTRL_PARAMS = 8;
/** Job: implicit-GEMM convolution. @category wasm */
export const JOB_CONV = 1;
/** Job: weight gradient. @category wasm */
export const JOB_DW = 2;
/** Job: workers exit. @category wasm */
export const JOB_EXIT = 3;
/** Job: zero-padded copy of a volume. @category wasm */
export const JOB_PAD = 4;
/** Job: scatter the phase results of a strided input gradient into place. @category wasm */
export const JOB_SCATTER = 6;
/** Job: one thread holds the job for `ms` milliseconds, claiming a chunk every `step` ms or none (tests the watchdog). @category wasm */
export const JOB_HOLD = 7;

/**
 * The job code every compute thread runs: the WebAssembly instance over the
 * engine's memory and `runOne(job, params)` (`runConv`, `runDw`, `runPad`, `runScatter`). It expects `bytes`,
 * `memory`, `tid`, `nthreads`, `mr`, `nv`, `dwMr`, `dwNv` in scope; the
 * bootstraps below (Node worker thread, Web Worker, main thread) provide them.
 * @category wasm
 */
export const JOB_SOURCE = String.raw`
const NR = nv * 4;
const DWNR = dwNv * 4;
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
const convk = instance.exports.convk;
const dwk = instance.exports.dwk;
const mcopy = instance.exports.mcopy;
const transp = instance.exports.transp;
const pack = instance.exports.pack;
const mzero = instance.exports.mzero;
let ctrl = new Int32Array(memory.buffer, 0, 64);
/** A fresh view of the control block (after a non-shared memory grew, which detaches the old buffer). */
function refreshCtrl() { ctrl = new Int32Array(memory.buffer, 0, 64); }

/** Grabs the next chunk [lo, hi) of [0, total); lo >= total when the work is gone. */
function grab(total, chunk) {
  const lo = Atomics.add(ctrl, 4, chunk);
  return [lo, Math.min(total, lo + chunk)];
}

function runOne(type, p) {
  if (type === 1) runConv(p);
  else if (type === 2) runDw(p);
  else if (type === 4) runPad(p);
  else if (type === 6) runScatter(p);
  else if (type === 7 && tid === p[1]) runHold(p);
}

// Thread p[1] holds the job p[0] ms, claiming a chunk every p[3] ms if p[3] > 0 (progress without an end);
// if p[4] > 0, it first counts itself done after p[4] ms without waking the caller (a lost wake-up).
function runHold(p) {
  if (p[4] > 0) {
    Atomics.wait(p, 2, 0, p[4]);
    Atomics.add(ctrl, 1, 1);
  }
  const ms = p[0], step = p[3] > 0 ? p[3] : ms;
  for (let t = 0; t < ms; t += step) {
    Atomics.wait(p, 2, 0, Math.min(step, ms - t));
    if (p[3] > 0) Atomics.add(ctrl, 4, 1);
  }
}

// dx[nc, z, y, x] = phase (z % s0, y % s1, x % s2)'s result at (nc, z / s0, y / s1, x / s2); the phases'
// table holds (Q0, Q1, Q2, byte address) per phase f = (f0 * s1 + f1) * s2 + f2. Rows (nc, z, y) in chunks.
function runScatter(p) {
  const dst = p[0], NC = p[1], D = p[2], H = p[3], W = p[4], s0 = p[5], s1 = p[6], s2 = p[7], table = p[8] >> 2;
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const R = NC * D * H, chunk = chunkFor(R, W);
  for (;;) {
    const [r0, r1] = grab(R, chunk);
    if (r0 >= R) break;
    for (let r = r0; r < r1; r++) {
      const y = r % H, zq = (r - y) / H, z = zq % D, nc = (zq - z) / D;
      const f0 = z % s0, a = (z - f0) / s0, f1 = y % s1, b = (y - f1) / s1;
      const drow = (dst >> 2) + r * W;
      for (let f2 = 0; f2 < s2; f2++) {
        const t = table + 4 * ((f0 * s1 + f1) * s2 + f2);
        const Q0 = i32[t], Q1 = i32[t + 1], Q2 = i32[t + 2];
        if (Q0 <= 0 || Q1 <= 0 || Q2 <= 0) continue;
        const src = (i32[t + 3] >> 2) + ((nc * Q0 + a) * Q1 + b) * Q2;
        for (let c = 0, d = drow + f2; c < Q2; c++, d += s2) f32[d] = f32[src + c];
      }
    }
  }
}
function chunkFor(total, perItemWork) {
  // ~16 chunks per thread, but not below ~64K flops-ish of work per chunk
  return Math.max(1, Math.min(Math.ceil(total / (16 * nthreads)), Math.ceil(65536 / Math.max(1, perItemWork))));
}

function runConv(p) {
  const aBase = p[0], mPanels = p[1], K = p[2], koff = p[3], lin = p[4], xBase = p[5];
  const xN = p[6], xD = p[7], xH = p[8], sw = p[9], yBase = p[10], Cout = p[11];
  const Do = p[12], Ho = p[13], Wo = p[14], bias = p[15], scratch = p[16] + tid * p[17], N = p[18];
  const P = Do * Ho * Wo, DoHo = Do * Ho;
  const aStride = K * mr * 4, ldc = P * 4;
  const i32 = new Int32Array(memory.buffer);
  const colPtrs = scratch + K * NR * 4; // NR i32 column base addresses after the panel
  const R = N * DoHo, chunk = chunkFor(R, K * Wo * Cout);
  if (sw !== 1 || Wo < NR) {
    // Gathered panels: each tile is NR consecutive output positions of one sample (across output rows,
    // so a row shorter than NR wastes no lanes), its K x NR im2col panel packed once and reused by
    // every m-panel. Strided W needs it (the columns are not contiguous in the input).
    const HoWo = Ho * Wo, tilesPerN = Math.ceil(P / NR), T = N * tilesPerN;
    const tchunk = chunkFor(T, K * NR * Cout);
    for (;;) {
      const [t0, t1] = grab(T, tchunk);
      if (t0 >= T) break;
      for (let t = t0; t < t1; t++) {
        const n = (t / tilesPerN) | 0;
        const p0 = (t - n * tilesPerN) * NR, ncols = Math.min(NR, P - p0);
        for (let j = 0; j < NR; j++) {
          const q = p0 + Math.min(j, ncols - 1);
          const od = (q / HoWo) | 0, rem = q - od * HoWo;
          const oh = (rem / Wo) | 0, ow = rem - oh * Wo;
          i32[(colPtrs >> 2) + j] = xBase + n * xN + od * xD + oh * xH + ow * sw * 4;
        }
        pack(scratch, koff, K, colPtrs);
        let c = yBase + (n * Cout * P + p0) * 4;
        for (let m = 0; m < mPanels; m++) {
          convk(aBase + m * aStride, scratch, lin, K, c, ldc, bias + m * mr * 4, Math.min(mr, Cout - m * mr), ncols);
          c += mr * ldc;
        }
      }
    }
    return;
  }
  if (mPanels * aStride > 65536) {
    // Large weights (many channels): one A panel no longer stays in cache across all
    // m-panels of a row, so work items are (row chunk, m-panel), chunk-major: each A panel
    // is reused over ~256 output positions while the chunk's input rows stay in L2.
    const RC = Math.min(R, Math.max(1, Math.ceil(256 / Wo)));
    const nChunks = Math.ceil(R / RC), items = nChunks * mPanels;
    for (;;) {
      const [i0, i1] = grab(items, 1);
      if (i0 >= items) break;
      for (let it = i0; it < i1; it++) {
        const ch = (it / mPanels) | 0, m = it - ch * mPanels;
        const a = aBase + m * aStride, bi = bias + m * mr * 4, mrows = Math.min(mr, Cout - m * mr);
        const rEnd = Math.min(R, (ch + 1) * RC);
        for (let r = ch * RC; r < rEnd; r++) {
          const n = (r / DoHo) | 0;
          const rem = r - n * DoHo;
          const od = (rem / Ho) | 0;
          const oh = rem - od * Ho;
          const xrow = xBase + n * xN + od * xD + oh * xH;
          const c = yBase + (n * Cout * P + od * Ho * Wo + oh * Wo) * 4 + m * mr * ldc;
          for (let ow0 = 0; ow0 < Wo; ow0 += NR) {
            convk(a, xrow + ow0 * 4, koff, K, c + ow0 * 4, ldc, bi, mrows, Math.min(NR, Wo - ow0));
          }
        }
      }
    }
    return;
  }
  for (;;) {
  const [r0, r1] = grab(R, chunk);
  if (r0 >= R) break;
  for (let r = r0; r < r1; r++) {
    const n = (r / DoHo) | 0;
    const rem = r - n * DoHo;
    const od = (rem / Ho) | 0;
    const oh = rem - od * Ho;
    const xrow = xBase + n * xN + od * xD + oh * xH;
    const yrow = yBase + (n * Cout * P + od * Ho * Wo + oh * Wo) * 4;
    // m-panel outer: one packed A panel (K*mr floats) stays in L1 while the
    // kernel sweeps the input rows of this output row (implicit im2col)
    for (let m = 0; m < mPanels; m++) {
      const a = aBase + m * aStride, bi = bias + m * mr * 4, mrows = Math.min(mr, Cout - m * mr);
      const c = yrow + m * mr * ldc;
      for (let ow0 = 0; ow0 < Wo; ow0 += NR) {
        convk(a, xrow + ow0 * 4, koff, K, c + ow0 * 4, ldc, bi, mrows, Math.min(NR, Wo - ow0));
      }
    }
  }
  }
}

// mode 0: each unit transposes its dy rows, then runs all k-panels over them.
// mode 1: transpose only (rows in chunks). mode 2: dyT is ready; units also split
// the k-panels into nKB blocks, for problems with too few row groups to share.
// Determinism: the row groups are split statically into nParts contiguous
// partitions, each with its own partial-sum slice of dwt; a unit (partition,
// k-block) owns a disjoint region of its slice and sums its groups in order, so
// the result does not depend on which thread claims which unit (the main thread
// then adds the slices in partition order).
function runDw(p) {
  const xBase = p[0], xN = p[1], xD = p[2], xH = p[3], sw = p[4], koff = p[5], kPanels = p[6];
  const dyRaw = p[7], CoutPad = p[8], Cout = p[9], Do = p[10], Ho = p[11], Wo = p[12], N = p[13];
  const segs = p[14] + tid * p[15], Kpad = p[16], G = p[17], dyT = p[18];
  const mode = p[20], nKB = Math.max(1, p[21]), nParts = Math.max(1, p[22]);
  const P = Do * Ho * Wo, DoHo = Do * Ho;
  const R = N * DoHo;
  const rowT = (r) => {
    const n = (r / DoHo) | 0;
    const rem = r - n * DoHo;
    const od = (rem / Ho) | 0;
    const oh = rem - od * Ho;
    transp(dyT + (n * P + od * Ho * Wo + oh * Wo) * CoutPad * 4, dyRaw + (n * Cout * P + od * Ho * Wo + oh * Wo) * 4, Cout, Wo, P * 4, CoutPad * 4);
  };
  if (mode === 1) {
    const chunk = chunkFor(R, Wo * Cout);
    for (;;) {
      const [r0, r1] = grab(R, chunk);
      if (r0 >= R) break;
      for (let r = r0; r < r1; r++) rowT(r);
    }
    return;
  }
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const ldb = CoutPad * 4, sA = sw * 4;
  const cPanels = CoutPad / DWNR;
  const nGroups = Math.ceil(R / G);
  const kb1 = mode === 2 ? nKB : 1;
  const kpPer = Math.ceil(kPanels / kb1);
  const units = nParts * kb1;
  for (;;) {
    const [u] = grab(units, 1);
    if (u >= units) break;
    const part = (u / kb1) | 0, kb = u - part * kb1;
    const dwt = p[19] + part * Kpad * CoutPad * 4;
    const kp0 = Math.min(kPanels, kb * kpPer), kp1 = Math.min(kPanels, (kb + 1) * kpPer);
    f32.fill(0, (dwt >> 2) + kp0 * dwMr * CoutPad, (dwt >> 2) + kp1 * dwMr * CoutPad);
    const gEnd = Math.floor(((part + 1) * nGroups) / nParts);
    for (let g = Math.floor((part * nGroups) / nParts); g < gEnd; g++) {
      const g0 = g * G, g1 = Math.min(R, g0 + G);
      let nseg = 0;
      for (let r = g0; r < g1; r++) {
        const n = (r / DoHo) | 0;
        const rem = r - n * DoHo;
        const od = (rem / Ho) | 0;
        const oh = rem - od * Ho;
        if (mode === 0) rowT(r);
        i32[(segs >> 2) + 2 * nseg] = n * xN + od * xD + oh * xH;
        i32[(segs >> 2) + 2 * nseg + 1] = (n * P + od * Ho * Wo + oh * Wo) * CoutPad * 4;
        nseg++;
      }
      for (let kp = kp0; kp < kp1; kp++) {
        for (let cp = 0; cp < cPanels; cp++) {
          dwk(xBase, koff + kp * dwMr * 4, segs, nseg, Wo, sA, ldb, dyT + cp * DWNR * 4,
            dwt + (kp * dwMr * CoutPad + cp * DWNR) * 4, ldb);
        }
      }
    }
  }
}

// dst[nc, j] = src[nc, (j - off) / ups] (zero where not divisible / out of range);
// each worker handles a range of (nc, jd) planes.
function runPad(p) {
  const src = p[0], dst = p[1], NC = p[2], D = p[3], H = p[4], W = p[5], Dp = p[6], Hp = p[7], Wp = p[8];
  const o0 = p[9], o1 = p[10], o2 = p[11], u0 = p[12], u1 = p[13], u2 = p[14];
  const plane = Hp * Wp;
  const Q = NC * Dp, chunk = chunkFor(Q, plane);
  // source columns that land inside [0, Wp)
  let iw0 = 0;
  while (iw0 < W && iw0 * u2 + o2 < 0) iw0++;
  let iw1 = W;
  while (iw1 > iw0 && (iw1 - 1) * u2 + o2 >= Wp) iw1--;
  const f32 = u2 === 1 ? null : new Float32Array(memory.buffer);
  for (;;) {
  const [q0, q1] = grab(Q, chunk);
  if (q0 >= Q) break;
  for (let q = q0; q < q1; q++) {
    const nc = (q / Dp) | 0, jd = q - nc * Dp;
    const dplane = dst + q * plane * 4;
    mzero(dplane, plane * 4);
    const t = jd - o0;
    if (t < 0 || t % u0 !== 0) continue;
    const id = t / u0;
    if (id >= D || iw1 <= iw0) continue;
    for (let ih = 0; ih < H; ih++) {
      const jh = ih * u1 + o1;
      if (jh < 0) continue;
      if (jh >= Hp) break;
      const srow = src + (((nc * D + id) * H + ih) * W) * 4;
      const drow = dplane + jh * Wp * 4;
      if (u2 === 1) mcopy(drow + (iw0 + o2) * 4, srow + iw0 * 4, (iw1 - iw0) * 4);
      else for (let iw = iw0; iw < iw1; iw++) f32[(drow >> 2) + iw * u2 + o2] = f32[(srow >> 2) + iw];
    }
  }
  }
}

`;

/** The wait-and-run loop of a worker thread (after the job code; `ready` says it is up). */
const LOOP_SOURCE = String.raw`
let seq = 0;
ready();
for (;;) {
  // Poll for the next job a while before sleeping: jobs of one call (pad, convolve, scatter) and
  // the calls of a training step follow each other within microseconds, and a futex wake-up costs
  // tens of them (an OpenMP runtime spins for the same reason).
  // (Bounded by the clock: one Atomics.load costs about 10 ns once optimised, ten times that before.)
  // Not while the caller has cleared ctrl[5]: on a machine busy with other work polling burns the core that
  // another thread of this engine (or another process) needs.
  if (spinMs > 0 && Atomics.load(ctrl, 5) !== 0) {
    const end = performance.now() + spinMs;
    for (let i = 1; Atomics.load(ctrl, 0) === seq; i++) if ((i & 63) === 0 && performance.now() > end) break;
  }
  Atomics.wait(ctrl, 0, seq);
  seq = Atomics.load(ctrl, 0);
  const job = Atomics.load(ctrl, 2);
  if (job === 3) break;
  try {
    runOne(job, new Int32Array(memory.buffer, 32, 56));
  } catch (e) {
    Atomics.store(ctrl, 3, 1);
    console.error(e);
  }
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
`;

/** The Node worker's JavaScript, run with `new Worker(src, { eval: true })` (survives bundling as a string). @category wasm */
export const WORKER_SOURCE =
  String.raw`
'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const { bytes, memory, tid, nthreads, mr, nv, dwMr, dwNv, spinMs } = workerData;
const ready = () => parentPort.postMessage('ready');
` +
  JOB_SOURCE +
  LOOP_SOURCE;

/**
 * The Web Worker's JavaScript (started from a Blob URL): its first message
 * carries the same data as a Node worker's `workerData` (the memory is a
 * shared WebAssembly.Memory, so the page must be cross-origin isolated).
 * @category wasm
 */
export const WEB_WORKER_SOURCE =
  String.raw`
'use strict';
self.onmessage = (ev) => {
  self.onmessage = null;
  const { bytes, memory, tid, nthreads, mr, nv, dwMr, dwNv, spinMs } = ev.data;
  const ready = () => self.postMessage('ready');
` +
  JOB_SOURCE +
  LOOP_SOURCE +
  `
};
`;

/**
 * The body of a function of (bytes, memory, tid, nthreads, mr, nv, dwMr, dwNv)
 * that returns the job functions, for a single-threaded engine that runs the
 * jobs on the calling thread (browsers without cross-origin isolation).
 * @category wasm
 */
export const INLINE_SOURCE = `'use strict';\n${JOB_SOURCE}\nreturn { runOne, refreshCtrl };\n`;

/**
 * WebAssembly SIMD conv3d engine (forward, backward-input, backward-weights),
 * multi-threaded on Node worker_threads or browser Web Workers sharing one
 * WebAssembly.Memory (single-threaded on the calling thread where memory
 * cannot be shared: a browser page that is not cross-origin isolated).
 *
 * Data never goes through messages: the main thread writes the (zero-padded)
 * operands into the shared memory, bumps a sequence number with Atomics, the
 * workers run the generated micro-kernels on their share of output rows, and
 * the main thread waits with Atomics.waitAsync and copies the result out.
 */
import { platform } from '#wasm-platform';
import type { ComputeThread, ThreadData } from './threads.js';
import { buildKernelModule, DEFAULT_KERNEL_CONFIG, MEMORY_MAX_PAGES, relaxedSimdProbe } from './kernels.js';
import type { KernelConfig } from './kernels.js';
import {
  CTRL_DONE,
  CTRL_ERR,
  CTRL_JOB,
  CTRL_NEXT,
  CTRL_PARAMS,
  CTRL_SEQ,
  CTRL_SPIN,
  INLINE_SOURCE,
  JOB_CONV,
  JOB_DW,
  JOB_EXIT,
  JOB_HOLD,
  JOB_PAD,
  JOB_SCATTER,
} from './workerSource.js';
import { WA, waitAsync } from './wasmApi.js';

/** A per-axis triple `[d, h, w]`. @category wasm */
export type Triple = [number, number, number];

/** Stride, padding and dilation of an engine call, each a triple. @category wasm */
export interface WasmConvOptions {
  stride: Triple;
  padding: Triple;
  dilation: Triple;
}

/** An engine result: packed float32 values and their shape. @category wasm */
export interface WasmConvResult {
  data: Float32Array;
  shape: number[];
}

/** The engine: the three convolution passes on packed float32 arrays, one call at a time. @category wasm */
export interface WasmConv {
  readonly threads: number;
  /** Do the jobs run on worker threads (false: on the calling thread, single-threaded)? */
  readonly workers: boolean;
  /** Does the calling thread run a share of the workers' jobs (`threads - 1` workers beside it)? */
  readonly joins: boolean;
  /**
   * Do the threads poll for each other between jobs now (false: they sleep at once, because the workers
   * were often late, as on a machine busy with other work; see `adaptiveSpin`)?
   */
  readonly spinning: boolean;
  /** Do the micro-kernels use relaxed SIMD's fused multiply-add (false: f32x4.mul + f32x4.add)? */
  readonly fma: boolean;
  conv3d(x: Float32Array, xShape: number[], w: Float32Array, wShape: number[], bias: Float32Array | null, opts: WasmConvOptions): Promise<WasmConvResult>;
  conv3dBackwardInput(
    dy: Float32Array,
    dyShape: number[],
    w: Float32Array,
    wShape: number[],
    inputShape: number[],
    opts: WasmConvOptions,
  ): Promise<WasmConvResult>;
  conv3dBackwardWeights(
    x: Float32Array,
    xShape: number[],
    dy: Float32Array,
    dyShape: number[],
    weightShape: number[],
    opts: WasmConvOptions,
  ): Promise<WasmConvResult>;
  /**
   * Test hook of the stall watchdog: the first worker holds a job for `ms` milliseconds, claiming
   * a chunk of work every `stepMs` (default: none, a stall), having counted itself done without
   * waking the caller after `silentDoneMs` if that is > 0 (a lost wake-up); resolves when the
   * caller sees the job done, or rejects as a stall. @internal
   */
  hold(ms: number, stepMs?: number, silentDoneMs?: number): Promise<void>;
  /**
   * Jobs whose end this engine noticed by its watchdog's timer, not by the workers' wake-up
   * (an `Atomics.waitAsync` that never resolved).
   */
  readonly lostWakeups: number;
  dispose(): void;
}

/** Options of `createWasmConv`. @category wasm */
export interface CreateWasmConvOptions {
  threads?: number;
  /** micro-kernel blocking (for tuning; defaults are the measured best) */
  kernel?: Partial<KernelConfig>;
}

const PAGE = 65536;
/** Budget for the weight-gradient partial-sum slices (at least one slice per thread is always allowed). */
const DW_SLICES_BYTES = 32 << 20;
/**
 * Multiply-adds that a worker round trip costs on two threads, measured: below about twice
 * this a call is faster on the calling thread (bench/results/conv-route.md).
 */
const ROUND_TRIP_MACS = 15e6;
/**
 * The same when the calling thread runs a share itself and the worker polls between jobs (a round
 * trip then costs about a microsecond while the worker is awake, tens while it sleeps). Measured
 * 2026-12-04 on 2 cores, medians of 40-300 calls after warm-up: the demo's 2D layers (2.4-4.7M
 * multiply-adds) take as long either way, 2x 16->16 at 8^3 (7.1M) 0.31 vs 0.36-0.52 ms on the
 * calling thread alone, 2x 32->32 at 8^3 (28M) 0.9-1.3 vs 1.4-1.7, at 16^3 (226M) 5.5-9 vs 10-13.
 */
const JOINED_ROUND_TRIP_MACS = 1.5e6;
/**
 * Default milliseconds a job may go without progress (no chunk claimed, no thread done) before the
 * engine calls it stalled. The longest single chunk measured is a fraction of a second (a weight-
 * gradient unit of a 64^3 step), so two minutes only catch a thread that will not finish.
 */
const STALL_MS = 120_000;
/** Checks of progress within `stallMs`: a job is stalled after this many checks in a row saw none. */
const STALL_CHECKS = 12;
/** The job kinds, by code, for messages. */
const JOB_NAMES: Record<number, string> = {
  [JOB_CONV]: 'convolution',
  [JOB_DW]: 'weight-gradient',
  [JOB_PAD]: 'padding',
  [JOB_SCATTER]: 'scatter',
  [JOB_HOLD]: 'hold',
};
/** Milliseconds a worker polls for the next job before it sleeps. */
const WORKER_SPIN_MS = 0.2;
/** Milliseconds the calling thread polls for the workers' shares before it waits asynchronously. */
const CALLER_SPIN_MS = 2;
/**
 * Polling pays only while the workers keep up. On a machine busy with other work a worker is often
 * descheduled, and polling for it burns the core it needs: two training processes side by side on 2 cores
 * ran at 466 ms (3D, batch 2 x 16 x 32 x 32) and 18 ms (the demo) per step each with polling, 378 and
 * 12 ms without; alone, polling is worth 3-12% (kernels README, "Training beside other work"). Measured
 * there: alone, the workers finish more than CALLER_SPIN_MS after the caller's own share ("late") in
 * 0.6-2.3% of joined jobs; beside another process, in 10-21%. So the joining caller counts late jobs over
 * windows of LATE_WINDOW joined jobs; above LATE_OFF of them it stops polling and tells the workers to sleep
 * at once (CTRL_SPIN = 0) for PROBE_MS, then polls again for a window to see (without polling, lateness does
 * not show the other work: the machine is then shared, not fought over). Each failed probe doubles the
 * pause, up to PROBE_MAX_MS.
 */
const LATE_WINDOW = 256;
const LATE_OFF = 0.05;
const PROBE_MS = 2000;
const PROBE_MAX_MS = 16000;

/** The polling policy's state (see LATE_OFF): polling or not, the current window's counts, the pause. @internal */
export interface SpinState {
  readonly spinning: boolean;
  /** joined jobs and late ones in the current window (while polling) */
  readonly jobs: number;
  readonly late: number;
  /** the next pause, and the time (ms) the current one ends (while not polling) */
  readonly pauseMs: number;
  readonly pausedUntil: number;
}

/** The polling policy's first state: polling, an empty window. @internal */
export const SPIN_START: SpinState = { spinning: true, jobs: 0, late: 0, pauseMs: PROBE_MS, pausedUntil: 0 };

/**
 * The polling policy after one joined job whose workers the caller waited `waitMs` for after its own
 * share, at time `now` (ms): a window of LATE_WINDOW jobs with more than LATE_OFF of them late stops the
 * polling for the pause, which doubles (up to PROBE_MAX_MS) while probes keep failing; a job after the
 * pause starts polling again, with a new window. @internal
 */
export function nextSpinState(s: SpinState, waitMs: number, now: number): SpinState {
  if (!s.spinning) return now >= s.pausedUntil ? { ...s, spinning: true, jobs: 0, late: 0 } : s;
  const jobs = s.jobs + 1;
  const late = s.late + (waitMs > CALLER_SPIN_MS ? 1 : 0);
  if (jobs < LATE_WINDOW) return { ...s, jobs, late };
  return late > LATE_OFF * jobs
    ? { spinning: false, jobs: 0, late: 0, pauseMs: Math.min(2 * s.pauseMs, PROBE_MAX_MS), pausedUntil: now + s.pauseMs }
    : { ...SPIN_START };
}
const CTRL_BYTES = 4096;

function dims5(shape: number[], what: string): [number, number, number, number, number] {
  if (shape.length !== 5 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${what}: expected a 5-D shape, got [${shape.join(',')}]`);
  }
  return shape as [number, number, number, number, number];
}

function outSize(inp: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((inp + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function checkOpts(opts: WasmConvOptions): void {
  for (let i = 0; i < 3; i++) {
    if (!(opts.stride[i]! >= 1) || !(opts.dilation[i]! >= 1) || !(opts.padding[i]! >= 0)) {
      throw new Error('conv3d: stride and dilation must be >= 1, padding >= 0');
    }
  }
}

/**
 * The shapes of a convolution gradient (input or weights): x `[N, Cin, D, H, W]`, dy
 * `[N, Cout, Do, Ho, Wo]` and w `[Cout, Cin, kd, kh, kw]` checked against each other and the options.
 */
function gradientGeometry(op: string, xShape: number[], dyShape: number[], wShape: number[], opts: WasmConvOptions) {
  const [N, Cin, D, H, W] = dims5(xShape, `${op} x`);
  const [N2, Cout, Do, Ho, Wo] = dims5(dyShape, `${op} dy`);
  const [Cout2, Cin2, kd, kh, kw] = dims5(wShape, `${op} w`);
  if (N !== N2 || Cout !== Cout2 || Cin !== Cin2) throw new Error(`${op}: shape mismatch`);
  const { stride: s, padding: p, dilation: d } = opts;
  const k3: Triple = [kd, kh, kw];
  const inDims: Triple = [D, H, W];
  const od: Triple = [Do, Ho, Wo];
  for (let i = 0; i < 3; i++) {
    if (outSize(inDims[i]!, k3[i]!, s[i]!, p[i]!, d[i]!) !== od[i]) throw new Error(`${op}: dy shape does not match the input shape`);
  }
  return { N, Cin, Cout, k3, inDims, od, s, p, d };
}

/** Bump allocator over the shared memory, reset for every call. */
class Arena {
  top = CTRL_BYTES;
  alloc(bytes: number): number {
    const at = this.top;
    this.top = at + Math.ceil((bytes + 64) / 64) * 64;
    return at;
  }
}

/** Where weight (m, c, t) of a convolution sits in `w`: `m * sm + c * sc + tapAt[t]`. */
interface WeightLayout {
  readonly w: Float32Array;
  readonly sm: number;
  readonly sc: number;
  readonly tapAt: Int32Array;
}

/**
 * Packs the weights into MR-row panels at float index `a`: panel mp, row k = c * nt + t holds the MR
 * weights of rows mp * MR + r (zero past M). One monomorphic loop (it ran through a closure per weight).
 */
function packWeights(f32: Float32Array, a: number, MR: number, M: number, C: number, L: WeightLayout): void {
  const { w, sm, sc, tapAt } = L;
  const nt = tapAt.length;
  const K = C * nt;
  const mPanels = Math.ceil(M / MR);
  for (let mp = 0; mp < mPanels; mp++) {
    for (let r = 0; r < MR; r++) {
      const m = mp * MR + r;
      let dst = a + mp * K * MR + r;
      if (m >= M) {
        for (let k = 0; k < K; k++, dst += MR) f32[dst] = 0;
        continue;
      }
      for (let c = 0; c < C; c++) {
        const src = m * sm + c * sc;
        for (let t = 0; t < nt; t++, dst += MR) f32[dst] = w[src + tapAt[t]!]!;
      }
    }
  }
}

/** A job for the workers: its type and parameters. */
type Job = readonly [type: number, params: readonly number[]];

/** The job functions of `INLINE_SOURCE` on this thread. */
interface InlineJobs {
  readonly runOne: (job: number, p: Int32Array) => void;
  readonly refreshCtrl: () => void;
}

/** Instantiates the job code on the calling thread (single-threaded engine; the same code the workers run). */
function inlineJobs(data: ThreadData): InlineJobs {
  const names = ['bytes', 'memory', 'tid', 'nthreads', 'mr', 'nv', 'dwMr', 'dwNv'] as const;
  // The workers' own source, evaluated once here (implied eval on purpose).
  const make = new Function(...names, INLINE_SOURCE) as (...args: unknown[]) => InlineJobs;
  return make(...names.map((k) => data[k]));
}

/** Starts an engine: compiles the module and its worker threads (unref'd while idle). @category wasm */
export async function createWasmConv(
  options: {
    threads?: number;
    kernel?: Partial<KernelConfig>;
    alloc?: (n: number) => Float32Array;
    /** false: run the jobs on the calling thread with no workers, as where memory cannot be shared. */
    workers?: boolean;
    /**
     * Calls of at most this many multiply-adds run on the calling thread even when there are
     * workers (the round trip would cost more than the work saved); 0 sends every call to the
     * workers. Default: 1.5e6 * threads / (threads - 1) when the calling thread joins (see `join`),
     * else 15e6 * threads / (threads - 1), measured on 2 cores (0 with one worker).
     */
    inlineMacs?: number;
    /**
     * Does the calling thread run a share of every job sent to the workers, as thread 0 beside
     * `threads - 1` workers, instead of waiting idle beside `threads` of them? Default: where the
     * platform allows it (Node, not a browser page) and `threads >= 2`; COLAB_WASM_JOIN=0 turns it off.
     */
    join?: boolean;
    /** Milliseconds a worker polls for the next job before it sleeps (default 0.2; 0 sleeps at once). */
    spinMs?: number;
    /**
     * Does a joining caller stop polling, and tell the workers to stop, while the workers are often late
     * (a machine busy with other work), and poll again once they keep up (default true; false polls always,
     * as before 2026-12-05)?
     */
    adaptiveSpin?: boolean;
    /**
     * Milliseconds a job may run without progress (no chunk of work claimed, no thread done) before
     * the engine stops its workers and fails the call, and every later call, with an error that says
     * so (default: COLAB_WASM_STALL_MS, else 120000; Infinity waits forever). Progress is checked
     * 12 times over this span and the checks must all find none, so a process paused (SIGSTOP) and
     * resumed is not called stalled.
     */
    stallMs?: number;
  } = {},
): Promise<WasmConv> {
  const alloc = options.alloc ?? ((n: number) => new Float32Array(n));
  const shared = options.workers !== false && platform.sharedMemory();
  const threads = shared ? Math.max(1, Math.floor(options.threads ?? 1)) : 1;
  const envJoin = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.COLAB_WASM_JOIN;
  // The calling thread as compute thread 0, beside threads - 1 workers.
  const join = shared && threads >= 2 && (options.join ?? (platform.callerJoins && envJoin !== '0'));
  const nWorkers = join ? threads - 1 : shared ? threads : 0;
  const spinMs = Math.max(0, options.spinMs ?? WORKER_SPIN_MS);
  const envStall = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.COLAB_WASM_STALL_MS;
  const stallMs = options.stallMs ?? (envStall ? Number(envStall) : STALL_MS);
  if (!(stallMs > 0)) {
    const from = options.stallMs === undefined ? ` (COLAB_WASM_STALL_MS=${envStall})` : '';
    throw new Error(`wasm-conv: stallMs must be a positive number of milliseconds, got ${stallMs}${from}`);
  }
  // How often a waiting caller looks at the job itself (also when it waits forever for a stalled one).
  const checkMs = Number.isFinite(stallMs) ? stallMs / STALL_CHECKS : STALL_MS / STALL_CHECKS;
  let lostWakeups = 0;
  if (options.inlineMacs !== undefined && !(options.inlineMacs >= 0)) {
    throw new Error(`wasm-conv: inlineMacs must be a number of multiply-adds >= 0 (Infinity: every call on the calling thread), got ${options.inlineMacs}`);
  }
  // Fused multiply-add wherever relaxed SIMD is available (unless the caller turns it off).
  const fma = (options.kernel?.fma ?? true) && platform.relaxedSimd(relaxedSimdProbe());
  const cfg: KernelConfig = { ...DEFAULT_KERNEL_CONFIG, ...(options.kernel ?? {}), fma };
  const MR = cfg.mr,
    NR = cfg.nv * 4,
    DWMR = cfg.dwMr,
    DWNR = cfg.dwNv * 4;
  const initialPages = 64;
  const memory = new WA.Memory({ initial: initialPages, maximum: MEMORY_MAX_PAGES, shared });
  const bytes = buildKernelModule(cfg, initialPages, [], shared);
  if (!WA.validate(bytes)) throw new Error('wasm-conv: generated module failed validation');

  let f32 = new Float32Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  let ctrl = new Int32Array(memory.buffer, 0, 64);
  // Threads poll for each other while the workers keep up (see LATE_OFF).
  const adaptive = join && options.adaptiveSpin !== false;
  let spin = SPIN_START;
  Atomics.store(ctrl, CTRL_SPIN, 1);
  /** Notes how long the caller waited for the workers after its own share; polls or not from then on. */
  const noteWait = (ms: number): void => {
    const was = spin.spinning;
    spin = nextSpinState(spin, ms, performance.now());
    if (spin.spinning !== was) Atomics.store(ctrl, CTRL_SPIN, spin.spinning ? 1 : 0);
  };

  const ensure = (bytesNeeded: number): void => {
    const have = memory.buffer.byteLength;
    if (bytesNeeded > have) {
      const pages = Math.ceil((bytesNeeded - have) / PAGE);
      if (have / PAGE + pages > MEMORY_MAX_PAGES) throw new Error('wasm-conv: problem too large for the 2 GiB wasm memory');
      memory.grow(pages);
    }
    if (f32.buffer.byteLength !== memory.buffer.byteLength) {
      f32 = new Float32Array(memory.buffer);
      i32 = new Int32Array(memory.buffer);
      ctrl = new Int32Array(memory.buffer, 0, 64);
    }
  };

  // The job code on this thread: every call when memory cannot be shared (no workers then), else the small ones.
  const inline = inlineJobs({ bytes, memory, tid: 0, nthreads: join ? threads : 1, mr: MR, nv: cfg.nv, dwMr: DWMR, dwNv: cfg.dwNv, spinMs: 0 });
  const roundTrip = join ? JOINED_ROUND_TRIP_MACS : ROUND_TRIP_MACS;
  const inlineMacs = shared ? (options.inlineMacs ?? (threads === 1 ? 0 : (roundTrip * threads) / (threads - 1))) : Number.POSITIVE_INFINITY;
  // Where the current call runs (calls are serialised, see `serial`) and how many threads share its work.
  let onMain = !shared;
  let lanes = threads;
  /** Routes the call about to run by its multiply-adds: the calling thread for small work, else the workers. */
  const route = (macs: number): void => {
    onMain = macs <= inlineMacs;
    lanes = onMain ? 1 : threads;
  };
  const workers: ComputeThread[] = [];
  if (shared) {
    const started = await Promise.allSettled(
      Array.from({ length: nWorkers }, (_, t) =>
        platform.spawn({ bytes, memory, tid: join ? t + 1 : t, nthreads: threads, mr: MR, nv: cfg.nv, dwMr: DWMR, dwNv: cfg.dwNv, spinMs }),
      ),
    );
    for (const r of started) if (r.status === 'fulfilled') workers.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      for (const wk of workers) wk.terminate();
      throw (failed as PromiseRejectedResult).reason;
    }
  }
  let disposed = false;
  let broken: unknown = null;
  for (const wk of workers) {
    // a dead worker must not leave a job waiting forever
    const fail = (why: unknown): void => {
      if (disposed) return;
      broken = broken ?? why;
      Atomics.store(ctrl, CTRL_ERR, 1);
      Atomics.add(ctrl, CTRL_DONE, threads);
      Atomics.notify(ctrl, CTRL_DONE);
    };
    wk.onFail(fail);
  }

  async function runJob(job: number, params: number[]): Promise<void> {
    if (disposed) throw new Error('wasm-conv: engine disposed');
    if (broken) throw broken instanceof Error ? broken : new Error(String(broken));
    if (params.length > 56) throw new Error('too many params');
    for (let i = 0; i < params.length; i++) ctrl[CTRL_PARAMS + i] = params[i]! | 0;
    Atomics.store(ctrl, CTRL_DONE, 0);
    Atomics.store(ctrl, CTRL_ERR, 0);
    Atomics.store(ctrl, CTRL_NEXT, 0);
    Atomics.store(ctrl, CTRL_JOB, job);
    if (onMain) {
      inline.refreshCtrl();
      inline.runOne(job, new Int32Array(memory.buffer, CTRL_PARAMS * 4, 56));
      return;
    }
    Atomics.add(ctrl, CTRL_SEQ, 1);
    Atomics.notify(ctrl, CTRL_SEQ);
    let mine: unknown = null;
    let ownShareDone = 0;
    if (join) {
      // This thread's share (thread 0), then a short poll for the workers' shares: small jobs end within it.
      try {
        inline.refreshCtrl();
        inline.runOne(job, new Int32Array(memory.buffer, CTRL_PARAMS * 4, 56));
      } catch (e) {
        mine = e;
        Atomics.store(ctrl, CTRL_ERR, 1);
      }
      ownShareDone = performance.now();
      if (spin.spinning && Atomics.load(ctrl, CTRL_DONE) < nWorkers) {
        const end = ownShareDone + CALLER_SPIN_MS;
        for (let i = 1; Atomics.load(ctrl, CTRL_DONE) < nWorkers; i++) if ((i & 63) === 0 && performance.now() > end) break;
      }
    }
    if (Atomics.load(ctrl, CTRL_DONE) < nWorkers) {
      // Atomics.waitAsync does not keep Node's event loop alive: hold the
      // workers ref'd while a job is in flight, unref them again afterwards.
      for (const wk of workers) wk.ref();
      try {
        // The watchdog: a timer of its own beside the wait (so a wake-up that never comes costs one tick,
        // not the run), and progress is a chunk claimed (CTRL_NEXT) or a thread done (CTRL_DONE).
        let seen = Atomics.load(ctrl, CTRL_NEXT);
        let quiet = 0;
        for (;;) {
          const done = Atomics.load(ctrl, CTRL_DONE);
          if (done >= nWorkers) break;
          const r = waitAsync(ctrl, CTRL_DONE, done);
          if (!r.async) continue;
          let timer: ReturnType<typeof setTimeout> | undefined;
          const tick = new Promise<'timed-out'>((resolve) => {
            timer = setTimeout(resolve, checkMs, 'timed-out');
          });
          const woke = await Promise.race([r.value, tick]);
          clearTimeout(timer);
          if (woke !== 'timed-out') {
            quiet = 0;
            continue;
          }
          if (Atomics.load(ctrl, CTRL_DONE) >= nWorkers) {
            // every thread is done, yet no wake-up came within a tick
            lostWakeups++;
            if (lostWakeups === 1)
              console.warn(
                `wasm-conv: a ${JOB_NAMES[job] ?? `#${job}`} job ended without waking the caller (Atomics.waitAsync); its watchdog noticed after ${Math.round(checkMs)} ms`,
              );
            break;
          }
          const next = Atomics.load(ctrl, CTRL_NEXT);
          if (next !== seen || Atomics.load(ctrl, CTRL_DONE) !== done) {
            seen = next;
            quiet = 0;
          } else if (++quiet >= STALL_CHECKS && Number.isFinite(stallMs)) {
            stall(job, params, done);
          }
        }
      } finally {
        for (const wk of workers) wk.unref();
      }
    }
    if (adaptive) noteWait(performance.now() - ownShareDone);
    if (mine !== null) throw mine;
    if (disposed) throw new Error('wasm-conv: engine disposed during the call');
    if (Atomics.load(ctrl, CTRL_ERR) !== 0) {
      throw broken instanceof Error ? broken : new Error('wasm-conv: a worker failed (see stderr)');
    }
  }

  /**
   * A job made no progress for `stallMs`: writes what the platform can tell (Node: a diagnostic
   * report with the workers' stacks), stops the workers and throws; the engine stays broken.
   */
  function stall(job: number, params: number[], done: number): never {
    const report = platform.diagnose('wasm-stall');
    const why = new Error(
      `wasm-conv: a compute worker made no progress for ${Math.round(stallMs / 1000)} s on a ${JOB_NAMES[job] ?? `#${job}`} job ` +
        `(${done} of ${nWorkers} workers done; parameters ${params.join(',')}), so the engine stopped its workers. ` +
        `This is a bug in colab-ts, please report it${report ? ` with the diagnostic report at ${report} (it holds each worker's stack)` : ''}; ` +
        'the work can be rerun (a training run resumes from its last checkpoint).',
    );
    broken = why;
    for (const wk of workers) wk.terminate();
    throw why;
  }

  /** Runs jobs one after the other (a round trip each). */
  async function runJobs(jobs: readonly Job[]): Promise<void> {
    for (const [type, params] of jobs) await runJob(type, [...params]);
  }

  /** Scratch of the weight-gradient reduction (grown as needed, reused across calls). */
  let sum64 = new Float64Array(0);

  // Calls are serialised: the arena and the control block are shared.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<R>(fn: () => Promise<R>): Promise<R> {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  }

  /** Copies a Float32Array into the shared memory (byte copy: much faster than a float copy into a SAB). */
  function copyIn(at: number, src: Float32Array): void {
    new Uint8Array(memory.buffer, at, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  }
  function copyOut(at: number, n: number): Float32Array {
    const out = alloc(n);
    new Uint8Array(out.buffer, out.byteOffset, n * 4).set(new Uint8Array(memory.buffer, at, n * 4));
    return out;
  }

  /**
   * Builds the zero-padded (and, for strided backward-input, zero-upsampled) copy
   * of src [N,C,D,H,W] as [N,C,Dp,Hp,Wp] at byte address dst, in the workers:
   * dst[j] = src[(j - off) / ups] when (j - off) >= 0, divisible by ups and in range.
   */
  async function padInto(arena: Arena, dst: number, src: Float32Array, N: number, C: number, sd: Triple, pd: Triple, off: Triple, ups: Triple): Promise<void> {
    if ([0, 1, 2].every((i) => pd[i] === sd[i] && off[i] === 0 && ups[i] === 1)) {
      // nothing to pad (1^3 kernels, 2^3 stride-2 kernels on even sizes): one copy, no job
      ensure(arena.top);
      copyIn(dst, src);
      return;
    }
    const mark = arena.top;
    const raw = arena.alloc(src.byteLength);
    ensure(arena.top);
    copyIn(raw, src);
    await runJob(JOB_PAD, [raw, dst, N * C, sd[0], sd[1], sd[2], pd[0], pd[1], pd[2], off[0], off[1], off[2], ups[0], ups[1], ups[2]]);
    // The raw copy is dead once padded: what the caller allocates next reuses its bytes (a lower memory high-water mark).
    arena.top = mark;
  }

  /** Byte offsets (into the padded volume) of every im2col row k = (c, kd, kh, kw). */
  function writeKoff(at: number, C: number, kd: number, kh: number, kw: number, dil: Triple, pd: Triple, kPad: number): void {
    const [Dp, Hp, Wp] = pd;
    const vol = Dp * Hp * Wp;
    let k = 0;
    const base = at >> 2;
    for (let c = 0; c < C; c++)
      for (let a = 0; a < kd; a++)
        for (let b = 0; b < kh; b++) for (let e = 0; e < kw; e++) i32[base + k++] = (c * vol + a * dil[0] * Hp * Wp + b * dil[1] * Wp + e * dil[2]) * 4;
    while (k < kPad) i32[base + k++] = 0;
  }

  /** Float offsets (within one channel of the padded volume) of the taps of a kd x kh x kw kernel. */
  function kernelTaps(k3: Triple, dil: Triple, pd: Triple): number[] {
    const [, Hp, Wp] = pd;
    const taps: number[] = [];
    for (let a = 0; a < k3[0]; a++)
      for (let b = 0; b < k3[1]; b++) for (let e = 0; e < k3[2]; e++) taps.push(a * dil[0] * Hp * Wp + b * dil[1] * Wp + e * dil[2]);
    return taps;
  }

  /**
   * Strided convolution of a padded volume [N, C, Dp, Hp, Wp] with packed weights:
   * out[n, m, o] = bias[m] + sum_{c,t} A(m, c, t) * xp[n, c, o*stride + taps[t]]
   * (implicit im2col: row k = c*ntaps + t of the GEMM sits at byte offset koff[k]).
   * Its jobs write [N, M, od0, od1, od2] at the returned byte address (none when K = 0: then the
   * bias, or zeros, are written here).
   */
  function convJob(
    arena: Arena,
    xpadAt: number,
    N: number,
    C: number,
    pd: Triple,
    M: number,
    taps: number[],
    wts: WeightLayout,
    biasArr: Float32Array | null,
    od: Triple,
    stride: Triple,
  ): { jobs: Job[]; yAt: number } {
    const nt = taps.length;
    const K = C * nt;
    const P = od[0] * od[1] * od[2];
    if (K === 0) {
      const yAt = arena.alloc(N * M * P * 4);
      ensure(arena.top);
      const out = f32.subarray(yAt >> 2, (yAt >> 2) + N * M * P);
      for (let i = 0; i < out.length; i++) out[i] = biasArr ? biasArr[Math.floor(i / P) % M]! : 0;
      return { jobs: [], yAt };
    }
    const mPanels = Math.ceil(M / MR);
    const koff = arena.alloc(K * 4);
    const lin = arena.alloc(K * 4);
    const aBase = arena.alloc(mPanels * K * MR * 4);
    const biasAt = arena.alloc(mPanels * MR * 4);
    const yAt = arena.alloc(N * M * P * 4);
    const scratch = arena.alloc(lanes * (K * NR * 4 + 256));
    ensure(arena.top);
    const [Dp, Hp, Wp] = pd;
    const vol = Dp * Hp * Wp;
    for (let c = 0; c < C; c++) for (let t = 0; t < nt; t++) i32[(koff >> 2) + c * nt + t] = (c * vol + taps[t]!) * 4;
    for (let k = 0; k < K; k++) i32[(lin >> 2) + k] = k * NR * 4;
    packWeights(f32, aBase >> 2, MR, M, C, wts);
    for (let m = 0; m < mPanels * MR; m++) f32[(biasAt >> 2) + m] = biasArr && m < M ? biasArr[m]! : 0;
    const params = [
      aBase,
      mPanels,
      K,
      koff,
      lin,
      xpadAt,
      C * vol * 4,
      stride[0] * Hp * Wp * 4,
      stride[1] * Wp * 4,
      stride[2],
      yAt,
      M,
      od[0],
      od[1],
      od[2],
      biasAt,
      scratch,
      K * NR * 4 + 256,
      N,
    ];
    return { jobs: [[JOB_CONV, params]], yAt };
  }

  const engine: WasmConv = {
    threads,
    workers: shared,
    joins: join,
    fma,
    conv3d(x, xShape, w, wShape, bias, opts) {
      return serial(async () => {
        checkOpts(opts);
        const [N, Cin, D, H, W] = dims5(xShape, 'conv3d x');
        const [Cout, Cin2, kd, kh, kw] = dims5(wShape, 'conv3d w');
        if (Cin !== Cin2) throw new Error(`conv3d: channel mismatch ${Cin} vs ${Cin2}`);
        if (x.length !== N * Cin * D * H * W || w.length !== Cout * Cin * kd * kh * kw) throw new Error('conv3d: data size mismatch');
        if (bias && bias.length !== Cout) throw new Error('conv3d: bias size mismatch');
        const { stride: s, padding: p, dilation: d } = opts;
        const od: Triple = [outSize(D, kd, s[0], p[0], d[0]), outSize(H, kh, s[1], p[1], d[1]), outSize(W, kw, s[2], p[2], d[2])];
        const shape = [N, Cout, ...od];
        if (od.some((v) => v <= 0)) throw new Error('conv3d: output would be empty');
        if (N * Cout === 0) return { data: new Float32Array(0), shape };
        const pd: Triple = [0, 1, 2].map((i) => (od[i]! - 1) * s[i]! + d[i]! * ([kd, kh, kw][i]! - 1) + 1) as Triple;
        route(N * Cout * od[0] * od[1] * od[2] * Cin * kd * kh * kw);
        const arena = new Arena();
        const xpadAt = arena.alloc((N * Cin * pd[0] * pd[1] * pd[2] + NR * Math.max(1, s[2]) + 16) * 4);
        await padInto(arena, xpadAt, x, N, Cin, [D, H, W], pd, p, [1, 1, 1]);
        const kvol = kd * kh * kw;
        const taps = kernelTaps([kd, kh, kw], d, pd);
        const wts: WeightLayout = { w, sm: Cin * kvol, sc: kvol, tapAt: Int32Array.from(taps, (_, t) => t) };
        const conv = convJob(arena, xpadAt, N, Cin, pd, Cout, taps, wts, bias, od, s);
        await runJobs(conv.jobs);
        return { data: copyOut(conv.yAt, N * Cout * od[0] * od[1] * od[2]), shape };
      });
    },

    conv3dBackwardInput(dy, dyShape, w, wShape, inputShape, opts) {
      return serial(async () => {
        checkOpts(opts);
        const g = gradientGeometry('conv3dBackwardInput', inputShape, dyShape, wShape, opts);
        const { N, Cin, Cout, k3, inDims, s, p, d } = g;
        const [kd, kh, kw] = k3;
        const [D, H, W] = inDims;
        const [Do, Ho, Wo] = g.od;
        if (dy.length !== N * Cout * Do * Ho * Wo || w.length !== Cout * Cin * kd * kh * kw) throw new Error('conv3dBackwardInput: data size mismatch');
        const shape = [N, Cin, D, H, W];
        if (N * Cin * D * H * W === 0) return { data: new Float32Array(0), shape };
        // Phase decomposition (no zero-upsampling): for dx[i] with i = s*q + phi per axis,
        // tap k contributes iff (phi + p - k*d) % s == 0, reading dy[q + e], e = (phi + p - k*d) / s.
        // Each phase is a stride-1 implicit-GEMM conv over dy padded by L in front.
        const L = [0, 1, 2].map((i) => Math.max(0, -Math.floor((p[i]! - (k3[i]! - 1) * d[i]!) / s[i]!))) as Triple;
        const eMax = [0, 1, 2].map((i) => Math.floor((s[i]! - 1 + p[i]!) / s[i]!)) as Triple;
        const qMax = [0, 1, 2].map((i) => Math.ceil(inDims[i]! / s[i]!)) as Triple;
        const pd = [0, 1, 2].map((i) => Math.max(qMax[i]! + eMax[i]! + L[i]!, [Do, Ho, Wo][i]! + L[i]!)) as Triple;
        // about the forward pass's multiply-adds (a strided layer's phases skip the taps that miss)
        route(N * Cout * Do * Ho * Wo * Cin * kd * kh * kw);
        const arena = new Arena();
        const dyAt = arena.alloc((N * Cout * pd[0] * pd[1] * pd[2] + NR + 16) * 4);
        await padInto(arena, dyAt, dy, N, Cout, [Do, Ho, Wo], pd, L, [1, 1, 1]);
        const jobs: Job[] = [];
        const kvol = kd * kh * kw;
        const [, Hp, Wp] = pd;
        const size = N * Cin * D * H * W;
        // Strided: every phase's result stays in the arena, then one scatter job puts them in place;
        // the table holds (Q0, Q1, Q2, byte address) per phase (zeros for a phase with no outputs).
        const nPhases = s[0] * s[1] * s[2];
        const table = nPhases === 1 ? 0 : arena.alloc(nPhases * 16);
        const dxAt = nPhases === 1 ? 0 : arena.alloc(size * 4);
        ensure(arena.top);
        if (nPhases > 1) i32.fill(0, table >> 2, (table >> 2) + nPhases * 4);
        let single = 0;
        for (let f0 = 0; f0 < s[0]; f0++)
          for (let f1 = 0; f1 < s[1]; f1++)
            for (let f2 = 0; f2 < s[2]; f2++) {
              const phi = [f0, f1, f2];
              const Q = [0, 1, 2].map((i) => Math.ceil((inDims[i]! - phi[i]!) / s[i]!)) as Triple;
              if (Q[0] <= 0 || Q[1] <= 0 || Q[2] <= 0) continue;
              // valid taps per axis: [k, e + L]
              const axis = [0, 1, 2].map((i) => {
                const out: Array<[number, number]> = [];
                for (let k = 0; k < k3[i]!; k++) {
                  const t = phi[i]! + p[i]! - k * d[i]!;
                  if (((t % s[i]!) + s[i]!) % s[i]! === 0) out.push([k, t / s[i]! + L[i]!]);
                }
                return out;
              });
              const taps: number[] = [];
              const tapK: number[] = [];
              for (const [ka, ea] of axis[0]!)
                for (const [kb, eb] of axis[1]!)
                  for (const [kc, ec] of axis[2]!) {
                    taps.push(ea * Hp * Wp + eb * Wp + ec);
                    tapK.push((ka * kh + kb) * kw + kc);
                  }
              // row m = ci, reduction channel c = co: w[co, ci, tap] sits at ci * kvol + co * Cin * kvol + tap
              const wts: WeightLayout = { w, sm: kvol, sc: Cin * kvol, tapAt: Int32Array.from(tapK) };
              const conv = convJob(arena, dyAt, N, Cout, pd, Cin, taps, wts, null, Q, [1, 1, 1]);
              jobs.push(...conv.jobs);
              single = conv.yAt;
              if (nPhases > 1) i32.set([Q[0], Q[1], Q[2], conv.yAt], (table >> 2) + 4 * ((f0 * s[1] + f1) * s[2] + f2));
            }
        if (nPhases > 1) jobs.push([JOB_SCATTER, [dxAt, N * Cin, D, H, W, s[0], s[1], s[2], table]]);
        await runJobs(jobs);
        return { data: copyOut(nPhases === 1 ? single : dxAt, size), shape };
      });
    },

    conv3dBackwardWeights(x, xShape, dy, dyShape, weightShape, opts) {
      return serial(async () => {
        checkOpts(opts);
        const { N, Cin, Cout, k3, inDims, od, s, p, d } = gradientGeometry('conv3dBackwardWeights', xShape, dyShape, weightShape, opts);
        const [kd, kh, kw] = k3;
        const [D, H, W] = inDims;
        const [Do, Ho, Wo] = od;
        if (x.length !== N * Cin * D * H * W || dy.length !== N * Cout * Do * Ho * Wo) throw new Error('conv3dBackwardWeights: data size mismatch');
        const K = Cin * kd * kh * kw;
        const shape = [Cout, Cin, kd, kh, kw];
        const P = Do * Ho * Wo;
        if (K * Cout === 0) return { data: new Float32Array(0), shape };
        if (N * P === 0) return { data: new Float32Array(K * Cout), shape };
        const pd = [0, 1, 2].map((i) => (od[i]! - 1) * s[i]! + d[i]! * (k3[i]! - 1) + 1) as Triple;
        route(N * P * Cout * K);
        const Kpad = Math.ceil(K / DWMR) * DWMR;
        const CoutPad = Math.ceil(Cout / DWNR) * DWNR;
        const G = Math.max(1, Math.ceil(256 / Wo));
        const nGroups = Math.ceil((N * Do * Ho) / G);
        // Partial sums live in one slice per fixed partition of the row groups (not
        // per thread) and are added in partition order, so the result is
        // bit-deterministic. A few partitions per thread keep the dynamic load
        // balancing, while the slices stay small (32 MiB in all, or one per thread).
        const sliceBytes = Kpad * CoutPad * 4;
        const nParts = lanes === 1 ? 1 : Math.max(1, Math.min(nGroups, 4 * lanes, Math.max(lanes, Math.floor(DW_SLICES_BYTES / sliceBytes))));
        const arena = new Arena();
        const xpadAt = arena.alloc((N * Cin * pd[0] * pd[1] * pd[2] + 16) * 4);
        // padded first, so that the operands below reuse the bytes of x's raw copy
        await padInto(arena, xpadAt, x, N, Cin, inDims, pd, p, [1, 1, 1]);
        const jobs: Job[] = [];
        const koff = arena.alloc(Kpad * 4);
        const dyAt = arena.alloc(N * Cout * P * 4);
        const dyT = arena.alloc(N * P * CoutPad * 4);
        const segs = arena.alloc(lanes * G * 8);
        const dwt = arena.alloc(nParts * sliceBytes);
        ensure(arena.top);
        writeKoff(koff, Cin, kd, kh, kw, d, pd, Kpad);
        copyIn(dyAt, dy);
        // padded dyT columns (co >= Cout) are left as they are: they only feed discarded dW columns
        const [Dp, Hp, Wp] = pd;
        const dwParams = [
          xpadAt,
          Cin * Dp * Hp * Wp * 4,
          s[0] * Hp * Wp * 4,
          s[1] * Wp * 4,
          s[2],
          koff,
          Kpad / DWMR,
          dyAt,
          CoutPad,
          Cout,
          Do,
          Ho,
          Wo,
          N,
          segs,
          G * 8,
          Kpad,
          G,
          dyT,
          dwt,
        ];
        if (lanes === 1 || nGroups >= 8 * lanes) {
          jobs.push([JOB_DW, [...dwParams, 0, 1, nParts]]);
        } else {
          // few row groups (small volume, many channels): transpose dy first, then split k-panels too
          const nKB = Math.min(Kpad / DWMR, Math.ceil((16 * lanes) / nParts));
          jobs.push([JOB_DW, [...dwParams, 1, 1, nParts]], [JOB_DW, [...dwParams, 2, nKB, nParts]]);
        }
        await runJobs(jobs);
        const out = new Float32Array(Cout * K);
        const stride = Kpad * CoutPad;
        const base = dwt >> 2;
        // The slices added in float64 in partition order (the same sums as one accumulator per weight),
        // each a contiguous pass, then rounded and transposed [k][co] -> [co][k].
        const n = K * CoutPad;
        if (sum64.length < n) sum64 = new Float64Array(n);
        const acc = sum64;
        const s0 = f32.subarray(base, base + n);
        for (let i = 0; i < n; i++) acc[i] = s0[i]!;
        for (let t = 1; t < nParts; t++) {
          const st = f32.subarray(base + t * stride, base + t * stride + n);
          for (let i = 0; i < n; i++) acc[i] = acc[i]! + st[i]!;
        }
        for (let co = 0; co < Cout; co++) for (let k = 0, j = co; k < K; k++, j += CoutPad) out[co * K + k] = acc[j]!;
        return { data: out, shape };
      });
    },

    get lostWakeups() {
      return lostWakeups;
    },

    get spinning() {
      return spin.spinning;
    },

    hold(ms, stepMs = 0, silentDoneMs = 0) {
      return serial(async () => {
        if (!shared) return;
        onMain = false;
        lanes = threads;
        // the first worker: thread 1 beside a joining caller, else thread 0
        await runJob(JOB_HOLD, [ms, join ? 1 : 0, 0, stepMs, silentDoneMs]);
      });
    },

    dispose() {
      if (disposed) return;
      disposed = true;
      Atomics.store(ctrl, CTRL_JOB, JOB_EXIT);
      Atomics.add(ctrl, CTRL_SEQ, 1);
      Atomics.notify(ctrl, CTRL_SEQ);
      // release a call that may be waiting on the (now terminated) workers
      Atomics.add(ctrl, CTRL_DONE, threads);
      Atomics.notify(ctrl, CTRL_DONE);
      for (const wk of workers) void wk.terminate();
    },
  };
  return engine;
}

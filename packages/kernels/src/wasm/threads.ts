/**
 * What the wasm engine needs from its platform, implemented twice:
 * `platform.node.ts` (Node `worker_threads`, `os`) and `platform.web.ts`
 * (Web Workers from a Blob URL, `navigator`). The package's `#wasm-platform`
 * import picks one by the `node` export condition, so a browser bundle never
 * sees a Node built-in.
 * @module
 */

/** What each compute thread is given (the same on every platform). @internal */
export interface ThreadData {
  readonly bytes: Uint8Array;
  readonly memory: object;
  readonly tid: number;
  readonly nthreads: number;
  readonly mr: number;
  readonly nv: number;
  readonly dwMr: number;
  readonly dwNv: number;
  /** Milliseconds a worker polls for the next job after finishing one before it sleeps (0: sleep at once). */
  readonly spinMs: number;
}

/** A started compute thread. @internal */
export interface ComputeThread {
  /** Keep the process alive while a job runs (Node); a no-op in browsers. */
  readonly ref: () => void;
  readonly unref: () => void;
  readonly terminate: () => void;
  /** Calls `fail` once the thread dies or throws outside a job. */
  readonly onFail: (fail: (why: unknown) => void) => void;
}

/** The platform seam of the wasm engine. @internal */
export interface WasmPlatform {
  /** `Node` or `browser`, for the backend's device string. */
  readonly name: string;
  /** Can threads share a WebAssembly.Memory here (Node; a cross-origin-isolated page)? */
  readonly sharedMemory: () => boolean;
  /**
   * May the calling thread run a share of each job itself, synchronously (Node: yes; a browser
   * page's main thread must not block, so there the calling thread only waits, asynchronously)?
   */
  readonly callerJoins: boolean;
  /** Starts a compute thread and resolves once it is ready. */
  readonly spawn: (data: ThreadData) => Promise<ComputeThread>;
  /** The default number of compute threads. */
  readonly defaultThreads: () => number;
  /** The default buffer-pool size in bytes. */
  readonly defaultPoolBytes: () => number;
  /**
   * Can modules use relaxed SIMD here (its fused multiply-add)? `probe` is a module that uses it;
   * a platform may switch the feature on first (Node 20 has it behind a V8 flag).
   */
  readonly relaxedSimd: (probe: Uint8Array) => boolean;
  /**
   * Writes what can be learnt about a stalled job (Node: a diagnostic report, which holds every
   * worker thread's JavaScript stack) and returns where it went; undefined where there is none.
   */
  readonly diagnose: (tag: string) => string | undefined;
}

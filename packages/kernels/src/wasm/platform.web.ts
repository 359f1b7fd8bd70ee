/**
 * The wasm engine's platform in browsers (and other non-Node hosts): compute
 * threads are Web Workers started from a Blob URL, sharing the engine's
 * WebAssembly.Memory, which needs a cross-origin-isolated page
 * (`crossOriginIsolated`, i.e. COOP `same-origin` and COEP `require-corp`
 * headers). Elsewhere `sharedMemory()` is false and the engine runs
 * single-threaded on the calling thread.
 * @module
 */
import type { ComputeThread, ThreadData, WasmPlatform } from './threads.js';
import { WEB_WORKER_SOURCE } from './workerSource.js';

interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: { message?: string }) => void) | null;
}
interface WebGlobals {
  readonly Worker?: new (url: string) => WebWorker;
  readonly Blob?: new (parts: string[], options: { type: string }) => object;
  readonly URL: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  readonly crossOriginIsolated?: boolean;
  readonly SharedArrayBuffer?: unknown;
  readonly navigator?: { readonly hardwareConcurrency?: number; readonly deviceMemory?: number };
}
const g = globalThis as unknown as WebGlobals;

let workerUrl: string | undefined;

async function spawn(data: ThreadData): Promise<ComputeThread> {
  if (g.Worker === undefined || g.Blob === undefined) throw new Error('wasm-conv: no Web Workers here');
  workerUrl ??= g.URL.createObjectURL(new g.Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  const wk = new g.Worker(workerUrl);
  let fail: ((why: unknown) => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    wk.onmessage = () => resolve();
    wk.onerror = (ev) => reject(new Error(`wasm-conv: worker failed to start (${ev.message ?? 'unknown error'})`));
    wk.postMessage(data);
  });
  wk.onmessage = null;
  wk.onerror = (ev) => fail?.(new Error(`wasm-conv: worker error (${ev.message ?? 'unknown error'})`));
  return {
    ref: () => undefined,
    unref: () => undefined,
    terminate: () => wk.terminate(),
    onFail: (f) => {
      fail = f;
    },
  };
}

/** Browsers: Web Workers when cross-origin isolated; hardwareConcurrency threads (at most 8); 256 MiB of pool (an eighth of deviceMemory when smaller). @internal */
export const platform: WasmPlatform = {
  name: 'browser',
  callerJoins: false,
  sharedMemory: () => g.crossOriginIsolated === true && g.SharedArrayBuffer !== undefined && g.Worker !== undefined,
  spawn,
  defaultThreads: () => Math.max(1, Math.min(8, g.navigator?.hardwareConcurrency ?? 1)),
  defaultPoolBytes: () => Math.min(2 ** 28, Math.floor(((g.navigator?.deviceMemory ?? 2) * 2 ** 30) / 8)),
  // Chrome 114+ ships relaxed SIMD; elsewhere the probe fails and the engine uses mul + add.
  relaxedSimd: (probe) => (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(probe),
  diagnose: () => undefined,
};

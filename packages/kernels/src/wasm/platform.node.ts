/**
 * The wasm engine's platform in Node: compute threads are `worker_threads`
 * running the eval'd CommonJS `WORKER_SOURCE`, unref'd while idle.
 * @module
 */
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { ComputeThread, ThreadData, WasmPlatform } from './threads.js';
import { WORKER_SOURCE } from './workerSource.js';

async function spawn(data: ThreadData): Promise<ComputeThread> {
  const wk = new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: [], // the eval'd CommonJS source must not inherit e.g. --input-type=module
    workerData: data,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      wk.once('message', () => resolve());
      wk.once('error', reject);
    });
  } finally {
    // from now on an idle worker must not keep the process alive
    wk.unref();
  }
  return {
    ref: () => wk.ref(),
    unref: () => wk.unref(),
    terminate: () => void wk.terminate(),
    onFail: (fail) => {
      wk.on('error', fail);
      wk.on('exit', (code) => fail(new Error(`wasm-conv: worker exited (code ${code})`)));
    },
  };
}

const wasmValidate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes);

/**
 * Relaxed SIMD is on by default from Node 22 (V8 12); Node 20's V8 11.3 implements it behind
 * `--experimental-wasm-relaxed-simd`, a flag that only gates validation of new modules, so it is
 * switched on here (process-wide, for modules compiled from now on) unless COLAB_WASM_RELAXED_SIMD=0.
 */
function relaxedSimd(probe: Uint8Array): boolean {
  if (process.env.COLAB_WASM_RELAXED_SIMD === '0') return false;
  if (wasmValidate(probe)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return wasmValidate(probe);
}

/** A diagnostic report (with each worker's JavaScript stack) in the temporary folder; its path, or undefined. */
function diagnose(tag: string): string | undefined {
  try {
    const file = join(tmpdir(), `colab-ts-${tag}-${process.pid}-${Date.now()}.json`);
    return process.report?.writeReport(file) || undefined;
  } catch {
    return undefined;
  }
}

/** Node: worker threads; as many as the CPUs this process may use (at most 8); an eighth of the memory (at most 2 GiB) for the pool. @internal */
export const platform: WasmPlatform = {
  name: 'Node',
  sharedMemory: () => true,
  callerJoins: true,
  spawn,
  defaultThreads: () => Math.max(1, Math.min(8, typeof availableParallelism === 'function' ? availableParallelism() : cpus().length)),
  defaultPoolBytes: () => Math.min(2 ** 31, Math.floor(totalmem() / 8)),
  relaxedSimd,
  diagnose,
};

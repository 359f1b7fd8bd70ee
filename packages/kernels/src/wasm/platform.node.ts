/**
 * The wasm engine's platform in Node: compute threads are `worker_threads`
 * running the eval'd CommonJS `WORKER_SOURCE`, unref'd while idle.
 * @module
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
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

/** Node: worker threads; as many as the CPUs this process may use (at most 8); an eighth of the memory (at most 2 GiB) for the pool. @internal */
export const platform: WasmPlatform = {
  name: 'Node',
  sharedMemory: () => true,
  spawn,
  defaultThreads: () => Math.max(1, Math.min(8, typeof availableParallelism === 'function' ? availableParallelism() : cpus().length)),
  defaultPoolBytes: () => Math.min(2 ** 31, Math.floor(totalmem() / 8)),
};

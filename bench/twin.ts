/**
 * The PyTorch twin (/work/shared/peers/torch_unet_twin.py, or PEERS_DIR) as a
 * JSON-lines server, shared by the benchmarks that race colab-ts against it
 * (unet.bench.ts, slidingWindow.bench.ts): finding a python3 that imports
 * torch, the peers' input hash, the twin driver and peak RSS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { machine } from './harness.js';

const PEERS = process.env.PEERS_DIR ?? '/work/shared/peers';
const TWIN = join(PEERS, 'torch_unet_twin.py');
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

/** Prints one SKIP line and exits 0 when PyTorch or the twin is missing (`bench` names the benchmark). */
export function skipWithoutTwin(bench: string): void {
  if (python !== undefined && existsSync(TWIN)) return;
  console.log(
    `SKIP ${bench}: ${python === undefined ? "PyTorch is not importable (python3 -c 'import torch' failed; apt-get install -y python3-torch)" : `no twin at ${TWIN}`}`,
  );
  process.exit(0);
}

/** The peers' integer hash (murmur3 fmix32 of (i, seed)) to [-1, 1) with 24 bits, as torch_bench.hash_fill. */
export function hashFill(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const s = Math.imul(seed, 0x85ebca77) >>> 0;
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + s) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    out[i] = ((h >>> 8) / 16777216) * 2 - 1;
  }
  return out;
}

/** Peak resident set size of this process (all its threads, the wasm engine's memory included), MiB. */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** A running twin: `ask` sends one request and resolves with its reply (throwing on `ok: false`). */
export interface Twin {
  readonly ask: (m: object) => Promise<Record<string, unknown>>;
  readonly close: () => void;
}

/**
 * TWIN_ISA caps the vector instruction set PyTorch may use (oneDNN's convolutions and ATen's kernels), to race
 * colab-ts against the same vector width: `sse41` (128 bits, as WebAssembly SIMD), `avx2` (256), `avx512`;
 * unset: whatever this CPU has.
 */
const ISA: Readonly<Record<string, { readonly onednn: string; readonly aten: string }>> = {
  sse41: { onednn: 'SSE41', aten: 'default' },
  avx2: { onednn: 'AVX2', aten: 'avx2' },
  avx512: { onednn: 'AVX512_CORE', aten: 'avx512' },
};
const twinIsa = (): string => {
  const v = process.env.TWIN_ISA ?? '';
  if (v !== '' && ISA[v] === undefined) throw new Error(`TWIN_ISA=${v}: expected one of ${Object.keys(ISA).join(', ')} (or unset: the CPU's own)`);
  return v === '' ? 'native' : v;
};

/** Starts the twin on `threads` PyTorch threads (call `skipWithoutTwin` first). */
export function startTwin(threads: number): Twin {
  if (python === undefined) throw new Error('startTwin: PyTorch is not importable (call skipWithoutTwin first)');
  const isa = ISA[twinIsa()];
  const env = {
    ...process.env,
    ...(isa === undefined ? {} : { ONEDNN_MAX_CPU_ISA: isa.onednn, DNNL_MAX_CPU_ISA: isa.onednn, ATEN_CPU_CAPABILITY: isa.aten }),
    TORCH_THREADS: String(threads),
    // PyTorch's own OpenMP wait policy (its threads spin a few ms before they sleep), as users run it;
    // TWIN_OMP_WAIT=passive puts them to sleep at once (slower small steps; what results before 2026-12-04 used).
    ...(process.env.TWIN_OMP_WAIT === 'passive' ? { OMP_WAIT_POLICY: 'PASSIVE' } : {}),
    OPENBLAS_NUM_THREADS: '1',
    MALLOC_MMAP_THRESHOLD_: '33554432',
    MALLOC_TRIM_THRESHOLD_: '17179869184',
  };
  const child = spawn(python, [TWIN], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const l = await lines.next();
    if (l.done === true) throw new Error('twin: the PyTorch twin exited');
    return JSON.parse(l.value) as Record<string, unknown>;
  };
  const ready = next();
  return {
    ask: async (m) => {
      await ready;
      child.stdin!.write(`${JSON.stringify(m)}\n`);
      const r = await next();
      if (r.ok !== true) throw new Error(`twin: ${JSON.stringify(m)} failed: ${String(r.error)}`);
      return r;
    },
    close: () => {
      child.stdin!.end(`${JSON.stringify({ cmd: 'exit' })}\n`);
    },
  };
}

/** The facts every twin benchmark records: machine, backend, PyTorch's `info`, threads, load averages at `load0` and now, method. */
export function twinMeta(backend: string, torch: Record<string, unknown>, threads: number, load0: readonly number[], method: string) {
  return { machine: machine(), backend, torch, torchIsa: twinIsa(), threads, loadAverageStart: load0, loadAverageEnd: loadavg(), method };
}

/** The opening lines of a twin benchmark's markdown results: title, machine and load, method. */
export const twinMdHeader = (title: string, meta: ReturnType<typeof twinMeta>): string[] => [
  `# ${title}`,
  '',
  `${meta.machine.date}, ${meta.machine.cpu} (${meta.machine.cores} cores), Node ${meta.machine.node}, PyTorch ${String(meta.torch.torch)}${meta.torchIsa === 'native' ? '' : ` restricted to ${meta.torchIsa} (TWIN_ISA)`}; ${meta.threads} threads each; load average ${meta.loadAverageStart.map((v) => v.toFixed(2)).join('/')} at start, ${meta.loadAverageEnd.map((v) => v.toFixed(2)).join('/')} at end.`,
  `${meta.method}.`,
  '',
];

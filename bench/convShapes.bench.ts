/**
 * The three convolution passes (forward, input gradient as the autodiff rule
 * runs it: `convTranspose3d`, weight gradient) of the wasm backend on the
 * shapes of the 3D U-Net step (batch 2, 16 base features, 4 stages), each
 * timed against a peer in the same run: another `@colab-ts/kernels` source
 * tree named by CONV_PEER (e.g. /work/main/packages/kernels/src/index.ts, the
 * engine before a change), runs interleaved call by call; ratio = this / peer.
 * Without CONV_PEER only this tree is timed.
 * Also the process CPU time per call (all threads): on a shared machine the steadier figure of the
 * work done. Each result is disposed after its call, as `realize` disposes intermediates, so the next call
 * draws its output from the backend's buffer pool (a fresh 4 MiB array costs about 8 ms of page faults on
 * this VM, a third of the 16 -> 16 forward pass; CONV_FRESH=1 keeps every result and measures that). Results: bench/results/conv-shapes.json and .md.
 * Run: tsx --conditions=@colab-ts/source bench/convShapes.bench.ts   (CONV_REPS, default 7; CONV_SHAPES=a,b to pick)
 */
import type { AnyBackend } from '@colab-ts/kernels';
import { createWasmBackend } from '@colab-ts/kernels';
import type { NDArray } from '@colab-ts/ndarray';
import { key, uniform } from '@colab-ts/ndarray';
import { renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, writeResults } from './harness.js';

interface Case {
  readonly name: string;
  readonly x: readonly [number, number, number, number, number];
  readonly cout: number;
  readonly stride: number;
}
const CASES: readonly Case[] = [
  { name: 's0 16->16 32^3', x: [2, 16, 32, 32, 32], cout: 16, stride: 1 },
  { name: 's0 1->16 32^3', x: [2, 1, 32, 32, 32], cout: 16, stride: 1 },
  { name: 's0 32->16 32^3', x: [2, 32, 32, 32, 32], cout: 16, stride: 1 },
  { name: 'down 16->32 32^3 s2', x: [2, 16, 32, 32, 32], cout: 32, stride: 2 },
  { name: 's1 32->32 16^3', x: [2, 32, 16, 16, 16], cout: 32, stride: 1 },
  { name: 's2 64->64 8^3', x: [2, 64, 8, 8, 8], cout: 64, stride: 1 },
  { name: 's3 128->128 4^3', x: [2, 128, 4, 4, 4], cout: 128, stride: 1 },
];
const pick = (process.env.CONV_SHAPES ?? '').split(',').filter((s) => s !== '');
const reps = Number(process.env.CONV_REPS ?? 7);
const fresh = process.env.CONV_FRESH === '1';

type K = AnyBackend['kernels'];
async function load(path: string | undefined): Promise<AnyBackend | null> {
  if (path === undefined) return null;
  const mod = (await import(path)) as { createWasmBackend: typeof createWasmBackend };
  return mod.createWasmBackend({ threads: 2 });
}
const mine = await createWasmBackend({ threads: 2 });
const peer = await load(process.env.CONV_PEER);
const outSize = (n: number, s: number) => Math.floor((n + 2 - 3) / s) + 1;

const rows: string[] = [];
const records: object[] = [];
const load0 = loadavg();
for (const [ci, c] of CASES.entries()) {
  if (pick.length > 0 && !pick.some((p) => c.name.startsWith(p))) continue;
  const [N, Cin, D, H, W] = c.x;
  const o = { stride: c.stride, padding: 1 };
  const x = uniform(key(ci * 3 + 1), [...c.x], { low: -1, high: 1 });
  const w = uniform(key(ci * 3 + 2), [c.cout, Cin, 3, 3, 3], { low: -0.2, high: 0.2 });
  const ys = [N, c.cout, outSize(D, c.stride), outSize(H, c.stride), outSize(W, c.stride)];
  const dy = uniform(key(ci * 3 + 3), ys, { low: -1, high: 1 });
  const flops = 2 * N * c.cout * Cin * 27 * ys[2]! * ys[3]! * ys[4]!;
  const passes: Record<string, (k: K) => Promise<NDArray>> = {
    fwd: (k) => k.conv3d(x, w, null, o) as Promise<NDArray>,
    dX: (k) =>
      k.convTranspose3d(dy, w, null, {
        ...o,
        outputPadding: [0, 1, 2].map((i) => c.x[2 + i]! - ((ys[2 + i]! - 1) * c.stride - 2 + 3)) as [number, number, number],
      }) as Promise<NDArray>,
    dW: (k) => k.conv3dBackwardWeights(x, dy, [c.cout, Cin, 3, 3, 3], o) as Promise<NDArray>,
  };
  for (const [pass, run] of Object.entries(passes)) {
    const t: number[] = [];
    const tp: number[] = [];
    const cpu: number[] = [];
    const cpuP: number[] = [];
    const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
    // At least `reps` timed calls after two warm-up calls: the first calls of a pass run its wasm functions
    // before V8 has tiered them up (three calls with one warm-up put the 16 -> 16 weight gradient at 30 GF/s, twelve at 75).
    const r = Math.max(reps, Math.round((reps * 2e8) / Math.max(2e8, flops)));
    const warm = 2;
    for (let i = 0; i < r + warm; i++) {
      let t0 = performance.now();
      let c0 = process.cpuUsage();
      const y = await run(mine.kernels as K);
      if (i >= warm) t.push(performance.now() - t0);
      if (i >= warm) cpu.push(cpuMs(process.cpuUsage(c0)));
      if (!fresh) mine.dispose(y);
      if (peer !== null) {
        t0 = performance.now();
        c0 = process.cpuUsage();
        const yp = await run(peer.kernels as K);
        if (i >= warm) tp.push(performance.now() - t0);
        if (i >= warm) cpuP.push(cpuMs(process.cpuUsage(c0)));
        if (!fresh) peer.dispose(yp);
      }
    }
    // wall time (median), and CPU time of the process (all threads; median): under a shared machine the
    // CPU time is the steadier figure of the work done (GFLOP per CPU-second; 2 threads give twice it at best).
    const ms = median(t);
    const cm = median(cpu);
    const f = (v: number) => (flops / v / 1e6).toFixed(2).padStart(6);
    const line = `${c.name.padEnd(22)} ${pass.padEnd(4)} ${ms.toFixed(1).padStart(7)} ms ${f(ms)} GF/s cpu ${cm.toFixed(1).padStart(7)} ms ${f(cm)} GF/cpu-s${
      peer !== null
        ? ` | peer ${median(tp).toFixed(1).padStart(7)} ms ${f(median(tp))} GF/s cpu ${f(median(cpuP))} GF/cpu-s | ratio wall ${(ms / median(tp)).toFixed(2)} cpu ${(cm / median(cpuP)).toFixed(2)}`
        : ''
    }`;
    console.log(line);
    rows.push(line);
    const gf = (v: number) => Number((flops / v / 1e6).toFixed(2));
    records.push({
      shape: c.name,
      pass,
      ms: Number(ms.toFixed(2)),
      gflops: gf(ms),
      cpuMs: Number(cm.toFixed(2)),
      gflopsPerCpuSecond: gf(cm),
      ...(peer !== null ? { peerMs: Number(median(tp).toFixed(2)), peerGflops: gf(median(tp)), peerGflopsPerCpuSecond: gf(median(cpuP)) } : {}),
    });
  }
}
const note = `${machine().cpu}, ${new Date().toISOString()}; load average ${load0.map((v) => v.toFixed(2)).join('/')} at start, ${loadavg()
  .map((v) => v.toFixed(2))
  .join(
    '/',
  )} at end (the machine is shared). Peer: ${process.env.CONV_PEER ?? 'none'}. Results ${fresh ? 'kept (fresh output arrays every call, CONV_FRESH=1)' : 'disposed after each call (outputs from the buffer pool, as in a step)'}.`;
writeResults('conv-shapes', { note, peer: process.env.CONV_PEER ?? null, reps, results: records });
const md = join(dirname(fileURLToPath(import.meta.url)), 'results', 'conv-shapes.md');
writeFileSync(
  `${md}.tmp`,
  `# conv3d passes on the 3D U-Net's layer shapes (wasm backend, 2 threads)\n\n${note}\nGFLOP/s = 2 N Cout Cin 27 Do Ho Wo / median wall time; GF/cpu-s the same over the process CPU time (all threads). dX is convTranspose3d (as the autodiff rule runs it). ratio = this tree / peer.\n\n\`\`\`\n${rows.join('\n')}\n\`\`\`\n`,
);
renameSync(`${md}.tmp`, md);
await (mine as unknown as { close: () => Promise<void> }).close();
if (peer !== null) await (peer as unknown as { close: () => Promise<void> }).close();
process.exit(0);

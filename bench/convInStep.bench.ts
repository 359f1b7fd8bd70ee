/**
 * The convolutions inside one 3D U-Net training step (forward, CE + soft Dice
 * loss, backward; batch 2, 16 base features, 4 stages, 32^3 or 64^3) on the
 * wasm backend (2 threads): every conv kernel call is timed (wall and process
 * CPU time) and summed per kernel, for GFLOP/s in the step. With CONV_PEER
 * (another `@colab-ts/kernels` source tree, e.g. the code before a change) the
 * two backends alternate step by step in the same run.
 * Results: bench/results/conv-in-step.json and .md.
 * Run: tsx --conditions=@colab-ts/source bench/convInStep.bench.ts [32|64] [reps]
 */
import { renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import type { AnyBackend } from '@colab-ts/kernels';
import { createWasmBackend } from '@colab-ts/kernels';
import * as nd from '@colab-ts/ndarray';
import { ceDiceLoss, toTensors, unetApply, unetInit, type UNetParams } from '@colab-ts/nn';
import { machine, median, writeResults } from './harness.js';

const S = Number(process.argv[2] ?? 32);
const reps = Number(process.argv[3] ?? 3);
const stages3 = (n: number) =>
  Array.from({ length: n }, (_, s) => ({ kernel: [3, 3, 3] as const, stride: (s === 0 ? [1, 1, 1] : [2, 2, 2]) as readonly [number, number, number] }));
const config = { inChannels: 1, outChannels: 2, stages: stages3(4), baseFeatures: 16, maxFeatures: 128 };

interface Tally {
  cpu: number;
  wall: number;
  flops: number;
}
interface System {
  readonly name: string;
  readonly be: AnyBackend;
  readonly byKind: Map<string, Tally>;
  readonly steps: number[];
}

const grid = (s: readonly number[]) => s[2]! * s[3]! * s[4]!;
/** FLOPs of a conv kernel call: 2 N Cout Cin k^3 times the output grid of the forward convolution it belongs to. */
function convFlops(k: string, args: readonly unknown[], out: nd.NDArray): number {
  const arrs = args.filter(nd.isNDArray) as nd.NDArray[];
  const w = k === 'conv3dBackwardWeights' ? out : arrs[1]!;
  const kv = w.shape[2]! * w.shape[3]! * w.shape[4]!;
  const fwdGrid = k === 'conv3d' ? grid(out.shape) : k === 'conv3dBackwardWeights' ? grid(arrs[1]!.shape) : grid(arrs[0]!.shape);
  return 2 * arrs[0]!.shape[0]! * w.shape[0]! * w.shape[1]! * kv * fwdGrid;
}

function instrument(name: string, be: AnyBackend): System {
  const byKind = new Map<string, Tally>();
  const wrapped: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(be.kernels)) {
    wrapped[k] = async (...args: unknown[]) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = await (f as (...a: unknown[]) => Promise<unknown>)(...args);
      const c = process.cpuUsage(c0);
      const kind = k.startsWith('conv') ? k : 'other kernels';
      const e = byKind.get(kind) ?? { cpu: 0, wall: 0, flops: 0 };
      e.cpu += (c.user + c.system) / 1000;
      e.wall += performance.now() - t0;
      if (k.startsWith('conv')) e.flops += convFlops(k, args, r as nd.NDArray);
      byKind.set(kind, e);
      return r;
    };
  }
  return { name, be: { ...be, kernels: wrapped } as AnyBackend, byKind, steps: [] };
}

const systems = [instrument('this tree', await createWasmBackend({ threads: 2 }))];
if (process.env.CONV_PEER !== undefined) {
  const mod = (await import(process.env.CONV_PEER)) as { createWasmBackend: typeof createWasmBackend };
  systems.push(instrument(`peer ${process.env.CONV_PEER}`, await mod.createWasmBackend({ threads: 2 })));
}
const params = unetInit(nd.key(0), config);
const x = nd.normal(nd.key(1), [2, 1, S, S, S]);
const target = nd.softmax(nd.normal(nd.key(2), [2, 2, S, S, S]), 1);
const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target);
const load0 = loadavg();
for (let r = 0; r < reps + 1; r++)
  for (const sys of systems) {
    if (r === 1) sys.byKind.clear();
    const t0 = performance.now();
    const [l, g] = valueAndGrad(loss)(toTensors(params));
    await realize({ l, g }, { backend: sys.be });
    if (r > 0) sys.steps.push(performance.now() - t0);
  }

const lines: string[] = [];
const results = systems.map((sys) => {
  const kinds = [...sys.byKind.entries()].map(([kind, t]) => ({
    kind,
    msPerStep: Number((t.wall / reps).toFixed(1)),
    cpuMsPerStep: Number((t.cpu / reps).toFixed(1)),
    ...(t.flops > 0 ? { gflops: Number((t.flops / t.wall / 1e6).toFixed(2)), gflopsPerCpuSecond: Number((t.flops / t.cpu / 1e6).toFixed(2)) } : {}),
  }));
  const conv = [...sys.byKind.entries()].filter(([k]) => k.startsWith('conv')).map(([, t]) => t);
  const sum = (f: (t: Tally) => number) => conv.reduce((a, t) => a + f(t), 0);
  const all = {
    stepMs: Number(median(sys.steps).toFixed(1)),
    convMsPerStep: Number((sum((t) => t.wall) / reps).toFixed(1)),
    convGflops: Number((sum((t) => t.flops) / sum((t) => t.wall) / 1e6).toFixed(2)),
    convGflopsPerCpuSecond: Number((sum((t) => t.flops) / sum((t) => t.cpu) / 1e6).toFixed(2)),
  };
  lines.push(
    `${sys.name}: step ${all.stepMs} ms (median of ${reps}); conv ${all.convMsPerStep} ms/step, ${all.convGflops} GFLOP/s in the step, ${all.convGflopsPerCpuSecond} GFLOP per CPU-second`,
  );
  for (const k of kinds)
    lines.push(
      `  ${k.kind.padEnd(22)} ${String(k.msPerStep).padStart(8)} ms ${String(k.cpuMsPerStep).padStart(8)} cpu-ms${'gflops' in k ? `  ${k.gflops} GFLOP/s, ${k.gflopsPerCpuSecond} GF/cpu-s` : ''}`,
    );
  return { system: sys.name, ...all, kinds };
});
console.log(lines.join('\n'));
const note = `${machine().cpu}, ${new Date().toISOString()}; 3D U-Net ${S}^3, batch 2; load average ${load0.map((v) => v.toFixed(2)).join('/')} at start, ${loadavg()
  .map((v) => v.toFixed(2))
  .join('/')} at end (the machine is shared).`;
writeResults(`conv-in-step-${S}`, { note, reps, results });
const md = join(dirname(fileURLToPath(import.meta.url)), 'results', `conv-in-step-${S}.md`);
writeFileSync(`${md}.tmp`, `# conv3d inside the 3D U-Net step (${S}^3), wasm backend, 2 threads\n\n${note}\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`);
renameSync(`${md}.tmp`, md);
process.exit(0);

/**
 * The convolutions inside one 3D U-Net training step (forward, CE + soft Dice
 * loss, backward; batch 2, 16 base features, 4 stages, 32^3 or 64^3) on the
 * wasm backend (2 threads): every conv kernel call is timed (wall and process
 * CPU time) and summed per kernel, for GFLOP/s in the step. With CONV_PEER
 * (another `@colab-ts/kernels` source tree, e.g. the code before a change) the
 * two backends alternate step by step in the same run. Issue #10's layer (16 -> 16 channels, 3^3, stride 1, at
 * S^3: its forward, input-gradient and weight-gradient calls, recognised by their operand shapes) is also timed
 * call by call in the step and then standalone: the same calls with the same operands, repeated alone after the
 * steps, so that "inside the step / standalone" compares like with like in one run.
 * Results: bench/results/conv-in-step-S.json and .md.
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
interface Call {
  readonly kernel: string;
  readonly args: readonly unknown[];
  readonly flops: number;
  readonly wall: number[];
}
interface System {
  readonly name: string;
  readonly be: AnyBackend;
  readonly raw: AnyBackend;
  readonly byKind: Map<string, Tally>;
  /** The issue's layer: one entry per distinct call (kernel and operand shapes), its in-step times per step. */
  readonly layer: Map<string, Call>;
  readonly steps: number[];
}

/** The shapes of issue #10's layer: activations [2, 16, S, S, S], weights [16, 16, 3, 3, 3] and bias [16]. */
const LAYER_SHAPES = (S: number) => new Set([`2x16x${S}x${S}x${S}`, '16x16x3x3x3', '16']);

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
  const layer = new Map<string, Call>();
  const shapes = LAYER_SHAPES(S);
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
      if (k.startsWith('conv')) {
        const all = [...(args.filter(nd.isNDArray) as nd.NDArray[]), r as nd.NDArray].map((a) => a.shape.join('x'));
        if (all.every((sh) => shapes.has(sh))) {
          const id = `${k} ${all.join(', ')}`;
          const call = layer.get(id) ?? { kernel: k, args, flops: convFlops(k, args, r as nd.NDArray), wall: [] };
          call.wall.push(performance.now() - t0);
          layer.set(id, call);
        }
      }
      return r;
    };
  }
  return { name, be: { ...be, kernels: wrapped } as AnyBackend, raw: be, byKind, layer, steps: [] };
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
    if (r === 1) {
      sys.byKind.clear();
      for (const c of sys.layer.values()) c.wall.length = 0;
    }
    const t0 = performance.now();
    const [l, g] = valueAndGrad(loss)(toTensors(params));
    await realize({ l, g }, { backend: sys.be });
    if (r > 0) sys.steps.push(performance.now() - t0);
  }

// The issue's layer alone: each of its calls again with the same operands, reps times per call in the step.
const standalone = new Map<System, Map<string, number[]>>();
for (const sys of systems) {
  const m = new Map<string, number[]>();
  for (const [id, c] of sys.layer) {
    const f = sys.raw.kernels[c.kernel as keyof typeof sys.raw.kernels] as unknown as (...a: unknown[]) => Promise<unknown>;
    await f(...c.args);
    const times: number[] = [];
    for (let i = 0; i < Math.max(reps, 5); i++) {
      const t0 = performance.now();
      await f(...c.args);
      times.push(performance.now() - t0);
    }
    m.set(id, times);
  }
  standalone.set(sys, m);
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
  // In the step: every call of the layer, the median over steps of its summed time; standalone: the median per call.
  const calls = [...sys.layer.entries()].map(([id, c]) => {
    const perStep = c.wall.length / reps;
    const inStep = median(c.wall) * perStep;
    const alone = median(standalone.get(sys)!.get(id)!) * perStep;
    const flops = c.flops * perStep;
    return {
      call: id,
      perStep,
      inStepMs: Number(inStep.toFixed(2)),
      standaloneMs: Number(alone.toFixed(2)),
      inStepGflops: Number((flops / inStep / 1e6).toFixed(2)),
      standaloneGflops: Number((flops / alone / 1e6).toFixed(2)),
    };
  });
  const tot = (f: (c: (typeof calls)[number]) => number) => calls.reduce((a, c) => a + f(c), 0);
  const layerFlops = [...sys.layer.values()].reduce((a, c) => a + c.flops * (c.wall.length / reps), 0);
  const layerSummary =
    calls.length === 0
      ? undefined
      : {
          inStepGflops: Number((layerFlops / tot((c) => c.inStepMs) / 1e6).toFixed(2)),
          standaloneGflops: Number((layerFlops / tot((c) => c.standaloneMs) / 1e6).toFixed(2)),
          ratio: Number((tot((c) => c.standaloneMs) / tot((c) => c.inStepMs)).toFixed(3)),
        };
  if (layerSummary !== undefined) {
    lines.push(
      `  the issue's layer (16 -> 16, 3^3, ${S}^3, fwd + dX + dW): ${layerSummary.inStepGflops} GFLOP/s in the step, ${layerSummary.standaloneGflops} standalone (same calls, same operands): ratio ${layerSummary.ratio}`,
    );
    for (const c of calls)
      lines.push(
        `    ${c.call}: ${c.perStep}/step, in the step ${c.inStepMs} ms (${c.inStepGflops} GFLOP/s), alone ${c.standaloneMs} ms (${c.standaloneGflops})`,
      );
  }
  return { system: sys.name, ...all, kinds, ...(layerSummary === undefined ? {} : { layer: { ...layerSummary, calls } }) };
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

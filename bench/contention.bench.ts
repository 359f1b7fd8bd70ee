/**
 * Training beside other work: one U-Net training step loop (forward, CE + soft Dice loss, backward; the
 * wasm backend, 2 threads) run alone and as two processes side by side on the same cores, with the
 * engine's threads polling for each other always (`adaptiveSpin: false`, the engine before 2026-12-05) and
 * adaptively (the default: polling stops while the workers are often late). Every process warms up, waits
 * at a barrier, then counts steps for CONTENTION_SECONDS (default 15); rounds alternate the policies.
 * Reported per configuration and policy: ms per step of each process, and the steps per second of all
 * processes together; the ratio is adaptive / always (throughput). Results: bench/results/contention.json
 * and contention.md.
 *
 * Run: pnpm bench:contention [demo,3d]   (builds, then runs on the built packages; CONTENTION_ROUNDS, default 2)
 *   demo  batch 4, 1x1x32x32, 8 features, 3 stages (the demo's U-Net)
 *   3d    batch 2, 1x16x32x32, 16 features, 4 stages
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import { createWasmBackend } from '@colab-ts/kernels';
import * as nd from '@colab-ts/ndarray';
import { ceDiceLoss, toTensors, unetApply, unetInit, type UNetConfig, type UNetParams } from '@colab-ts/nn';
import { machine, median, writeResults } from './harness.js';

type Stage = UNetConfig['stages'][number];
const stages = (n: number, kernel: Stage['kernel'], down: Stage['stride']): Stage[] =>
  Array.from({ length: n }, (_, s) => ({ kernel, stride: s === 0 ? [1, 1, 1] : down }));
const CONFIGS: Record<string, { name: string; config: UNetConfig; input: [number, number, number, number, number] }> = {
  demo: {
    name: 'demo: batch 4, 1x1x32x32, 8 features, 3 stages',
    config: { inChannels: 1, outChannels: 2, stages: stages(3, [1, 3, 3], [1, 2, 2]), baseFeatures: 8, maxFeatures: 64 },
    input: [4, 1, 1, 32, 32],
  },
  '3d': {
    name: '3D: batch 2, 1x16x32x32, 16 features, 4 stages',
    config: { inChannels: 1, outChannels: 2, stages: stages(4, [3, 3, 3], [2, 2, 2]), baseFeatures: 16, maxFeatures: 128 },
    input: [2, 1, 16, 32, 32],
  },
};

/** A child: warm up, say "ready", wait for "go", count steps for `seconds`, print ms per step as JSON. */
async function child(which: string, adaptive: boolean, seconds: number): Promise<void> {
  const c = CONFIGS[which]!;
  const be = await createWasmBackend({ threads: 2, adaptiveSpin: adaptive });
  const params = unetInit(nd.key(0), c.config);
  const x = nd.normal(nd.key(1), c.input);
  const target = nd.softmax(nd.normal(nd.key(2), [c.input[0], c.config.outChannels, ...c.input.slice(2)]), 1);
  const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, x), target);
  const step = async (): Promise<void> => {
    const [l, g] = valueAndGrad(loss)(toTensors(params));
    await realize({ l, g }, { backend: be });
  };
  const warm = performance.now();
  while (performance.now() - warm < 4000) await step();
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await step();
    n++;
  }
  process.stdout.write(`${JSON.stringify({ msPerStep: (performance.now() - t0) / n, steps: n })}\n`);
  await be.close();
  process.exit(0);
}

/** Runs `k` children side by side behind one barrier; returns each one's ms per step. */
async function sideBySide(which: string, adaptive: boolean, k: number, seconds: number): Promise<number[]> {
  const kids = Array.from({ length: k }, () =>
    spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--child', which, String(adaptive), String(seconds)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = kids.map((kid) => {
    const rl = createInterface({ input: kid.stdout! });
    const queue: string[] = [];
    const waiters: ((s: string) => void)[] = [];
    rl.on('line', (l) => (waiters.length > 0 ? waiters.shift()!(l) : queue.push(l)));
    return (): Promise<string> => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r)));
  });
  for (const next of lines) if ((await next()) !== 'ready') throw new Error('contention: a child did not get ready');
  for (const kid of kids) kid.stdin!.write('go\n');
  return Promise.all(lines.map(async (next) => (JSON.parse(await next()) as { msPerStep: number }).msPerStep));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4] === 'true', Number(process.argv[5]));
} else {
  const which = (process.argv[2] ?? 'demo,3d').split(',');
  const seconds = Number(process.env.CONTENTION_SECONDS ?? 15);
  const rounds = Number(process.env.CONTENTION_ROUNDS ?? 2);
  const rows: Record<string, unknown>[] = [];
  const md = [
    '# Training beside other work: the engine polling always vs adaptively',
    '',
    `${new Date().toISOString()}, ${JSON.stringify(machine())}; ${seconds} s per measurement, ${rounds} rounds alternating the policies; medians over rounds.`,
    '',
    '| configuration | processes | ms per step, polling always | ms per step, adaptive | steps/s, always | steps/s, adaptive | adaptive / always (steps/s) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const w of which) {
    for (const k of [1, 2]) {
      const ms: Record<'always' | 'adaptive', number[][]> = { always: [], adaptive: [] };
      for (let r = 0; r < rounds; r++)
        for (const policy of ['always', 'adaptive'] as const) {
          ms[policy].push(await sideBySide(w, policy === 'adaptive', k, seconds));
          console.log(
            w,
            k,
            policy,
            ms[policy]
              .at(-1)!
              .map((v) => v.toFixed(2))
              .join(' / '),
            'ms/step',
          );
        }
      const per = (p: 'always' | 'adaptive') => median(ms[p].map((run) => run.reduce((a, b) => a + b, 0) / run.length));
      const rate = (p: 'always' | 'adaptive') => median(ms[p].map((run) => run.reduce((a, v) => a + 1000 / v, 0)));
      const row = {
        config: w,
        processes: k,
        msAlways: per('always'),
        msAdaptive: per('adaptive'),
        stepsPerSecondAlways: rate('always'),
        stepsPerSecondAdaptive: rate('adaptive'),
        raw: ms,
      };
      rows.push(row);
      md.push(
        `| ${CONFIGS[w]!.name} | ${k} | ${row.msAlways.toFixed(2)} | ${row.msAdaptive.toFixed(2)} | ${row.stepsPerSecondAlways.toFixed(2)} | ${row.stepsPerSecondAdaptive.toFixed(2)} | ${(row.stepsPerSecondAdaptive / row.stepsPerSecondAlways).toFixed(2)} |`,
      );
    }
  }
  writeResults('contention', { machine: machine(), seconds, rounds, rows });
  writeFileSync(join(import.meta.dirname, 'results', 'contention.md'), `${md.join('\n')}\n`);
  console.log(md.join('\n'));
}

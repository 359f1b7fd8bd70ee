/**
 * The kernels benchmark (`kernels.bench.ts`) on a GPU: the `gpu` backend on
 * the device gpu.js chooses (WebGPU where an adapter answers, else WebGL),
 * beside TF.js cpu and the `wasm` backend for the ratios. Prints which device
 * gpu.js chose. Without a WebGPU or WebGL device it prints one line saying so
 * and exits 0. In Node, WebGPU comes from the `webgpu` package (Dawn) that
 * gpu.js depends on; it is installed into `navigator.gpu` when it loads.
 * Results: bench/results/kernels-device.json and kernels-device.md.
 *
 * Run: pnpm bench:kernels:device   (BENCH_QUICK=1 for fewer runs)
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { createWasmBackend } from '@colab-ts/kernels';
import { createGpuBackend } from '@colab-ts/kernels/gpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { System } from './kernels.bench.js';
import { backendSystem, crossCheck, inputs, publish, report, tfjsSystem, timeSystems } from './kernels.bench.js';

/** Installs Dawn's WebGPU as `navigator.gpu` in Node, when it loads here; returns why not otherwise. */
function installNodeWebGpu(): string {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu !== undefined) return 'navigator.gpu already present';
  try {
    // `webgpu` is gpu.js's dependency: resolve it from gpu.js's own location.
    const fromGpuJs = createRequire(createRequire(import.meta.url).resolve('@colab-ts/kernels/package.json'));
    const req = createRequire(fromGpuJs.resolve('gpu.js'));
    const webgpu = req('webgpu') as { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    return 'Dawn (npm webgpu) loaded';
  } catch (e) {
    return `Dawn (npm webgpu) did not load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const webgpu = installNodeWebGpu();
  const gpu = await createGpuBackend();
  console.log(`gpu.js chose: ${gpu.mode} (${webgpu})`);
  if (!['webgpu', 'webgl2', 'webgl', 'headlessgl'].includes(gpu.mode)) {
    console.log(`SKIP bench:kernels:device: no WebGPU or WebGL device here (gpu.js chose ${gpu.mode}); nothing measured.`);
    await gpu.close();
    return;
  }
  await tf.setBackend('cpu');
  await tf.ready();
  const data = inputs();
  const wasm = await createWasmBackend();
  const systems: System[] = [
    tfjsSystem(data, quick ? 1 : 3, 1),
    await backendSystem('wasm', wasm, data, quick ? 3 : 10, 2),
    await backendSystem(`gpu (${gpu.mode})`, gpu, data, quick ? 3 : 10, 2),
  ];
  console.log(`timing ${systems.map((s) => `${s.name} (${s.device})`).join(', ')}; load average ${loadavg().join(', ')}`);
  const timed = await timeSystems(systems);
  const checks = { benchmarkShape: crossCheck(timed, 'tfjs-cpu') };
  const note = `gpu.js device: ${gpu.mode} (${webgpu}); wasm uses ${wasm.threads} worker threads.`;
  await publish('kernels-device', report(systems, timed, checks, note), [wasm, gpu]);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

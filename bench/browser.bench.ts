/**
 * The convolution benchmark of `kernels.bench.ts` (x [2,16,32,32,32],
 * w [16,16,3,3,3], padding 1, float32; forward, and forward + both
 * gradients) in Chromium, on the page of examples/web: the `wasm` backend
 * (Web Workers, cross-origin isolated; and single-threaded on a page that
 * is not) and the `gpu` backend (gpu.js on WebGL2). By default Chromium renders WebGL with SwiftShader, a CPU
 * renderer, as in CI; `--gpu` (`pnpm bench:browser:device`) asks for the
 * machine's GPU and skips, exiting 0, when Chromium finds none (its WebGL
 * renderer is then SwiftShader or llvmpipe) or when there is no Chromium.
 * Results: bench/results/browser[-device].json and .md.
 *
 * Run: pnpm bench:browser [-- --runs 5]   |   pnpm bench:browser:device
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { CHROMIUM, haveChromium, openApp } from '../examples/web/test/harness.js';

const device = process.argv.includes('--gpu');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const name = device ? 'browser-device' : 'browser';
const script = device ? 'bench:browser:device' : 'bench:browser';

interface Bench {
  readonly device: string;
  readonly forwardMs: number;
  readonly forwardGflops: number;
  readonly fwdBwdMs: number;
  readonly fwdBwdGflops: number;
  readonly runs: number;
}
declare const colab: { bench(backend: string, runs: number): Promise<Bench> };

async function main(): Promise<void> {
  if (!haveChromium()) {
    console.log(`SKIP ${script}: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
    return;
  }
  const s = await openApp({ gpu: device });
  try {
    const renderer = await s.page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      if (gl === null) return 'no WebGL2';
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      return String(gl.getParameter(ext === null ? gl.RENDERER : ext.UNMASKED_RENDERER_WEBGL));
    });
    const software = /swiftshader|llvmpipe|software|no webgl2/i.test(renderer);
    console.log(`Chromium ${s.browser.version()}, WebGL2 renderer: ${renderer}`);
    if (device && software) {
      console.log(`SKIP bench:browser:device: Chromium found no GPU here (WebGL2 renderer: ${renderer}); nothing measured.`);
      return;
    }
    const results: Record<string, Bench> = {};
    for (const backend of ['wasm', 'gpu']) {
      // SwiftShader takes about a minute per forward + backward here: one timed run is enough to place it
      const n = backend === 'gpu' && software ? 1 : runs;
      results[backend] = await s.page.evaluate(([b, r]) => colab.bench(b as string, r as number), [backend, n] as const);
      console.log(`${backend}: ${JSON.stringify(results[backend])}`);
    }
    // the same page without cross-origin isolation: the wasm engine runs single-threaded on the page's thread
    const plain = await openApp({ gpu: device, isolated: false });
    try {
      results['wasm, not isolated'] = await plain.page.evaluate((r) => colab.bench('wasm', r), runs);
      console.log(`wasm, not isolated: ${JSON.stringify(results['wasm, not isolated'])}`);
    } finally {
      await plain.close();
    }
    const when = new Date().toISOString();
    const machine = `${cpus()[0]?.model.trim() ?? 'CPU'}, ${cpus().length} cores; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`;
    mkdirSync(new URL('results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL(`results/${name}.json`, import.meta.url),
      `${JSON.stringify({ when, machine, chromium: s.browser.version(), renderer, software, runs, results }, null, 2)}\n`,
    );
    const md = [
      `# conv3d in Chromium (${device ? "the machine's GPU" : 'software WebGL: SwiftShader'})`,
      '',
      'x [2, 16, 32, 32, 32], w [16, 16, 3, 3, 3], padding 1, float32; 0.906 GFLOP per pass (fwd+bwd: three passes).',
      `Chromium ${s.browser.version()}, WebGL2 renderer: ${renderer}; ${machine}; ${when}.`,
      '',
      '| backend | device | forward ms | forward GFLOP/s | fwd+bwd ms | fwd+bwd GFLOP/s | runs |',
      '|---|---|---|---|---|---|---|',
      ...Object.entries(results).map(
        ([b, r]) => `| ${b} | ${r.device} | ${r.forwardMs} | ${r.forwardGflops} | ${r.fwdBwdMs} | ${r.fwdBwdGflops} | ${r.runs} |`,
      ),
      '',
    ].join('\n');
    writeFileSync(new URL(`results/${name}.md`, import.meta.url), md);
    console.log(md);
  } finally {
    await s.close();
  }
}

await main();

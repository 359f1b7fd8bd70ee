/**
 * The built page in a real Chromium (Debian's, driven by playwright-core):
 * sliding-window inference on a phantom equals the Node result (reference
 * backend; and the wasm backend on Web Workers, cross-origin isolated); the
 * kernels' agreement table on the gpu backend (gpu.js on WebGL2, SwiftShader
 * in CI) against the reference; a screenshot of the viewer after training in
 * the page that is not blank. Under CI a missing Chromium fails; elsewhere
 * the file skips, saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBackends, useBackend } from '@colab-ts/kernels';
import { decodeNifti, encodeNifti, phantom, volumeOf, zScore } from '@colab-ts/data';
import { key, reshape } from '@colab-ts/ndarray';
import { encodeSafetensors, unetStateDict } from '../../../packages/cli/src/safetensors.js';
import { SIZE, imageOfVolume, initModel, labelsOf, phantomCase, predictLogits } from '../src/pipeline.js';
import { roiLabelsOf } from '../src/run.js';
import type { AgreementRow } from '../src/checks.js';
import type { Session } from './harness.js';
import { CHROMIUM, decodePng, haveChromium, openApp } from './harness.js';

const CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const run = haveChromium() || CI;
if (!run)
  console.warn(`examples/web browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM); under CI they fail instead`);

/** Node's label map of the phantom `seed` under the seed-0 model, on `backend`. */
async function nodeLabels(seed: number, backend: 'reference' | 'wasm'): Promise<number[]> {
  await useBackend(backend);
  try {
    return Array.from(labelsOf(await predictLogits(initModel(0), phantomCase(seed).image)).data as Uint8Array);
  } finally {
    await closeBackends();
  }
}

interface PageApi {
  inferPhantom(seed: number, backend: string): Promise<{ device: string; labels: number[]; shape: number[] }>;
  defaultBackend(): Promise<{ name: string; device: string }>;
  inferCurrent(backend: string): Promise<{ labels: number[]; shape: number[] }>;
  inferRun(weightsBase64: string, architecture: string, seed: number, backend: string): Promise<{ description: string; labels: number[]; shape: number[] }>;
  agreement(backend: string): Promise<AgreementRow[]>;
  train(steps: number): Promise<number[]>;
  crossOriginIsolated: boolean;
}
declare const colab: PageApi;

describe.runIf(run)('examples/web in Chromium', () => {
  let s: Session;
  beforeAll(async () => {
    if (!haveChromium()) throw new Error(`CI: no Chromium at ${CHROMIUM}; .ci/run installs Debian's chromium`);
    s = await openApp();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('the page is cross-origin isolated and loads without errors', async () => {
    expect(await s.page.evaluate(() => colab.crossOriginIsolated)).toBe(true);
    expect(s.console.filter((l) => l.startsWith('error') || l.startsWith('pageerror'))).toEqual([]);
  });

  it('with no choice made, a page on a software WebGL renderer (SwiftShader) defaults to wasm, not gpu', async () => {
    expect(await s.page.evaluate(() => colab.defaultBackend())).toMatchObject({ name: 'wasm', device: expect.stringMatching(/worker threads?$/) });
  });

  it('inference on a phantom: the label map equals the Node result (reference backend)', async () => {
    const page = await s.page.evaluate(() => colab.inferPhantom(7, 'reference'));
    const node = await nodeLabels(7, 'reference');
    expect(page.shape).toEqual([8, 32, 32]);
    expect(new Set(node).size).toBeGreaterThan(1); // both classes occur: the comparison is not trivially all-background
    expect(page.labels).toEqual(node);
  });

  it('inference on the wasm backend runs on Web Workers and equals the Node wasm result', async () => {
    const page = await s.page.evaluate(() => colab.inferPhantom(7, 'wasm'));
    expect(page.device).toMatch(/WebAssembly SIMD, \d+ worker threads?/);
    expect(page.labels).toEqual(await nodeLabels(7, 'wasm'));
  });

  it('a .nii.gz opened in the page decodes (gzip without Node) and predicts as in Node', async () => {
    const c = phantom(key(11), { cases: 1, size: SIZE }).cases[0]!;
    const enc = encodeNifti(volumeOf(reshape(c.image, SIZE), [2.5, 1.5, 1.5]), { gzip: true, datatype: 'float32' });
    if (enc._tag === 'Left') throw new Error(enc.left.message);
    await s.page.setInputFiles('#nifti', { name: 'case.nii.gz', mimeType: 'application/gzip', buffer: Buffer.from(enc.right) });
    await s.page.waitForFunction(() => (document.getElementById('log')?.textContent ?? '').includes('image: case.nii.gz, [1, 8, 32, 32]'), undefined, {
      timeout: 30_000,
    });
    const page = await s.page.evaluate(() => colab.inferCurrent('reference'));
    const dec = decodeNifti(enc.right);
    if (dec._tag === 'Left') throw new Error(dec.left.message);
    await useBackend('reference');
    const node = Array.from(labelsOf(await predictLogits(initModel(0), imageOfVolume(dec.right))).data as Uint8Array);
    await closeBackends();
    expect(new Set(node).size).toBeGreaterThan(1);
    expect(page.labels).toEqual(node);
  });

  it('a run exported by colab-ts export (model.safetensors + architecture.json) predicts in the page as in Node', async () => {
    const params = initModel(3);
    const weights = encodeSafetensors(unetStateDict(params as never));
    const patch = [8, 16, 16];
    const architecture = JSON.stringify({
      format: 'colab-ts-unet/1',
      num_classes: 2,
      deep_supervision: false,
      patch_size: patch,
      colab_ts: { method: 'baseline', classes: 2, normalization: { kind: 'zscore' }, step: 0 },
    });
    const page = await s.page.evaluate(([w, a]) => colab.inferRun(w, a, 5, 'reference'), [Buffer.from(weights).toString('base64'), architecture] as const);
    expect(page.description).toMatch(/^baseline, step 0, 2 outputs, patch 8x16x16$/);
    await useBackend('reference');
    const node = Array.from(roiLabelsOf(await predictLogits(params, zScore(phantomCase(5).image), patch), 2).data as Int32Array);
    await closeBackends();
    expect(new Set(node).size).toBeGreaterThan(1);
    expect(page.labels).toEqual(node);
  });

  it('the kernels agreement table on the gpu backend (gpu.js on WebGL2) against the reference', async () => {
    const gpu = await s.page.evaluate(() => colab.inferPhantom(7, 'gpu'));
    expect(gpu.device).toMatch(/webgl2|webgpu/);
    // end to end, float32 on the GPU against Node's reference: labels may flip only at near-ties
    const node = await nodeLabels(7, 'reference');
    expect(gpu.labels.filter((l, i) => l !== node[i]).length).toBeLessThanOrEqual(node.length / 1000);
    const rows = await s.page.evaluate(() => colab.agreement('gpu'));
    expect(rows.length).toBeGreaterThanOrEqual(18);
    console.log(`gpu agreement in Chromium (${gpu.device}): ${rows.map((r) => `${r.op} ${r.worst.toExponential(1)}`).join('; ')}`);
    for (const r of rows) expect(r, `${r.op}: worst ${r.worst} > tol ${r.tol}`).toMatchObject({ ok: true });
  });

  it('training in the page lowers the loss; a screenshot of viewer and plot is not blank', async () => {
    await s.page.check('input[name=backend][value=wasm]');
    const losses = await s.page.evaluate(() => colab.train(8));
    expect(losses).toHaveLength(8);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    await s.page.click('#infer');
    await s.page.waitForFunction(() => (document.getElementById('log')?.textContent ?? '').includes('inference:'), undefined, { timeout: 60_000 });
    const png = await s.page.locator('.row').screenshot();
    const { width, height, rgba } = await decodePng(png);
    expect(width * height).toBeGreaterThan(256 * 200);
    const colours = new Set<number>();
    let red = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      colours.add((rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!);
      if (rgba[i]! > rgba[i + 1]! + 60) red++;
    }
    expect(colours.size).toBeGreaterThan(50); // a grey CT slice and a plot, not one flat colour
    expect(red).toBeGreaterThan(20); // the label overlay and the loss curve are drawn in red
  });
});

describe.runIf(run)('examples/web in Chromium without cross-origin isolation', () => {
  let s: Session;
  beforeAll(async () => {
    if (!haveChromium()) throw new Error(`CI: no Chromium at ${CHROMIUM}; .ci/run installs Debian's chromium`);
    s = await openApp({ isolated: false });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('the wasm backend runs single-threaded on the page thread and still equals the Node wasm result', async () => {
    expect(await s.page.evaluate(() => colab.crossOriginIsolated)).toBe(false);
    const page = await s.page.evaluate(() => colab.inferPhantom(7, 'wasm'));
    expect(page.device).toMatch(/single-threaded/);
    expect(page.labels).toEqual(await nodeLabels(7, 'wasm'));
  });
});

/**
 * The page: choose a backend, get an image (a phantom or a NIfTI file), get a
 * model (train the demo here with a live loss plot, or open a run exported
 * by `colab-ts export`), run sliding-window inference and look at the label
 * map over the image, slice by slice. `window.colab` exposes the same steps
 * to the browser tests.
 */
import { decodeNifti } from '@colab-ts/data';
import { loadDefaultBackend } from '@colab-ts/kernels';
import type { NDArray } from '@colab-ts/ndarray';
import type { UNetParams } from '@colab-ts/nn';
import { agreementTable, benchConv } from './checks.js';
import { PATCH, chooseBackend, imageOfVolume, initModel, labelsOf, phantomCase, predictLogits, trainDemo } from './pipeline.js';
import type { ExportedRun } from './run.js';
import { loadExportedRun, roiLabelsOf } from './run.js';
import { drawPlot, drawSlice } from './viewer.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const log = (s: string): void => {
  $('log').textContent = `${s}\n${$('log').textContent ?? ''}`.slice(0, 4000);
};

type BackendName = 'reference' | 'wasm' | 'gpu';
const state: { image: NDArray | null; labels: NDArray | null; params: UNetParams<NDArray> | null; run: ExportedRun | null; losses: number[] } = {
  image: null,
  labels: null,
  params: null,
  run: null,
  losses: [],
};

const backendName = (): BackendName => (document.querySelector('input[name=backend]:checked') as HTMLInputElement).value as BackendName;

async function selectBackend(name: BackendName = backendName()): Promise<string> {
  const be = await chooseBackend(name);
  $('device').textContent = ` in use: ${be.name} (${be.device})`;
  return be.device;
}

function show(): void {
  if (state.image === null) return;
  const D = state.image.shape[state.image.shape.length - 3]!;
  const slider = $<HTMLInputElement>('slice');
  slider.max = String(D - 1);
  if (Number(slider.value) > D - 1) slider.value = String(D >> 1);
  $('sliceNo').textContent = `${slider.value} / ${D - 1}`;
  drawSlice($<HTMLCanvasElement>('view'), state.image, state.labels, Number(slider.value));
}

function setImage(image: NDArray, what: string): void {
  state.image = image;
  state.labels = null;
  $<HTMLInputElement>('slice').value = String(image.shape[1]! >> 1);
  show();
  log(`image: ${what}, [${image.shape.join(', ')}]`);
}

/** Inference on the current image with the current model; returns the label map. */
async function infer(): Promise<NDArray> {
  if (state.image === null) setImage(phantomCase(Number($<HTMLInputElement>('seed').value)).image, 'phantom');
  await selectBackend();
  const t0 = performance.now();
  const progress = (done: number, total: number) => {
    $('sliceNo').textContent = `window ${done}/${total}`;
  };
  let labels: NDArray;
  if (state.run !== null) {
    const logits = await predictLogits(state.run.params, state.run.normalize(state.image!), state.run.patch, progress);
    labels = roiLabelsOf(logits, state.run.classes);
  } else {
    state.params ??= initModel(0);
    labels = labelsOf(await predictLogits(state.params, state.image!, PATCH, progress));
  }
  state.labels = labels;
  show();
  log(`inference: ${(performance.now() - t0).toFixed(0)} ms`);
  return labels;
}

async function train(steps: number): Promise<void> {
  await selectBackend();
  state.losses = [];
  state.run = null;
  const seed = Number($<HTMLInputElement>('seed').value);
  state.params = await trainDemo(seed, steps, async (p) => {
    state.losses.push(p.loss);
    drawPlot($<HTMLCanvasElement>('plot'), state.losses, steps);
    await new Promise((r) => setTimeout(r, 0)); // let the plot paint
  });
  log(`trained ${steps} steps, last loss ${state.losses.at(-1)?.toFixed(4)}`);
}

$('phantom').onclick = () => setImage(phantomCase(Number($<HTMLInputElement>('seed').value)).image, 'phantom');
$<HTMLInputElement>('slice').oninput = show;
$<HTMLInputElement>('nifti').onchange = async (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f === undefined) return;
  const r = decodeNifti(new Uint8Array(await f.arrayBuffer()), f.name);
  if (r._tag === 'Left') log(r.left.message);
  else setImage(imageOfVolume(r.right), f.name);
};
$<HTMLInputElement>('run').onchange = async (ev) => {
  const files = [...((ev.target as HTMLInputElement).files ?? [])];
  const w = files.find((f) => f.name.endsWith('.safetensors'));
  const a = files.find((f) => f.name.endsWith('.json'));
  if (w === undefined || a === undefined) return log('pick both model.safetensors and architecture.json');
  try {
    state.run = loadExportedRun(new Uint8Array(await w.arrayBuffer()), await a.text());
    log(`run: ${state.run.description}`);
  } catch (e) {
    log(`cannot load the run: ${(e as Error).message}`);
  }
};
$('train').onclick = () => void train(Number($<HTMLInputElement>('steps').value)).catch((e) => log(String(e)));
$('infer').onclick = () => void infer().catch((e) => log(String(e)));
for (const r of document.querySelectorAll<HTMLInputElement>('input[name=backend]')) r.onchange = () => void selectBackend().catch((e) => log(String(e)));

/** What the browser tests drive. */
(window as unknown as { colab: unknown }).colab = {
  /** Labels (as a plain array) and logits of the phantom `seed` under the seed-0 model, on `backend`. */
  inferPhantom: async (seed: number, backend: BackendName) => {
    const device = await selectBackend(backend);
    setImage(phantomCase(seed).image, `phantom ${seed}`);
    state.run = null;
    state.params = initModel(0);
    const labels = await infer();
    return { device, labels: Array.from(labels.data as Uint8Array), shape: labels.shape };
  },
  /** Labels of the image on screen (e.g. an opened NIfTI file) under the seed-0 model, on `backend`. */
  inferCurrent: async (backend: BackendName) => {
    await selectBackend(backend);
    state.run = null;
    state.params = initModel(0);
    const labels = await infer();
    return { labels: Array.from(labels.data as Uint8Array), shape: labels.shape };
  },
  /** Labels of the phantom `seed` under a run exported by `colab-ts export` (weights as base64), on `backend`. */
  inferRun: async (weightsBase64: string, architecture: string, seed: number, backend: BackendName) => {
    await selectBackend(backend);
    state.run = loadExportedRun(
      Uint8Array.from(atob(weightsBase64), (c) => c.charCodeAt(0)),
      architecture,
    );
    setImage(phantomCase(seed).image, `phantom ${seed}`);
    const labels = await infer();
    return { description: state.run.description, labels: Array.from(labels.data as Int32Array | Uint8Array), shape: labels.shape };
  },
  /** The backend the registry picks with no choice made (`loadDefaultBackend`). */
  defaultBackend: async () => {
    const be = await loadDefaultBackend();
    return { name: be.name, device: be.device };
  },
  agreement: async (backend: BackendName) => agreementTable(await chooseBackend(backend)),
  bench: async (backend: BackendName, runs: number) => {
    const be = await chooseBackend(backend);
    return { device: be.device, ...(await benchConv(be, runs)) };
  },
  train: (steps: number) => train(steps).then(() => state.losses),
  crossOriginIsolated: globalThis.crossOriginIsolated,
};
void selectBackend();
document.body.dataset.ready = '1';

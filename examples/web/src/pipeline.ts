/**
 * What the page computes, as plain functions that run the same in the page
 * and in Node (the browser test compares the two): a phantom case, a small
 * 3D U-Net, sliding-window inference to a label map, and the in-page
 * training of the demo (CE + soft Dice, Adam) with a progress callback.
 */
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import type { Volume } from '@colab-ts/data';
import { phantom, slidingWindow, zScore } from '@colab-ts/data';
import type { AnyBackend } from '@colab-ts/kernels';
import { useBackend } from '@colab-ts/kernels';
// The page offers the gpu backend: plug it in (gpu.js stays in a lazy chunk until it is chosen).
import '@colab-ts/kernels/gpu';
import * as nd from '@colab-ts/ndarray';
import type { NDArray } from '@colab-ts/ndarray';
import type { UNetConfig, UNetParams } from '@colab-ts/nn';
import { adam, ceDiceLoss, toTensors, unetApply, unetInit } from '@colab-ts/nn';
import { tinyUNetConfig } from '@colab-ts/nn/testing';

/** The demo's volume and patch sizes (small: the page trains in seconds). */
export const SIZE = [8, 32, 32] as const;
export const PATCH = [8, 16, 16] as const;

/** The demo's U-Net: two stages, 4 to 8 features, background vs tumour. */
export const UNET: UNetConfig = tinyUNetConfig();

/** Chooses the kernels backend; returns the loaded backend (its `device` says what runs). */
export const chooseBackend = (name: 'reference' | 'wasm' | 'gpu'): Promise<AnyBackend> => useBackend(name);

/** A phantom CT case (image z-scored, `[1, D, H, W]`; label `[D, H, W]` uint8) from a seed. */
export function phantomCase(seed: number): { readonly image: NDArray; readonly label: NDArray; readonly spacing: readonly [number, number, number] } {
  const c = phantom(nd.key(seed), { cases: 1, size: SIZE }).cases[0]!;
  return { image: zScore(c.image), label: nd.reshape(c.label, SIZE), spacing: c.spacing as [number, number, number] };
}

/** A `[C, D, H, W]` z-scored image of a decoded NIfTI volume (`[D, H, W]`, or `[T, D, H, W]` read as T channels). */
export const imageOfVolume = (v: Volume): NDArray => {
  const x = nd.astype(v.data, 'float32');
  return zScore(v.data.shape.length === 4 ? x : nd.reshape(x, [1, ...v.data.shape]));
};

/** Fresh U-Net parameters from a seed. */
export const initModel = (seed: number, config: UNetConfig = UNET): UNetParams<NDArray> => unetInit(nd.key(seed), config) as UNetParams<NDArray>;

/** Sliding-window logits `[K, D, H, W]` of a `[C, D, H, W]` image. */
export function predictLogits(
  params: UNetParams<NDArray>,
  image: NDArray,
  patch: readonly number[] = PATCH,
  onProgress?: (done: number, total: number) => void,
): Promise<NDArray> {
  const model = async (x: NDArray): Promise<NDArray> => realize(unetApply(toTensors(params), x));
  return slidingWindow(model, image, {
    patchSize: patch,
    overlap: 0.5,
    batchSize: 2,
    ...(onProgress ? { onProgress: (p) => onProgress(p.done, p.total) } : {}),
  });
}

/** The label map `[D, H, W]` (uint8): the argmax over the logits' channels. */
export function labelsOf(logits: NDArray): NDArray {
  const [K, ...s] = logits.shape as [number, number, number, number];
  const z = nd.toTypedArray(logits);
  const n = s[0] * s[1] * s[2];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (z[k * n + i]! > z[best * n + i]!) best = k;
    out[i] = best;
  }
  return nd.array(out, s);
}

/** Dice of two label maps for label 1. */
export function dice(a: NDArray, b: NDArray): number {
  const x = nd.toTypedArray(a);
  const y = nd.toTypedArray(b);
  let tp = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < x.length; i++) {
    const p = x[i] === 1 ? 1 : 0;
    const q = y[i] === 1 ? 1 : 0;
    tp += p * q;
    sa += p;
    sb += q;
  }
  return sa + sb === 0 ? 1 : (2 * tp) / (sa + sb);
}

/** One progress report of `trainDemo`. */
export interface TrainProgress {
  readonly step: number;
  readonly loss: number;
  readonly ms: number;
}

/**
 * Trains the demo U-Net on one phantom case (the whole `[8, 32, 32]` volume
 * per step; CE + soft Dice, Adam) for `steps` steps, reporting each step.
 */
export async function trainDemo(seed: number, steps: number, onStep?: (p: TrainProgress) => void | Promise<void>): Promise<UNetParams<NDArray>> {
  const c = phantomCase(seed);
  const image = nd.reshape(c.image, [1, 1, ...SIZE]);
  const fg = nd.astype(nd.equal(c.label, 1), 'float32');
  const target = nd.reshape(nd.stack([nd.sub(1, fg), fg], 0), [1, 2, ...SIZE]);
  let params = initModel(seed + 1);
  const opt = adam({ lr: 2e-2 });
  let state = opt.init(params);
  const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, image), target);
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const [l, g] = valueAndGrad(loss)(toTensors(params));
    const r = await realize({ l, g });
    [params, state] = opt.step(params, r.g, state);
    await onStep?.({ step, loss: nd.item(r.l), ms: performance.now() - t0 });
  }
  return params;
}

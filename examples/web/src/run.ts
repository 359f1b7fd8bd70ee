/**
 * A run exported by `colab-ts export` (`model.safetensors` and
 * `architecture.json`), loaded in the page: the U-Net parameters (nnU-Net
 * `PlainConvUNet` keys), its patch, normalization and classes. The
 * safetensors decoder is the CLI's own (a pure function on bytes).
 */
import { predictRoi } from '@colab-ts/colab';
import { normalizeCT, zScore } from '@colab-ts/data';
import type { IntensityStats } from '@colab-ts/data';
import * as nd from '@colab-ts/ndarray';
import type { NDArray } from '@colab-ts/ndarray';
import type { UNetParams } from '@colab-ts/nn';
import { decodeSafetensors, unetFromStateDict } from '../../../packages/cli/src/safetensors.js';

/** An exported run, ready for `predictLogits`. */
export interface ExportedRun {
  readonly params: UNetParams<NDArray>;
  readonly patch: readonly [number, number, number];
  /** Task classes with the background (c); outputs `c..` are context classes. */
  readonly classes: number;
  readonly normalize: (image: NDArray) => NDArray;
  readonly description: string;
}

interface Architecture {
  readonly format?: string;
  readonly deep_supervision?: boolean;
  readonly num_classes: number;
  readonly patch_size: readonly number[];
  readonly colab_ts?: {
    readonly method?: string;
    readonly classes?: number;
    readonly normalization?: { readonly kind: 'ct'; readonly stats: IntensityStats } | { readonly kind: 'zscore' };
    readonly step?: number;
  };
}

/** Reads the two files of an export. Throws with a message on a malformed pair. */
export function loadExportedRun(weights: Uint8Array, architectureJson: string): ExportedRun {
  const arch = JSON.parse(architectureJson) as Architecture;
  if (!Array.isArray(arch.patch_size) || arch.patch_size.length !== 3) throw new Error('architecture.json: patch_size must be [D, H, W]');
  const st = decodeSafetensors(weights, 'model.safetensors');
  const { params } = unetFromStateDict(st.tensors, { deepSupervision: arch.deep_supervision === true, source: 'model.safetensors' });
  const n = arch.colab_ts?.normalization;
  return {
    params: params as unknown as UNetParams<NDArray>,
    patch: arch.patch_size as [number, number, number],
    classes: arch.colab_ts?.classes ?? arch.num_classes,
    normalize: (image) => (n?.kind === 'ct' ? normalizeCT(image, n.stats) : zScore(image)),
    description: `${arch.colab_ts?.method ?? 'unknown method'}, step ${arch.colab_ts?.step ?? '?'}, ${arch.num_classes} outputs, patch ${arch.patch_size.join('x')}`,
  };
}

/** Labels `[D, H, W]` of logits `[K, D, H, W]` in colab-ts's channel order (ROI classes first): `predictRoi`'s argmax. */
export const roiLabelsOf = (logits: NDArray, classes: number): NDArray => nd.reshape(predictRoi(nd.expandDims(logits, 0), classes), logits.shape.slice(1));

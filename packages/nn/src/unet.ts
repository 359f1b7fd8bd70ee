/**
 * nnU-Net's generic U-Net (`PlainConvUNet`): per-stage kernel sizes and
 * strides (`[1, 3, 3]` kernels with `[1, 2, 2]` strides give 2D-like stages),
 * `convsPerStage` conv -> instance norm -> leaky ReLU blocks per encoder and
 * decoder stage (the first conv of every stage after the first is strided),
 * transposed-conv up-sampling (kernel = stride), skip concatenation
 * (up-sampled features first, then the skip, as nnU-Net), a 1x1x1 head and
 * optional deep-supervision heads. `unetInit` returns `NDArray` leaves;
 * `unetApply` takes `Tensor` or `NDArray` leaves and reads the architecture
 * (kernels, strides, features) from the parameter shapes, so the params are
 * the whole model.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { concat } from '@colab-ts/autodiff';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, foldIn, isKey, showShape } from '@colab-ts/ndarray';
import type { FloatDType } from './init.js';
import type { ConvBlockParams, ConvParams, Leaf } from './layers.js';
import { asLeaf, convBlock, convBlockInit, convTranspose3dLayer, convTranspose3dLayerInit, head, headInit } from './layers.js';

/** One resolution stage: its conv kernel size and the stride of its first conv (`[1, 1, 1]` for the first stage). @category unet */
export interface UNetStage {
  readonly kernel: readonly [number, number, number];
  readonly stride: readonly [number, number, number];
}

/** U-Net configuration; `DS` is whether it has deep supervision (`UNetConfig<true>` for a config that does). @category unet */
export interface UNetConfig<DS extends boolean = false> {
  readonly inChannels: number;
  /** Outputs of the head (classes, including background and context classes). */
  readonly outChannels: number;
  /** At least two stages; the first one's stride is `[1, 1, 1]`. */
  readonly stages: readonly UNetStage[];
  /** Features of the first stage; they double per stage up to `maxFeatures`. */
  readonly baseFeatures: number;
  readonly maxFeatures: number;
  /** Heads at every decoder level; `unetApply` then returns a list, full resolution first. */
  readonly deepSupervision?: DS;
  /** Conv blocks per stage, encoder and decoder (default 2). */
  readonly convsPerStage?: number;
  /** Parameter dtype (default float32). */
  readonly dtype?: FloatDType;
}

/** An encoder stage: its conv blocks (the first is strided). @category unet */
export interface EncoderStageParams<L = Tensor> {
  readonly convs: readonly ConvBlockParams<L>[];
}

/** A decoder stage: transposed-conv up-sampling, then conv blocks over `[up, skip]`. @category unet */
export interface DecoderStageParams<L = Tensor> {
  readonly up: ConvParams<L>;
  readonly convs: readonly ConvBlockParams<L>[];
}

/** U-Net parameters; `decoder[0]` is the deepest decoder stage (the first applied). @category unet */
export interface UNetParams<L = Tensor> {
  readonly encoder: readonly EncoderStageParams<L>[];
  readonly decoder: readonly DecoderStageParams<L>[];
  /** The 1x1x1 head at full resolution. */
  readonly head: ConvParams<L>;
}

/** U-Net parameters with deep supervision: `heads[k]` gives output `k`, at level `k` (0 = full resolution). @category unet */
export interface DeepUNetParams<L = Tensor> {
  readonly encoder: readonly EncoderStageParams<L>[];
  readonly decoder: readonly DecoderStageParams<L>[];
  readonly heads: readonly ConvParams<L>[];
}

/** The parameters `unetInit` returns for a config with (`true`) or without deep supervision. @category unet */
export type UNetParamsOf<DS extends boolean> = DS extends true ? DeepUNetParams<NDArray> : UNetParams<NDArray>;

/** Features of every stage: `min(baseFeatures * 2^s, maxFeatures)`. @category unet */
export const unetFeatures = (config: Pick<UNetConfig<boolean>, 'stages' | 'baseFeatures' | 'maxFeatures'>): number[] =>
  config.stages.map((_, s) => Math.min(config.baseFeatures * 2 ** s, config.maxFeatures));

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/**
 * Every problem with a U-Net configuration (empty when it is valid).
 * @example unetConfigIssues({ ...config, stages: [] }) // ['stages: need at least 2 stages, got 0']
 * @category unet
 */
export function unetConfigIssues(config: UNetConfig<boolean>): string[] {
  const issues: string[] = [];
  if (typeof config !== 'object' || config === null) return ['config must be an object'];
  for (const k of ['inChannels', 'outChannels', 'baseFeatures', 'maxFeatures'] as const) {
    if (!isPosInt(config[k])) issues.push(`${k}: must be a positive integer, got ${String(config[k])}`);
  }
  if (isPosInt(config.baseFeatures) && isPosInt(config.maxFeatures) && config.maxFeatures < config.baseFeatures) {
    issues.push(`maxFeatures: ${config.maxFeatures} is below baseFeatures ${config.baseFeatures}`);
  }
  if (config.convsPerStage !== undefined && !isPosInt(config.convsPerStage))
    issues.push(`convsPerStage: must be a positive integer, got ${String(config.convsPerStage)}`);
  if (config.dtype !== undefined && config.dtype !== 'float32' && config.dtype !== 'float64')
    issues.push(`dtype: must be float32 or float64, got ${String(config.dtype)}`);
  if (config.deepSupervision !== undefined && typeof config.deepSupervision !== 'boolean') issues.push(`deepSupervision: must be a boolean`);
  if (!Array.isArray(config.stages)) {
    issues.push('stages: must be an array of { kernel, stride }');
    return issues;
  }
  if (config.stages.length < 2) issues.push(`stages: need at least 2 stages, got ${config.stages.length}`);
  config.stages.forEach((st, s) => {
    const triple = (v: unknown): v is readonly [number, number, number] => Array.isArray(v) && v.length === 3 && v.every(isPosInt);
    if (!triple(st?.kernel)) issues.push(`stages[${s}].kernel: must be three positive integers, got ${JSON.stringify(st?.kernel)}`);
    else if (!st.kernel.every((k: number) => k % 2 === 1)) issues.push(`stages[${s}].kernel: sizes must be odd ("same" padding), got [${st.kernel.join(',')}]`);
    if (!triple(st?.stride)) issues.push(`stages[${s}].stride: must be three positive integers, got ${JSON.stringify(st?.stride)}`);
    else if (s === 0 && !st.stride.every((v: number) => v === 1))
      issues.push(`stages[0].stride: the first stage's stride must be [1,1,1], got [${st.stride.join(',')}]`);
  });
  return issues;
}

/** Throws one `ValueError` listing every problem of a configuration. @category unet */
export function validateUNetConfig(config: UNetConfig<boolean>): void {
  const issues = unetConfigIssues(config);
  if (issues.length > 0) throw new ValueError('unet', `invalid config:\n  - ${issues.join('\n  - ')}`);
}

/**
 * The product of the strides per axis: every spatial extent must be a multiple of it.
 * @example totalStride(config) // [1, 4, 4]
 * @category unet
 */
export const totalStride = (config: Pick<UNetConfig<boolean>, 'stages'>): [number, number, number] =>
  config.stages.reduce<[number, number, number]>((a, st) => [a[0] * st.stride[0], a[1] * st.stride[1], a[2] * st.stride[2]], [1, 1, 1]);

/**
 * He-initialised U-Net parameters (zero biases, identity instance-norm affine), seeded by `key`.
 * @example const params = unetInit(key(0), { inChannels: 1, outChannels: 3, stages, baseFeatures: 32, maxFeatures: 320 })
 * @category unet
 */
export function unetInit<DS extends boolean = false>(k: Key, config: UNetConfig<DS>): UNetParamsOf<DS>;
export function unetInit(k: Key, config: UNetConfig<boolean>): UNetParams<NDArray> | DeepUNetParams<NDArray> {
  if (!isKey(k)) throw new ValueError('unetInit', 'the first argument must be a key (key(seed))');
  validateUNetConfig(config);
  const dtype = config.dtype ?? 'float32';
  const nConv = config.convsPerStage ?? 2;
  const feats = unetFeatures(config);
  const n = feats.length;
  let counter = 0;
  const next = (): Key => foldIn(k, counter++);
  const blocks = (cin: number, cout: number, kernel: readonly [number, number, number]): ConvBlockParams<NDArray>[] =>
    Array.from({ length: nConv }, (_, j) => convBlockInit(next(), { inChannels: j === 0 ? cin : cout, outChannels: cout, kernel, dtype }));
  const encoder = config.stages.map((st, s) => ({ convs: blocks(s === 0 ? config.inChannels : feats[s - 1]!, feats[s]!, st.kernel) }));
  const decoder = Array.from({ length: n - 1 }, (_, d) => {
    const below = n - 1 - d; // the stage being up-sampled
    const level = below - 1; // the skip it joins
    const up = convTranspose3dLayerInit(next(), { inChannels: feats[below]!, outChannels: feats[level]!, kernel: config.stages[below]!.stride, dtype });
    return { up, convs: blocks(2 * feats[level]!, feats[level]!, config.stages[level]!.kernel) };
  });
  const headOf = (level: number): ConvParams<NDArray> => headInit(next(), { inChannels: feats[level]!, outChannels: config.outChannels, dtype });
  if (config.deepSupervision === true) return { encoder, decoder, heads: Array.from({ length: n - 1 }, (_, level) => headOf(level)) };
  return { encoder, decoder, head: headOf(0) };
}

/** What `unetApply` reads from the parameter shapes. @internal */
interface Architecture {
  readonly strides: (readonly [number, number, number])[];
  readonly inChannels: number;
}

function architecture(op: string, params: UNetParams<Leaf> | DeepUNetParams<Leaf>): Architecture {
  if (typeof params !== 'object' || params === null || !Array.isArray(params.encoder) || !Array.isArray(params.decoder)) {
    throw new ValueError(op, 'params must be { encoder, decoder, head | heads } as unetInit returns');
  }
  const n = params.encoder.length;
  if (n < 2 || params.decoder.length !== n - 1)
    throw new ValueError(op, `params have ${n} encoder and ${params.decoder.length} decoder stages; expected n >= 2 and n - 1`);
  const hasHeads = 'heads' in params;
  if (hasHeads ? !Array.isArray(params.heads) || params.heads.length !== n - 1 : !('head' in params)) {
    throw new ValueError(op, hasHeads ? `deep-supervision params need ${n - 1} heads` : 'params lack a head');
  }
  const strides: (readonly [number, number, number])[] = [[1, 1, 1]];
  for (let s = 1; s < n; s++) {
    const w = asLeaf(op, params.decoder[n - 1 - s]!.up.w, `decoder[${n - 1 - s}].up.w`);
    if (w.shape.length !== 5) throw new ShapeError(op, `decoder[${n - 1 - s}].up.w must be [Cin, Cout, sD, sH, sW], got ${showShape(w.shape)}`);
    strides.push([w.shape[2]!, w.shape[3]!, w.shape[4]!]);
  }
  const first = params.encoder[0]?.convs[0];
  if (first === undefined) throw new ValueError(op, 'encoder[0] has no conv blocks');
  const w0 = asLeaf(op, first.conv.w, 'encoder[0].convs[0].conv.w');
  return { strides, inChannels: w0.shape[1] ?? 0 };
}

/**
 * The U-Net forward pass on `x` `[N, inChannels, D, H, W]`: logits `[N, outChannels, D, H, W]`,
 * or, with deep-supervision params, one logits tensor per decoder level (full resolution first, then halved ...).
 * @example const logits = unetApply(toTensors(params), x)
 * @category unet
 */
export function unetApply(params: DeepUNetParams<Leaf>, x: Leaf): Tensor[];
export function unetApply(params: UNetParams<Leaf>, x: Leaf): Tensor;
export function unetApply(params: UNetParams<Leaf> | DeepUNetParams<Leaf>, x: Leaf): Tensor | Tensor[];
export function unetApply(params: UNetParams<Leaf> | DeepUNetParams<Leaf>, x: Leaf): Tensor | Tensor[] {
  const op = 'unetApply';
  const arch = architecture(op, params);
  const xt = asLeaf(op, x, 'x');
  if (xt.shape.length !== 5) throw new ShapeError(op, `expects x [N, C, D, H, W], got ${showShape(xt.shape)}`);
  if (xt.shape[1] !== arch.inChannels) {
    throw new ShapeError(op, `input has ${xt.shape[1]} channels, the network expects ${arch.inChannels}`, {
      expected: String(arch.inChannels),
      got: String(xt.shape[1]),
    });
  }
  const total = totalStride({ stages: arch.strides.map((stride) => ({ kernel: [1, 1, 1], stride })) });
  const spatial = xt.shape.slice(2);
  if (spatial.some((d, i) => d % total[i]! !== 0)) {
    throw new ShapeError(op, `spatial size ${showShape(spatial)} is not divisible by the total stride [${total.join(',')}]`, {
      expected: `multiples of [${total.join(',')}]`,
      got: showShape(spatial),
    });
  }
  const n = params.encoder.length;
  const skips: Tensor[] = [];
  let h = xt;
  params.encoder.forEach((stage, s) => {
    stage.convs.forEach((block, j) => {
      h = convBlock(block, h, { stride: j === 0 ? arch.strides[s]! : 1 });
    });
    skips.push(h);
  });
  const outs: Tensor[] = [];
  params.decoder.forEach((stage, d) => {
    const level = n - 2 - d;
    h = concat([convTranspose3dLayer(stage.up, h), skips[level]!], 1);
    for (const block of stage.convs) h = convBlock(block, h);
    if ('heads' in params) outs.unshift(head(params.heads[level]!, h));
  });
  return 'heads' in params ? outs : head(params.head, h);
}

/**
 * Segmentation losses on `[N, C, D, H, W]` logits (any rank >= 2 works:
 * `[N, C, ...spatial]`): soft-label cross-entropy, sample-wise soft Dice on
 * soft targets (nnU-Net's, smooth 1e-5), their equal-weight sum (the paper's
 * L_seg) and one-vs-all binary cross-entropy on one channel of the softmax
 * (the paper's L_c, used for L_ROI). Each returns a scalar tensor; optional
 * per-voxel weights `[N, 1, ...spatial]` or `[N, ...spatial]` (anything that
 * broadcasts to `[N, 1, ...spatial]`) turn means into weighted means.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import {
  add,
  broadcastTo,
  concat,
  div,
  log,
  logSoftmax,
  logSumExp,
  maximum,
  mean,
  mul,
  neg,
  reshape,
  slice,
  softmax,
  sub,
  sum,
  tensor,
} from '@colab-ts/autodiff';
import { ShapeError, ValueError, array, broadcastShapes, isFloat, shapesEqual, showShape, DTypeError } from '@colab-ts/ndarray';
import type { Leaf } from './layers.js';
import { asLeaf } from './layers.js';

/** How a per-voxel loss is reduced: weighted mean (default), weighted sum, or none (`[N, ...spatial]`). @category losses */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options shared by the voxel-wise losses. @category losses */
export interface VoxelLossOptions {
  /** Per-voxel weights, broadcastable to `[N, 1, ...spatial]`; the mean becomes `sum(w l) / sum(w)`. */
  readonly weights?: Leaf | undefined;
  readonly reduction?: Reduction | undefined;
}

function checkPrediction(op: string, x: Tensor): void {
  if (x.shape.length < 2) throw new ShapeError(op, `expects [N, C, ...spatial], got ${showShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(op, `expects float32 or float64, got ${x.dtype}`, { expected: 'float32|float64', got: x.dtype });
}

function checkSameShape(op: string, what: string, got: Tensor, like: Tensor): void {
  if (!shapesEqual(got.shape, like.shape))
    throw new ShapeError(op, `${what} has shape ${showShape(got.shape)}, expected ${showShape(like.shape)}`, {
      expected: showShape(like.shape),
      got: showShape(got.shape),
    });
}

/** Weights as `[N, 1, ...spatial]` (inserting the channel axis when it is missing). */
function voxelWeights(op: string, weights: Leaf, x: Tensor): Tensor {
  let w = asLeaf(op, weights, 'weights');
  const target = [x.shape[0]!, 1, ...x.shape.slice(2)];
  if (w.shape.length === x.shape.length - 1) w = reshape(w, [w.shape[0]!, 1, ...w.shape.slice(1)]);
  let ok = w.shape.length <= target.length;
  if (ok) {
    try {
      ok = shapesEqual(broadcastShapes(op, w.shape, target), target);
    } catch {
      ok = false;
    }
  }
  if (!ok)
    throw new ShapeError(op, `weights of shape ${showShape(w.shape)} do not broadcast to ${showShape(target)}`, {
      expected: showShape(target),
      got: showShape(w.shape),
    });
  return shapesEqual(w.shape, target) ? w : broadcastTo(w, target);
}

/** Reduces a per-voxel loss `[N, 1, ...spatial]`. */
function reduceVoxels(op: string, l: Tensor, x: Tensor, options: VoxelLossOptions): Tensor {
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none')
    throw new ValueError(op, `reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  const w = options.weights === undefined ? undefined : voxelWeights(op, options.weights, x);
  const wl = w === undefined ? l : mul(l, w);
  if (reduction === 'none') return reshape(wl, [l.shape[0]!, ...l.shape.slice(2)]);
  if (reduction === 'sum') return sum(wl);
  return w === undefined ? mean(l) : div(sum(wl), sum(w));
}

/**
 * Soft-label cross-entropy over the channel axis, `-sum_c t_c log softmax(x)_c` per voxel
 * (log-softmax based, stable for large logits); targets may be soft probabilities.
 * @example softCrossEntropy(logits, target) // one-hot targets: the usual NLL of the softmax
 * @category losses
 */
export function softCrossEntropy(logits: Leaf, target: Leaf, options: VoxelLossOptions = {}): Tensor {
  const op = 'softCrossEntropy';
  const x = asLeaf(op, logits, 'logits');
  const t = asLeaf(op, target, 'target');
  checkPrediction(op, x);
  checkSameShape(op, 'target', t, x);
  const l = neg(sum(mul(t, logSoftmax(x, { axes: 1 })), { axes: 1, keepDims: true }));
  return reduceVoxels(op, l, x, options);
}

/** Options of the soft Dice. @category losses */
export interface SoftDiceOptions {
  /** Per-voxel weights, broadcastable to `[N, 1, ...spatial]` (they weight every sum). */
  readonly weights?: Leaf | undefined;
  /** Which channels enter the mean: indices (e.g. `[1, 2]` to skip background, as nnU-Net) or a boolean mask; default all. */
  readonly channels?: readonly number[] | readonly boolean[] | undefined;
  /** Added to numerator and denominator (default 1e-5, nnU-Net's). */
  readonly smooth?: number | undefined;
  /** Whether the input is logits (softmax over channels is applied, the default) or probabilities. */
  readonly input?: 'logits' | 'probabilities' | undefined;
}

/**
 * Sample-wise soft Dice per sample and channel, `[N, C]`: `(2 sum(p t) + s) / max(sum(p) + sum(t) + s, 1e-8)` over the spatial axes.
 * @example softDice(logits, target) // [N, C]
 * @category losses
 */
export function softDice(prediction: Leaf, target: Leaf, options: Omit<SoftDiceOptions, 'channels'> = {}): Tensor {
  const op = 'softDice';
  const x = asLeaf(op, prediction, 'prediction');
  const t = asLeaf(op, target, 'target');
  checkPrediction(op, x);
  checkSameShape(op, 'target', t, x);
  const input = options.input ?? 'logits';
  if (input !== 'logits' && input !== 'probabilities') throw new ValueError(op, `input must be 'logits' or 'probabilities', got ${String(input)}`);
  const smooth = options.smooth ?? 1e-5;
  if (!(smooth >= 0)) throw new ValueError(op, `smooth must be >= 0, got ${smooth}`);
  const p = input === 'logits' ? softmax(x, { axes: 1 }) : x;
  const w = options.weights === undefined ? undefined : voxelWeights(op, options.weights, x);
  const pw = w === undefined ? p : mul(p, w);
  const tw = w === undefined ? t : mul(t, w);
  const axes = x.shape.slice(2).map((_, i) => i + 2);
  const inter = sum(mul(pw, t), { axes });
  const denom = add(sum(pw, { axes }), sum(tw, { axes }));
  return div(add(mul(inter, 2), smooth), maximum(add(denom, smooth), 1e-8));
}

/** A `[C]` 0/1 mask from channel indices or booleans. */
function channelMask(op: string, channels: readonly number[] | readonly boolean[] | undefined, c: number): number[] {
  if (channels === undefined) return Array.from({ length: c }, () => 1);
  if (!Array.isArray(channels)) throw new ValueError(op, 'channels must be an array of indices or booleans');
  if (channels.length === 0) throw new ValueError(op, 'channels selects no channel');
  if (channels.every((v) => typeof v === 'boolean')) {
    if (channels.length !== c) throw new ValueError(op, `a boolean channel mask needs ${c} entries, got ${channels.length}`);
    return channels.map((v) => (v ? 1 : 0));
  }
  const m = Array.from({ length: c }, () => 0);
  for (const i of channels) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= c) throw new ValueError(op, `channel ${String(i)} is not in [0, ${c})`);
    m[i] = 1;
  }
  return m;
}

/**
 * Soft Dice loss: `1 - mean` of the sample-wise soft Dice over samples and the chosen channels.
 * @example softDiceLoss(logits, target, { channels: [1, 2] }) // skip background, as nnU-Net
 * @category losses
 */
export function softDiceLoss(prediction: Leaf, target: Leaf, options: SoftDiceOptions = {}): Tensor {
  const op = 'softDiceLoss';
  const dice = softDice(prediction, target, options);
  const [n, c] = dice.shape as unknown as [number, number];
  const mask = channelMask(op, options.channels, c);
  const count = mask.reduce((a, b) => a + b, 0);
  if (count === 0) throw new ValueError(op, 'channels selects no channel');
  if (count === c) return sub(1, mean(dice));
  const m = tensor(array(mask, [1, c], dice.dtype));
  return sub(1, div(sum(mul(dice, m)), n * count));
}

/** Options of `ceDiceLoss`. @category losses */
export interface CeDiceOptions {
  readonly weights?: Leaf | undefined;
  /** Channels of the Dice term (default all); cross-entropy always uses all. */
  readonly channels?: readonly number[] | readonly boolean[] | undefined;
  readonly smooth?: number | undefined;
  /** Weights of the two terms (default 1 and 1, the paper's equal weighting). */
  readonly ceWeight?: number | undefined;
  readonly diceWeight?: number | undefined;
}

/**
 * The paper's segmentation loss: soft-label cross-entropy + soft Dice loss, equally weighted, on logits.
 * @example const loss = ceDiceLoss(unetApply(params, x), softTarget)
 * @category losses
 */
export function ceDiceLoss(logits: Leaf, target: Leaf, options: CeDiceOptions = {}): Tensor {
  const ce = softCrossEntropy(logits, target, { weights: options.weights });
  const dice = softDiceLoss(logits, target, { weights: options.weights, channels: options.channels, smooth: options.smooth });
  const a = options.ceWeight ?? 1;
  const b = options.diceWeight ?? 1;
  return add(a === 1 ? ce : mul(ce, a), b === 1 ? dice : mul(dice, b));
}

/** Options of `oneVsAllBce`. @category losses */
export interface OneVsAllBceOptions extends VoxelLossOptions {
  /** The channel scored against the binary target. */
  readonly channel: number;
  /** Whether the input is logits (softmax over all channels, computed stably; the default) or a probability map. */
  readonly input?: 'logits' | 'probabilities' | undefined;
  /** Probabilities are clamped to `[eps, 1 - eps]` inside the logs (probability input only; default 1e-12). */
  readonly eps?: number | undefined;
}

/**
 * One-vs-all binary cross-entropy of one channel of the softmax against a binary (or soft) mask
 * `[N, 1, ...spatial]` or `[N, ...spatial]`: `-(m log p_c + (1 - m) log(1 - p_c))` (the paper's L_c for L_ROI).
 * @example oneVsAllBce(logits, roiMask, { channel: 1 })
 * @category losses
 */
export function oneVsAllBce(prediction: Leaf, target: Leaf, options: OneVsAllBceOptions): Tensor {
  const op = 'oneVsAllBce';
  const x = asLeaf(op, prediction, 'prediction');
  checkPrediction(op, x);
  const c = x.shape[1]!;
  const ch = options?.channel;
  if (typeof ch !== 'number' || !Number.isInteger(ch) || ch < 0 || ch >= c) throw new ValueError(op, `channel ${String(ch)} is not in [0, ${c})`);
  let m = asLeaf(op, target, 'target');
  const want = [x.shape[0]!, 1, ...x.shape.slice(2)];
  if (m.shape.length === x.shape.length - 1) m = reshape(m, [m.shape[0]!, 1, ...m.shape.slice(1)]);
  if (!shapesEqual(m.shape, want))
    throw new ShapeError(op, `target has shape ${showShape(m.shape)}, expected ${showShape(want)}`, { expected: showShape(want), got: showShape(m.shape) });
  const pick = (t: Tensor, from: number, to: number): Tensor => slice(t, [null, { start: from, stop: to }]);
  let logP: Tensor;
  let log1mP: Tensor;
  if ((options.input ?? 'logits') === 'logits') {
    if (c < 2) throw new ValueError(op, 'needs at least 2 channels for a softmax (use probabilities input for a sigmoid map)');
    const lse = logSumExp(x, { axes: 1, keepDims: true });
    logP = sub(pick(x, ch, ch + 1), lse);
    const others = ch === 0 ? pick(x, 1, c) : ch === c - 1 ? pick(x, 0, c - 1) : concat([pick(x, 0, ch), pick(x, ch + 1, c)], 1);
    log1mP = sub(logSumExp(others, { axes: 1, keepDims: true }), lse);
  } else if (options.input === 'probabilities') {
    const eps = options.eps ?? 1e-12;
    if (!(eps > 0 && eps < 0.5)) throw new ValueError(op, `eps must be in (0, 0.5), got ${eps}`);
    const p = pick(x, ch, ch + 1);
    logP = log(maximum(p, eps));
    log1mP = log(maximum(sub(1, p), eps));
  } else {
    throw new ValueError(op, `input must be 'logits' or 'probabilities', got ${String(options.input)}`);
  }
  const l = neg(add(mul(m, logP), mul(sub(1, m), log1mP)));
  return reduceVoxels(op, l, x, options);
}

/**
 * Optimizers as pure functions over parameter trees of `NDArray`s, with
 * PyTorch's update rules: `opt.step(params, grads, state) -> [params, state]`
 * returns new arrays and a new state and never writes to its inputs. At this
 * boundary everything is realized: params, grads (from `await realize(grad(...))`)
 * and state are trees of NDArrays; wrap params with `toTensors` for the next
 * forward pass. The update math runs in float64 and is stored in each
 * parameter's dtype. Also nnU-Net's poly learning-rate schedule and global
 * gradient-norm clipping.
 * @module
 */
import type { TensorLike } from '@colab-ts/autodiff';
import { flatten, mul, sub } from '@colab-ts/autodiff';
import type { AnyData, NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, array, contiguous, shapesEqual, showShape, toTypedArray, zeros } from '@colab-ts/ndarray';
import { checkSameStructure, flattenArrays } from './tree.js';

/** A learning rate: a constant or a function of the step number (0 for the first step). @category optimizers */
export type LearningRate = number | ((step: number) => number);

/** A pure optimizer: `init(params)` makes the state, `step(params, grads, state)` returns `[params, state]`. @category optimizers */
export interface Optimizer<S> {
  readonly init: <T>(params: T) => S;
  readonly step: <T>(params: T, grads: unknown, state: S) => [T, S];
}

/** State of `sgd`: steps taken and the momentum buffers (a tree like the params, absent before the first step). @category optimizers */
export interface SgdState {
  readonly step: number;
  readonly momentum: unknown;
}

/** Options of `sgd` (PyTorch `torch.optim.SGD`). @category optimizers */
export interface SgdOptions {
  readonly lr: LearningRate;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
}

/** Options of `adam` (PyTorch `torch.optim.Adam`, L2 weight decay added to the gradient). @category optimizers */
export interface AdamOptions {
  readonly lr?: LearningRate;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

/** State of `adam`: steps taken and the first and second moment trees. @category optimizers */
export interface AdamState {
  readonly step: number;
  readonly m: unknown;
  readonly v: unknown;
}

const values = (x: NDArray): Float64Array => Float64Array.from(toTypedArray(x));
const like = (x: NDArray, data: Float64Array): NDArray => array(data, x.shape, x.dtype);
/** The elements of `x` in row-major order, read in place when packed (never written). */
const readOnly = (x: NDArray): AnyData => contiguous(x).data;
/** A fresh array of `x`'s shape and dtype, to be filled. */
const blank = (x: NDArray): NDArray => zeros(x.shape, x.dtype);

function lrAt(op: string, lr: LearningRate, step: number): number {
  const v = typeof lr === 'function' ? lr(step) : lr;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ValueError(op, `learning rate must be a finite number >= 0, got ${String(v)} at step ${step}`);
  return v;
}

function nonNegative(op: string, name: string, v: number, max = Infinity): number {
  if (typeof v !== 'number' || !(v >= 0) || !(v < max || (max === Infinity && Number.isFinite(v)))) {
    throw new ValueError(op, `${name} must be in [0, ${max === Infinity ? 'inf' : max}), got ${String(v)}`);
  }
  return v;
}

function checkState(op: string, state: { readonly step: number } | undefined): number {
  if (typeof state !== 'object' || state === null || !Number.isInteger(state.step) || state.step < 0)
    throw new ValueError(op, 'state must come from init() or a previous step');
  return state.step;
}

/** Flattens params and grads and checks that they match. */
function paramsAndGrads(op: string, params: unknown, grads: unknown) {
  const p = flattenArrays(op, params);
  const g = flattenArrays(op, grads);
  checkSameStructure(op, p, g, 'grads');
  p.leaves.forEach((l, i) => {
    if (l.dtype !== 'float32' && l.dtype !== 'float64')
      throw new ValueError(op, `parameter ${p.paths[i]} has dtype ${l.dtype}; optimizers update float parameters`);
  });
  return { p, g };
}

/**
 * One SGD update of a leaf's elements, in float64 per element: `g = grad + wd p`; the new buffer
 * (`g` on the first step, else `mu buf + (1 - damp) g`) stored to `bo`; `p - lr d` stored to `po` with
 * `d = g + mu buf` (Nesterov, the unrounded buffer) or `buf`; without momentum `d = g`.
 */
function sgdLeaf(
  po: AnyData,
  bo: AnyData | undefined,
  pv: AnyData,
  gv: AnyData,
  bv: AnyData | undefined,
  h: { lr: number; mu: number; damp: number; wd: number; nesterov: boolean },
): void {
  const { lr, mu, damp, wd, nesterov } = h;
  const n = pv.length;
  if (bo === undefined) {
    for (let j = 0; j < n; j++) po[j] = pv[j]! - lr * (gv[j]! + wd * pv[j]!);
    return;
  }
  for (let j = 0; j < n; j++) {
    const pj = pv[j]!;
    const gj = gv[j]! + wd * pj;
    const b = bv === undefined ? gj : mu * bv[j]! + (1 - damp) * gj;
    bo[j] = b;
    po[j] = pj - lr * (nesterov ? gj + mu * b : b);
  }
}

/**
 * SGD with momentum, dampening, Nesterov and L2 weight decay, exactly as PyTorch: `g += wd p`;
 * `buf = g` on the first step, else `mu buf + (1 - dampening) g`; `g = nesterov ? g + mu buf : buf`; `p -= lr g`.
 * nnU-Net trains with `sgd({ lr: polyLr(1e-2, epochs), momentum: 0.99, nesterov: true, weightDecay: 3e-5 })`.
 * @example const opt = sgd({ lr: 0.01, momentum: 0.99, nesterov: true }); let s = opt.init(params); [params, s] = opt.step(params, grads, s)
 * @category optimizers
 */
export function sgd(options: SgdOptions): Optimizer<SgdState> {
  const op = 'sgd';
  if (typeof options !== 'object' || options === null) throw new ValueError(op, 'options must be { lr, momentum?, nesterov?, weightDecay?, dampening? }');
  const mu = nonNegative(op, 'momentum', options.momentum ?? 0);
  const damp = nonNegative(op, 'dampening', options.dampening ?? 0);
  const wd = nonNegative(op, 'weightDecay', options.weightDecay ?? 0);
  const nesterov = options.nesterov ?? false;
  if (nesterov && (mu <= 0 || damp !== 0)) throw new ValueError(op, 'Nesterov momentum requires a momentum > 0 and zero dampening (as in PyTorch)');
  if (typeof options.lr === 'number') lrAt(op, options.lr, 0);
  return {
    init: () => ({ step: 0, momentum: undefined }),
    step: <T>(params: T, grads: unknown, state: SgdState): [T, SgdState] => {
      const step = checkState(op, state);
      const lr = lrAt(op, options.lr, step);
      const { p, g } = paramsAndGrads(op, params, grads);
      const bufs = mu !== 0 && step > 0 && state.momentum !== undefined ? flattenArrays(op, state.momentum) : undefined;
      if (bufs !== undefined) checkSameStructure(op, p, bufs, 'state.momentum');
      const newP: NDArray[] = [];
      const newB: NDArray[] = [];
      // One pass per leaf, reading the arrays in place and writing fresh ones (no float64 copies).
      p.leaves.forEach((pl, i) => {
        const np = blank(pl);
        const nb = mu === 0 ? undefined : blank(pl);
        sgdLeaf(np.data, nb?.data, readOnly(pl), readOnly(g.leaves[i]!), bufs === undefined ? undefined : readOnly(bufs.leaves[i]!), {
          lr,
          mu,
          damp,
          wd,
          nesterov,
        });
        newP.push(np);
        if (nb !== undefined) newB.push(nb);
      });
      return [p.unflatten(newP) as T, { step: step + 1, momentum: mu === 0 ? undefined : p.unflatten(newB) }];
    },
  };
}

/** One Adam update of a leaf's elements in float64 (moments from zero on the first step), as documented on `adam`. */
function adamLeaf(
  po: AnyData,
  mo: AnyData,
  vo: AnyData,
  pv: AnyData,
  gv: AnyData,
  mv: AnyData | undefined,
  vv: AnyData | undefined,
  h: { b1: number; b2: number; eps: number; wd: number; stepSize: number; bc2: number },
): void {
  const { b1, b2, eps, wd, stepSize, bc2 } = h;
  for (let j = 0; j < pv.length; j++) {
    const pj = pv[j]!;
    const gj = gv[j]! + wd * pj;
    const m = b1 * (mv === undefined ? 0 : mv[j]!) + (1 - b1) * gj;
    const v = b2 * (vv === undefined ? 0 : vv[j]!) + (1 - b2) * gj * gj;
    mo[j] = m;
    vo[j] = v;
    po[j] = pj - (stepSize * m) / (Math.sqrt(v) / bc2 + eps);
  }
}

/**
 * Adam as PyTorch (`amsgrad` off): `g += wd p`; `m = b1 m + (1 - b1) g`; `v = b2 v + (1 - b2) g^2`;
 * `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)` with `t` counting from 1.
 * @example const opt = adam({ lr: 1e-3 }); let s = opt.init(params); [params, s] = opt.step(params, grads, s)
 * @category optimizers
 */
export function adam(options: AdamOptions = {}): Optimizer<AdamState> {
  const op = 'adam';
  const lrOpt = options.lr ?? 1e-3;
  const b1 = nonNegative(op, 'beta1', options.beta1 ?? 0.9, 1);
  const b2 = nonNegative(op, 'beta2', options.beta2 ?? 0.999, 1);
  const eps = nonNegative(op, 'eps', options.eps ?? 1e-8);
  const wd = nonNegative(op, 'weightDecay', options.weightDecay ?? 0);
  if (typeof lrOpt === 'number') lrAt(op, lrOpt, 0);
  return {
    init: () => ({ step: 0, m: undefined, v: undefined }),
    step: <T>(params: T, grads: unknown, state: AdamState): [T, AdamState] => {
      const step = checkState(op, state);
      const lr = lrAt(op, lrOpt, step);
      const { p, g } = paramsAndGrads(op, params, grads);
      const first = step === 0 || state.m === undefined || state.v === undefined;
      const ms = first ? undefined : flattenArrays(op, state.m);
      const vs = first ? undefined : flattenArrays(op, state.v);
      if (ms !== undefined) checkSameStructure(op, p, ms, 'state.m');
      if (vs !== undefined) checkSameStructure(op, p, vs, 'state.v');
      const t = step + 1;
      const stepSize = lr / (1 - b1 ** t);
      const bc2 = Math.sqrt(1 - b2 ** t);
      const newP: NDArray[] = [];
      const newM: NDArray[] = [];
      const newV: NDArray[] = [];
      p.leaves.forEach((pl, i) => {
        const [np, nm, nv] = [blank(pl), blank(pl), blank(pl)];
        const h = { b1, b2, eps, wd, stepSize, bc2 };
        adamLeaf(
          np.data,
          nm.data,
          nv.data,
          readOnly(pl),
          readOnly(g.leaves[i]!),
          ms === undefined ? undefined : readOnly(ms.leaves[i]!),
          vs === undefined ? undefined : readOnly(vs.leaves[i]!),
          h,
        );
        newP.push(np);
        newM.push(nm);
        newV.push(nv);
      });
      return [p.unflatten(newP) as T, { step: t, m: p.unflatten(newM), v: p.unflatten(newV) }];
    },
  };
}

/**
 * nnU-Net's poly schedule: `lr0 * (1 - step / total)^exponent` (exponent 0.9), 0 from `step = total` on.
 * @example sgd({ lr: polyLr(1e-2, 1000), momentum: 0.99, nesterov: true })
 * @category optimizers
 */
export function polyLr(lr0: number, total: number, exponent = 0.9): (step: number) => number {
  const op = 'polyLr';
  if (!Number.isFinite(lr0) || lr0 < 0) throw new ValueError(op, `lr0 must be a finite number >= 0, got ${lr0}`);
  if (!Number.isInteger(total) || total < 1) throw new ValueError(op, `total must be a positive integer, got ${total}`);
  if (!Number.isFinite(exponent) || exponent <= 0) throw new ValueError(op, `exponent must be > 0, got ${exponent}`);
  return (step: number): number => {
    if (!Number.isInteger(step) || step < 0) throw new ValueError(op, `step must be an integer >= 0, got ${step}`);
    return step >= total ? 0 : lr0 * (1 - step / total) ** exponent;
  };
}

/**
 * The global L2 norm of all arrays of a tree, `sqrt(sum of squares)`.
 * @example globalNorm(grads)
 * @category optimizers
 */
export function globalNorm(tree: unknown): number {
  let s = 0;
  for (const l of flattenArrays('globalNorm', tree).leaves) {
    const v = toTypedArray(l);
    for (let j = 0; j < v.length; j++) s += v[j]! * v[j]!;
  }
  return Math.sqrt(s);
}

/**
 * Gradient-norm clipping as PyTorch's `clip_grad_norm_`: scales every gradient by
 * `min(1, maxNorm / (norm + 1e-6))` of the global L2 norm; returns `[clipped, norm before clipping]`.
 * nnU-Net clips at 12.
 * @example const [clipped, norm] = clipGradNorm(grads, 12)
 * @category optimizers
 */
export function clipGradNorm<T>(grads: T, maxNorm: number): [T, number] {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm > 0)) throw new ValueError(op, `maxNorm must be > 0, got ${String(maxNorm)}`);
  const { leaves, unflatten } = flattenArrays(op, grads);
  const norm = globalNorm(grads);
  const coef = maxNorm / (norm + 1e-6);
  if (!(coef < 1)) return [grads, norm];
  return [
    unflatten(
      leaves.map((l) =>
        like(
          l,
          values(l).map((x) => x * coef),
        ),
      ),
    ) as T,
    norm,
  ];
}

/**
 * A plain SGD step on trees of tensors, `params - lr * grads`, kept in the graph so that it can be
 * differentiated again (the virtual step of a meta-gradient: `w -> L(theta - a grad_theta L'(theta, w))`).
 * @example const thetaStar = sgdUpdate(theta, grad(segLoss)(theta, w), 0.01)
 * @category optimizers
 */
export function sgdUpdate<T>(params: T, grads: unknown, lr: TensorLike): T {
  const op = 'sgdUpdate';
  const p = flatten(op, params);
  const g = flatten(op, grads);
  if (p.leaves.length !== g.leaves.length) throw new ValueError(op, `grads have ${g.leaves.length} tensors, the parameters ${p.leaves.length}`);
  return p.unflatten(
    p.leaves.map((l, i) => {
      const gi = g.leaves[i]!;
      if (!shapesEqual(l.shape, gi.shape)) throw new ShapeError(op, `gradient ${i} has shape ${showShape(gi.shape)}, expected ${showShape(l.shape)}`);
      return sub(l, mul(gi, lr));
    }),
  ) as T;
}

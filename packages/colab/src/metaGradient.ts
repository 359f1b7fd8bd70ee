/**
 * The task generator's meta-gradient (Section IV-D, Eq. 10-15): the gradient
 * with respect to the generator weights `w` of the ROI loss after one inner
 * step of the segmentation model,
 *
 * ```
 * theta*(w) = theta - alpha grad_theta L_seg(theta, w)                    (Eq. 13)
 * grad_w L_ROI(theta*) = (d theta* / d w)^T grad_theta L_ROI(theta*)      (Eq. 12)
 *                      = -alpha (d/dw grad_theta L_seg(theta, w))^T v,    v = grad_theta L_ROI(theta*)
 * ```
 *
 * for any pair of model functions. Everything is built lazily with
 * @colab-ts/autodiff and runs at `realize`.
 *
 * NOTE Eq. 14 of the paper writes the mixed derivative at `theta*`
 * (`-alpha grad^2_{theta,w} L_seg(theta*, w)`); differentiating Eq. 13 by the
 * chain rule evaluates it at `theta`, where the inner gradient was taken, and
 * so do the authors' code and every mode here.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { add, div, flatten, grad, jvp, mul, neg, sqrt, sub, sum } from '@colab-ts/autodiff';
import { ValueError, isNDArray } from '@colab-ts/ndarray';

/** How the meta-gradient is computed. @category meta-gradient */
export type MetaGradientMode = 'forward-over-reverse' | 'reverse-over-reverse' | 'finite-difference';

/** The meta-gradient modes, default first. @example metaGradientModes[0] // 'forward-over-reverse' @category meta-gradient */
export const metaGradientModes: readonly MetaGradientMode[] = ['forward-over-reverse', 'reverse-over-reverse', 'finite-difference'];

/**
 * The problem: the two models, the inner step size and the two losses.
 * `Theta` and `Omega` are parameter trees of tensors; `B` is the batch.
 * @category meta-gradient
 */
export interface MetaProblem<Theta, Omega, B, S = Tensor> {
  /** The segmentation model f~_theta: logits `[N, c - 1 + t, ...]` (or `S`, e.g. one per deep-supervision level). */
  readonly seg: (theta: Theta, batch: B) => S;
  /** The task generator g_w: logits `[N, t, ...]`. */
  readonly gen: (omega: Omega, batch: B) => Tensor;
  /** The inner step size alpha of Eq. 13 (the paper keeps it equal to theta's learning rate). */
  readonly alpha: number;
  /** L_seg from the segmentation logits and the generator logits (it builds the labels from them). */
  readonly lossSeg: (segLogits: S, genLogits: Tensor, batch: B) => Tensor;
  /** L_ROI from the segmentation logits (Eq. 10). */
  readonly lossRoi: (segLogits: S, batch: B) => Tensor;
  /** Default `'forward-over-reverse'`. */
  readonly mode?: MetaGradientMode | undefined;
  /** Relative step of the finite-difference mode, `R = fdScale / |v|` (default 0.01, the authors'). */
  readonly fdScale?: number | undefined;
}

/** The meta-gradient and the by-products a training step reports. @category meta-gradient */
export interface MetaGradientParts<Theta, Omega> {
  /** `grad_w L_ROI(theta*(w))`, a tree like `omega`. */
  readonly grad: Omega;
  /** `L_ROI(theta*)`. */
  readonly roiLossAfter: Tensor;
  /** `L_seg(theta, w)` (the inner loss). */
  readonly segLoss: Tensor;
  /** `theta*` (Eq. 13). */
  readonly thetaStar: Theta;
}

/** Leaf-wise combination of same-shaped trees. */
function zipTrees<T>(op: string, f: (...leaves: Tensor[]) => Tensor, first: T, ...rest: readonly T[]): T {
  const a = flatten(op, first);
  const others = rest.map((r) => flatten(op, r).leaves);
  others.forEach((o) => {
    if (o.length !== a.leaves.length) throw new ValueError(op, `trees have ${a.leaves.length} and ${o.length} tensors`);
  });
  return a.unflatten(a.leaves.map((l, i) => f(l, ...others.map((o) => o[i]!)))) as T;
}

/**
 * The meta-gradient with its by-products (`metaGradient` returns only `grad`).
 * @example const { grad, roiLossAfter } = metaGradientParts(problem, theta, omega, batch)
 * @category meta-gradient
 */
export function metaGradientParts<Theta, Omega, B, S = Tensor>(
  problem: MetaProblem<Theta, Omega, B, S>,
  theta: Theta,
  omega: Omega,
  batch: B,
): MetaGradientParts<Theta, Omega> {
  const op = 'metaGradient';
  const { seg, gen, alpha, lossSeg, lossRoi } = problem;
  const mode = problem.mode ?? 'forward-over-reverse';
  if (typeof seg !== 'function' || typeof gen !== 'function' || typeof lossSeg !== 'function' || typeof lossRoi !== 'function') {
    throw new ValueError(op, 'seg, gen, lossSeg and lossRoi must be functions');
  }
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ValueError(op, `alpha must be a finite number, got ${String(alpha)}`);
  if (!metaGradientModes.includes(mode)) throw new ValueError(op, `mode must be one of ${metaGradientModes.join(', ')}, got ${JSON.stringify(mode)}`);
  for (const [name, tree] of [
    ['theta', theta],
    ['omega', omega],
  ] as const) {
    if (isNDArray(tree) || flatten(op, tree, false).leaves.length === 0)
      throw new ValueError(op, `${name} must be a tree of Tensors (wrap NDArrays with toTensors)`);
  }

  // L_seg(theta, w) and L_ROI(theta): the two losses as functions of the parameters.
  const segLossOf = (th: Theta, om: Omega): Tensor => lossSeg(seg(th, batch), gen(om, batch), batch);
  const roiLossOf = (th: Theta): Tensor => lossRoi(seg(th, batch), batch);
  // Trees of tensors have gradients of the same tree type (GradOf only maps numbers to tensors).
  const gradThetaSeg = (th: Theta, om: Omega): Theta => grad(segLossOf, { argnums: 0 })(th, om) as Theta;
  const gradOmegaSeg = (th: Theta, om: Omega): Omega => grad(segLossOf, { argnums: 1 })(th, om) as Omega;

  const innerStep = (om: Omega): Theta => zipTrees<Theta>(op, (t, g) => sub(t, mul(g, alpha)), theta, gradThetaSeg(theta, om));
  const segLoss = segLossOf(theta, omega);

  if (mode === 'reverse-over-reverse') {
    // Differentiate w -> L_ROI(theta - alpha grad_theta L_seg(theta, w)) directly.
    const outer = (om: Omega): Tensor => roiLossOf(innerStep(om));
    const g = grad(outer)(omega) as Omega;
    // The by-products, built on w itself (the traced ones hang off the transformation's wrappers).
    const ts = innerStep(omega);
    return { grad: g, roiLossAfter: roiLossOf(ts), segLoss, thetaStar: ts };
  }

  const thetaStar = innerStep(omega);
  const roiAfter = roiLossOf(thetaStar);
  // v = grad_theta L_ROI(theta*).
  const v = grad(roiLossOf)(thetaStar) as Theta;

  if (mode === 'forward-over-reverse') {
    // -alpha d/de grad_w L_seg(theta + e v, w) at e = 0: a jvp (in theta, along v) of a grad (in w).
    const [, tangent] = jvp((th: Theta) => gradOmegaSeg(th, omega), [theta], [v]);
    return { grad: zipTrees<Omega>(op, (t) => mul(t, -alpha), tangent), roiLossAfter: roiAfter, segLoss, thetaStar };
  }

  // Finite differences (the authors' estimate, after DARTS): R = scale / |v|,
  // -alpha (grad_w L_seg(theta + R v, w) - grad_w L_seg(theta - R v, w)) / (2 R).
  const scale = problem.fdScale ?? 0.01;
  if (!(scale > 0 && Number.isFinite(scale))) throw new ValueError(op, `fdScale must be a positive number, got ${scale}`);
  const vLeaves = flatten(op, v).leaves;
  const sq = vLeaves.map((l) => sum(mul(l, l))).reduce((a, b) => add(a, b));
  const norm = sqrt(sq);
  const R = div(scale, norm);
  const shifted = (sign: number): Theta => zipTrees<Theta>(op, (t, d) => add(t, mul(d, sign === 1 ? R : neg(R))), theta, v);
  const gPlus = gradOmegaSeg(shifted(1), omega);
  const gMinus = gradOmegaSeg(shifted(-1), omega);
  const g = zipTrees<Omega>(op, (p, m) => mul(div(sub(p, m), mul(R, 2)), -alpha), gPlus, gMinus);
  return { grad: g, roiLossAfter: roiAfter, segLoss, thetaStar };
}

/**
 * The meta-gradient `grad_w L_ROI(theta*)` of Eq. 12-15, with
 * `theta* = theta - alpha grad_theta L_seg(theta, w)` (Eq. 13), as a tree of
 * lazy tensors shaped like `omega`. Modes:
 *
 * - `'forward-over-reverse'` (default): `v = grad_theta L_ROI(theta*)`, then
 *   `-alpha d/de grad_w L_seg(theta + e v, w)` at `e = 0`, one jvp of a grad
 *   (a mixed Hessian-vector product, exact);
 * - `'reverse-over-reverse'`: reverse mode through the inner step, differentiating
 *   `w -> L_ROI(theta - alpha grad_theta L_seg(theta, w))` (exact; it keeps the
 *   whole inner backward pass alive for the outer one);
 * - `'finite-difference'`: the authors' estimate, a central difference of
 *   `grad_w L_seg` at `theta +/- R v` with `R = 0.01 / |v|` (truncation error O(R^2)).
 *
 * The mixed derivative is evaluated at `theta` (the chain rule), where the
 * paper's Eq. 14 writes `theta*`.
 * @example const gOmega = await realize(metaGradient({ seg, gen, alpha: 0.01, lossSeg, lossRoi }, theta, omega, batch))
 * @category meta-gradient
 */
export function metaGradient<Theta, Omega, B, S = Tensor>(problem: MetaProblem<Theta, Omega, B, S>, theta: Theta, omega: Omega, batch: B): Omega {
  return metaGradientParts(problem, theta, omega, batch).grad;
}

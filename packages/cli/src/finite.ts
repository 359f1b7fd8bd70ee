/**
 * The guard against a diverging run: after every step the loss and every
 * value of the training state (parameters, optimizer moments, generator)
 * must be finite, else training stops with exit code 1, the step and a fix,
 * before anything non-finite reaches a checkpoint.
 * @module
 */
import { isNDArray, toTypedArray } from '@colab-ts/ndarray';
import { CliError } from './io.js';

/** How many values of a tree's arrays and numbers are NaN or infinite. @category training */
export function nonFiniteCount(tree: unknown): number {
  if (isNDArray(tree)) {
    const d = toTypedArray(tree) as ArrayLike<number>;
    let n = 0;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) n++;
    return n;
  }
  if (typeof tree === 'number') return Number.isFinite(tree) ? 0 : 1;
  if (Array.isArray(tree)) return tree.reduce((n: number, x) => n + nonFiniteCount(x), 0);
  if (typeof tree === 'object' && tree !== null) return Object.values(tree).reduce((n: number, x) => n + nonFiniteCount(x), 0);
  return 0;
}

/**
 * Throws a runtime error (exit code 1) when the loss of `step` or a value of
 * the state after it is not finite; `kept` says which checkpoint on disk is
 * the last finite one.
 * @example assertFinite({ step: 4, loss: NaN, state, lr: 1e6, kept: 'latest.ckpt holds step 3' })
 * @category training
 */
export function assertFinite(o: {
  readonly step: number;
  readonly loss: number;
  readonly state: unknown;
  readonly lr: number;
  readonly kept: () => string;
}): void {
  const lossOk = Number.isFinite(o.loss);
  const bad = lossOk ? nonFiniteCount(o.state) : 0;
  if (lossOk && bad === 0) return;
  const what = lossOk ? `${bad} value(s) of the parameters or optimizer state became NaN or infinite` : `the loss became ${o.loss}`;
  const lower = Math.min(o.lr / 10, 0.01);
  throw new CliError('runtime', [
    `train: ${what} at step ${o.step}; training stopped (fix: lower the learning rate, e.g. --lr ${+lower.toPrecision(2)}, in a new --out; ${o.kept()})`,
  ]);
}

/**
 * Elementwise composites: functions of primitives with no rules of their own
 * (their derivatives come from the primitives'), so each is one function.
 * @module
 */
import { dual, isFloat } from '@colab-ts/ndarray';
import type { Tensor, TensorLike } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { asTensor, elementwiseOperands } from '../internal/coerce.js';
import { add } from '../primitives/add.js';
import { greater, greaterEqual } from '../primitives/compare.js';
import { div } from '../primitives/div.js';
import { exp } from '../primitives/exp.js';
import { leakyReluFused } from '../primitives/leakyRelu.js';
import { log } from '../primitives/log.js';
import { maximum } from '../primitives/maximum.js';
import { mul } from '../primitives/mul.js';
import { neg } from '../primitives/neg.js';
import { sub } from '../primitives/sub.js';
import { where } from '../primitives/where.js';

/** `x * x`. @example square(x) @category composites */
export const square = (x: TensorLike): Tensor => {
  const t = asTensor('square', x);
  return mul(t, t);
};

/** `|x|`, with derivative 1 at 0 (`where(x >= 0, x, -x)`). @example abs(x) @category composites */
export const abs = (x: TensorLike): Tensor => {
  const t = asTensor('abs', x);
  return where(greaterEqual(t, 0), t, neg(t));
};

/** Elementwise minimum; ties split the derivative equally. @example minimum(x, 1) @category composites */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = elementwiseOperands('minimum', [a, b]);
  return neg(maximum(neg(x!), neg(y!)));
};

/** `max(x, 0)`, derivative 0 at 0 (NOTE: `where`, not `maximum`, which would give 1/2 there). @example relu(x) @category composites */
export const relu = (x: TensorLike): Tensor => {
  const t = asTensor('relu', x);
  return where(greater(t, 0), t, 0);
};

/**
 * `x` where positive, `slope * x` elsewhere (default slope 0.01, nnU-Net's).
 * @example leakyRelu(x) or pipe(x, leakyRelu({ slope: 0.2 }))
 * @category composites
 */
export const leakyRelu: {
  (options?: { readonly slope?: number }): (x: TensorLike) => Tensor;
  (x: TensorLike, options?: { readonly slope?: number }): Tensor;
} = dual(
  (args) => isTensor(args[0]) || typeof args[0] === 'number',
  (x: TensorLike, options: { readonly slope?: number } = {}): Tensor => {
    const t = asTensor('leakyRelu', x);
    const slope = options.slope ?? 0.01;
    // Float tensors take the fused primitive (one pass instead of three); integers keep dtype promotion.
    return isFloat(t.dtype) ? leakyReluFused(t, slope) : where(greater(t, 0), t, mul(t, slope));
  },
);

/** `1 / (1 + exp(-x))`. @example sigmoid(x) @category composites */
export const sigmoid = (x: TensorLike): Tensor => div(1, add(1, exp(neg(asTensor('sigmoid', x)))));

/**
 * `log(1 + exp(x))`, computed stably as `max(x, 0) + log(1 + exp(-|x|))`.
 * NOTE: both kinks select on the same `x >= 0`, so at 0 the derivative is that of the
 * smooth branch `x + log(1 + exp(-x))`, sigmoid(0) = 1/2 (relu's derivative 0 at 0 with
 * abs's 1 gave -1/2).
 * @example softplus(x)
 * @category composites
 */
export const softplus = (x: TensorLike): Tensor => {
  const t = asTensor('softplus', x);
  const nonNegative = greaterEqual(t, 0);
  return add(where(nonNegative, t, 0), log(add(1, exp(neg(where(nonNegative, t, neg(t)))))));
};

/** `log(sigmoid(x)) = -softplus(-x)`, stable for large |x|. @example logSigmoid(x) @category composites */
export const logSigmoid = (x: TensorLike): Tensor => neg(softplus(neg(asTensor('logSigmoid', x))));

/** Hyperbolic tangent, `2 sigmoid(2x) - 1`. @example tanh(x) @category composites */
export const tanh = (x: TensorLike): Tensor => sub(mul(sigmoid(mul(asTensor('tanh', x), 2)), 2), 1);

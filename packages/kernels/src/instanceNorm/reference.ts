/**
 * Reference `instanceNorm` and `instanceNormBackward`: float64 over any layout and dtype.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { checkArray, fromF64, readF64 } from '../internal/io.js';
import { resultDType } from '../options.js';
import { instanceNormBackwardInto, instanceNormBackwardShape, instanceNormInto, instanceNormShape } from './index.js';

/**
 * Instance norm with affine parameters: per `(n, c)` over `D, H, W`,
 * `(x - mean) / sqrt(var + eps) * scale[c] + bias[c]` (biased variance).
 * @example const y = instanceNorm(x, scale, bias, 1e-5)
 * @category normalisation
 */
export function instanceNorm(x: NDArray, scale: NDArray, bias: NDArray, eps: number): NDArray {
  const op = 'instanceNorm';
  checkArray(op, 'x', x);
  checkArray(op, 'scale', scale);
  checkArray(op, 'bias', bias);
  const s = instanceNormShape(x.shape, scale.shape, bias.shape, eps);
  const out = new Float64Array(s.reduce((a, b) => a * b, 1));
  instanceNormInto(out, readF64(x), readF64(scale), readF64(bias), s[1]!, s[2]! * s[3]! * s[4]!, eps);
  return fromF64(out, s, resultDType(x.dtype, scale.dtype, bias.dtype));
}

/**
 * The cotangent of `instanceNorm(x, scale, bias, eps)` with respect to `x`, given the output's `dy`:
 * `scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))` per `(n, c)`.
 * @example const dx = instanceNormBackward(x, scale, dy, 1e-5)
 * @category normalisation
 */
export function instanceNormBackward(x: NDArray, scale: NDArray, dy: NDArray, eps: number): NDArray {
  const op = 'instanceNormBackward';
  checkArray(op, 'x', x);
  checkArray(op, 'scale', scale);
  checkArray(op, 'dy', dy);
  const s = instanceNormBackwardShape(x.shape, scale.shape, dy.shape, eps);
  const out = new Float64Array(s.reduce((a, b) => a * b, 1));
  instanceNormBackwardInto(out, readF64(x), readF64(scale), readF64(dy), s[1]!, s[2]! * s[3]! * s[4]!, eps);
  return fromF64(out, s, resultDType(x.dtype, scale.dtype, dy.dtype));
}

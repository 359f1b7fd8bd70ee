/**
 * Reference `instanceNorm` and `instanceNormBackward`: float64 over any layout and dtype.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { referenceKernel } from '../internal/io.js';
import { instanceNormBackwardInto, instanceNormBackwardShape, instanceNormInto, instanceNormShape } from './index.js';

/**
 * Instance norm with affine parameters: per `(n, c)` over `D, H, W`,
 * `(x - mean) / sqrt(var + eps) * scale[c] + bias[c]` (biased variance).
 * @example const y = instanceNorm(x, scale, bias, 1e-5)
 * @category normalisation
 */
export function instanceNorm(x: NDArray, scale: NDArray, bias: NDArray, eps: number): NDArray {
  return referenceKernel('instanceNorm', { x, scale, bias }, () => instanceNormShape(x.shape, scale.shape, bias.shape, eps))((out, d, s) =>
    instanceNormInto(out, d.x, d.scale, d.bias, s[1]!, s[2]! * s[3]! * s[4]!, eps),
  );
}

/**
 * The cotangent of `instanceNorm(x, scale, bias, eps)` with respect to `x`, given the output's `dy`:
 * `scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))` per `(n, c)`.
 * @example const dx = instanceNormBackward(x, scale, dy, 1e-5)
 * @category normalisation
 */
export function instanceNormBackward(x: NDArray, scale: NDArray, dy: NDArray, eps: number): NDArray {
  return referenceKernel('instanceNormBackward', { x, scale, dy }, () => instanceNormBackwardShape(x.shape, scale.shape, dy.shape, eps))((out, d, s) =>
    instanceNormBackwardInto(out, d.x, d.scale, d.dy, s[1]!, s[2]! * s[3]! * s[4]!, eps),
  );
}

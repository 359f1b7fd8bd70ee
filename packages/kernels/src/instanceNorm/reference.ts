/**
 * Reference `instanceNorm`, `instanceNormLeakyRelu`, `instanceNormBackward` and `instanceNormAffineBackward`: float64 over any layout and dtype.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { referenceKernel } from '../internal/io.js';
import { resultDType } from '../options.js';
import {
  instanceNormAffineBackwardInto,
  instanceNormAffineBackwardShape,
  instanceNormBackwardInto,
  instanceNormBackwardShape,
  instanceNormInto,
  instanceNormLeakyReluInto,
  instanceNormLeakyReluShape,
  instanceNormShape,
} from './index.js';

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
 * Instance norm followed by leaky ReLU in one pass: `leakyRelu(instanceNorm(x, scale, bias, eps), slope)`, the same
 * bits; `slope >= 0`.
 * @example const y = instanceNormLeakyRelu(x, scale, bias, 1e-5, 0.01)
 * @category normalisation
 */
export function instanceNormLeakyRelu(x: NDArray, scale: NDArray, bias: NDArray, eps: number, slope: number): NDArray {
  return referenceKernel('instanceNormLeakyRelu', { x, scale, bias }, () => instanceNormLeakyReluShape(x.shape, scale.shape, bias.shape, eps, slope))(
    (out, d, s) =>
      instanceNormLeakyReluInto(
        out,
        d.x,
        d.scale,
        d.bias,
        s[1]!,
        s[2]! * s[3]! * s[4]!,
        eps,
        slope,
        resultDType(x.dtype, scale.dtype, bias.dtype) === 'float32',
      ),
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

/**
 * The cotangents of `instanceNorm(x, scale, bias, eps)` with respect to `scale` and `bias`, given the output's `dy`:
 * `[sum(dy * xhat), sum(dy)]` over `N, D, H, W`, shaped `[2, C]`.
 * @example const g = instanceNormAffineBackward(x, dy, 1e-5) // [2, C]: row 0 the scale's cotangent, row 1 the bias's
 * @category normalisation
 */
export function instanceNormAffineBackward(x: NDArray, dy: NDArray, eps: number): NDArray {
  return referenceKernel('instanceNormAffineBackward', { x, dy }, () => instanceNormAffineBackwardShape(x.shape, dy.shape, eps))((out, d) =>
    instanceNormAffineBackwardInto(out, d.x, d.dy, x.shape[1]!, x.shape[2]! * x.shape[3]! * x.shape[4]!, eps),
  );
}

/**
 * Weight initialisation: He (Kaiming) normal, as nnU-Net's `InitWeights_He`
 * (PyTorch `kaiming_normal_(w, a=0.01)`: fan-in mode, leaky ReLU gain).
 * @module
 */
import type { Key, NDArray } from '@colab-ts/ndarray';
import { ValueError, normal } from '@colab-ts/ndarray';

/** Float dtypes of parameters. @category init */
export type FloatDType = 'float32' | 'float64';

/**
 * PyTorch's fan-in of a weight: `shape[1] * prod(shape[2:])` (for a transposed
 * convolution `[Cin, Cout, k...]` this is `Cout * prod(k)`, as PyTorch computes it).
 * @example fanIn([8, 4, 3, 3, 3]) // 108
 * @category init
 */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new ValueError('fanIn', `needs a weight of rank >= 2, got rank ${shape.length}`);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * The He standard deviation `sqrt(2 / (1 + a^2)) / sqrt(fanIn)` for leaky ReLU slope `a`.
 * @example heStd([8, 4, 3, 3, 3]) // sqrt(2 / 1.0001 / 108)
 * @category init
 */
export const heStd = (shape: readonly number[], negativeSlope = 0.01): number => Math.sqrt(2 / (1 + negativeSlope * negativeSlope)) / Math.sqrt(fanIn(shape));

/**
 * He (Kaiming) normal weights, fan-in mode with the leaky ReLU gain (nnU-Net's default slope 0.01).
 * @example heNormal(key(0), [8, 4, 3, 3, 3], { dtype: 'float64' })
 * @category init
 */
export function heNormal(k: Key, shape: readonly number[], options: { readonly negativeSlope?: number; readonly dtype?: FloatDType } = {}): NDArray {
  return normal(k, shape, { std: heStd(shape, options.negativeSlope ?? 0.01), dtype: options.dtype ?? 'float32' });
}

/**
 * Tiny models and a synthetic batch for the meta-gradient and training tests:
 * two-layer convolutional nets with [1, 3, 3] kernels (2D-like), any dtype.
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { conv3d, leakyRelu, tanh, tensor } from '@colab-ts/autodiff';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { normal, split, zeros } from '@colab-ts/ndarray';

/** Parameters of a two-layer conv net. */
export interface TinyNet<L> {
  readonly w1: L;
  readonly b1: L;
  readonly w2: L;
  readonly b2: L;
}

/** He-like initialisation of a two-layer net `inC -> hidden -> outC` with [1, 3, 3] kernels. */
export function tinyNetInit(k: Key, inC: number, hidden: number, outC: number, dtype: 'float32' | 'float64' = 'float64', scale = 1): TinyNet<NDArray> {
  const [k1, k2] = split(k, 2) as [Key, Key];
  return {
    w1: normal(k1, [hidden, inC, 1, 3, 3], { dtype, std: (scale * Math.sqrt(2)) / Math.sqrt(inC * 9) }),
    b1: zeros([hidden], dtype),
    w2: normal(k2, [outC, hidden, 1, 3, 3], { dtype, std: scale / Math.sqrt(hidden * 9) }),
    b2: zeros([outC], dtype),
  };
}

/** The forward pass; `smooth` uses tanh (for finite differences), else leaky ReLU. */
export const tinyNetApply =
  (smooth: boolean) =>
  (p: TinyNet<Tensor>, x: Tensor): Tensor => {
    const h = conv3d(x, p.w1, { padding: [0, 1, 1], bias: p.b1 });
    return conv3d(smooth ? tanh(h) : leakyRelu(h), p.w2, { padding: [0, 1, 1], bias: p.b2 });
  };

/** Wraps every NDArray of a tiny net. */
export const asTensors = (p: TinyNet<NDArray>): TinyNet<Tensor> => ({ w1: tensor(p.w1), b1: tensor(p.b1), w2: tensor(p.w2), b2: tensor(p.b2) });

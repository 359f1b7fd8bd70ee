// The README's example, run as written (keep the two in step).
import { key, normal, split, toTypedArray, type Key } from '@colab-ts/ndarray';
import { expect, it } from 'vitest';
import { conv3d, grad, jvp, mean, realize, square, sub, tanh, tensor, type Tensor } from '../src/index.js';

it('README: Hessian-vector product of a conv loss', async () => {
  const [k1, k2, k3, k4] = split(key(0), 4) as [Key, Key, Key, Key];
  const x = tensor(normal(k1, [1, 1, 2, 4, 4], { dtype: 'float64' }));
  const y = tensor(normal(k2, [1, 2, 2, 4, 4], { dtype: 'float64' }));
  const w = tensor(normal(k3, [2, 1, 3, 3, 3], { dtype: 'float64', std: 0.3 }));
  const v = tensor(normal(k4, [2, 1, 3, 3, 3], { dtype: 'float64' }));

  const loss = (w: Tensor) => mean(square(sub(tanh(conv3d(x, w, { padding: 1 })), y)));

  // Hessian-vector product: forward mode over reverse mode.
  const [g, hv] = jvp(grad(loss), [w], [v]);
  const { g: gradient, hv: hvp } = await realize({ g, hv }); // NDArrays

  expect(gradient.shape).toEqual([2, 1, 3, 3, 3]);
  expect(hvp.shape).toEqual([2, 1, 3, 3, 3]);
  expect(Array.from(toTypedArray(hvp)).every(Number.isFinite)).toBe(true);
});

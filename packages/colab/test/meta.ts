/**
 * Shared fixtures of the meta-gradient tests: a tiny batch and the direct
 * finite-difference reference of w -> L_ROI(theta*(w)).
 * @module
 */
import type { Tensor } from '@colab-ts/autodiff';
import { realize, tensor } from '@colab-ts/autodiff';
import type { Key, NDArray } from '@colab-ts/ndarray';
import { array, astype, key, normal, split, toTypedArray } from '@colab-ts/ndarray';
import type { MetaProblem } from '../src/index.js';
import { distanceMap, metaGradientParts, roiMask, roiOneHot, softDilatedMask } from '../src/index.js';
import type { TinyNet } from './models.js';
import { asTensors } from './models.js';

/** A 2-case 1x6x6 batch: a square ROI in each case, M with a small margin so that it varies. */
export function squaresBatch(dtype: 'float32' | 'float64') {
  const [kx] = split(key(11), 1) as [Key];
  const labels = new Int32Array(2 * 36);
  for (const [i, r0, c0] of [
    [0, 1, 1],
    [1, 3, 2],
  ] as const)
    for (let r = r0; r < r0 + 2; r++) for (let c = c0; c < c0 + 2; c++) labels[i * 36 + r * 6 + c] = 1;
  const yNd = roiOneHot(array(labels, [2, 1, 1, 6, 6], 'int32'), 2, dtype);
  const M = astype(softDilatedMask(distanceMap(roiMask(yNd)), { margin: 1.5, temperature: 1 }), dtype);
  const x = normal(kx, [2, 1, 1, 6, 6], { dtype });
  return { x: tensor(x), y: tensor(yNd), M: tensor(M) };
}
export type SquaresBatch = ReturnType<typeof squaresBatch>;

/** The parameters of a tiny net as one flat list (w1, b1, w2, b2). */
export const flatNet = (p: TinyNet<NDArray>): number[] => [p.w1, p.b1, p.w2, p.b2].flatMap((a) => Array.from(toTypedArray(a)));

/** Central finite differences (step 1e-5, float64) of w -> L_ROI(theta*(w)), element by element, flat as `flatNet`. */
export async function finiteDifferenceMetaGradient<B>(
  problem: MetaProblem<TinyNet<Tensor>, TinyNet<Tensor>, B>,
  theta: TinyNet<NDArray>,
  omega: TinyNet<NDArray>,
  batch: B,
): Promise<number[]> {
  const F = async (om: TinyNet<NDArray>): Promise<number> =>
    toTypedArray(await realize(metaGradientParts(problem, asTensors(theta), asTensors(om), batch).roiLossAfter))[0]!;
  const reference: number[] = [];
  const eps = 1e-5;
  for (const k of ['w1', 'b1', 'w2', 'b2'] as const) {
    const base = Float64Array.from(toTypedArray(omega[k]));
    for (let i = 0; i < base.length; i++) {
      const at = (d: number): Promise<number> => {
        const v = Float64Array.from(base);
        v[i] = v[i]! + d;
        return F({ ...omega, [k]: array(v, omega[k].shape, 'float64') });
      };
      reference.push(((await at(eps)) - (await at(-eps))) / (2 * eps));
    }
  }
  return reference;
}

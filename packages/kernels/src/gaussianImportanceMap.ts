/**
 * nnU-Net's Gaussian importance map for sliding-window blending (TypeScript
 * only, shared by every backend).
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, array } from '@colab-ts/ndarray';

/**
 * Weights for blending overlapping patch predictions, as nnU-Net's
 * `compute_gaussian`: a Gaussian with `sigma = patchSize * sigmaScale` per axis
 * centred at `floor(patchSize / 2)`, truncated at `floor(4 sigma + 0.5)` voxels
 * from the centre (scipy's `gaussian_filter` of a unit impulse), normalised to
 * a maximum of 1, and with zeros replaced by the smallest non-zero value, so
 * every voxel has some weight. float32, shaped `patchSize` (any rank >= 1).
 * @example gaussianImportanceMap([64, 128, 128]) // 1 at [32, 64, 64]
 * @category sliding window
 */
export function gaussianImportanceMap(patchSize: readonly number[], sigmaScale = 1 / 8): NDArray<number, 'float32'> {
  const op = 'gaussianImportanceMap';
  if (!Array.isArray(patchSize) || patchSize.length === 0 || !patchSize.every((p) => Number.isSafeInteger(p) && p >= 1)) {
    throw new ValueError(op, `patchSize must be a non-empty list of positive integers, got ${JSON.stringify(patchSize)}`);
  }
  if (!(Number.isFinite(sigmaScale) && sigmaScale > 0)) throw new ValueError(op, `sigmaScale must be positive and finite, got ${sigmaScale}`);
  // One axis at a time: exp(-d^2 / (2 sigma^2)) within the truncation radius, 0 beyond.
  const axes = patchSize.map((p) => {
    const sigma = p * sigmaScale;
    const radius = Math.floor(4 * sigma + 0.5);
    const centre = Math.floor(p / 2);
    return Array.from({ length: p }, (_, i) => (Math.abs(i - centre) <= radius ? Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)) : 0));
  });
  const total = patchSize.reduce((a, b) => a * b, 1);
  const out = new Float32Array(total);
  const index = patchSize.map(() => 0);
  for (let i = 0; i < total; i++) {
    let v = 1;
    for (let a = 0; a < axes.length; a++) v *= axes[a]![index[a]!]!;
    out[i] = v;
    for (let a = patchSize.length - 1; a >= 0; a--) {
      if (++index[a]! < patchSize[a]!) break;
      index[a] = 0;
    }
  }
  let minPositive = Infinity;
  for (const v of out) if (v > 0 && v < minPositive) minPositive = v;
  for (let i = 0; i < total; i++) if (out[i] === 0) out[i] = minPositive;
  return array(out, patchSize, 'float32');
}

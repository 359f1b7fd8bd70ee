/**
 * Agreement of two labelings of the same voxels whatever their label names:
 * the normalised mutual information, used to ask whether CoLab's learnt
 * context labels follow the true tissues near the ROI.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, isNDArray, showShape, toTypedArray } from '@colab-ts/ndarray';

/** Options of `normalizedMutualInformation`. @category agreement */
export interface MutualInformationOptions {
  /** Only voxels where `mask` is non-zero count (same shape as the labelings). */
  readonly mask?: NDArray;
}

/**
 * Normalised mutual information `NMI(A, B) = 2 I(A; B) / (H(A) + H(B))` of two
 * integer labelings (the arithmetic normalisation, scikit-learn's default):
 * 1 when one labeling is a renaming of the other, 0 when they are
 * independent. NaN when no voxel counts; 1 when both labelings are constant
 * (there is nothing to disagree on). Label values need not match.
 * @example normalizedMutualInformation(array([0, 0, 1, 1]), array([5, 5, 2, 2])) // 1
 * @category agreement
 */
export function normalizedMutualInformation(a: NDArray, b: NDArray, options: MutualInformationOptions = {}): number {
  const op = 'normalizedMutualInformation';
  if (!isNDArray(a) || !isNDArray(b)) throw new ValueError(op, 'a and b must be NDArrays');
  if (a.shape.join() !== b.shape.join()) throw new ShapeError(op, `a ${showShape(a.shape)} and b ${showShape(b.shape)} must have the same shape`);
  const m = options.mask;
  if (m !== undefined && m.shape.join() !== a.shape.join())
    throw new ShapeError(op, `mask ${showShape(m.shape)} must have the shape of a ${showShape(a.shape)}`);
  const x = toTypedArray(a);
  const y = toTypedArray(b);
  const w = m === undefined ? undefined : toTypedArray(m);
  const joint = new Map<string, number>();
  const pa = new Map<number, number>();
  const pb = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (w !== undefined && w[i] === 0) continue;
    const u = x[i]!;
    const v = y[i]!;
    if (!Number.isInteger(u) || !Number.isInteger(v)) throw new ValueError(op, `labels must be integers, got ${u} and ${v}`);
    joint.set(`${u},${v}`, (joint.get(`${u},${v}`) ?? 0) + 1);
    pa.set(u, (pa.get(u) ?? 0) + 1);
    pb.set(v, (pb.get(v) ?? 0) + 1);
    n++;
  }
  if (n === 0) return Number.NaN;
  const entropy = (p: Map<number, number>): number => [...p.values()].reduce((h, c) => h - (c / n) * Math.log(c / n), 0);
  const ha = entropy(pa);
  const hb = entropy(pb);
  if (ha === 0 && hb === 0) return 1;
  let mi = 0;
  for (const [k, c] of joint) {
    const [u, v] = k.split(',').map(Number) as [number, number];
    mi += (c / n) * Math.log((c * n) / (pa.get(u)! * pb.get(v)!));
  }
  return Math.max(0, (2 * mi) / (ha + hb));
}

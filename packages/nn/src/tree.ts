/**
 * Parameter trees on both sides of the training loop: nested plain records and
 * arrays whose leaves are `NDArray`s (stored parameters, realized gradients,
 * optimizer state) or `Tensor`s (the forward pass). `toTensors` wraps the
 * stored arrays as leaf tensors for a forward pass; `realize` (autodiff) turns
 * tensors back into arrays; the helpers here map and fold array trees. All of
 * them walk trees with autodiff's `flatten`, the one tree walker.
 * @module
 */
import type { Flattened, Tensor } from '@colab-ts/autodiff';
import { flatten, isTensor, tensor } from '@colab-ts/autodiff';
import type { NDArray } from '@colab-ts/ndarray';
import { ShapeError, ValueError, isNDArray, shapesEqual, showShape } from '@colab-ts/ndarray';

/** The tree `T` with every `NDArray` leaf replaced by a `Tensor`. @category trees */
export type Tensorized<T> = T extends NDArray
  ? Tensor
  : T extends Tensor
    ? Tensor
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Tensorized<T[K]> }
      : T extends object
        ? { -readonly [K in keyof T]: Tensorized<T[K]> }
        : T;

/**
 * The `NDArray` leaves of a tree (depth first, record keys in insertion order),
 * their paths, and a function that rebuilds the tree from replacements:
 * autodiff's `flatten` with `NDArray` leaves. Any other leaf throws.
 * @example const { leaves, unflatten } = flattenArrays(op, params)
 * @category trees
 */
export const flattenArrays = (op: string, tree: unknown): Flattened<NDArray> => flatten(op, tree, { isLeaf: isNDArray, expected: 'an NDArray' });

const isArrayOrTensor = (x: unknown): x is NDArray | Tensor => isNDArray(x) || isTensor(x);

/**
 * Wraps every `NDArray` leaf of a tree as a leaf `Tensor` (tensors are kept),
 * ready for a forward pass or a transformation.
 * @example const loss = (p) => ceDiceLoss(unetApply(p, x), y); grad(loss)(toTensors(params))
 * @category trees
 */
export function toTensors<T>(tree: T): Tensorized<T> {
  const { leaves, unflatten } = flatten('toTensors', tree, { isLeaf: isArrayOrTensor, expected: 'an NDArray or a Tensor' });
  return unflatten(leaves.map((l) => (isTensor(l) ? l : tensor(l)))) as Tensorized<T>;
}

/**
 * Maps the `NDArray` leaves of one tree, or of several trees of the same
 * structure (leaf shapes must agree), into a new tree of the first one's shape.
 * @example mapArrays((p, g) => sub(p, mul(g, 0.1)), params, grads)
 * @category trees
 */
export function mapArrays<T>(f: (...leaves: NDArray[]) => NDArray, tree: T, ...others: readonly unknown[]): T {
  const op = 'mapArrays';
  const main = flattenArrays(op, tree);
  const rest = others.map((o, j) => {
    const fl = flattenArrays(op, o);
    checkSameStructure(op, main, fl, `tree ${j + 1}`);
    return fl.leaves;
  });
  return main.unflatten(main.leaves.map((l, i) => f(l, ...rest.map((r) => r[i]!)))) as T;
}

/** Throws unless two flattened trees have the same leaf paths and shapes. @internal */
export function checkSameStructure(
  op: string,
  a: { leaves: readonly NDArray[]; paths: readonly string[] },
  b: { leaves: readonly NDArray[]; paths: readonly string[] },
  what: string,
): void {
  if (a.leaves.length !== b.leaves.length) throw new ValueError(op, `${what} has ${b.leaves.length} arrays, the parameters ${a.leaves.length}`);
  a.leaves.forEach((l, i) => {
    if (a.paths[i] !== b.paths[i]) throw new ValueError(op, `${what} has ${b.paths[i]} where the parameters have ${a.paths[i]}`);
    const m = b.leaves[i]!;
    if (!shapesEqual(l.shape, m.shape)) {
      throw new ShapeError(op, `${what} at ${a.paths[i]} has shape ${showShape(m.shape)}, expected ${showShape(l.shape)}`, {
        expected: showShape(l.shape),
        got: showShape(m.shape),
      });
    }
  });
}

/**
 * The number of scalar entries in the `NDArray` leaves of a tree.
 * @example paramCount(unetInit(key(0), config))
 * @category trees
 */
export const paramCount = (tree: unknown): number => flattenArrays('paramCount', tree).leaves.reduce((n, l) => n + l.shape.reduce((a, b) => a * b, 1), 0);

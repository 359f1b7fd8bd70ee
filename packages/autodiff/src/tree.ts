/**
 * Trees: nested plain records and arrays whose leaves are tensors (model
 * parameters, gradients, batches). Transformations flatten a tree into its
 * leaves, work on those, and rebuild the same shape.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError } from '@colab-ts/ndarray';
import type { Tensor } from './Tensor.js';
import { isTensor } from './Tensor.js';

/** A tree of tensors: a tensor, an array of trees, or a plain record of trees. @category trees */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree };

/** The tree `T` with every tensor replaced by an NDArray (what `realize` returns). @category trees */
export type Realized<T> = T extends Tensor
  ? NDArray
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Realized<T[K]> }
    : T extends (...args: never[]) => unknown
      ? T
      : T extends object
        ? { -readonly [K in keyof T]: Realized<T[K]> }
        : T;

const isPlainRecord = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * The tensors of a tree in a fixed order (depth first, record keys in insertion order)
 * and a function that rebuilds the tree from replacements. With `strict`, any other
 * leaf throws; otherwise other leaves are kept as they are.
 * @category trees
 */
export function flatten(op: string, tree: unknown, strict = true): { readonly leaves: Tensor[]; readonly unflatten: <L>(leaves: readonly L[]) => unknown } {
  const leaves: Tensor[] = [];
  const walk = (t: unknown, path: string): void => {
    if (isTensor(t)) leaves.push(t);
    else if (Array.isArray(t)) t.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (isPlainRecord(t)) for (const k of Object.keys(t)) walk(t[k], `${path}.${k}`);
    else if (strict) throw new ValueError(op, `tree leaf at ${path || 'the root'} is not a Tensor (${t === null ? 'null' : typeof t})`);
  };
  walk(tree, '');
  const unflatten = <L>(values: readonly L[]): unknown => {
    let i = 0;
    const build = (t: unknown): unknown => {
      if (isTensor(t)) return values[i++];
      if (Array.isArray(t)) return t.map(build);
      if (isPlainRecord(t)) {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(t)) out[k] = build(t[k]);
        return out;
      }
      return t;
    };
    return build(tree);
  };
  return { leaves, unflatten };
}

/**
 * Applies `f` to every tensor of a tree, keeping its shape.
 * @example treeMap(params, (p) => mul(p, 0.5))
 * @category trees
 */
export function treeMap<T>(tree: T, f: (t: Tensor, index: number) => Tensor): T {
  const { leaves, unflatten } = flatten('treeMap', tree, false);
  return unflatten(leaves.map(f)) as T;
}

/**
 * The tensors of a tree, in `flatten` order.
 * @example treeLeaves({ w, b }) // [w, b]
 * @category trees
 */
export const treeLeaves = (tree: unknown): Tensor[] => flatten('treeLeaves', tree, false).leaves;

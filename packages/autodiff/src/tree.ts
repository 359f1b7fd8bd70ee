/**
 * Trees: nested plain records and arrays whose leaves are tensors (model
 * parameters, gradients, batches). Transformations flatten a tree into its
 * leaves, work on those, and rebuild the same shape.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { ValueError, isNDArray } from '@colab-ts/ndarray';
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

/**
 * A plain record: an object literal or `Object.create(null)` that is not a Tensor
 * or an NDArray. Trees descend into these and into arrays; anything else is a leaf.
 * @example isPlainRecord({ w }) // true
 * @category trees
 */
export const isPlainRecord = (x: unknown): x is Readonly<Record<string, unknown>> => {
  // Tensors and NDArrays are plain objects too, but never containers.
  if (typeof x !== 'object' || x === null || Array.isArray(x) || isTensor(x) || isNDArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
};

/** What `flatten` takes for a leaf, and what it does with anything else. @category trees */
export interface FlattenOptions<L> {
  /** The leaf test (default `isTensor`). */
  readonly isLeaf?: (x: unknown) => x is L;
  /** Throw on any other value that is neither an array nor a plain record (default true); otherwise keep it as is. */
  readonly strict?: boolean;
  /** The leaf, as the error names it (default `'a Tensor'`). */
  readonly expected?: string;
}

/** A flattened tree: its leaves, their paths (`.w[0]`, `<root>`), and the function that rebuilds it. @category trees */
export interface Flattened<L> {
  readonly leaves: L[];
  readonly paths: string[];
  readonly unflatten: <V>(values: readonly V[]) => unknown;
}

const kind = (t: unknown): string => (isTensor(t) ? 'a Tensor: realize it first' : t === null ? 'null' : typeof t);

/**
 * The leaves of a tree in a fixed order (depth first, record keys in insertion
 * order), their paths, and a function that rebuilds the tree from replacements
 * (JAX's `tree_flatten`). Leaves are tensors unless `isLeaf` says otherwise; a
 * boolean third argument is `{ strict }`. The one tree walker of colab-ts: nn's
 * `flattenArrays` is `flatten` with `isLeaf: isNDArray`.
 * @example const { leaves, unflatten } = flatten('step', { w, b }) // leaves [w, b]
 * @category trees
 */
export function flatten<L = Tensor>(op: string, tree: unknown, options: boolean | FlattenOptions<L> = {}): Flattened<L> {
  const {
    isLeaf = isTensor as unknown as (x: unknown) => x is L,
    strict = true,
    expected = 'a Tensor',
  } = typeof options === 'boolean' ? { strict: options } : options;
  const leaves: L[] = [];
  const paths: string[] = [];
  const walk = (t: unknown, path: string): void => {
    if (isLeaf(t)) {
      leaves.push(t);
      paths.push(path || '<root>');
    } else if (Array.isArray(t)) t.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (isPlainRecord(t)) for (const k of Object.keys(t)) walk(t[k], `${path}.${k}`);
    else if (strict) throw new ValueError(op, `tree leaf at ${path || 'the root'} is not ${expected} (${kind(t)})`);
  };
  walk(tree, '');
  const unflatten = <V>(values: readonly V[]): unknown => {
    let i = 0;
    const build = (t: unknown): unknown => {
      if (isLeaf(t)) return values[i++];
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
  return { leaves, paths, unflatten };
}

/**
 * Applies `f` to the tensors of a tree, or to the corresponding tensors of
 * several trees of the same structure, keeping the first tree's shape (JAX's
 * `tree_map(f, tree, *rest)`: the function first, the trees last).
 * @example treeMap((p, g) => sub(p, mul(g, 0.1)), params, grads)
 * @category trees
 */
export function treeMap<T>(f: (...leaves: Tensor[]) => Tensor, tree: T, ...rest: readonly unknown[]): T {
  const main = flatten('treeMap', tree, false);
  const others = rest.map((o, j) => {
    const fl = flatten('treeMap', o, false);
    if (fl.paths.length !== main.paths.length || fl.paths.some((p, i) => p !== main.paths[i])) {
      throw new ValueError('treeMap', `tree ${j + 1} has leaves [${fl.paths.join(', ')}], the first tree [${main.paths.join(', ')}]`);
    }
    return fl.leaves;
  });
  return main.unflatten(main.leaves.map((l, i) => f(l, ...others.map((o) => o[i]!)))) as T;
}

/**
 * The tensors of a tree, in `flatten` order.
 * @example treeLeaves({ w, b }) // [w, b]
 * @category trees
 */
export const treeLeaves = (tree: unknown): Tensor[] => flatten('treeLeaves', tree, false).leaves;

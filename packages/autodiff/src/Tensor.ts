/**
 * `Tensor`: an immutable lazy node of the graph of primitives,
 * `{ id, op, inputs, params, shape, dtype }`. Building tensors is synchronous,
 * pure and cheap: each node's shape and dtype are computed (and checked) by
 * its primitive's `shape` rule when the node is made, and nothing runs until
 * `realize`. Ids increase with creation, so a node's inputs always have
 * smaller ids than the node itself (the transformations use this to prune).
 * @module
 */
import type { DType, Shape, ShapeOf } from '@colab-ts/ndarray';
import { ValueError, isNDArray } from '@colab-ts/ndarray';

/**
 * A lazy node: the primitive `op` applied to `inputs` with `params`. `R` is the rank.
 * @category model
 */
export interface Tensor<R extends number = number> {
  readonly _tag: 'Tensor';
  /** Creation order; every input has a smaller id. */
  readonly id: number;
  /** The primitive's name. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly params: unknown;
  readonly shape: ShapeOf<R>;
  readonly dtype: DType;
}

/** Abstract value: what a primitive's shape rule sees and returns. @category model */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

let nextId = 0;

/** Makes a node (internal: callers have already run the primitive's shape rule). @internal */
export function makeNode(op: string, inputs: readonly Tensor[], params: unknown, aval: Aval): Tensor {
  return Object.freeze({
    _tag: 'Tensor' as const,
    id: nextId++,
    op,
    inputs: Object.freeze(inputs.slice()),
    params,
    shape: Object.freeze(aval.shape.slice()) as ShapeOf<number>,
    dtype: aval.dtype,
  });
}

/** Is `x` a Tensor? @category guards */
export const isTensor = (x: unknown): x is Tensor => typeof x === 'object' && x !== null && (x as { _tag?: unknown })._tag === 'Tensor';

/** A tensor, or a number that an arithmetic op broadcasts as a scalar of the other operand's dtype. @category model */
export type TensorLike = Tensor | number;

/** Throws unless `x` is a Tensor. @internal */
export function assertTensor(op: string, x: unknown, name = 'x'): asserts x is Tensor {
  if (!isTensor(x))
    throw new ValueError(op, `${name} must be a Tensor, got ${isNDArray(x) ? 'an NDArray (wrap it with tensor(x))' : x === null ? 'null' : typeof x}`);
}

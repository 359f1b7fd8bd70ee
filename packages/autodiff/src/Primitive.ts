/**
 * The primitive contract: `definePrimitive({ name, shape, impl, jvp, vjp })`.
 * `shape` computes (and checks) the output's shape and dtype when a node is
 * built, `impl` runs one kernel of a backend, and `jvp`/`vjp` are written with
 * Tensor ops, so that the rules are themselves differentiable. `null` stands
 * for a symbolic zero tangent or cotangent: it costs nothing and builds nothing.
 * A definition carries its name and parameter type (`PrimitiveDef<'pad', PadParams>`),
 * so the list of names and the parameter map are derived from the record in
 * `primitives/index.ts` rather than written a second time.
 * @module
 */
import type { Backend } from '@colab-ts/kernels';
import type { Aval, Tensor } from './Tensor.js';
import { assertTensor, makeNode } from './Tensor.js';

/** Parameters of a primitive without any. @category primitives */
export type NoParams = Readonly<Record<string, never>>;

/**
 * One primitive named `N` with parameters `P`: shape rule, kernel call and the two differentiation rules.
 * Methods (not function-valued fields) so a `PrimitiveDef<'add'>` is usable where
 * any definition is expected.
 * @category primitives
 */
// `any` default: a definition of unknown parameters accepts every node's params (what realize needs).
// biome-ignore lint/suspicious/noExplicitAny: the registry holds primitives of every parameter type; `unknown` would make their rules uncallable (contravariance)
export interface PrimitiveDef<N extends string = string, P = any> {
  readonly name: N;
  /** Output shape and dtype; throws a ShapeError/DTypeError naming the primitive. */
  shape(inputs: readonly Aval[], params: P): Aval;
  /** Runs one kernel on `backend` (buffers of the inputs, already computed). */
  impl<B>(backend: Backend<B>, inputs: readonly B[], params: P, out: Aval): Promise<B>;
  /** Tangent of the output given tangents of the inputs (`null` = zero), built from Tensor ops. */
  jvp(primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: P, out: Tensor): Tensor | null;
  /** Cotangents of the inputs (`null` = zero) given the output's cotangent, built from Tensor ops. */
  vjp(ct: Tensor, primals: readonly Tensor[], params: P, out: Tensor): readonly (Tensor | null)[];
  /** The output is the first input's buffer (identity, stopGradient): realize aliases it. */
  readonly alias?: true;
}

/** Declares a primitive; the object is returned as is (the type checks it). @category primitives */
export const definePrimitive = <N extends string, P>(def: PrimitiveDef<N, P>): PrimitiveDef<N, P> => Object.freeze(def);

/**
 * The jvp rule of a primitive linear in its first input (JAX's `ad.deflinear2`):
 * the tangent is `apply(t, params, primals)`, the same linear map applied to the
 * first input's tangent; a zero (`null`) tangent stays zero. Other inputs carry
 * no tangent (`maxPool3dBackward`'s `x` only selects where `dy` goes).
 * @example jvp: linearJvp((t, { axes }) => transposeRaw(t, axes))
 * @category primitives
 */
export const linearJvp =
  <P>(apply: (t: Tensor, params: P, primals: readonly Tensor[]) => Tensor) =>
  (primals: readonly Tensor[], [t]: readonly (Tensor | null)[], params: P): Tensor | null =>
    t ? apply(t, params, primals) : null;

/** Applies a primitive: runs its shape rule and makes the node. @category primitives */
export function bind<N extends string, P>(def: PrimitiveDef<N, P>, inputs: readonly Tensor[], params: P): Tensor {
  inputs.forEach((t, i) => assertTensor(def.name, t, `input ${i}`));
  const aval = def.shape(inputs, params);
  return makeNode(def.name, inputs, params, aval);
}

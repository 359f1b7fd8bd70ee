/**
 * The primitive contract: `definePrimitive({ name, shape, impl, jvp, vjp })`.
 * `shape` computes (and checks) the output's shape and dtype when a node is
 * built, `impl` runs one kernel of a backend, and `jvp`/`vjp` are written with
 * Tensor ops, so that the rules are themselves differentiable. `null` stands
 * for a symbolic zero tangent or cotangent: it costs nothing and builds nothing.
 * Each primitive file adds its name and parameter type to `ParamsMap` by
 * declaration merging, so the list of primitives has one source of truth per file.
 * @module
 */
import type { Backend } from '@colab-ts/kernels';
import type { Aval, Tensor } from './Tensor.js';
import { makeNode } from './Tensor.js';

/**
 * Parameters of each primitive, by name; every primitive file augments this
 * interface (`declare module '../Primitive.js' { interface ParamsMap { add: NoParams } }`).
 * @category primitives
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ParamsMap {}

/** The name of a primitive. @category primitives */
export type PrimName = keyof ParamsMap;

/** Parameters of a primitive without any. @category primitives */
export type NoParams = Readonly<Record<string, never>>;

/**
 * One primitive: shape rule, kernel call and the two differentiation rules.
 * Methods (not function-valued fields) so a `PrimitiveDef<'add'>` is usable where
 * any definition is expected.
 * @category primitives
 */
export interface PrimitiveDef<P extends PrimName> {
  readonly name: P;
  /** Output shape and dtype; throws a ShapeError/DTypeError naming the primitive. */
  shape(inputs: readonly Aval[], params: ParamsMap[P]): Aval;
  /** Runs one kernel on `backend` (buffers of the inputs, already computed). */
  impl<B>(backend: Backend<B>, inputs: readonly B[], params: ParamsMap[P], out: Aval): Promise<B>;
  /** Tangent of the output given tangents of the inputs (`null` = zero), built from Tensor ops. */
  jvp(primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: ParamsMap[P], out: Tensor): Tensor | null;
  /** Cotangents of the inputs (`null` = zero) given the output's cotangent, built from Tensor ops. */
  vjp(ct: Tensor, primals: readonly Tensor[], params: ParamsMap[P], out: Tensor): readonly (Tensor | null)[];
  /** The output is the first input's buffer (identity, stopGradient): realize aliases it. */
  readonly alias?: true;
}

/** Declares a primitive; the object is returned as is (the type checks it). @category primitives */
export const definePrimitive = <P extends PrimName>(def: PrimitiveDef<P>): PrimitiveDef<P> => Object.freeze(def);

/** Applies a primitive: runs its shape rule and makes the node. @category primitives */
export function bind<P extends PrimName>(def: PrimitiveDef<P>, inputs: readonly Tensor[], params: ParamsMap[P]): Tensor {
  const aval = def.shape(inputs, params);
  return makeNode(def.name, inputs, params, aval);
}

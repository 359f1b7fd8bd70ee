/**
 * A linear spatial operator and its adjoint, defined together as two
 * primitives (JAX's transpose pairs): `op(x, o)` and `opBackward(dy, inputShape, o)`.
 * Both are linear, so each one's jvp is itself and its vjp is the other; both
 * take float inputs only. `avgPool3d` and `upsample3d` are built here.
 * @module
 */
import type { Backend } from '@colab-ts/kernels';
import { dual, type Shape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Aval, Tensor } from '../Tensor.js';
import { checkFloat } from '../internal/coerce.js';

/** Parameters of the adjoint primitive: the forward input's shape and the forward options. @category primitives */
export interface AdjointParams<O> {
  readonly inputShape: Shape;
  readonly options: O;
}

/** The operator's kernel and its adjoint's, on a backend. @internal */
export type AdjointKernels<O> = <B>(be: Backend<B>) => readonly [(x: B, o: O) => Promise<B>, (dy: B, inputShape: Shape, o: O) => Promise<B>];

/** What defines a pair: the forward name, the two shape rules (they throw `ShapeError`), the options' normalizer, the two kernels. @internal */
export interface AdjointPairSpec<N extends string, O, U> {
  readonly name: N;
  readonly shapes: readonly [(x: Shape, o: O) => Shape, (dy: Shape, inputShape: Shape, o: O) => Shape];
  readonly normalize: (op: string, options: U) => O;
  readonly kernels: AdjointKernels<O>;
}

/** A linear op in both call styles: `op(x, options)` and `pipe(x, op(options))`. @category ops */
export interface LinearOp<U> {
  (options: U): (x: Tensor) => Tensor<5>;
  (x: Tensor, options: U): Tensor<5>;
}

/** The two primitives of a pair, their normalized-option builders (the form the rules use) and their public ops. @internal */
export interface AdjointPair<N extends string, O, U> {
  readonly forward: PrimitiveDef<N, O>;
  readonly backward: PrimitiveDef<`${N}Backward`, AdjointParams<O>>;
  readonly forwardRaw: (x: Tensor, o: O) => Tensor;
  readonly backwardRaw: (dy: Tensor, inputShape: Shape, o: O) => Tensor;
  readonly op: LinearOp<U>;
  readonly backwardOp: (dy: Tensor, inputShape: Shape, options: U) => Tensor<5>;
}

const floatAval = (op: string, x: Aval, shape: Shape): Aval => {
  checkFloat(op, x);
  return { shape, dtype: x.dtype };
};

/** Defines `name` and `${name}Backward` from one spec. @internal */
export function adjointPair<N extends string, O, U>(spec: AdjointPairSpec<N, O, U>): AdjointPair<N, O, U> {
  const { name, shapes, normalize, kernels } = spec;
  const backwardName = `${name}Backward` as const;
  const forwardRaw = (x: Tensor, o: O): Tensor => bind(forward, [x], o);
  const backwardRaw = (dy: Tensor, inputShape: Shape, o: O): Tensor => bind(backward, [dy], { inputShape, options: o });
  const forward: PrimitiveDef<N, O> = definePrimitive({
    name,
    shape: ([x], o) => floatAval(name, x!, shapes[0](x!.shape, o)),
    impl: (be, [x], o) => kernels(be)[0](x!, o),
    jvp: linearJvp(forwardRaw),
    vjp: (ct, [x], o) => [backwardRaw(ct, x!.shape, o)],
  });
  const backward: PrimitiveDef<`${N}Backward`, AdjointParams<O>> = definePrimitive({
    name: backwardName,
    shape: ([dy], p) => floatAval(backwardName, dy!, shapes[1](dy!.shape, p.inputShape, p.options)),
    impl: (be, [dy], p) => kernels(be)[1](dy!, p.inputShape, p.options),
    jvp: linearJvp((t, p) => backwardRaw(t, p.inputShape, p.options)),
    vjp: (ct, _dy, p) => [forwardRaw(ct, p.options)],
  });
  return {
    forward,
    backward,
    forwardRaw,
    backwardRaw,
    op: dual(2, (x: Tensor, options: U): Tensor => forwardRaw(x, normalize(name, options))),
    backwardOp: (dy, inputShape, options) => backwardRaw(dy, inputShape, normalize(backwardName, options)) as Tensor<5>,
  };
}

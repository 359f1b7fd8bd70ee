/** `compare`: elementwise comparisons giving uint8 (no derivative). @module */
import type { CompareOp } from '@colab-ts/kernels';
import { ValueError } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { checkSame, elementwiseOperands } from '../internal/coerce.js';

const OPS: readonly CompareOp[] = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];

/** `a <op> b` as uint8 (1 true, 0 false); piecewise constant, so its derivatives are zero. @category primitives */
export const comparePrimitive: PrimitiveDef<'compare', { readonly op: CompareOp }> = definePrimitive({
  name: 'compare',
  shape: (avals, { op }) => {
    if (!OPS.includes(op)) throw new ValueError('compare', `unknown comparison ${String(op)}`);
    return { shape: checkSame(op, avals).shape, dtype: 'uint8' };
  },
  impl: (be, [a, b], { op }) => be.kernels.compare(a!, b!, op),
  jvp: () => null,
  vjp: () => [null, null],
});

const make =
  (op: CompareOp) =>
  (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = elementwiseOperands(op, [a, b]);
    return bind(comparePrimitive, [x!, y!], { op });
  };

/** Elementwise `a == b` as uint8. @example equal(x, 0) @category ops */
export const equal = make('equal');
/** Elementwise `a != b` as uint8. @example notEqual(x, 0) @category ops */
export const notEqual = make('notEqual');
/** Elementwise `a < b` as uint8. @example less(x, 0) @category ops */
export const less = make('less');
/** Elementwise `a <= b` as uint8. @example lessEqual(x, 0) @category ops */
export const lessEqual = make('lessEqual');
/** Elementwise `a > b` as uint8. @example greater(x, 0) @category ops */
export const greater = make('greater');
/** Elementwise `a >= b` as uint8. @example greaterEqual(x, 0) @category ops */
export const greaterEqual = make('greaterEqual');

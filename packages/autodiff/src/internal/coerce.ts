/**
 * Operand handling shared by the public ops: numbers become scalars of the
 * other operand's dtype, mixed dtypes are promoted with `cast`, and operands
 * are broadcast with `broadcastTo`, so every primitive sees equal shapes and dtypes.
 * Also the shape checks that several primitives' rules share.
 * @module
 */
import type { Aval } from '../Tensor.js';
import type { DType, Shape } from '@colab-ts/ndarray';
import { DTypeError, ShapeError, ValueError, broadcastShapes, isFloat, isNDArray, promoteTypes, shapesEqual, showShape } from '@colab-ts/ndarray';
import type { Tensor, TensorLike } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { broadcastTo } from '../primitives/broadcastTo.js';
import { cast } from '../primitives/cast.js';
import { scalarTensor } from '../primitives/constant.js';

/** A tensor from a tensor or number (numbers become scalars of `dtype`, default float32). @internal */
export function asTensor(op: string, x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (isTensor(x)) return x;
  if (typeof x === 'number') return scalarTensor(x, dtype);
  throw new ValueError(op, `expected a Tensor or a number, got ${isNDArray(x) ? 'an NDArray (wrap it with tensor(x))' : x === null ? 'null' : typeof x}`);
}

/** Operands of an elementwise op: numbers adopt the tensors' dtype (fractions promote integers to float32), dtypes promote, shapes broadcast. @internal */
export function elementwiseOperands(op: string, xs: readonly TensorLike[]): Tensor[] {
  const tensors = xs.filter(isTensor);
  let dtype: DType = tensors.length === 0 ? 'float32' : tensors.map((t) => t.dtype).reduce(promoteTypes);
  // Numbers are weakly typed (as in JAX): they adopt the tensors' dtype, unless a fraction meets integers.
  if (!isFloat(dtype) && xs.some((x) => typeof x === 'number' && !Number.isInteger(x))) dtype = 'float32';
  const ts = xs.map((x) => asTensor(op, x, dtype)).map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const shape = broadcastShapes(op, ...ts.map((t) => t.shape));
  return ts.map((t) => (shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape)));
}

/** Zeros of the shape and dtype of `like` (a broadcast scalar: one tiny upload). @internal */
export const zerosLike = (like: Aval): Tensor => fillLike(like, 0);

/** `value` everywhere, with the shape and dtype of `like`. @internal */
export function fillLike(like: Aval, value: number): Tensor {
  const s = scalarTensor(value, like.dtype);
  return like.shape.length === 0 ? s : broadcastTo(s, like.shape);
}

/** A tangent or cotangent, materialised: `t`, or zeros shaped like `like`. @internal */
export const orZeros = (t: Tensor | null | undefined, like: Aval): Tensor => t ?? zerosLike(like);

/** Throws unless all avals have the same shape and dtype (what elementwise primitives require). @internal */
export function checkSame(op: string, avals: readonly Aval[]): Aval {
  const a = avals[0]!;
  for (const b of avals.slice(1)) {
    if (!shapesEqual(a.shape, b.shape)) {
      throw new ShapeError(op, `operand shapes differ: ${showShape(a.shape)} and ${showShape(b.shape)}`, {
        expected: showShape(a.shape),
        got: showShape(b.shape),
      });
    }
    if (a.dtype !== b.dtype) throw new DTypeError(op, `operand dtypes differ: ${a.dtype} and ${b.dtype}`, { expected: a.dtype, got: b.dtype });
  }
  return a;
}

/** Throws unless `dtype` is a floating-point type (differentiable math). @internal */
export function checkFloat(op: string, a: Aval): void {
  if (!isFloat(a.dtype)) throw new DTypeError(op, `expects float32 or float64, got ${a.dtype}`, { expected: 'float32|float64', got: a.dtype });
}

/** Checks that `axes` (normalized) are distinct axes of an array of `shape` (the reductions' and `flip`'s parameter). @internal */
export function checkAxes(op: string, shape: Shape, axes: readonly number[]): void {
  const r = shape.length;
  if (new Set(axes).size !== axes.length || !axes.every((a) => Number.isInteger(a) && a >= 0 && a < r)) {
    throw new ShapeError(op, `axes [${axes.join(',')}] are not distinct axes of rank ${r}`);
  }
}

/** Checks a shape-valued parameter. @internal */
export function checkShapeParam(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(op, `shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** Sums two optional tangents (null = zero). @internal */
export function addOpt(a: Tensor | null, b: Tensor | null, add: (a: Tensor, b: Tensor) => Tensor): Tensor | null {
  return a === null ? b : b === null ? a : add(a, b);
}

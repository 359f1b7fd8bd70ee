/**
 * @colab-ts/ndarray: immutable typed n-dimensional arrays for colab-ts.
 * Creation, views, NumPy-broadcast elementwise math, reductions, matmul,
 * joining, comparisons and explicit seeded randomness. No runtime dependencies.
 * @module @colab-ts/ndarray
 */
export type { AnyData, DataMap, DataOf, DType } from './DType.js';
export { DTYPES, allocate, dtypeOfData, floatResult, isDType, isFloat, promoteTypes } from './DType.js';
export type { Shape, Shape5, ShapeOf } from './Shape.js';
export { broadcastShapes, checkShape, contiguousStrides, normalizeAxes, normalizeAxis, shapeSize, shapesEqual } from './Shape.js';
export { DTypeError, OpError, ShapeError, ValueError, showShape } from './errors.js';
export type { NDArray } from './NDArray.js';
export { isContiguous, isNDArray, isPacked, ndim, size } from './NDArray.js';
export { dual } from './dual.js';
export type { Nested } from './creation.js';
export {
  arange,
  array,
  astype,
  contiguous,
  fromNested,
  full,
  get,
  item,
  linspace,
  ones,
  scalar,
  toNested,
  toTypedArray,
  zeros,
} from './creation.js';
export type { SliceSpec } from './views.js';
export { broadcastTo, expandDims, flip, reshape, slice, sliceIndices, squeeze, transpose } from './views.js';
export type { ArrayOrScalar } from './elementwise.js';
export {
  abs,
  add,
  clip,
  div,
  equal,
  exp,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  map,
  maximum,
  minimum,
  mul,
  neg,
  notEqual,
  pow,
  sqrt,
  sub,
  where,
} from './elementwise.js';
export type { ArgOptions, ReduceOptions } from './reductions.js';
export { argmax, argmin, logSumExp, max, mean, min, softmax, sum } from './reductions.js';
export { matmul } from './matmul.js';
export type { PadWidths } from './join.js';
export { concat, pad, stack } from './join.js';
export type { CloseOptions } from './compare.js';
export { allClose, arrayEqual } from './compare.js';
export type { Key } from './random.js';
export { foldIn, isKey, key, normal, permutation, randint, randomBits, split, threefry2x32, uniform } from './random.js';

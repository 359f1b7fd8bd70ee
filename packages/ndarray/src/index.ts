/**
 * @colab-ts/ndarray: immutable typed n-dimensional arrays for colab-ts.
 * Creation, views, NumPy-broadcast elementwise math, reductions, matmul,
 * joining, comparisons and explicit seeded randomness. No runtime dependencies.
 * @module @colab-ts/ndarray
 */
export type { AnyData, DataMap, DataOf, DType } from './DType.js';
export { DTYPES, allocate, dtypeOfData, floatResult, isDType, isFloat, promoteTypes } from './DType.js';
export type { NDArray } from './NDArray.js';
export { isContiguous, isNDArray, isPacked, ndim, size } from './NDArray.js';
// Modules whose every export is public (their internal helpers live in DType.ts, NDArray.ts and internal/).
export * from './Shape.js';
export * from './errors.js';
export * from './dual.js';
export * from './creation.js';
export * from './views.js';
export * from './elementwise.js';
export * from './reductions.js';
export * from './matmul.js';
export * from './join.js';
export * from './compare.js';
export * from './random.js';

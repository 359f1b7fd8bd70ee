/**
 * The reference backend's general kernels (elementwise, layout, reductions,
 * matmul): each is the corresponding @colab-ts/ndarray function, so the
 * reference means exactly what the ndarray package documents.
 * @module
 */
import * as nd from '@colab-ts/ndarray';
import type { NDArray } from '@colab-ts/ndarray';
import type { BinaryOp, CompareOp, Kernels, UnaryOp } from '../Backend.js';

const UNARY: Readonly<Record<UnaryOp, (x: NDArray) => NDArray>> = {
  neg: nd.neg,
  exp: nd.exp,
  log: nd.log,
  sqrt: nd.sqrt,
  abs: nd.abs,
};
const BINARY: Readonly<Record<BinaryOp, (a: NDArray, b: NDArray) => NDArray>> = {
  add: nd.add,
  sub: nd.sub,
  mul: nd.mul,
  div: nd.div,
  pow: nd.pow,
  maximum: nd.maximum,
  minimum: nd.minimum,
};
const COMPARE: Readonly<Record<CompareOp, (a: NDArray, b: NDArray) => NDArray>> = {
  equal: nd.equal,
  notEqual: nd.notEqual,
  less: nd.less,
  lessEqual: nd.lessEqual,
  greater: nd.greater,
  greaterEqual: nd.greaterEqual,
};

type General = Pick<
  Kernels<NDArray>,
  'unary' | 'binary' | 'compare' | 'where' | 'cast' | 'reshape' | 'transpose' | 'broadcastTo' | 'slice' | 'pad' | 'concat' | 'flip' | 'sum' | 'max' | 'matmul'
>;

/** The general kernels of the reference backend. @category reference */
export const generalKernels: General = {
  unary: async (x, op) => UNARY[op](x),
  binary: async (a, b, op) => BINARY[op](a, b),
  compare: async (a, b, op) => COMPARE[op](a, b),
  where: async (c, a, b) => nd.where(c, a, b),
  cast: async (x, dtype) => nd.astype(x, dtype),
  reshape: async (x, shape) => nd.reshape(x, shape),
  transpose: async (x, axes) => nd.transpose(x, axes),
  broadcastTo: async (x, shape) => nd.broadcastTo(x, shape),
  slice: async (x, specs) => nd.slice(x, specs),
  pad: async (x, widths, value) => nd.pad(x, widths, { value }),
  concat: async (xs, axis) => nd.concat(xs, axis),
  flip: async (x, axes) => nd.flip(x, axes),
  sum: async (x, axes, keepDims) => nd.sum(x, { axes, keepDims }),
  max: async (x, axes, keepDims) => nd.max(x, { axes, keepDims }),
  matmul: async (a, b) => nd.matmul(a, b),
};

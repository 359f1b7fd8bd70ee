/**
 * The reference backend's general kernels (elementwise, layout, reductions,
 * matmul): each is the corresponding @colab-ts/ndarray function, so the
 * reference means exactly what the ndarray package documents.
 * @module
 */
import * as nd from '@colab-ts/ndarray';
import type { NDArray } from '@colab-ts/ndarray';
import type { BinaryOp, CompareOp, SyncKernels, UnaryOp } from '../Backend.js';

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
  SyncKernels<NDArray>,
  | 'unary'
  | 'binary'
  | 'compare'
  | 'where'
  | 'leakyRelu'
  | 'leakyReluBackward'
  | 'cast'
  | 'reshape'
  | 'transpose'
  | 'broadcastTo'
  | 'slice'
  | 'pad'
  | 'concat'
  | 'flip'
  | 'sum'
  | 'max'
  | 'matmul'
>;

/** The general kernels of the reference backend, synchronous. @category reference */
export const generalKernels: General = {
  unary: (x, op) => UNARY[op](x),
  binary: (a, b, op) => BINARY[op](a, b),
  compare: (a, b, op) => COMPARE[op](a, b),
  where: (c, a, b) => nd.where(c, a, b),
  leakyRelu: (x, slope) => {
    if (!nd.isFloat(x.dtype)) throw new nd.DTypeError('leakyRelu', `expects a float array, got ${x.dtype}`);
    return nd.where(nd.greater(x, 0), x, nd.mul(x, slope));
  },
  leakyReluBackward: (x, dy, slope) => {
    const op = 'leakyReluBackward';
    for (const [name, a] of [
      ['x', x],
      ['dy', dy],
    ] as const)
      if (!nd.isFloat(a.dtype)) throw new nd.DTypeError(op, `expects a float ${name}, got ${a.dtype}`, { expected: 'float32 or float64', got: a.dtype });
    if (!nd.shapesEqual(x.shape, dy.shape)) {
      const [want, got] = [nd.showShape(x.shape), nd.showShape(dy.shape)];
      throw new nd.ShapeError(op, `dy has shape ${got}, expected ${want} (x's)`, { expected: want, got });
    }
    return nd.where(nd.greater(x, 0), dy, nd.mul(dy, slope));
  },
  cast: (x, dtype) => nd.astype(x, dtype),
  reshape: (x, shape) => nd.reshape(x, shape),
  transpose: (x, axes) => nd.transpose(x, axes),
  broadcastTo: (x, shape) => nd.broadcastTo(x, shape),
  slice: (x, specs) => nd.slice(x, specs),
  pad: (x, widths, value) => nd.pad(x, widths, { value }),
  concat: (xs, axis) => nd.concat(xs, axis),
  flip: (x, axes) => nd.flip(x, axes),
  sum: (x, axes, keepDims) => nd.sum(x, { axes, keepDims }),
  max: (x, axes, keepDims) => nd.max(x, { axes, keepDims }),
  matmul: (a, b) => nd.matmul(a, b),
};

/**
 * `softmax` over the channel axis (axis 1 of `[N, C, ...]`, any rank >= 2) and
 * its vector-Jacobian product `softmaxBackward(y, dy) = y * (dy - sum_c y * dy)`,
 * given the forward's output `y`. The forward subtracts each voxel's channel
 * maximum before `exp`, so it never overflows.
 * @module
 */
import type { NDArray, Shape } from '@colab-ts/ndarray';
import { ShapeError, showShape } from '@colab-ts/ndarray';
import type { Kernels } from '../Backend.js';
import { checkSameShape } from '../options.js';

/** The `softmax` kernel's signature. @category softmax */
export type Softmax<B = NDArray> = Kernels<B>['softmax'];
/** The `softmaxBackward` kernel's signature. @category softmax */
export type SoftmaxBackward<B = NDArray> = Kernels<B>['softmaxBackward'];

/** Output shape of `softmax(x)`: that of `x`, which needs rank >= 2 and at least one channel. @category softmax */
export function softmaxShape(xShape: Shape, op = 'softmax'): number[] {
  if (xShape.length < 2 || xShape[1] === 0) {
    throw new ShapeError(op, `input must be [N, C, ...] with C >= 1, got shape ${showShape(xShape)}`, {
      expected: 'rank >= 2',
      got: showShape(xShape),
    });
  }
  return xShape.slice();
}

/** Checks `softmaxBackward(y, dy)`: equal shapes of rank >= 2. @category softmax */
export function softmaxBackwardShape(yShape: Shape, dyShape: Shape): number[] {
  softmaxShape(yShape, 'softmaxBackward');
  checkSameShape('softmaxBackward', 'dy', yShape, dyShape);
  return yShape.slice();
}

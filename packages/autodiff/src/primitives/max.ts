/**
 * `max`: maximum over axes. Its derivative goes to the positions that attain
 * the maximum, split equally among ties (so jvp and vjp agree and
 * `sum(max)` gradients stay symmetric; JAX does the same).
 * @module
 */
import { ShapeError } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { checkAxes } from '../internal/coerce.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { broadcastTo } from './broadcastTo.js';
import { cast } from './cast.js';
import { equal } from './compare.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import type { Reduction } from './sum.js';
import { keepDimsShape, reduction, sumAxes } from './sum.js';

const raw = (x: Tensor, axes: readonly number[]): Tensor => (axes.length === 0 ? x : bind(maxPrimitive, [x], { axes }));

/** Where `x` attains its maximum, weighted 1/(number of ties), and a way to broadcast the reduced shape back. */
function argmaxWeights(x: Tensor, out: Tensor, axes: readonly number[]): [Tensor, (y: Tensor) => Tensor] {
  const back = (y: Tensor): Tensor => broadcastTo(reshape(y, keepDimsShape(x.shape, axes)), x.shape);
  const mask = cast(equal(x, back(out)), x.dtype);
  return [div(mask, back(sumAxes(mask, axes))), back];
}

/** Maximum over `axes` (normalized, distinct), which are dropped. @category primitives */
export const maxPrimitive: PrimitiveDef<'max', { readonly axes: readonly number[] }> = definePrimitive({
  name: 'max',
  shape: ([x], { axes }) => {
    checkAxes('max', x!.shape, axes);
    if (axes.some((a) => x!.shape[a] === 0)) throw new ShapeError('max', `cannot reduce an empty axis of ${JSON.stringify(x!.shape)}`);
    return { shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: x!.dtype };
  },
  impl: (be, [x], { axes }) => be.kernels.max(x!, axes, false),
  jvp: ([x], [t], { axes }, out) => (t ? sumAxes(mul(t, argmaxWeights(x!, out, axes)[0]), axes) : null),
  vjp: (ct, [x], { axes }, out) => {
    const [w, back] = argmaxWeights(x!, out, axes);
    return [mul(back(ct), w)];
  },
});

/**
 * Maximum over `axes` (default all); the derivative is split equally among tied maxima.
 * @example max(x, { axes: 1, keepDims: true }) or pipe(x, max({ axes: 1 }))
 * @category ops
 */
export const max: Reduction = reduction('max', raw);

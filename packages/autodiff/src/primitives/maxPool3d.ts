/**
 * `maxPool3d`: max pooling over `[D, H, W]` windows; each window's derivative
 * goes to its first maximum in raster order (the kernel's choice). The vjp is
 * the `maxPool3dBackward` kernel; the jvp gathers the tangent at those maxima
 * with existing primitives: for non-overlapping windows (stride >= kernelSize,
 * the U-Net case) as `sumPool(mask * t)` with the mask from
 * `maxPool3dBackward`, otherwise tap by tap over strided views of the padded
 * input (larger graphs, same result).
 * @module
 */
import type { NormalizedPool, PoolOptions } from '@colab-ts/kernels';
import { maxPool3dShape, normalizePool } from '@colab-ts/kernels';
import type { Shape } from '@colab-ts/ndarray';
import { dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat, fillLike } from '../internal/coerce.js';
import { add } from './add.js';
import { avgPool3dRaw } from './avgPool3d.js';
import { cast } from './cast.js';
import { equal } from './compare.js';
import { maxPool3dBackwardRaw } from './maxPool3dBackward.js';
import { mul } from './mul.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { sliceBox } from './slice.js';
import { sub } from './sub.js';

/** `maxPool3d` with normalized options (the form the rules use). @internal */
export const maxPool3dRaw = (x: Tensor, o: NormalizedPool): Tensor => bind(maxPool3dPrimitive, [x], o);

const overlapping = (o: NormalizedPool): boolean => o.stride.some((st, i) => st < o.kernelSize[i]!);

/**
 * The window taps of `x` as strided views shaped like the pooled output, in the
 * kernel's raster order: `views[(a kH + b) kW + c][..., z, y, x] = x_padded[..., z s + a, y s + b, x s + c]`,
 * built from pad, unit-step slices and reshapes (no strided-slice primitive needed).
 */
function windowViews(x: Tensor, o: NormalizedPool, ys: Shape, fill: number): Tensor[] {
  const [n, c] = [ys[0]!, ys[1]!];
  const out = [ys[2]!, ys[3]!, ys[4]!];
  const k = o.kernelSize;
  const s = o.stride;
  const p = o.padding;
  // Pad so that every tap's slice [a, a + s * out) fits.
  const widths = [0, 1, 2].map((i): [number, number] => [p[i]!, p[i]! + Math.max(0, k[i]! - 1 + s[i]! * out[i]! - x.shape[i + 2]! - 2 * p[i]!)]);
  const xp = pad(x, [[0, 0], [0, 0], ...widths], { value: fill });
  const views: Tensor[] = [];
  for (let a = 0; a < k[0]; a++) {
    for (let b = 0; b < k[1]; b++) {
      for (let cc = 0; cc < k[2]; cc++) {
        const start = [a, b, cc];
        const box = sliceBox(xp, [0, 0, ...start], [n, c, ...start.map((t, i) => t + s[i]! * out[i]!)]);
        const split = reshape(box, [n, c, out[0]!, s[0], out[1]!, s[1], out[2]!, s[2]]);
        views.push(reshape(sliceBox(split, [0, 0, 0, 0, 0, 0, 0, 0], [n, c, out[0]!, 1, out[1]!, 1, out[2]!, 1]), ys));
      }
    }
  }
  return views;
}

/** `t` at each window's first maximum of `x`: the jvp of max pooling. @internal */
export function gatherAtMax(t: Tensor, x: Tensor, o: NormalizedPool): Tensor {
  const pooled = maxPool3dRaw(x, o);
  if (!overlapping(o)) {
    const mask = maxPool3dBackwardRaw(fillLike(pooled, 1), x, o);
    return mul(avgPool3dRaw(mul(mask, t), o), o.kernelSize[0] * o.kernelSize[1] * o.kernelSize[2]);
  }
  // Overlapping windows: pick, per window, the first tap equal to the maximum (padding never is: -inf).
  const xs = windowViews(x, o, pooled.shape, -Infinity);
  const ts = windowViews(t, o, pooled.shape, 0);
  let taken = cast(equal(xs[0]!, pooled), x.dtype);
  let acc = mul(taken, ts[0]!);
  for (let i = 1; i < xs.length; i++) {
    const sel = mul(cast(equal(xs[i]!, pooled), x.dtype), sub(1, taken));
    taken = add(taken, sel);
    acc = add(acc, mul(sel, ts[i]!));
  }
  return acc;
}

/** Max pooling; derivative to each window's first maximum. @category primitives */
export const maxPool3dPrimitive: PrimitiveDef<'maxPool3d', NormalizedPool> = definePrimitive({
  name: 'maxPool3d',
  shape: ([x], o) => {
    const shape = maxPool3dShape(x!.shape, o);
    checkFloat('maxPool3d', x!);
    return { shape, dtype: x!.dtype };
  },
  impl: (be, [x], o) => be.kernels.maxPool3d(x!, o),
  jvp: ([x], [t], o) => (t ? gatherAtMax(t, x!, o) : null),
  vjp: (ct, [x], o) => [maxPool3dBackwardRaw(ct, x!, o)],
});

/**
 * Max pooling over `[D, H, W]` windows (stride defaults to the window).
 * @example maxPool3d(x, { kernelSize: 2 }) or pipe(x, maxPool3d({ kernelSize: [1, 2, 2] }))
 * @category ops
 */
export const maxPool3d: {
  (options: PoolOptions): (x: Tensor) => Tensor<5>;
  (x: Tensor, options: PoolOptions): Tensor<5>;
} = dual(2, (x: Tensor, options: PoolOptions): Tensor => maxPool3dRaw(x, normalizePool('maxPool3d', options)));

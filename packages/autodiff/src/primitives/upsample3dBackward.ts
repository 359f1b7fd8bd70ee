/** `upsample3dBackward`: the adjoint of `upsample3d`; linear, adjoint `upsample3d`. @module */
import type { NormalizedUpsample, UpsampleOptions } from '@colab-ts/kernels';
import { normalizeUpsample, upsample3dBackwardShape } from '@colab-ts/kernels';
import type { Shape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor } from '../Tensor.js';
import { checkFloat } from '../internal/coerce.js';
import { upsample3dRaw } from './upsample3d.js';

/** Parameters: the up-sampled input's shape and the options. @category primitives */
export interface Upsample3dBackwardParams extends NormalizedUpsample {
  readonly inputShape: Shape;
}

/** `upsample3dBackward` with normalized options (the form the rules use). @internal */
export const upsample3dBackwardRaw = (dy: Tensor, inputShape: Shape, o: NormalizedUpsample): Tensor =>
  bind(upsample3dBackwardPrimitive, [dy], { scale: o.scale, mode: o.mode, alignCorners: o.alignCorners, inputShape });

const upPart = (o: Upsample3dBackwardParams): NormalizedUpsample => ({ scale: o.scale, mode: o.mode, alignCorners: o.alignCorners });

/** Scatters each `dy` back over its interpolation taps. @category primitives */
export const upsample3dBackwardPrimitive: PrimitiveDef<'upsample3dBackward', Upsample3dBackwardParams> = definePrimitive({
  name: 'upsample3dBackward',
  shape: ([dy], o) => {
    const shape = upsample3dBackwardShape(dy!.shape, o.inputShape, o);
    checkFloat('upsample3dBackward', dy!);
    return { shape, dtype: dy!.dtype };
  },
  impl: (be, [dy], o) => be.kernels.upsample3dBackward(dy!, o.inputShape, upPart(o)),
  jvp: linearJvp((t, o) => upsample3dBackwardRaw(t, o.inputShape, o)),
  vjp: (ct, _x, o) => [upsample3dRaw(ct, upPart(o))],
});

/**
 * The gradient of `upsample3d` for an input of `inputShape`, given the output cotangent `dy`.
 * @example upsample3dBackward(dy, x.shape, { scale: 2, mode: 'trilinear' })
 * @category ops
 */
export const upsample3dBackward = (dy: Tensor, inputShape: Shape, options: UpsampleOptions): Tensor<5> =>
  upsample3dBackwardRaw(dy, inputShape, normalizeUpsample('upsample3dBackward', options)) as Tensor<5>;

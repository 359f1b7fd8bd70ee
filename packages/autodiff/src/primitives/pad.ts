/** `pad`: constant padding. @module */
import type { PadWidths } from '@colab-ts/ndarray';
import { ShapeError, ValueError, dual } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { isTensor } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';
import { sliceBox } from './slice.js';

const raw = (x: Tensor, widths: readonly (readonly [number, number])[], value: number): Tensor =>
  widths.every(([a, b]) => a === 0 && b === 0) ? x : bind(padPrimitive, [x], { widths, value });

/** Adds `widths[i] = [before, after]` elements of `value` on axis i. @category primitives */
export const padPrimitive: PrimitiveDef<'pad', { readonly widths: readonly (readonly [number, number])[]; readonly value: number }> = definePrimitive({
  name: 'pad',
  shape: ([x], { widths, value }) => {
    if (widths.length !== x!.shape.length) throw new ShapeError('pad', `${widths.length} pad widths for an array of rank ${x!.shape.length}`);
    if (!widths.every(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0)) {
      throw new ValueError('pad', `widths must be non-negative integers, got ${JSON.stringify(widths)}`);
    }
    if (typeof value !== 'number') throw new ValueError('pad', `value must be a number, got ${typeof value}`);
    return { shape: x!.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]), dtype: x!.dtype };
  },
  impl: (be, [x], { widths, value }) => be.kernels.pad(x!, widths, value),
  jvp: linearJvp((t, { widths }) => raw(t, widths, 0)),
  vjp: (ct, [x], { widths }) => [
    sliceBox(
      ct,
      widths.map(([a]) => a),
      widths.map(([a], i) => a + x!.shape[i]!),
    ),
  ],
});

/**
 * Pads with a constant (default 0): `widths[i] = [before, after]`, or one number for every side.
 * @example pad(x, [[0, 0], [1, 1]]) or pipe(x, pad(1, { value: -1 }))
 * @category ops
 */
export const pad: {
  (widths: PadWidths, options?: { readonly value?: number }): (x: TensorLike) => Tensor;
  (x: TensorLike, widths: PadWidths, options?: { readonly value?: number }): Tensor;
} = dual(
  (args) => isTensor(args[0]),
  (x: TensorLike, widths: PadWidths, options: { readonly value?: number } = {}): Tensor => {
    const t = asTensor('pad', x);
    const w = typeof widths === 'number' ? t.shape.map((): [number, number] => [widths, widths]) : widths;
    return raw(t, w, options.value ?? 0);
  },
);

/** `slice`: a contiguous box (unit step) of each axis. @module */
import type { SliceSpec } from '@colab-ts/ndarray';
import { ShapeError, ValueError, dual, showShape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';
import { pad } from './pad.js';

/** `x[starts[i]:stops[i]]` on every axis, bounds already normalized (the form the rules use). @internal */
export const sliceBox = (x: Tensor, starts: readonly number[], stops: readonly number[]): Tensor =>
  starts.every((s, i) => s === 0 && stops[i] === x.shape[i]) ? x : bind(slicePrimitive, [x], { starts, stops });

/** Keeps `[starts[i], stops[i])` of every axis (unit step; `0 <= start <= stop <= extent`). @category primitives */
export const slicePrimitive: PrimitiveDef<'slice', { readonly starts: readonly number[]; readonly stops: readonly number[] }> = definePrimitive({
  name: 'slice',
  shape: ([x], { starts, stops }) => {
    const s = x!.shape;
    if (starts.length !== s.length || stops.length !== s.length) throw new ShapeError('slice', `${starts.length} bounds for an array of rank ${s.length}`);
    s.forEach((d, i) => {
      const a = starts[i]!;
      const b = stops[i]!;
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a || b > d) {
        throw new ShapeError('slice', `bounds [${a}, ${b}) out of range on axis ${i} of ${showShape(s)}`);
      }
    });
    return { shape: s.map((_, i) => stops[i]! - starts[i]!), dtype: x!.dtype };
  },
  impl: (be, [x], { starts, stops }) => be.kernels.slice(x!, starts.map((start, i) => ({ start, stop: stops[i]! }))),
  jvp: (_x, [t], { starts, stops }) => (t ? sliceBox(t, starts, stops) : null),
  vjp: (ct, [x], { starts, stops }) => [pad(ct, x!.shape.map((d, i): [number, number] => [starts[i]!, d - stops[i]!]))],
});

/** Normalizes a NumPy-style slice spec with unit step (negative bounds count from the end; clamped). */
function bounds(spec: SliceSpec | null | undefined, d: number, axis: number): [number, number] {
  if (spec === null || spec === undefined) return [0, d];
  if (spec.step !== undefined && spec.step !== 1) {
    throw new ValueError('slice', `only step 1 is differentiable here, got ${spec.step} on axis ${axis} (use flip for reversal)`);
  }
  const norm = (v: number | undefined, dflt: number): number => (v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + d : v, 0), d));
  const a = norm(spec.start, 0);
  return [a, Math.max(a, norm(spec.stop, d))];
}

/**
 * Slices each axis with `{ start, stop }` (step 1; `null` keeps the axis; negatives count from the end).
 * @example slice(x, [null, { start: 1, stop: 3 }]) or pipe(x, slice([{ stop: 2 }]))
 * @category ops
 */
export const slice: {
  (specs: readonly (SliceSpec | null | undefined)[]): (x: TensorLike) => Tensor;
  (x: TensorLike, specs: readonly (SliceSpec | null | undefined)[]): Tensor;
} = dual(2, (x: TensorLike, specs: readonly (SliceSpec | null | undefined)[]): Tensor => {
  const t = asTensor('slice', x);
  if (specs.length > t.shape.length) throw new ShapeError('slice', `${specs.length} slice specs for an array of rank ${t.shape.length}`);
  const b = t.shape.map((d, i) => bounds(specs[i], d, i));
  return sliceBox(t, b.map((v) => v[0]), b.map((v) => v[1]));
});

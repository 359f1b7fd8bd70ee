/** `slice`: the primitive keeps a contiguous box (unit step) of each axis; the public op adds any step. @module */
import type { SliceSpec } from '@colab-ts/ndarray';
import { ShapeError, dual, showShape, sliceIndices } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive, linearJvp } from '../Primitive.js';
import type { Tensor, TensorLike } from '../Tensor.js';
import { asTensor } from '../internal/coerce.js';
import { flip } from './flip.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';

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
  impl: (be, [x], { starts, stops }) =>
    be.kernels.slice(
      x!,
      starts.map((start, i) => ({ start, stop: stops[i]! })),
    ),
  jvp: linearJvp((t, { starts, stops }) => sliceBox(t, starts, stops)),
  vjp: (ct, [x], { starts, stops }) => [
    pad(
      ct,
      x!.shape.map((d, i): [number, number] => [starts[i]!, d - stops[i]!]),
    ),
  ],
});

/**
 * Slices each axis with `{ start, stop, step }` (NumPy rules, as @colab-ts/ndarray's
 * `slice`; `null` keeps the axis). Unit steps are one `slice` primitive; other
 * steps are composed from `flip`, `pad`, `reshape` and unit-step slices, so
 * every slice is differentiable.
 * @example slice(x, [null, { start: 1, stop: 3 }]) or pipe(x, slice([{ step: -1 }]))
 * @category ops
 */
export const slice: {
  (specs: readonly (SliceSpec | null | undefined)[]): (x: TensorLike) => Tensor;
  (x: TensorLike, specs: readonly (SliceSpec | null | undefined)[]): Tensor;
} = dual(2, (x: TensorLike, specs: readonly (SliceSpec | null | undefined)[]): Tensor => {
  let t = asTensor('slice', x);
  const rank = t.shape.length;
  if (specs.length > rank) throw new ShapeError('slice', `${specs.length} slice specs for an array of rank ${rank}`);
  const ix = t.shape.map((d, i) => sliceIndices(specs[i], d, i));
  // Negative steps: flip those axes, after which the walk ascends from d - 1 - start.
  const back = ix.flatMap((v, i) => (v.step < 0 ? [i] : []));
  if (back.length > 0) t = flip(t, { axes: back });
  const spec = ix.map((v, i) => (v.step < 0 ? { start: t.shape[i]! - 1 - v.start, length: v.length, step: -v.step } : v));
  // One box covering every kept index: [start, start + (length - 1) step + 1).
  t = sliceBox(
    t,
    spec.map((v) => (v.length === 0 ? 0 : v.start)),
    spec.map((v) => (v.length === 0 ? 0 : v.start + (v.length - 1) * v.step + 1)),
  );
  // Steps > 1: pad to length * step, split the axis into [length, step], keep offset 0.
  spec.forEach((v, i) => {
    if (v.step === 1 || v.length === 0) return;
    const widths = t.shape.map((_, j): [number, number] => [0, j === i ? v.step - 1 : 0]);
    const split = reshape(pad(t, widths), [...t.shape.slice(0, i), v.length, v.step, ...t.shape.slice(i + 1)]);
    const kept = sliceBox(
      split,
      split.shape.map(() => 0),
      split.shape.map((d, j) => (j === i + 1 ? 1 : d)),
    );
    t = reshape(
      kept,
      t.shape.map((d, j) => (j === i ? v.length : d)),
    );
  });
  return t;
});

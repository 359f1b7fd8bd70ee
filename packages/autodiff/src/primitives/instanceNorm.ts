/**
 * `instanceNorm`, `instanceNormBackward` and `instanceNormAffineBackward`:
 * instance norm with its channel affine in one kernel (the composite took
 * about six passes forward and ten backward), its input cotangent in one
 * kernel, and the cotangents of its scale and bias in one kernel (they took a
 * normalisation, a product and two sums). Their rules are written
 * with Tensor ops, so they differentiate again: the Jacobian of the
 * normalisation in `x` is symmetric, so the tangent in `x` is the backward
 * kernel itself. The backward primitive is linear in `dy` (with the same
 * symmetric operator) and in `scale`, so those parts of its rules are the
 * backward kernel again; its derivative in `x` is that of its composite
 * (`instanceNormBackwardComposite`). The affine backward is linear in `dy`
 * (its adjoint there is `instanceNorm` itself, with the cotangents as scale
 * and bias) and its derivative in `x` is the backward kernel again (the same
 * symmetric operator). Second-order meta-gradients use them.
 * `instanceNormLeakyRelu` is instance norm followed by leaky ReLU in one
 * kernel (the nnU-Net block's norm and nonlinearity): its rules are instance
 * norm's, behind `leakyReluBackward` read off the output (with `slope >= 0`
 * the output is positive exactly where the normalised value is).
 * @module
 */
import { instanceNormAffineBackwardShape, instanceNormBackwardShape, instanceNormLeakyReluShape, instanceNormShape } from '@colab-ts/kernels';
import { DTypeError, type Shape } from '@colab-ts/ndarray';
import type { PrimitiveDef } from '../Primitive.js';
import { bind, definePrimitive } from '../Primitive.js';
import type { Aval, Tensor } from '../Tensor.js';
import { mean } from '../composites/reductions.js';
import { checkFloat, checkSame, fillLike } from '../internal/coerce.js';
import { jvp, vjp } from '../transforms.js';
import { add } from './add.js';
import { div } from './div.js';
import { leakyReluBackward } from './leakyRelu.js';
import { mul } from './mul.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { sumAxes } from './sum.js';

type Eps = { readonly eps: number };
const AXES = [2, 3, 4];

type ShapeRule = (x: Shape, a: Shape, b: Shape, eps: number) => Shape;

/**
 * Output aval of a fused kernel over `[x, a, b]`: `x` is float and `a`, `b` (named `names`) share its dtype,
 * then the kernel's shape rule.
 */
function fusedAval(op: string, names: readonly [string, string], inputs: readonly Aval[], shapeOf: ShapeRule, eps: number): Aval {
  const [x, a, b] = [inputs[0]!, inputs[1]!, inputs[2]!];
  checkFloat(op, x);
  [a, b].forEach((t, i) => {
    if (t.dtype !== x.dtype) throw new DTypeError(op, `${names[i]} has dtype ${t.dtype}, expected ${x.dtype} (x's)`, { expected: x.dtype, got: t.dtype });
  });
  return { shape: shapeOf(x.shape, a.shape, b.shape, eps), dtype: x.dtype };
}
const perChannel = (p: Tensor, c: number): Tensor => reshape(p, [1, c, 1, 1, 1]);

/**
 * Instance norm from generic ops: per `(n, c)` over `D, H, W`,
 * `(x - mean) / sqrt(var + eps) * scale[c] + bias[c]` (the fused primitive equals it).
 * @example instanceNormComposite(x, scale, bias, 1e-5)
 * @category composites
 */
export function instanceNormComposite(x: Tensor, scale: Tensor, bias: Tensor, eps: number): Tensor {
  const c = x.shape[1]!;
  const centred = sub(x, mean(x, { axes: AXES, keepDims: true }));
  const inv = div(1, sqrt(add(mean(mul(centred, centred), { axes: AXES, keepDims: true }), eps)));
  return add(mul(centred, mul(inv, perChannel(scale, c))), perChannel(bias, c));
}

/**
 * The input cotangent of instance norm from generic ops:
 * `scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))` per `(n, c)`.
 * @example instanceNormBackwardComposite(x, scale, dy, 1e-5)
 * @category composites
 */
export function instanceNormBackwardComposite(x: Tensor, scale: Tensor, dy: Tensor, eps: number): Tensor {
  const c = x.shape[1]!;
  const centred = sub(x, mean(x, { axes: AXES, keepDims: true }));
  const inv = div(1, sqrt(add(mean(mul(centred, centred), { axes: AXES, keepDims: true }), eps)));
  const xhat = mul(centred, inv);
  const inner = sub(sub(dy, mean(dy, { axes: AXES, keepDims: true })), mul(xhat, mean(mul(dy, xhat), { axes: AXES, keepDims: true })));
  return mul(mul(inv, perChannel(scale, c)), inner);
}

/** Instance norm's tangent given tangents of `x`, `scale`, `bias` (`null` = zero). */
function normJvp([x, scale]: readonly Tensor[], [tx, ts, tb]: readonly (Tensor | null)[], eps: number): Tensor | null {
  const c = x!.shape[1]!;
  // d/dx is s * J with J symmetric: the backward kernel applied to the tangent.
  const parts = [
    tx ? instanceNormBackward(x!, scale!, tx, eps) : null,
    ts ? mul(standardized(x!, eps), perChannel(ts, c)) : null,
    tb ? perChannel(tb, c) : null,
  ].filter((t): t is Tensor => t !== null);
  return parts.length === 0 ? null : parts.reduce((a, b) => add(a, b));
}

/** Instance norm's cotangents of `x`, `scale`, `bias` given the output's `ct`. */
function normVjp(ct: Tensor, [x, scale]: readonly Tensor[], eps: number): Tensor[] {
  const g = instanceNormAffineBackward(x!, ct, eps);
  return [instanceNormBackward(x!, scale!, ct, eps), affineRow(g, 0), affineRow(g, 1)];
}

/** The fused instance norm of `x` `[N, C, D, H, W]` with `scale`, `bias` `[C]` (one dtype). @category primitives */
export const instanceNormPrimitive: PrimitiveDef<'instanceNorm', Eps> = definePrimitive({
  name: 'instanceNorm',
  shape: (inputs, { eps }) => fusedAval('instanceNorm', ['scale', 'bias'], inputs, instanceNormShape, eps),
  impl: (be, [x, scale, bias], { eps }) => be.kernels.instanceNorm(x!, scale!, bias!, eps),
  jvp: (primals, tangents, { eps }) => normJvp(primals, tangents, eps),
  vjp: (ct, primals, { eps }) => normVjp(ct, primals, eps),
});

/**
 * Instance norm then leaky ReLU (`slope >= 0`) in one kernel, the bits of `leakyRelu(instanceNorm(...))`. Its rules
 * are instance norm's behind `leakyReluBackward(out, ·)`: the output is positive exactly where the normalised value
 * is, so they equal the composite's, and they differentiate again as those do.
 * @category primitives
 */
export const instanceNormLeakyReluPrimitive: PrimitiveDef<'instanceNormLeakyRelu', Eps & { readonly slope: number }> = definePrimitive({
  name: 'instanceNormLeakyRelu',
  shape: (inputs, { eps, slope }) =>
    fusedAval('instanceNormLeakyRelu', ['scale', 'bias'], inputs, (x, a, b, e) => instanceNormLeakyReluShape(x, a, b, e, slope), eps),
  impl: (be, [x, scale, bias], { eps, slope }) => be.kernels.instanceNormLeakyRelu(x!, scale!, bias!, eps, slope),
  jvp: (primals, tangents, { eps, slope }, out) => {
    const t = normJvp(primals, tangents, eps);
    return t === null ? null : leakyReluBackward(out, t, slope);
  },
  vjp: (ct, primals, { eps, slope }, out) => normVjp(leakyReluBackward(out, ct, slope), primals, eps),
});

/** Row `i` of an affine cotangent `[2, C]` as `[C]`. */
const affineRow = (g: Tensor, i: number): Tensor => reshape(slice(g, [{ start: i, stop: i + 1 }, null]), [g.shape[1]!]);

/**
 * The cotangents of instance norm's `scale` and `bias` given the output's `dy` (x's shape): `[2, C]`, row 0
 * `sum(dy * xhat)`, row 1 `sum(dy)` over `N, D, H, W`. Linear in `dy`, whose adjoint is `instanceNorm(x, ct[0], ct[1])`;
 * in `x`, the derivative of row 0 is `sum(tx * instanceNormBackward(x, 1, dy))` (the Jacobian of `xhat` is symmetric)
 * and its adjoint `instanceNormBackward(x, ct[0], dy)`; row 1 does not depend on `x`.
 * @category primitives
 */
export const instanceNormAffineBackwardPrimitive: PrimitiveDef<'instanceNormAffineBackward', Eps> = definePrimitive({
  name: 'instanceNormAffineBackward',
  shape: ([x, dy], { eps }) => {
    checkFloat('instanceNormAffineBackward', x!);
    checkSame('instanceNormAffineBackward', [x!, dy!]);
    return { shape: instanceNormAffineBackwardShape(x!.shape, dy!.shape, eps), dtype: x!.dtype };
  },
  impl: (be, [x, dy], { eps }) => be.kernels.instanceNormAffineBackward(x!, dy!, eps),
  jvp: ([x, dy], [tx, tdy], { eps }) => {
    const c = x!.shape[1]!;
    const parts = [
      tx
        ? pad(reshape(sumAxes(mul(tx, instanceNormBackward(x!, fillLike({ shape: [c], dtype: x!.dtype }, 1), dy!, eps)), [0, ...AXES]), [1, c]), [
            [0, 1],
            [0, 0],
          ])
        : null,
      tdy ? instanceNormAffineBackward(x!, tdy, eps) : null,
    ].filter((t): t is Tensor => t !== null);
    return parts.length === 0 ? null : parts.reduce((a, b) => add(a, b));
  },
  vjp: (ct, [x, dy], { eps }) => {
    const s = affineRow(ct, 0);
    return [instanceNormBackward(x!, s, dy!, eps), instanceNorm(x!, s, affineRow(ct, 1), { eps })];
  },
});

/** Rules of a primitive equal to `f`: the jvp and vjp of `f` over the inputs that carry a tangent or need a cotangent. */
const compositeJvp = (f: (...xs: Tensor[]) => Tensor, primals: readonly Tensor[], tangents: readonly (Tensor | null)[]): Tensor | null => {
  const live = tangents.flatMap((t, i) => (t ? [i] : []));
  if (live.length === 0) return null;
  const g = (...ys: Tensor[]): Tensor => f(...primals.map((p, i) => (live.includes(i) ? ys[live.indexOf(i)]! : p)));
  return jvp(
    g,
    live.map((i) => primals[i]!),
    live.map((i) => tangents[i]!),
  )[1];
};

/** The input cotangent of instance norm given the output's `dy` (all `x`'s shape; `scale` `[C]`). @category primitives */
export const instanceNormBackwardPrimitive: PrimitiveDef<'instanceNormBackward', Eps> = definePrimitive({
  name: 'instanceNormBackward',
  shape: (inputs, { eps }) => fusedAval('instanceNormBackward', ['scale', 'dy'], inputs, instanceNormBackwardShape, eps),
  impl: (be, [x, scale, dy], { eps }) => be.kernels.instanceNormBackward(x!, scale!, dy!, eps),
  // Linear in dy (a symmetric operator) and in scale: those parts are the kernel again; only x goes through the composite.
  jvp: ([x, scale, dy], [tx, ts, tdy], { eps }) => {
    const parts = [
      tx ? compositeJvp((a, s, d) => instanceNormBackwardComposite(a!, s!, d!, eps), [x!, scale!, dy!], [tx, null, null]) : null,
      ts ? instanceNormBackward(x!, ts, dy!, eps) : null,
      tdy ? instanceNormBackward(x!, scale!, tdy, eps) : null,
    ].filter((t): t is Tensor => t !== null);
    return parts.length === 0 ? null : parts.reduce((a, b) => add(a, b));
  },
  vjp: (ct, [x, scale, dy], { eps }) => {
    const [, pullback] = vjp((a: Tensor) => instanceNormBackwardComposite(a, scale!, dy!, eps), [x!] as const);
    const ones = fillLike({ shape: [x!.shape[1]!], dtype: x!.dtype }, 1);
    return [pullback(ct)[0], sumAxes(mul(ct, instanceNormBackward(x!, ones, dy!, eps)), [0, ...AXES]), instanceNormBackward(x!, scale!, ct, eps)];
  },
});

/**
 * Instance norm, fused: `(x - mean) / sqrt(var + eps) * scale[c] + bias[c]` per `(n, c)` over `D, H, W`
 * (biased variance), `x` `[N, C, D, H, W]` float, `scale` and `bias` `[C]` of x's dtype.
 * @example instanceNorm(x, scale, bias, { eps: 1e-5 })
 * @category ops
 */
export const instanceNorm = (x: Tensor, scale: Tensor, bias: Tensor, options: { readonly eps?: number } = {}): Tensor =>
  bind(instanceNormPrimitive, [x, scale, bias], { eps: options.eps ?? 1e-5 });

/**
 * Instance norm followed by leaky ReLU in one kernel: `leakyRelu(instanceNorm(x, scale, bias, { eps }), { slope })`,
 * the same values and derivatives (`slope` finite and >= 0; default eps 1e-5, slope 0.01 as nnU-Net).
 * @example instanceNormLeakyRelu(x, scale, bias, { eps: 1e-5, slope: 0.01 })
 * @category ops
 */
export const instanceNormLeakyRelu = (x: Tensor, scale: Tensor, bias: Tensor, options: { readonly eps?: number; readonly slope?: number } = {}): Tensor =>
  bind(instanceNormLeakyReluPrimitive, [x, scale, bias], { eps: options.eps ?? 1e-5, slope: options.slope ?? 0.01 });

/**
 * The input cotangent of `instanceNorm(x, scale, bias, { eps })` given the output's cotangent `dy`.
 * @example instanceNormBackward(x, scale, dy, 1e-5)
 * @category ops
 */
export const instanceNormBackward = (x: Tensor, scale: Tensor, dy: Tensor, eps: number): Tensor => bind(instanceNormBackwardPrimitive, [x, scale, dy], { eps });

/**
 * The cotangents of `instanceNorm(x, scale, bias, { eps })`'s `scale` and `bias` given the output's cotangent `dy`,
 * stacked `[2, C]`: `sum(dy * xhat)` and `sum(dy)` over `N, D, H, W`.
 * @example instanceNormAffineBackward(x, dy, 1e-5)
 * @category ops
 */
export const instanceNormAffineBackward = (x: Tensor, dy: Tensor, eps: number): Tensor => bind(instanceNormAffineBackwardPrimitive, [x, dy], { eps });

/** `(x - mean) / sqrt(var + eps)`: the fused kernel with unit scale and zero bias. */
const standardized = (x: Tensor, eps: number): Tensor => {
  const c = [x.shape[1]!];
  return instanceNorm(x, fillLike({ shape: c, dtype: x.dtype }, 1), fillLike({ shape: c, dtype: x.dtype }, 0), { eps });
};

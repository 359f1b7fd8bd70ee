/**
 * Hessian-vector products of a small convolutional network's loss with
 * respect to its weights, three ways, with @colab-ts/autodiff:
 *   1. forward over reverse:  jvp(grad(loss), [w], [v])
 *   2. reverse over reverse:  grad(w => <grad(loss)(w), v>)(w)
 *   3. central finite differences of the gradient: (g(w + h v) - g(w - h v)) / 2h
 * in float64, and prints how far apart they are. This is the second-order
 * quantity CoLab's meta-gradient is built from (paper Eq. 12-15).
 *
 * Run: npx tsx --conditions=@colab-ts/source examples/hessian-vector-product.ts
 */
import { add, conv3d, grad, jvp, leakyRelu, mean, mul, realize, square, sub, tanh, tensor, vdot, type Tensor } from '@colab-ts/autodiff';
import * as nd from '@colab-ts/ndarray';

const [k1, k2, k3, k4, k5] = nd.split(nd.key(7), 5) as [nd.Key, nd.Key, nd.Key, nd.Key, nd.Key];
const f64 = { dtype: 'float64' } as const;
const x = tensor(nd.normal(k1, [1, 2, 4, 6, 6], f64)); // [N, C, D, H, W]
const y = tensor(nd.normal(k2, [1, 1, 4, 6, 6], f64));
const w1 = nd.normal(k3, [3, 2, 3, 3, 3], { ...f64, std: 0.3 });
const w2 = nd.normal(k4, [1, 3, 1, 1, 1], { ...f64, std: 0.5 });
const v1 = nd.normal(k5, [3, 2, 3, 3, 3], f64);

// Two conv layers; differentiate with respect to the first layer's weights.
const loss = (w: Tensor): Tensor => {
  const h = leakyRelu(conv3d(x, w, { padding: 1 }));
  return mean(square(sub(tanh(conv3d(h, tensor(w2))), y)));
};

const w = tensor(w1);
const v = tensor(v1);
const [, hvpFwd] = jvp(grad(loss), [w], [v]);
const hvpRev = grad((u: Tensor) => vdot(grad(loss)(u), v))(w);
const h = 1e-4;
const gPlus = grad(loss)(add(w, mul(v, h)));
const gMinus = grad(loss)(sub(w, mul(v, h)));

const t0 = performance.now();
const r = await realize({ hvpFwd, hvpRev, gPlus, gMinus });
const ms = performance.now() - t0;
const fd = nd.div(nd.sub(r.gPlus, r.gMinus), 2 * h);

const maxAbs = (a: nd.NDArray) => nd.item(nd.max(nd.abs(a)));
const scale = maxAbs(r.hvpFwd);
console.log(`|Hv| max ${scale.toExponential(3)} over ${nd.size(r.hvpFwd)} weights (realized in ${ms.toFixed(0)} ms)`);
console.log(`forward-over-reverse vs reverse-over-reverse: max abs diff ${maxAbs(nd.sub(r.hvpFwd, r.hvpRev)).toExponential(2)}`);
console.log(`forward-over-reverse vs finite differences:   max abs diff ${maxAbs(nd.sub(r.hvpFwd, fd)).toExponential(2)} (h = ${h})`);
const ok = nd.allClose(r.hvpFwd, r.hvpRev, { rtol: 1e-10, atol: 1e-12 * scale }) && nd.allClose(r.hvpFwd, fd, { rtol: 1e-4, atol: 1e-6 * scale });
console.log(ok ? 'agree' : 'DISAGREE');
if (!ok) process.exitCode = 1;

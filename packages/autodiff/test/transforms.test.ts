import { array, isNDArray, item, scalar, toNested } from '@colab-ts/ndarray';
import { describe, expect, it } from 'vitest';
import { add, conv3d, exp, flatten, grad, jvp, mul, realize, scalarTensor, sum, tensor, treeMap, valueAndGrad, vjp } from '../src/index.js';

const s = (v: number) => scalarTensor(v, 'float64');
const num = async (t: Parameters<typeof realize>[0]) => item((await realize(t)) as never);

describe('examples', () => {
  it('realizes a small program', async () => {
    const x = tensor(array([1, 2, 3], [3], 'float64'));
    const y = add(mul(x, 2), 1);
    expect(toNested(await realize(y))).toEqual([3, 5, 7]);
  });

  it('grad of x^3 and its second derivative', async () => {
    const f = (x: ReturnType<typeof s>) => mul(mul(x, x), x);
    expect(await num(grad(f)(s(2)))).toBeCloseTo(12, 12);
    expect(await num(grad(grad(f))(s(2)))).toBeCloseTo(12, 12);
    expect(await num(grad(grad(grad(f)))(s(2)))).toBeCloseTo(6, 12);
  });

  it('vjp and jvp of exp over a vector', async () => {
    const x = tensor(array([0, 1], [2], 'float64'));
    const [y, pb] = vjp((v) => exp(v), [x]);
    const [dx] = pb(tensor(array([1, 2], [2], 'float64')));
    const [, ty] = jvp((v) => exp(v), [x], [tensor(array([3, 4], [2], 'float64'))]);
    const r = await realize({ y, dx, ty });
    expect(toNested(r.dx)).toEqual([1, 2 * Math.E]);
    expect(toNested(r.ty)).toEqual([3, 4 * Math.E]);
  });

  it('valueAndGrad over a record of parameters', async () => {
    const params = { w: tensor(array([1, 2], [2], 'float64')), b: s(0.5) };
    const [v, g] = valueAndGrad((p: typeof params) => sum(add(mul(p.w, p.w), p.b)))(params);
    const r = await realize({ v, g });
    expect(item(r.v)).toBeCloseTo(6, 12);
    expect(toNested(r.g.w)).toEqual([2, 4]);
    expect(item(r.g.b)).toBe(2);
    expect(scalar(1)).toBeTruthy();
  });
});

describe('tensors and trees', () => {
  it('a tensor is an immutable node whose inputs are older', () => {
    const x = tensor(array([1, 2], [2], 'float64'));
    const y = exp(add(x, 1));
    expect(Object.isFrozen(y)).toBe(true);
    expect(y.op).toBe('exp');
    expect(y.shape).toEqual([2]);
    expect(y.dtype).toBe('float64');
    expect(y.inputs.every((i) => i.id < y.id)).toBe(true);
  });

  it('flatten and treeMap keep the tree shape', async () => {
    const t = { a: [s(1), s(2)], b: { c: s(3) } };
    const { leaves, paths, unflatten } = flatten('test', t);
    expect(leaves.length).toBe(3);
    expect(paths).toEqual(['.a[0]', '.a[1]', '.b.c']);
    const doubled = treeMap((x) => mul(x, 2), t);
    const summed = treeMap((x, y) => add(x, y!), t, doubled);
    const r = await realize({ doubled, summed, rebuilt: unflatten(leaves) as typeof t });
    expect(item(r.doubled.b.c)).toBe(6);
    expect(item(r.summed.b.c)).toBe(9);
    expect(item(r.rebuilt.a[1]!)).toBe(2);
    expect(() => grad((x: ReturnType<typeof s>) => sum(x))(3 as never)).toThrow(/not a Tensor/);
    expect(() => treeMap((x) => x, t, { a: [s(1)], b: { c: s(3) } })).toThrow(/treeMap: tree 1 has leaves \[\.a\[0\], \.b\.c\]/);
  });

  it('flatten takes other leaves (isLeaf), names them in errors, and keeps non-leaves when not strict', () => {
    const t = { w: array([1], [1]), n: 3, f: [array([2], [1])] };
    const fl = flatten('test', t, { isLeaf: isNDArray, strict: false });
    expect(fl.paths).toEqual(['.w', '.f[0]']);
    expect(fl.unflatten(['W', 'F'])).toEqual({ w: 'W', n: 3, f: ['F'] });
    expect(() => flatten('test', t, { isLeaf: isNDArray, expected: 'an NDArray' })).toThrow('test: tree leaf at .n is not an NDArray (number)');
    expect(() => flatten('test', { x: s(1) }, { isLeaf: isNDArray, expected: 'an NDArray' })).toThrow(
      /at \.x is not an NDArray \(a Tensor: realize it first\)/,
    );
    expect(flatten('test', array([1], [1]), { isLeaf: isNDArray }).paths).toEqual(['<root>']);
  });
});

describe('errors', () => {
  it('name the op and what was expected', () => {
    const x = tensor(array([1, 2], [2], 'float64'));
    const [, pullback] = vjp((v: ReturnType<typeof s>) => exp(v), [x]);
    expect(() => pullback(s(1))).toThrow('vjp: cotangent 0 has shape [], expected [2]');
    expect(() => jvp((v: ReturnType<typeof s>) => v, [x], [tensor(array([1, 2], [2], 'float32'))])).toThrow(
      'jvp: tangent 0 has dtype float32, expected float64',
    );
    expect(() => add(array([1], [1]) as never, 1)).toThrow('add: expected a Tensor or a number, got an NDArray (wrap it with tensor(x))');
    expect(() => grad((a: ReturnType<typeof s>) => a, { argnums: 3 })(x)).toThrow('grad: argnums 3 out of range for 1 arguments');
    expect(() => conv3d(array(new Array(8).fill(0), [1, 1, 2, 2, 2]) as never, x)).toThrow(
      'conv3d: input 0 must be a Tensor, got an NDArray (wrap it with tensor(x))',
    );
  });
});

import { grad, realize, tensor } from '@colab-ts/autodiff';
import { test } from '@fast-check/vitest';
import { array, key, normal, softmax, toTypedArray, type NDArray } from '@colab-ts/ndarray';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ceDiceLoss, oneVsAllBce, softCrossEntropy, softDice, softDiceLoss } from '../src/index.js';

const f64 = (xs: readonly number[], shape: readonly number[]): NDArray => array(xs, shape, 'float64');
const scalarOf = async (t: Parameters<typeof realize>[0]): Promise<number> => toTypedArray((await realize(t)) as NDArray)[0]!;
const S = 1e-5;

describe('examples', () => {
  it('soft cross-entropy on one voxel, by hand', async () => {
    // logits (0, ln 3) -> softmax (1/4, 3/4); target (0.4, 0.6)
    const ce = softCrossEntropy(f64([0, Math.log(3)], [1, 2, 1]), f64([0.4, 0.6], [1, 2, 1]));
    expect(ce.shape).toEqual([]);
    expect(await scalarOf(ce)).toBeCloseTo(-(0.4 * Math.log(0.25) + 0.6 * Math.log(0.75)), 14);
  });

  it('cross-entropy with one-hot targets is the usual NLL of the softmax', async () => {
    const logits = normal(key(0), [2, 3, 2, 2, 2], { dtype: 'float64' });
    const labels = [0, 1, 2, 2, 1, 0, 1, 1, 2, 0, 0, 1, 2, 2, 2, 1];
    const oneHot = new Float64Array(2 * 3 * 8);
    const x = toTypedArray(logits);
    let nll = 0;
    labels.forEach((c, i) => {
      const n = Math.floor(i / 8);
      const v = i % 8;
      oneHot[n * 24 + c * 8 + v] = 1;
      const z = [0, 1, 2].map((k) => x[n * 24 + k * 8 + v]!);
      const lse = Math.log(z.reduce((a, b) => a + Math.exp(b), 0));
      nll += lse - z[c]!;
    });
    const ce = await scalarOf(softCrossEntropy(logits, f64(Array.from(oneHot), [2, 3, 2, 2, 2])));
    expect(ce).toBeCloseTo(nll / 16, 13);
  });

  it('per-voxel weights give a weighted mean; sum and none reductions', async () => {
    const logits = f64([0, Math.log(3), 0, 0], [1, 2, 2]);
    const target = f64([0, 1, 1, 0], [1, 2, 2]);
    // voxel 0: logits (0, 0), class 1; voxel 1: logits (ln 3, 0), class 0
    const l0 = -Math.log(0.5);
    const l1 = -Math.log(0.75);
    expect(await scalarOf(softCrossEntropy(logits, target, { weights: f64([3, 1], [1, 2]) }))).toBeCloseTo((3 * l0 + l1) / 4, 14);
    expect(await scalarOf(softCrossEntropy(logits, target, { weights: f64([3, 1], [1, 1, 2]), reduction: 'sum' }))).toBeCloseTo(3 * l0 + l1, 14);
    const none = await realize(softCrossEntropy(logits, target, { reduction: 'none' }));
    expect(none.shape).toEqual([1, 2]);
    expect(Array.from(toTypedArray(none))).toEqual([expect.closeTo(l0, 14), expect.closeTo(l1, 14)]);
  });

  it('soft Dice on probabilities, by hand, with and without a channel subset', async () => {
    // p: channel 0 = (0.25, 0.5), channel 1 = (0.75, 0.5); t: channel 0 = (1, 0), channel 1 = (0, 1)
    const p = f64([0.25, 0.5, 0.75, 0.5], [1, 2, 2]);
    const t = f64([1, 0, 0, 1], [1, 2, 2]);
    const d0 = (2 * 0.25 + S) / (0.75 + 1 + S);
    const d1 = (2 * 0.5 + S) / (1.25 + 1 + S);
    const dice = await realize(softDice(p, t, { input: 'probabilities' }));
    expect(dice.shape).toEqual([1, 2]);
    expect(Array.from(toTypedArray(dice))).toEqual([expect.closeTo(d0, 14), expect.closeTo(d1, 14)]);
    expect(await scalarOf(softDiceLoss(p, t, { input: 'probabilities' }))).toBeCloseTo(1 - (d0 + d1) / 2, 14);
    expect(await scalarOf(softDiceLoss(p, t, { input: 'probabilities', channels: [1] }))).toBeCloseTo(1 - d1, 14);
    expect(await scalarOf(softDiceLoss(p, t, { input: 'probabilities', channels: [false, true] }))).toBeCloseTo(1 - d1, 14);
    // weights multiply every sum: voxel 1 counted twice
    const w = f64([1, 2], [1, 2]);
    const dw0 = (2 * 0.25 + S) / (0.25 + 2 * 0.5 + 1 + S);
    const dw1 = (2 * 2 * 0.5 + S) / (0.75 + 2 * 0.5 + 2 + S);
    expect(await scalarOf(softDiceLoss(p, t, { input: 'probabilities', weights: w }))).toBeCloseTo(1 - (dw0 + dw1) / 2, 14);
  });

  it('ceDiceLoss is the equal-weight sum of the two terms', async () => {
    const logits = normal(key(1), [2, 3, 1, 4, 4], { dtype: 'float64' });
    const target = softmax(normal(key(2), [2, 3, 1, 4, 4], { dtype: 'float64' }), 1);
    const [a, b, c, d] = (
      await realize([
        ceDiceLoss(logits, target),
        softCrossEntropy(logits, target),
        softDiceLoss(logits, target),
        ceDiceLoss(logits, target, { ceWeight: 0.5, diceWeight: 2, channels: [1, 2] }),
      ])
    ).map((x) => toTypedArray(x)[0]!);
    expect(a).toBeCloseTo(b! + c!, 14);
    const dice12 = toTypedArray(await realize(softDiceLoss(logits, target, { channels: [1, 2] })))[0]!;
    expect(d).toBeCloseTo(0.5 * b! + 2 * dice12, 14);
  });

  it('one-vs-all BCE: by hand, and logits agree with probabilities', async () => {
    // logits (0, ln 3) -> p_1 = 3/4; mask 1, then logits (0, 0) -> p_1 = 1/2; mask 0
    const logits = f64([0, 0, Math.log(3), 0], [1, 2, 2]);
    const mask = f64([1, 0], [1, 2]);
    const want = (-Math.log(0.75) - Math.log(0.5)) / 2;
    expect(await scalarOf(oneVsAllBce(logits, mask, { channel: 1 }))).toBeCloseTo(want, 14);
    const probs = softmax(logits, 1);
    expect(await scalarOf(oneVsAllBce(probs, f64([1, 0], [1, 1, 2]), { channel: 1, input: 'probabilities' }))).toBeCloseTo(want, 14);
    // channel 0 scores the complement
    expect(await scalarOf(oneVsAllBce(logits, f64([0, 1], [1, 2]), { channel: 0 }))).toBeCloseTo(want, 14);
    // a middle channel of four
    const l4 = normal(key(3), [1, 4, 3], { dtype: 'float64' });
    const m4 = f64([1, 0, 1], [1, 3]);
    const a = await scalarOf(oneVsAllBce(l4, m4, { channel: 2 }));
    const b = await scalarOf(oneVsAllBce(softmax(l4, 1), m4, { channel: 2, input: 'probabilities' }));
    expect(a).toBeCloseTo(b, 13);
  });

  it('stays finite (value and gradient) for huge logits', async () => {
    const logits = f64([1000, -1000, -1000, 1000], [1, 2, 2]);
    const target = f64([0, 1, 1, 0], [1, 2, 2]);
    const x = tensor(logits);
    const { ce, bce, g1, g2 } = await realize({
      ce: softCrossEntropy(x, target),
      bce: oneVsAllBce(x, f64([0, 1], [1, 2]), { channel: 0 }),
      g1: grad((z: typeof x) => ceDiceLoss(z, target))(x),
      g2: grad((z: typeof x) => oneVsAllBce(z, f64([0, 1], [1, 2]), { channel: 0 }))(x),
    });
    expect(toTypedArray(ce)[0]).toBeCloseTo(2000, 9);
    expect(toTypedArray(bce)[0]).toBeCloseTo(2000, 9);
    expect([...toTypedArray(g1), ...toTypedArray(g2)].every(Number.isFinite)).toBe(true);
    // probabilities input: log clamped, gradient finite at p = 0 and 1
    const p = f64([1, 0, 0, 1], [1, 2, 2]);
    const gp = await realize(grad((z: typeof x) => oneVsAllBce(z, f64([0, 1], [1, 2]), { channel: 0, input: 'probabilities' }))(tensor(p)));
    expect(Array.from(toTypedArray(gp)).every(Number.isFinite)).toBe(true);
  });
});

describe('errors', () => {
  it('names the loss and the shapes', () => {
    const x = f64([0, 0, 0, 0], [1, 2, 2]);
    expect(() => softCrossEntropy(x, f64([0, 0], [1, 2]))).toThrow('softCrossEntropy: target has shape [1,2], expected [1,2,2]');
    expect(() => softDiceLoss(x, x, { channels: [2] })).toThrow('softDiceLoss: channel 2 is not in [0, 2)');
    expect(() => softDiceLoss(x, x, { channels: [] })).toThrow(/selects no channel/);
    expect(() => softCrossEntropy(x, x, { weights: f64([1, 1, 1], [1, 3]) })).toThrow(/weights of shape \[1,1,3\] do not broadcast to \[1,1,2\]/);
    expect(() => oneVsAllBce(x, f64([1, 0], [1, 2]), { channel: 2 })).toThrow('oneVsAllBce: channel 2 is not in [0, 2)');
    expect(() => oneVsAllBce(x, f64([1, 0, 1], [1, 3]), { channel: 1 })).toThrow(/target has shape \[1,1,3\], expected \[1,1,2\]/);
    expect(() => softCrossEntropy(x, x, { reduction: 'max' as never })).toThrow(/reduction must be/);
    expect(() => softCrossEntropy(f64([1], [1]), f64([1], [1]))).toThrow(/expects \[N, C, \.\.\.spatial\]/);
  });
});

// Dice by plain loops over [N, C, V] (V voxels): the oracle for the properties below.
function diceByLoops(p: Float64Array, t: Float64Array, n: number, c: number, v: number, smooth: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let inter = 0;
      let sp = 0;
      let st = 0;
      for (let j = 0; j < v; j++) {
        const a = p[(i * c + k) * v + j]!;
        const b = t[(i * c + k) * v + j]!;
        inter += a * b;
        sp += a;
        st += b;
      }
      out.push((2 * inter + smooth) / (sp + st + smooth));
    }
  }
  return out;
}

const arbCase = fc.record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 2, max: 4 }), v: fc.integer({ min: 1, max: 12 }), seed: fc.nat(1000) });

describe('properties', () => {
  test.prop([arbCase], { numRuns: 15 })('soft Dice on one-hot targets equals 1 - Dice computed by loops', async ({ n, c, v, seed }) => {
    const logits = normal(key(seed), [n, c, v], { dtype: 'float64' });
    const labels = toTypedArray(normal(key(seed + 1), [n, v], { dtype: 'float64' }));
    const t = new Float64Array(n * c * v);
    for (let i = 0; i < n; i++) for (let j = 0; j < v; j++) t[(i * c + (Math.floor(Math.abs(labels[i * v + j]!) * 7) % c)) * v + j] = 1;
    const p = toTypedArray(softmax(logits, 1)) as Float64Array;
    const want = diceByLoops(p, t, n, c, v, S);
    const loss = await scalarOf(softDiceLoss(logits, f64(Array.from(t), [n, c, v])));
    expect(loss).toBeCloseTo(1 - want.reduce((a, b) => a + b, 0) / want.length, 12);
    // hard one-hot predictions: the soft Dice is the (set) Dice coefficient
    const hard = new Float64Array(n * c * v);
    for (let i = 0; i < n; i++) for (let j = 0; j < v; j++) hard[(i * c + (j % c)) * v + j] = 1;
    const dice = await realize(softDice(f64(Array.from(hard), [n, c, v]), f64(Array.from(t), [n, c, v]), { input: 'probabilities', smooth: 0 }));
    const oracle = diceByLoops(hard, t, n, c, v, 0);
    Array.from(toTypedArray(dice)).forEach((d, i) => (Number.isNaN(oracle[i]!) ? expect(d).toBe(0) : expect(d).toBeCloseTo(oracle[i]!, 13)));
  });

  test.prop([arbCase], { numRuns: 10 })('cross-entropy is >= the target entropy, with equality at target = softmax', async ({ n, c, v, seed }) => {
    const logits = normal(key(seed), [n, c, v], { dtype: 'float64' });
    const target = softmax(normal(key(seed + 7), [n, c, v], { dtype: 'float64' }), 1);
    const own = softmax(logits, 1);
    const entropy = (q: NDArray): number => -Array.from(toTypedArray(q)).reduce((a, b) => a + b * Math.log(b), 0) / (n * v);
    const [ce, ceSelf] = (await realize([softCrossEntropy(logits, target), softCrossEntropy(logits, own)])).map((x) => toTypedArray(x)[0]!);
    expect(ce!).toBeGreaterThanOrEqual(entropy(target) - 1e-12);
    expect(ceSelf!).toBeCloseTo(entropy(own), 12);
  });
});

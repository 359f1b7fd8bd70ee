// README-EXAMPLE-START
import { add, arange, argmax, item, key, matmul, normal, reshape, softmax, split, sum, toNested, transpose } from '@colab-ts/ndarray';

// A 2x3 float32 matrix [[0,1,2],[3,4,5]] (integer arange alone gives int32).
const x = reshape(arange(6, undefined, 1, 'float32'), [2, 3]);

// Broadcasting: the int32 row [0,1,2] is added to each row; float32 wins.
const y = add(x, arange(3)); // [[0,2,4],[3,5,7]], float32

// transpose is a view: it shares x's data and copies nothing.
const xt = transpose(x); // shape [3,2]
const gram = matmul(x, xt); // [[5,14],[14,50]]

// Reductions over any axes, data-first or data-last (for pipe).
const rowSums = sum(y, { axes: 1 }); // [6,15]
const total = sum({ axes: [0, 1] })(y); // 21, rank 0

// Seeded randomness: the same key gives the same numbers on every machine.
const [kInit] = split(key(42), 1);
const w = normal(kInit!, [3, 4], { std: 0.1 });
const probs = softmax(matmul(y, w)); // [2,4], each row sums to 1
const label = argmax(probs, { axis: 1 }); // int32 [2]

console.log(toNested(rowSums), item(total), toNested(gram), toNested(label));
// README-EXAMPLE-END

/**
 * The code between the markers above is the README's first ```ts block,
 * verbatim (checked by tools/readmeExamples.test.ts), and it runs when this
 * file loads; the tests then check the values its comments promise.
 */
import { readFileSync } from 'node:fs';
import { pipe } from 'fp-ts/function';
import { describe, expect, it } from 'vitest';
import { allClose, arrayEqual, ones, sub, uniform } from '@colab-ts/ndarray';
import { arbBroadcastPair } from '@colab-ts/ndarray/testing';
import { test } from '@fast-check/vitest';

describe('examples', () => {
  it('the README example computes what its comments say', () => {
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('float32');
    expect(toNested(y)).toEqual([
      [0, 2, 4],
      [3, 5, 7],
    ]);
    expect(xt.shape).toEqual([3, 2]);
    expect(xt.data).toBe(x.data);
    expect(toNested(gram)).toEqual([
      [5, 14],
      [14, 50],
    ]);
    expect(toNested(rowSums)).toEqual([6, 15]);
    expect(total.shape).toEqual([]);
    expect(item(total)).toBe(21);
    expect(w.shape).toEqual([3, 4]);
    expect(arrayEqual(w, normal(split(key(42), 1)[0]!, [3, 4], { std: 0.1 }))).toBe(true);
    expect(probs.shape).toEqual([2, 4]);
    expect(allClose(sum(probs, { axes: 1 }), ones([2]), { atol: 1e-6 })).toBe(true);
    expect(label.dtype).toBe('int32');
    expect(label.shape).toEqual([2]);
  });

  it('the smaller README snippets hold', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const [kData] = split(key(2023));
    const noise = uniform(kData!, [4, 4], { low: -1, high: 1 });
    expect(Array.from(noise.data).every((v) => v >= -1 && v < 1)).toBe(true);
    expect(arrayEqual(sum(x, { axes: [1] }), pipe(x, sum({ axes: [1] })))).toBe(true);
    const am = pipe(x, sub(1), softmax(-1), argmax({ axis: 1 }));
    expect(toNested(am)).toEqual([2, 2]);
    expect(toNested(pipe(x, sub(1)))).toEqual([
      [-1, 0, 1],
      [2, 3, 4],
    ]);
    for (const msg of [
      'add: cannot broadcast [2,3] with [4]',
      'matmul: inner dimensions differ: [2,3] @ [4,2] (3 != 4)',
      'sum: axis 2 is out of range for rank 2',
    ]) {
      expect(readme).toContain(msg);
    }
  });
});

describe('properties', () => {
  test.prop([arbBroadcastPair({ maxSize: 64 })], { numRuns: 30 })('the testing snippet: add commutes', ([a, b]) => arrayEqual(add(a, b), add(b, a)));
});

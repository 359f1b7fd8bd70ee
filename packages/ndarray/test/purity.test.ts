/**
 * No function mutates its arguments: every input's dtype, shape, strides,
 * offset and data are snapshotted before and after each call, for a table of
 * every exported operation that takes arrays (on packed inputs and on views).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import * as nd from '../src/index.js';
import type { NDArray } from '../src/index.js';
import { arbBroadcastPair, arbPermutation } from '../src/testing.js';
import { snapshot } from './helpers.js';

type Case = readonly [name: string, run: (x: NDArray, y: NDArray) => unknown];

/** x and y broadcast together; x has rank >= 1. */
const CASES: readonly Case[] = [
  ['toNested', (x) => nd.toNested(x)],
  ['toTypedArray', (x) => nd.toTypedArray(x)],
  ['contiguous', (x) => nd.contiguous(x)],
  ['astype', (x) => nd.astype(x, 'float64')],
  ['astype int', (x) => nd.astype(x, 'int32')],
  [
    'get',
    (x) =>
      nd.get(
        x,
        x.shape.map(() => 0),
      ),
  ],
  [
    'item',
    (x) =>
      nd.item(
        nd.slice(
          x,
          x.shape.map(() => ({ stop: 1 })),
        ),
      ),
  ],
  ['array', (x) => nd.array(x.data, [x.data.length])],
  ['reshape', (x) => nd.reshape(x, [-1])],
  ['transpose', (x) => nd.transpose(x)],
  ['slice', (x) => nd.slice(x, [{ step: -1 }])],
  ['expandDims', (x) => nd.expandDims(x, 0)],
  ['squeeze', (x) => nd.squeeze(x)],
  ['broadcastTo', (x) => nd.broadcastTo(x, [2, ...x.shape])],
  ['flip', (x) => nd.flip(x)],
  ...(
    [
      'add',
      'sub',
      'mul',
      'div',
      'pow',
      'maximum',
      'minimum',
      'equal',
      'notEqual',
      'less',
      'lessEqual',
      'greater',
      'greaterEqual',
      'logicalAnd',
      'logicalOr',
    ] as const
  )
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the test walks the namespace's ops by name on purpose
    .map((op): Case => [op, (x, y) => nd[op](x, y)]),
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: as above
  ...(['neg', 'exp', 'log', 'sqrt', 'abs', 'logicalNot'] as const).map((op): Case => [op, (x) => nd[op](x)]),
  ['map', (x) => nd.map(x, (v) => v + 1)],
  ['clip', (x) => nd.clip(x, -1, 1)],
  ['where', (x, y) => nd.where(nd.greater(x, 0), x, y)],
  ['where cond', (x, y) => nd.where(x, y, 0)],
  ['sum', (x) => nd.sum(x, { axes: 0 })],
  ['mean', (x) => nd.mean(x)],
  ['max', (x) => nd.max(x, { keepDims: true })],
  ['min', (x) => nd.min(x, { axes: -1 })],
  ['argmax', (x) => nd.argmax(x, { axis: 0 })],
  ['argmin', (x) => nd.argmin(x)],
  ['logSumExp', (x) => nd.logSumExp(x, { axes: 0 })],
  ['softmax', (x) => nd.softmax(x)],
  ['matmul', (x) => nd.matmul(x, nd.transpose(x))],
  ['concat', (x) => nd.concat([x, x], 0)],
  ['stack', (x) => nd.stack([x, x], 1)],
  ['pad', (x) => nd.pad(x, 1, { value: 3 })],
  ['arrayEqual', (x, y) => nd.arrayEqual(x, y)],
  ['allClose', (x, y) => nd.allClose(x, y)],
  ['isContiguous', (x) => nd.isContiguous(x)],
  ['isPacked', (x) => nd.isPacked(x)],
  ['size', (x) => nd.size(x)],
  ['ndim', (x) => nd.ndim(x)],
  ['isNDArray', (x) => nd.isNDArray(x)],
];

/** Either the packed pair or views of it (transposed x, flipped y). */
const arbInputs = arbBroadcastPair({ minRank: 1, maxSize: 48 }).chain(([x, y]) =>
  fc.tuple(fc.constant(x), fc.constant(y), arbPermutation(x.shape.length), fc.boolean()),
);

describe('examples', () => {
  it('the table covers every operation that takes an array', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
  });

  it('random samplers and key functions leave their key alone', () => {
    const k = nd.key(3);
    const before = JSON.stringify(k);
    nd.split(k, 3);
    nd.foldIn(k, 1);
    nd.uniform(k, [4]);
    nd.normal(k, [4]);
    nd.randint(k, [4], 0, 3);
    nd.permutation(k, 4);
    nd.randomBits(k, 4);
    expect(JSON.stringify(k)).toBe(before);
    expect(Object.isFrozen(k) && Object.isFrozen(k.words)).toBe(true);
  });

  it('creation from a typed array or a list copies it', () => {
    const t = new Float32Array([1, 2, 3]);
    const a = nd.array(t);
    expect(a.data).not.toBe(t);
    const l = [[1, 2]];
    nd.fromNested(l);
    expect(l).toEqual([[1, 2]]);
  });
});

describe('properties', () => {
  test.prop([arbInputs], { numRuns: 60 })('no operation mutates its inputs (packed or strided)', ([x0, y0, perm, useViews]) => {
    const x = useViews
      ? nd.transpose(
          nd.transpose(x0, perm),
          perm.map((_, i) => perm.indexOf(i)),
        )
      : x0;
    const y = useViews ? nd.flip(y0) : y0;
    const before = [snapshot(x), snapshot(y), snapshot(x0), snapshot(y0)];
    for (const [name, run] of CASES) {
      try {
        run(x, y);
      } catch (e) {
        // some cases legitimately reject some shapes (matmul of rank 1 with itself is fine; squeeze etc. never throw here)
        if (!(e instanceof nd.ShapeError || e instanceof nd.ValueError)) throw new Error(`${name}: ${String(e)}`);
      }
      expect([snapshot(x), snapshot(y), snapshot(x0), snapshot(y0)], name).toEqual(before);
    }
  });
});

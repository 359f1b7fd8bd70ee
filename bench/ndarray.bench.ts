/**
 * @colab-ts/ndarray against a hand-written Float32Array loop, in one run:
 * elementwise add and a full sum on 8M float32 elements (contiguous), plus two
 * strided cases for information. Target: the library within 1.3x of the loop
 * on contiguous inputs. Results: bench/results/ndarray.json.
 *
 * Before timing, every library function is called on all four dtypes, as in a
 * real program, so its call sites are polymorphic rather than trained on one
 * dtype (which would flatter the library).
 *
 * Run: pnpm bench:ndarray
 */
import * as nd from '@colab-ts/ndarray';
import { machine, timeInterleaved, writeResults } from './harness.js';

const N = 8 * 1024 * 1024;
const TARGET = 1.3;

const a = nd.uniform(nd.key(1), [N]);
const b = nd.uniform(nd.key(2), [N]);
const ad = a.data as Float32Array;
const bd = b.data as Float32Array;

for (const dtype of nd.DTYPES) {
  const x = nd.ones([64, 64], dtype);
  nd.add(x, x);
  nd.add(x, 1);
  nd.sum(x);
  nd.sum(x, { axes: 0 });
}

// Peers: the loops a user would write by hand, as functions of their input
// arrays (allocation included, as the library allocates its result). This is
// the primary peer: like the library, it receives its arrays as arguments.
const loopAddOf = (x: Float32Array, y: Float32Array): Float32Array => {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + y[i]!;
  return out;
};
const loopSumOf = (x: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
};
const loopAdd = (): Float32Array => loopAddOf(ad, bd);
const loopSum = (): number => loopSumOf(ad);
// Informational peers: the same loops over module constants. V8 then folds the
// arrays and their length into the code and drops bounds checks, which no
// reusable function (library or user) gets; reported, not used for the target.
const inlineAdd = (): Float32Array => {
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) out[i] = ad[i]! + bd[i]!;
  return out;
};
const inlineSum = (): number => {
  let s = 0;
  for (let i = 0; i < N; i++) s += ad[i]!;
  return s;
};

// Check agreement before timing.
const libSum = nd.item(nd.sum(a));
if (Math.abs(libSum - loopSum()) > 1e-6 * N) throw new Error(`sum disagrees: ${libSum} vs ${loopSum()}`);
const libAdd = nd.add(a, b).data as Float32Array;
const refAdd = loopAdd();
for (let i = 0; i < N; i += 9973) if (libAdd[i] !== refAdd[i]) throw new Error(`add disagrees at ${i}`);

// Strided cases, for information: a broadcast row and a transposed sum.
const rows = 2048;
const cols = N / rows;
const m = nd.reshape(a, [rows, cols]);
const row = nd.slice(b, [{ stop: cols }]);
const rd = row.data as Float32Array;
const loopBroadcastAdd = (): Float32Array => {
  const out = new Float32Array(N);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = ad[i * cols + j]! + rd[j]!;
  return out;
};
const mt = nd.transpose(m);
const loopColumnSum = (): Float32Array => {
  const out = new Float32Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] = out[j]! + ad[i * cols + j]!;
  return out;
};

const cases = [
  { op: 'add', shape: [N], contiguous: true, lib: () => nd.add(a, b), loop: loopAdd, inline: inlineAdd },
  { op: 'sum (all axes)', shape: [N], contiguous: true, lib: () => nd.sum(a), loop: loopSum, inline: inlineSum },
  { op: 'add broadcast row', shape: [rows, cols], contiguous: false, lib: () => nd.add(m, row), loop: loopBroadcastAdd },
  { op: 'sum of transposed over last axis', shape: [cols, rows], contiguous: false, lib: () => nd.sum(mt, { axes: 1 }), loop: loopColumnSum },
];

const results = cases.map((c) => {
  const t = timeInterleaved({ library: c.lib, loop: c.loop, ...('inline' in c ? { inline: c.inline } : {}) }, { warmup: 3, runs: 15 });
  const ratio = t.library!.medianMs / t.loop!.medianMs;
  return {
    op: c.op,
    shape: c.shape,
    dtype: 'float32',
    contiguous: c.contiguous,
    libraryMs: +t.library!.medianMs.toFixed(3),
    loopMs: +t.loop!.medianMs.toFixed(3),
    ratio: +ratio.toFixed(3),
    withinTarget: c.contiguous ? ratio <= TARGET : null,
    inlineLoopMs: t.inline ? +t.inline.medianMs.toFixed(3) : null,
    ratioToInlineLoop: t.inline ? +(t.library!.medianMs / t.inline.medianMs).toFixed(3) : null,
  };
});

const path = writeResults('ndarray', {
  benchmark: 'ndarray',
  peer: 'hand-written Float32Array loop taking its arrays as arguments, same process, interleaved runs; inlineLoopMs: the same loop over module constants (informational)',
  target: `library time <= ${TARGET}x loop time for contiguous inputs`,
  elements: N,
  statistic: 'median of 15 runs after 3 warm-ups',
  machine: machine(),
  results,
});
console.table(
  results.map(({ op, libraryMs, loopMs, ratio, withinTarget, ratioToInlineLoop }) => ({ op, libraryMs, loopMs, ratio, withinTarget, ratioToInlineLoop })),
);
console.log(`written ${path}`);

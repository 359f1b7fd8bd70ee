// Where a trained CoLab run's task generator puts the background near the ROI (docs/results.md, E53).
// Runs written since 22ab2d8 log this themselves (log.jsonl `contextShares`); this reads older runs from their checkpoint.
// Usage, from the repository root after `pnpm build`:
//   node docs/scripts/generator-shares.mjs RUN_DIR DATA_DIR [cases, default 4]
//   CKPT=latest ... scores latest.ckpt instead of best.ckpt; INIT=1 scores the generator's initial weights (as `train` makes them).
// Prints, per training case, the background voxels with M >= 1/2 (`near`), the mean of q_1 there (sub-class 1; sub-class 0
// is the one the far background fills) and the fraction whose argmax is sub-class 1, the mean q_1 farther out, and
// `flipNear`: of the pairs of neighbours along W both in that near-ROI background, the fraction whose argmax differs
// (about 1 for a checkerboard, small for a split into regions; E56).
import { normalizeImage, predictLogits, readCheckpoint, readRunConfig, unetConfigFor } from '@colab-ts/cli';
import { caseDilatedMask } from '@colab-ts/colab';
import { loadCase, openDataset } from '@colab-ts/data';
import { getBackend } from '@colab-ts/kernels';
import { foldIn, key, toTypedArray } from '@colab-ts/ndarray';
import { unetInit } from '@colab-ts/nn';

const [run, data, maxCases] = process.argv.slice(2);
if (run === undefined || data === undefined) {
  console.error('usage: node docs/scripts/generator-shares.mjs RUN_DIR DATA_DIR [cases]');
  process.exit(2);
}
const cfg = readRunConfig(`${run}/config.json`, 'point RUN_DIR at a colab-ts run folder');
if (cfg.method !== 'colab') {
  console.error(`${run}: a ${cfg.method} run has no task generator`);
  process.exit(2);
}
const ck = readCheckpoint(`${run}/${process.env.CKPT ?? 'best'}.ckpt`, 'restore the checkpoint');
// The generator that makes the labels (its weight average when the run kept one); STREAM.omega = 2 in train.ts.
const omega = process.env.INIT ? unetInit(foldIn(key(cfg.seed), 2), unetConfigFor(cfg, cfg.t)) : (ck.state.omegaAvg ?? ck.state.omega);
const ds = await openDataset(data)();
if (ds._tag !== 'Right') {
  console.error(`${data}: not a dataset folder`);
  process.exit(2);
}
const backend = await getBackend();
const infos = ds.right.training.filter((c) => cfg.trainCases.includes(c.id)).slice(0, Number(maxCases ?? 4));
for (const info of infos) {
  const loaded = await loadCase(info)();
  if (loaded._tag !== 'Right') throw new Error(`${info.id}: ${loaded.left.message}`);
  const c = loaded.right;
  const logits = await predictLogits(omega, normalizeImage(c.image, cfg.normalization), cfg.patch, { backend, overlap: 0 });
  const z = toTypedArray(logits);
  const K = logits.shape[0];
  const n = z.length / K;
  const M = toTypedArray(caseDilatedMask(c.label, { margin: cfg.margin, temperature: cfg.temperature, spacing: c.spacing }));
  const y = toTypedArray(c.label);
  const W = logits.shape[logits.shape.length - 1];
  const argmax = (v) => {
    let best = 0;
    for (let k = 1; k < K; k++) if (z[k * n + v] > z[best * n + v]) best = k;
    return best;
  };
  const isNear = (v) => y[v] === 0 && M[v] >= 0.5;
  let pairs = 0;
  let flips = 0;
  for (let v = 0; v + 1 < n; v++) {
    if ((v + 1) % W === 0 || !isNear(v) || !isNear(v + 1)) continue;
    pairs++;
    if (argmax(v) !== argmax(v + 1)) flips++;
  }
  let near = 0;
  let q1Near = 0;
  let arg1 = 0;
  let far = 0;
  let q1Far = 0;
  for (let v = 0; v < n; v++) {
    if (y[v] !== 0) continue;
    let mx = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) mx = Math.max(mx, z[k * n + v]);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(z[k * n + v] - mx);
    const p1 = Math.exp(z[n + v] - mx) / s;
    if (M[v] >= 0.5) {
      near++;
      q1Near += p1;
      if (p1 > 0.5) arg1++;
    } else {
      far++;
      q1Far += p1;
    }
  }
  const r = (v) => Number(v.toFixed(3));
  console.log(
    JSON.stringify({ id: c.id, near, meanQ1near: r(q1Near / near), fracArg1near: r(arg1 / near), meanQ1far: r(q1Far / far), flipNear: r(flips / pairs) }),
  );
}
process.exit(0);

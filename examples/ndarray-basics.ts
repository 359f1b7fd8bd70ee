/**
 * A worked example of @colab-ts/ndarray, and the project's main job until the
 * `colab-ts demo` command exists: build a synthetic 3D volume with a spherical
 * region of interest (ROI), simulate a noisy two-class segmentation network's
 * logits with seeded randomness, turn them into probabilities with a softmax
 * over the class axis, threshold, and score the prediction with Dice,
 * sensitivity and precision — all with broadcasting, reductions and views.
 *
 * Run: pnpm example   (or: npx tsx --conditions=@colab-ts/source examples/ndarray-basics.ts)
 */
import * as nd from '@colab-ts/ndarray';
import { pipe } from 'fp-ts/lib/function.js';

const [D, H, W] = [24, 48, 48];
const t0 = performance.now();

// Voxel coordinates as broadcastable axes: z [D,1,1], y [1,H,1], x [1,1,W].
const z = nd.reshape(nd.arange(D, undefined, 1, 'float32'), [D, 1, 1]);
const y = nd.reshape(nd.arange(H, undefined, 1, 'float32'), [1, H, 1]);
const x = nd.reshape(nd.arange(W, undefined, 1, 'float32'), [1, 1, W]);

// Squared distance to the volume centre, in voxels, broadcast to [D,H,W].
const sq = (v: nd.NDArray, c: number) => nd.pow(nd.sub(v, c), 2);
const dist = nd.sqrt(nd.add(nd.add(sq(z, D / 2), sq(y, H / 2)), sq(x, W / 2)));

// Ground truth: a sphere of radius 8 voxels.
const radius = 8;
const truth = nd.lessEqual(dist, radius); // uint8 mask

// A simulated network: logit of "ROI" falls off with distance, plus noise; the
// background logit is 0. Stack to [2, D, H, W] (channel 0 background, 1 ROI).
const [kNoise] = nd.split(nd.key(2023), 1);
const noise = nd.normal(kNoise!, [D, H, W], { std: 1.5 });
const roiLogit = nd.add(nd.mul(nd.sub(radius, dist), 0.8), noise);
const logits = nd.stack([nd.zeros([D, H, W]), roiLogit], 0);
const probs = nd.softmax(logits, 0);
// Parameterized operations are dual (data-first or data-last), so the same steps also compose with fp-ts's pipe:
// class probabilities -> the ROI channel -> a mask.
const pred = pipe(probs, nd.slice([{ start: 1, stop: 2 }]), nd.squeeze(0), nd.greater(0.5));
const pRoi = nd.squeeze(nd.slice(probs, [{ start: 1, stop: 2 }]), 0);
const dataFirst = nd.greater(pRoi, 0.5);

// Confusion counts and metrics.
const count = (m: nd.NDArray) => nd.item(nd.sum(m));
const tp = count(nd.logicalAnd(pred, truth));
const fp = count(nd.logicalAnd(pred, nd.logicalNot(truth)));
const fn = count(nd.logicalAnd(nd.logicalNot(pred), truth));
const dice = (2 * tp) / (2 * tp + fp + fn);

// Where are the false positives? Mean distance of FP voxels from the centre.
const fpMask = nd.logicalAnd(pred, nd.logicalNot(truth));
const fpMeanDist = fp > 0 ? nd.item(nd.sum(nd.mul(dist, fpMask))) / fp : 0;

// Softmax sanity: the two class probabilities sum to 1 everywhere.
const sumsToOne = nd.allClose(nd.sum(probs, { axes: 0 }), nd.ones([D, H, W]), { atol: 1e-6 });

console.log(`volume ${D}x${H}x${W}, ROI voxels ${count(truth)}, predicted ${count(pred)}`);
console.log(`TP ${tp}  FP ${fp}  FN ${fn}`);
console.log(`Dice ${dice.toFixed(4)}  sensitivity ${(tp / (tp + fn)).toFixed(4)}  precision ${(tp / (tp + fp)).toFixed(4)}`);
console.log(`false positives lie ${fpMeanDist.toFixed(1)} voxels from the centre on average (ROI radius ${radius})`);
console.log(`softmax sums to 1: ${sumsToOne}; took ${(performance.now() - t0).toFixed(0)} ms`);
const sameBothWays = nd.arrayEqual(pred, dataFirst);
console.log(`data-last (pipe) and data-first forms agree: ${sameBothWays}`);
if (!sumsToOne || !(dice > 0.5) || !sameBothWays) process.exitCode = 1;

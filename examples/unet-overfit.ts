/**
 * Overfits a small 3D U-Net (@colab-ts/nn) on one synthetic volume: a noisy
 * image with an ellipsoidal region of interest. Trains with CE + soft Dice
 * (the paper's segmentation loss) and Adam until the Dice of the hard
 * prediction exceeds 0.95, printing the loss and Dice at every step.
 *
 * Run: npx tsx --conditions=@colab-ts/source examples/unet-overfit.ts
 */
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import * as nd from '@colab-ts/ndarray';
import { adam, ceDiceLoss, toTensors, unetApply, unetInit, type UNetParams } from '@colab-ts/nn';
import { tinyUNetConfig } from '@colab-ts/nn/testing';

const [D, H, W] = [8, 16, 16];

// Coordinates broadcast to [D, H, W]; an ellipsoid ROI off-centre.
const axis = (n: number, shape: number[]) => nd.reshape(nd.arange(n, undefined, 1, 'float32'), shape);
const z = axis(D, [D, 1, 1]);
const y = axis(H, [1, H, 1]);
const x = axis(W, [1, 1, W]);
const r2 = nd.add(nd.add(nd.pow(nd.div(nd.sub(z, 3.5), 3), 2), nd.pow(nd.div(nd.sub(y, 7), 5), 2)), nd.pow(nd.div(nd.sub(x, 9), 4), 2));
const roi = nd.astype(nd.lessEqual(r2, 1), 'float32');

// Image: ROI brighter than background, plus Gaussian noise (seeded).
const image = nd.reshape(nd.add(roi, nd.normal(nd.key(11), [D, H, W], { std: 0.5 })), [1, 1, D, H, W]);
// One-hot target [1, 2, D, H, W]: channel 0 background, channel 1 ROI.
const target = nd.reshape(nd.stack([nd.sub(1, roi), roi], 0), [1, 2, D, H, W]);

let params = unetInit(nd.key(0), tinyUNetConfig());
const opt = adam({ lr: 3e-2 });
let state = opt.init(params);
const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, image), target);

const truth = nd.greater(roi, 0.5);
let dice = 0;
const t0 = performance.now();
for (let step = 1; step <= 100 && dice <= 0.95; step++) {
  const p = toTensors(params);
  const [l, g] = valueAndGrad(loss)(p);
  const r = await realize({ l, g, logits: unetApply(p, image) });
  [params, state] = opt.step(params, r.g, state);
  // Hard prediction: ROI where its logit beats the background's.
  const logits = nd.reshape(r.logits, [2, D, H, W]);
  const pred = nd.greater(nd.squeeze(nd.slice(logits, [{ start: 1, stop: 2 }]), 0), nd.squeeze(nd.slice(logits, [{ stop: 1 }]), 0));
  const tp = nd.item(nd.sum(nd.logicalAnd(pred, truth)));
  dice = (2 * tp) / (nd.item(nd.sum(pred)) + nd.item(nd.sum(truth)));
  console.log(`step ${String(step).padStart(3)}  loss ${nd.item(r.l).toFixed(4)}  Dice ${dice.toFixed(4)}`);
}
console.log(`${dice > 0.95 ? 'reached' : 'did NOT reach'} Dice > 0.95 in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (!(dice > 0.95)) process.exitCode = 1;

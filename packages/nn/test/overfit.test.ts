// Overfits a small 2D-like U-Net on one synthetic slice (a disc) with Adam and
// CE + soft Dice, until the hard Dice of the prediction exceeds 0.95.
import { realize, valueAndGrad } from '@colab-ts/autodiff';
import { array, key, normal, toTypedArray, type NDArray } from '@colab-ts/ndarray';
import { expect, it } from 'vitest';
import { adam, ceDiceLoss, toTensors, unetApply, unetInit, type UNetParams } from '../src/index.js';
import { tinyUNetConfig, unetStages } from '../src/testing.js';

function phantom(size: number): { image: NDArray; target: NDArray; mask: number[] } {
  const img = new Float32Array(size * size);
  const tgt = new Float32Array(2 * size * size);
  const mask: number[] = [];
  const noise = toTypedArray(normal(key(42), [size * size]));
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const inside = (i - 6.5) ** 2 + (j - 8.5) ** 2 < 16 ? 1 : 0;
      img[i * size + j] = inside + 0.6 * noise[i * size + j]!;
      tgt[i * size + j] = 1 - inside;
      tgt[size * size + i * size + j] = inside;
      mask.push(inside);
    }
  }
  return { image: array(img, [1, 1, 1, size, size]), target: array(tgt, [1, 2, 1, size, size]), mask };
}

it('overfits one slice to Dice > 0.95', async () => {
  const size = 16;
  const { image, target, mask } = phantom(size);
  let params = unetInit(key(0), tinyUNetConfig({ stages: unetStages(2, { planar: true }) }));
  const opt = adam({ lr: 3e-2 });
  let state = opt.init(params);
  const loss = (p: UNetParams) => ceDiceLoss(unetApply(p, image), target);
  let dice = 0;
  let step = 0;
  const losses: number[] = [];
  for (; step < 60 && dice <= 0.95; step++) {
    const [l, g] = valueAndGrad(loss)(toTensors(params));
    const r = await realize({ l, g, y: unetApply(toTensors(params), image) });
    [params, state] = opt.step(params, r.g, state);
    losses.push(toTypedArray(r.l)[0]!);
    const y = toTypedArray(r.y);
    let inter = 0;
    let sp = 0;
    mask.forEach((m, i) => {
      const fg = y[size * size + i]! > y[i]! ? 1 : 0;
      inter += fg * m;
      sp += fg;
    });
    dice = (2 * inter) / (sp + mask.reduce((a, b) => a + b, 0));
  }
  expect(dice).toBeGreaterThan(0.95);
  expect(step).toBeLessThan(60);
  expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 2);
});

/**
 * The report figures as PNG (beside their SVG versions in `svg.ts`, for
 * viewers and reports that need a bitmap), drawn with this package's rasteriser: training
 * progress (loss, validation Dice and its moving average, learning rate),
 * slices with ground truth, predictions and learnt context labels overlaid
 * (the paper's Fig. 2 and 8), and the logit distribution of ROI and
 * background voxels in the plane (z_1, max background logit) with the
 * decision boundary (Fig. 3).
 * @module
 */
import { toTypedArray } from '@colab-ts/ndarray';
import type { Raster, Rgb } from './png.js';
import type { LogitPanel, OverlayCase, ProgressEntry } from './svg.js';
import { fillRect, line, plot, raster, rasterToPng, strokeRect, text } from './png.js';
import { CONTEXT_COLOURS, ROI_COLOUR, bestSlice, extent, histogramCells, logitHistograms, lossWindow, sliceWindow } from './svg.js';

const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [160, 160, 160];
const BLUE: Rgb = [31, 119, 180];
const ORANGE: Rgb = [255, 127, 14];
const GREEN: Rgb = [44, 160, 44];
const RED: Rgb = [220, 30, 30];

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

interface Series {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly color: Rgb;
}

/** A line chart panel at (x0, y0) of size w x h, with a title and y-range labels. */
function chart(
  r: Raster,
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  series: readonly Series[],
  xmax: number,
  yFixed?: readonly [number, number],
): void {
  text(r, x0, y0, title, BLACK);
  const top = y0 + 14;
  const ph = h - 24;
  const left = x0 + 44;
  const pw = w - 52;
  strokeRect(r, left, top, pw, ph, GREY);
  const ys = series.flatMap((s) => s.ys.filter(Number.isFinite));
  if (ys.length === 0) {
    text(r, left + 8, top + ph / 2, 'NO DATA YET', GREY);
    return;
  }
  let [lo, hi] = yFixed ?? extent(ys);
  if (hi - lo < 1e-12) {
    hi += 0.5;
    lo -= 0.5;
  }
  text(r, x0, top, fmt(hi), BLACK, 1);
  text(r, x0, top + ph - 6, fmt(lo), BLACK, 1);
  text(r, left + pw - 40, top + ph + 3, `STEP ${xmax}`, BLACK, 1);
  const X = (v: number): number => left + 1 + ((pw - 3) * v) / Math.max(xmax, 1);
  const Y = (v: number): number => top + ph - 2 - ((ph - 4) * (v - lo)) / (hi - lo);
  for (const s of series) {
    let prev: [number, number] | undefined;
    s.xs.forEach((xv, i) => {
      const yv = s.ys[i]!;
      if (!Number.isFinite(yv)) return;
      const p: [number, number] = [X(xv), Y(yv)];
      if (prev !== undefined) line(r, prev[0], prev[1], p[0], p[1], s.color);
      else plot(r, p[0], p[1], s.color);
      prev = p;
    });
  }
}

/** progress.png: loss, validation Dice (and its moving average) and learning rate against the step. @category figures */
export function progressFigure(log: readonly ProgressEntry[]): Uint8Array {
  const w = 560;
  const r = raster(w, 3 * 150 + 10);
  const tr = log.filter((e): e is Extract<ProgressEntry, { type: 'train' }> => e.type === 'train');
  const va = log.filter((e): e is Extract<ProgressEntry, { type: 'val' }> => e.type === 'val');
  const xmax = Math.max(1, ...log.map((e) => e.step));
  // Smooth the loss with a running mean so the trend shows through the batch noise (once there are enough steps to smooth).
  const k = lossWindow(tr.length);
  const smooth = tr.map((_, i) => {
    const win = tr.slice(Math.max(0, i - k + 1), i + 1);
    return win.reduce((s, e) => s + e.loss, 0) / win.length;
  });
  const steps = tr.map((e) => e.step);
  chart(
    r,
    5,
    5,
    w - 10,
    145,
    k > 1 ? 'TRAINING LOSS (GREY: PER STEP, BLUE: MEAN)' : 'TRAINING LOSS (BLUE: PER STEP)',
    k > 1
      ? [
          { xs: steps, ys: tr.map((e) => e.loss), color: [200, 200, 200] },
          { xs: steps, ys: smooth, color: BLUE },
        ]
      : [{ xs: steps, ys: tr.map((e) => e.loss), color: BLUE }],
    xmax,
  );
  chart(
    r,
    5,
    155,
    w - 10,
    145,
    'VALIDATION DICE (ORANGE) AND MOVING AVERAGE (GREEN)',
    [
      { xs: va.map((e) => e.step), ys: va.map((e) => e.dice), color: ORANGE },
      { xs: va.map((e) => e.step), ys: va.map((e) => e.diceMA), color: GREEN },
    ],
    xmax,
    [0, 1],
  );
  chart(r, 5, 305, w - 10, 145, 'LEARNING RATE', [{ xs: tr.map((e) => e.step), ys: tr.map((e) => e.lr), color: RED }], xmax);
  return rasterToPng(r);
}

/**
 * Slices with overlays (the paper's Fig. 2 and 8): per case one row of
 * image, ground truth, each prediction (true positives green, false positives
 * red, missed ROI outlined in yellow) and the learnt context labels.
 * @category figures
 */
export function overlayFigure(cases: readonly OverlayCase[], scale = 3): Uint8Array {
  if (cases.length === 0) return rasterToPng(raster(1, 1));
  const first = cases[0]!;
  const cols = 2 + first.predictions.length + (first.context === undefined ? 0 : 1);
  const [, H0, W0] = first.image.shape as [number, number, number];
  const cw = W0 * scale;
  const ch = H0 * scale;
  const head = 16;
  const r = raster(cols * (cw + 6) + 6, head + cases.length * (ch + 18) + 4, [255, 255, 255]);
  const titles = ['IMAGE', 'GROUND TRUTH', ...first.predictions.map((p) => p.name), ...(first.context === undefined ? [] : [first.context.name])];
  for (const [c, t] of titles.entries()) text(r, 6 + c * (cw + 6), 4, t.slice(0, Math.floor(cw / 8)), BLACK);
  cases.forEach((cs, row) => {
    const [, H, W] = cs.image.shape as [number, number, number];
    const d = bestSlice(cs.truth);
    const img = toTypedArray(cs.image);
    const off = d * H * W;
    const [lo, hi] = sliceWindow(img.subarray(off, off + H * W));
    const gt = toTypedArray(cs.truth);
    const y0 = head + row * (ch + 18);
    text(r, 6, y0 + ch + 3, cs.id, BLACK, 1);
    const panel = (c: number, colour: (i: number) => [Rgb, number] | undefined): void => {
      const x0 = 6 + c * (cw + 6);
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) {
          const i = h * W + w;
          const g = Math.round(255 * Math.min(1, Math.max(0, (img[off + i]! - lo) / Math.max(hi - lo, 1e-9))));
          const o = colour(i);
          for (let dy = 0; dy < scale; dy++)
            for (let dx = 0; dx < scale; dx++) {
              plot(r, x0 + w * scale + dx, y0 + h * scale + dy, [g, g, g]);
              if (o !== undefined) plot(r, x0 + w * scale + dx, y0 + h * scale + dy, o[0], o[1]);
            }
        }
      // Ground-truth outline on every overlay panel.
      if (c > 0)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) {
            if (gt[off + h * W + w] === 0) continue;
            const edge = [
              [0, 1],
              [1, 0],
              [0, -1],
              [-1, 0],
            ].some(([a, b]) => {
              const hh = h + a!;
              const ww = w + b!;
              return hh < 0 || ww < 0 || hh >= H || ww >= W || gt[off + hh * W + ww] === 0;
            });
            if (edge) fillRect(r, x0 + w * scale, y0 + h * scale, scale, scale, [255, 230, 0], 0.8);
          }
    };
    panel(0, () => undefined);
    panel(1, (i) => (gt[off + i] !== 0 ? [RED, 0.55] : undefined));
    cs.predictions.forEach((p, k) => {
      const pl = toTypedArray(p.labels);
      panel(2 + k, (i) => (pl[off + i] === 0 ? undefined : gt[off + i] !== 0 ? [GREEN, 0.55] : [RED, 0.7]));
    });
    if (cs.context !== undefined) {
      const cl = toTypedArray(cs.context.labels);
      // Filled classes, as in the SVG and its colour key: every sub-class in its colour, the ROI red.
      panel(2 + cs.predictions.length, (i) => (gt[off + i] !== 0 ? [ROI_COLOUR, 1] : [CONTEXT_COLOURS[cl[off + i]! % CONTEXT_COLOURS.length]!, 1]));
    }
  });
  return rasterToPng(r);
}

/**
 * The logit distribution (the paper's Fig. 3): for each method, a 2D
 * histogram of test voxels in the plane (z_1, max of the background logits),
 * ROI voxels blue, background orange, with the decision boundary
 * z_1 = max(z_bg) and the count of false-positive voxels.
 * @category figures
 */
export function logitFigure(panels: readonly LogitPanel[]): Uint8Array {
  const size = 260;
  const bins = 130;
  const r = raster(panels.length * (size + 60) + 10, size + 70);
  const { lo, hi, histograms } = logitHistograms(panels, bins);
  panels.forEach((p, pi) => {
    const x0 = 50 + pi * (size + 60);
    const y0 = 24;
    text(r, x0, 4, p.name, BLACK);
    const { roi, background, fp } = histograms[pi]!;
    const px = size / bins;
    histogramCells(roi, background, bins, (bx, by, roiCell, alpha) =>
      fillRect(r, x0 + bx * px, y0 + size - (by + 1) * px, Math.ceil(px), Math.ceil(px), roiCell ? BLUE : ORANGE, alpha),
    );
    strokeRect(r, x0, y0, size, size, GREY);
    line(r, x0, y0 + size, x0 + size, y0, BLACK); // z_1 = max(z_bg): ROI below-right of it
    text(r, x0, y0 + size + 6, `Z1 FROM ${fmt(lo)} TO ${fmt(hi)}`, BLACK, 1);
    text(r, x0, y0 + size + 16, `Y: MAX BG LOGIT; FP VOXELS ${fp}`, BLACK, 1);
    text(r, x0, y0 + size + 28, 'BLUE ROI, ORANGE BACKGROUND', BLACK, 1);
  });
  return rasterToPng(r);
}

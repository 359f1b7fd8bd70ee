/**
 * The report figures as PNG, drawn with this package's rasteriser: training
 * progress (loss, validation Dice and its moving average, learning rate),
 * slices with ground truth, predictions and learnt context labels overlaid
 * (the paper's Fig. 2 and 8), and the logit distribution of ROI and
 * background voxels in the plane (z_1, max background logit) with the
 * decision boundary (Fig. 3).
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { toTypedArray } from '@colab-ts/ndarray';
import type { Raster, Rgb } from './png.js';
import { fillRect, line, plot, raster, rasterToPng, strokeRect, text } from './png.js';

const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [160, 160, 160];
const BLUE: Rgb = [31, 119, 180];
const ORANGE: Rgb = [255, 127, 14];
const GREEN: Rgb = [44, 160, 44];
const RED: Rgb = [220, 30, 30];
/** Context-label colours (sub-class 1, 2, ...; the far background is not drawn). */
const CONTEXT: readonly Rgb[] = [
  [0, 0, 0],
  [30, 200, 255],
  [60, 220, 60],
  [255, 200, 0],
  [200, 80, 255],
  [255, 120, 180],
  [120, 255, 200],
  [180, 180, 255],
];

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

interface Series {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly color: Rgb;
}

/** A line chart panel at (x0, y0) of size w x h, with a title and y-range labels. */
function chart(r: Raster, x0: number, y0: number, w: number, h: number, title: string, series: readonly Series[], xmax: number, yFixed?: readonly [number, number]): void {
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
  let [lo, hi] = yFixed ?? [Math.min(...ys), Math.max(...ys)];
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

/** A training log entry as `progressFigure` reads it. @category figures */
export type ProgressEntry =
  | { readonly type: 'train'; readonly step: number; readonly loss: number; readonly lr: number }
  | { readonly type: 'val'; readonly step: number; readonly dice: number; readonly diceMA: number };

/** progress.png: loss, validation Dice (and its moving average) and learning rate against the step. @category figures */
export function progressFigure(log: readonly ProgressEntry[]): Uint8Array {
  const w = 560;
  const r = raster(w, 3 * 150 + 10);
  const tr = log.filter((e): e is Extract<ProgressEntry, { type: 'train' }> => e.type === 'train');
  const va = log.filter((e): e is Extract<ProgressEntry, { type: 'val' }> => e.type === 'val');
  const xmax = Math.max(1, ...log.map((e) => e.step));
  // Smooth the loss with a running mean so the trend shows through the batch noise.
  const k = Math.max(1, Math.floor(tr.length / 50));
  const smooth = tr.map((_, i) => {
    const win = tr.slice(Math.max(0, i - k + 1), i + 1);
    return win.reduce((s, e) => s + e.loss, 0) / win.length;
  });
  chart(r, 5, 5, w - 10, 145, 'TRAINING LOSS (GREY: PER STEP, BLUE: MEAN)', [
    { xs: tr.map((e) => e.step), ys: tr.map((e) => e.loss), color: [200, 200, 200] },
    { xs: tr.map((e) => e.step), ys: smooth, color: BLUE },
  ], xmax);
  chart(r, 5, 155, w - 10, 145, 'VALIDATION DICE (ORANGE) AND MOVING AVERAGE (GREEN)', [
    { xs: va.map((e) => e.step), ys: va.map((e) => e.dice), color: ORANGE },
    { xs: va.map((e) => e.step), ys: va.map((e) => e.diceMA), color: GREEN },
  ], xmax, [0, 1]);
  chart(r, 5, 305, w - 10, 145, 'LEARNING RATE', [{ xs: tr.map((e) => e.step), ys: tr.map((e) => e.lr), color: RED }], xmax);
  return rasterToPng(r);
}

/** One case for the overlay figure: a `[D, H, W]` image, its ground truth, predictions and context labels. @category figures */
export interface OverlayCase {
  readonly id: string;
  /** The first image channel `[D, H, W]`. */
  readonly image: NDArray;
  readonly truth: NDArray;
  readonly predictions: readonly { readonly name: string; readonly labels: NDArray }[];
  /** Learnt context labels `[D, H, W]` (sub-class index, 0 = far background), with a title. */
  readonly context?: { readonly name: string; readonly labels: NDArray } | undefined;
}

/** The slice index with the most ground-truth voxels (the middle one when there are none). */
function bestSlice(truth: NDArray): number {
  const [D, H, W] = truth.shape as [number, number, number];
  const t = toTypedArray(truth);
  let best = Math.floor(D / 2);
  let bc = 0;
  for (let d = 0; d < D; d++) {
    let c = 0;
    for (let i = 0; i < H * W; i++) if (t[d * H * W + i] !== 0) c++;
    if (c > bc) {
      bc = c;
      best = d;
    }
  }
  return best;
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
    // Window on the body (voxels above the slice minimum), 2nd to 98th percentile, so soft tissue contrast shows.
    const slice = Array.from(img.subarray(off, off + H * W));
    const floor = Math.min(...slice);
    const body = slice.filter((v) => v > floor).sort((a, b) => a - b);
    const vals = body.length > 10 ? body : slice.sort((a, b) => a - b);
    const lo = vals[Math.floor(vals.length * 0.02)]!;
    const hi = vals[Math.floor(vals.length * 0.98)]!;
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
            const edge = [[0, 1], [1, 0], [0, -1], [-1, 0]].some(([a, b]) => {
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
      panel(2 + cs.predictions.length, (i) => (gt[off + i] !== 0 ? [RED, 0.6] : cl[off + i]! > 0 ? [CONTEXT[cl[off + i]! % CONTEXT.length]!, 0.5] : undefined));
    }
  });
  return rasterToPng(r);
}

/** One method's panel of the logit figure: logits `[K, D, H, W]` (ROI channel 0) of test images and their ground truth. @category figures */
export interface LogitPanel {
  readonly name: string;
  readonly logits: readonly NDArray[];
  readonly truths: readonly NDArray[];
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
  const pts = panels.map((p) => {
    const xs: number[] = [];
    const ys: number[] = [];
    const roi: boolean[] = [];
    p.logits.forEach((lg, ci) => {
      const z = toTypedArray(lg);
      const K = lg.shape[0]!;
      const n = z.length / K;
      const gt = toTypedArray(p.truths[ci]!);
      for (let v = 0; v < n; v++) {
        let m = -Infinity;
        for (let k = 1; k < K; k++) m = Math.max(m, z[k * n + v]!);
        xs.push(z[v]!);
        ys.push(m);
        roi.push(gt[v] !== 0);
      }
    });
    return { xs, ys, roi };
  });
  const all = pts.flatMap((p) => [...p.xs, ...p.ys]).filter(Number.isFinite).sort((a, b) => a - b);
  const lo = all.length === 0 ? -1 : all[Math.floor(all.length * 0.001)]!;
  const hi = all.length === 0 ? 1 : all[Math.floor(all.length * 0.999)]!;
  const span = Math.max(hi - lo, 1e-6);
  panels.forEach((p, pi) => {
    const x0 = 50 + pi * (size + 60);
    const y0 = 24;
    text(r, x0, 4, p.name, BLACK);
    const { xs, ys, roi } = pts[pi]!;
    const hist = [new Float64Array(bins * bins), new Float64Array(bins * bins)];
    let fp = 0;
    xs.forEach((x, i) => {
      const y = ys[i]!;
      if (!roi[i] && x > y) fp++;
      const bx = Math.floor(((x - lo) / span) * (bins - 1));
      const by = Math.floor(((y - lo) / span) * (bins - 1));
      if (bx < 0 || by < 0 || bx >= bins || by >= bins) return;
      hist[roi[i] ? 0 : 1]![by * bins + bx]! += 1;
    });
    const px = size / bins;
    for (const [h, colour] of [[hist[1]!, ORANGE], [hist[0]!, BLUE]] as const) {
      let mx = 0;
      for (const v of h) mx = Math.max(mx, v);
      for (let by = 0; by < bins; by++)
        for (let bx = 0; bx < bins; bx++) {
          const v = h[by * bins + bx]!;
          if (v === 0) continue;
          fillRect(r, x0 + bx * px, y0 + size - (by + 1) * px, Math.ceil(px), Math.ceil(px), colour, 0.35 + 0.65 * (Math.log1p(v) / Math.log1p(mx)));
        }
    }
    strokeRect(r, x0, y0, size, size, GREY);
    line(r, x0, y0 + size, x0 + size, y0, BLACK); // z_1 = max(z_bg): ROI below-right of it
    text(r, x0, y0 + size + 6, `Z1 FROM ${fmt(lo)} TO ${fmt(hi)}`, BLACK, 1);
    text(r, x0, y0 + size + 16, `Y: MAX BG LOGIT; FP VOXELS ${fp}`, BLACK, 1);
    text(r, x0, y0 + size + 28, 'BLUE ROI, ORANGE BACKGROUND', BLACK, 1);
  });
  return rasterToPng(r);
}

/** One point of `scatterSvg`: its series (colour), position, and whether it is a series mean (large, labelled). @category figures */
export interface ScatterPoint {
  readonly series: number;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly big: boolean;
}

const SERIES_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A scatter plot as SVG (real text, axis ticks, a legend): the paper's Fig. 4,
 * precision against sensitivity per method. Axes span the points with a
 * margin, ticks every 0.05 (or 0.1 on wide ranges).
 * @category figures
 */
export function scatterSvg(points: readonly ScatterPoint[], o: { readonly title: string; readonly x: string; readonly y: string; readonly legend: readonly string[] }): string {
  const W = 640;
  const H = 480;
  const L = 70;
  const R = 200;
  const T = 40;
  const B = 60;
  const fin = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const span = (vs: number[]): [number, number] => {
    if (vs.length === 0) return [0, 1];
    let lo = Math.min(...vs);
    let hi = Math.max(...vs);
    const pad = Math.max(0.02, (hi - lo) * 0.1);
    lo = Math.max(0, lo - pad);
    hi = Math.min(1, hi + pad);
    return [lo, hi];
  };
  const [x0, x1] = span(fin.map((p) => p.x));
  const [y0, y1] = span(fin.map((p) => p.y));
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  const X = (v: number): number => r1(L + ((W - L - R) * (v - x0)) / (x1 - x0));
  const Y = (v: number): number => r1(H - B - ((H - T - B) * (v - y0)) / (y1 - y0));
  const ticks = (lo: number, hi: number): number[] => {
    const step = hi - lo > 0.4 ? 0.1 : 0.05;
    const out: number[] = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
    return out;
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="15">${esc(o.title)}</text>`,
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`,
  ];
  for (const v of ticks(x0, x1)) parts.push(`<line x1="${X(v)}" y1="${H - B}" x2="${X(v)}" y2="${H - B + 5}" stroke="#444"/><text x="${X(v)}" y="${H - B + 18}" text-anchor="middle">${v.toFixed(2)}</text>`);
  for (const v of ticks(y0, y1)) parts.push(`<line x1="${L - 5}" y1="${Y(v)}" x2="${L}" y2="${Y(v)}" stroke="#444"/><text x="${L - 8}" y="${Y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">${esc(o.x)}</text>`);
  parts.push(`<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">${esc(o.y)}</text>`);
  for (const p of fin) {
    const c = SERIES_COLOURS[p.series % SERIES_COLOURS.length]!;
    parts.push(p.big ? `<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="7" fill="${c}" stroke="black"/>` : `<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="3.5" fill="${c}" fill-opacity="0.6"/>`);
  }
  o.legend.forEach((name, i) => {
    const y = T + 10 + i * 20;
    parts.push(`<circle cx="${W - R + 20}" cy="${y}" r="6" fill="${SERIES_COLOURS[i % SERIES_COLOURS.length]}" stroke="black"/><text x="${W - R + 32}" y="${y + 4}">${esc(name)}</text>`);
  });
  parts.push(`<text x="${W - R + 14}" y="${T + 20 + o.legend.length * 20}" font-size="10" fill="#555">large: mean over seeds</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * The report figures as SVG, with real text, axis ticks, legends and colour
 * keys: training progress, slices with overlays and the learnt context labels
 * as filled classes (the paper's Fig. 2 and 8), the logit distribution
 * (Fig. 3) and precision against sensitivity (Fig. 4). Image panels are
 * embedded as PNG (one pixel per voxel, drawn without smoothing); every
 * label, tick and key is SVG text. Elements carry `data-*` attributes
 * (`data-panel`, `data-legend`, `data-series`) so that tests and scripts can
 * find them.
 * @module
 */
import type { NDArray } from '@colab-ts/ndarray';
import { toTypedArray } from '@colab-ts/ndarray';
import type { Rgb } from './png.js';
import { plot, raster, rasterToPng } from './png.js';

/** Escapes text for SVG. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A colour as `#rrggbb`. @category figures */
export const hex = (c: Rgb): string => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

const r1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * About `count` tick values at 1, 2 or 5 times a power of ten covering
 * `[lo, hi]` (the values inside it), with the step.
 * @example niceTicks(0, 1) // { step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] }
 * @category figures
 */
export function niceTicks(lo: number, hi: number, count = 5): { readonly step: number; readonly values: readonly number[] } {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) return { step: 1, values: Number.isFinite(lo) ? [lo] : [] };
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
  const values: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) values.push(Number((i * step).toPrecision(15)));
  return { step, values };
}

/** A tick label: as many decimals as the step needs; exponent notation for very small or large values. */
function tickLabel(v: number, step: number, scale: number): string {
  if (v === 0) return '0';
  if (scale < 1e-3 || scale >= 1e5) return v.toExponential(Math.max(0, Math.min(3, Math.ceil(-Math.log10(step / scale) - 1e-9))));
  return v.toFixed(Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
}

/** One entry of a legend: a line (solid or dashed), a marker, or a filled swatch. */
interface LegendEntry {
  readonly label: string;
  readonly colour: string;
  readonly kind: 'line' | 'dashed' | 'marker' | 'swatch' | 'outline';
}

/** A legend (or colour key) at (x, y), one entry per row. */
function legend(parts: string[], name: string, x: number, y: number, entries: readonly LegendEntry[]): void {
  parts.push(`<g data-legend="${esc(name)}">`);
  entries.forEach((e, i) => {
    const yy = y + i * 18;
    const sw =
      e.kind === 'swatch'
        ? `<rect x="${x}" y="${yy - 6}" width="14" height="12" fill="${e.colour}" stroke="#333" stroke-width="0.5"/>`
        : e.kind === 'outline'
          ? `<rect x="${x + 1}" y="${yy - 5}" width="12" height="10" fill="none" stroke="${e.colour}" stroke-width="2"/>`
          : e.kind === 'marker'
            ? `<circle cx="${x + 7}" cy="${yy}" r="4" fill="${e.colour}"/>`
            : `<line x1="${x}" y1="${yy}" x2="${x + 14}" y2="${yy}" stroke="${e.colour}" stroke-width="2"${e.kind === 'dashed' ? ' stroke-dasharray="4 2"' : ''}/>`;
    parts.push(`<g data-entry="${esc(e.label)}" data-colour="${e.colour}">${sw}<text x="${x + 20}" y="${yy + 4}">${esc(e.label)}</text></g>`);
  });
  parts.push('</g>');
}

/** A plot frame with ticks, grid lines, axis labels and a title; returns the data-to-pixel maps. */
function axes(
  parts: string[],
  name: string,
  box: { readonly left: number; readonly top: number; readonly width: number; readonly height: number },
  xr: readonly [number, number],
  yr: readonly [number, number],
  labels: { readonly title: string; readonly x: string; readonly y: string },
): { readonly X: (v: number) => number; readonly Y: (v: number) => number } {
  const { left, top, width, height } = box;
  const X = (v: number): number => r1(left + (width * (v - xr[0])) / (xr[1] - xr[0]));
  const Y = (v: number): number => r1(top + height - (height * (v - yr[0])) / (yr[1] - yr[0]));
  parts.push(`<g data-panel="${esc(name)}">`);
  parts.push(`<text x="${left}" y="${top - 10}" font-size="14" font-weight="bold">${esc(labels.title)}</text>`);
  const xt = niceTicks(xr[0], xr[1], 8);
  const yt = niceTicks(yr[0], yr[1], 5);
  const yScale = Math.max(Math.abs(yr[0]), Math.abs(yr[1]));
  parts.push('<g data-axis="x">');
  for (const v of xt.values)
    parts.push(
      `<line x1="${X(v)}" y1="${top}" x2="${X(v)}" y2="${top + height}" stroke="#eee"/><line x1="${X(v)}" y1="${top + height}" x2="${X(v)}" y2="${top + height + 5}" stroke="#444"/><text x="${X(v)}" y="${top + height + 18}" text-anchor="middle" data-value="${v}">${tickLabel(v, xt.step, Math.max(Math.abs(xr[0]), Math.abs(xr[1])))}</text>`,
    );
  parts.push('</g><g data-axis="y">');
  for (const v of yt.values)
    parts.push(
      `<line x1="${left}" y1="${Y(v)}" x2="${left + width}" y2="${Y(v)}" stroke="#eee"/><line x1="${left - 5}" y1="${Y(v)}" x2="${left}" y2="${Y(v)}" stroke="#444"/><text x="${left - 8}" y="${Y(v) + 4}" text-anchor="end" data-value="${v}">${tickLabel(v, yt.step, yScale)}</text>`,
    );
  parts.push('</g>');
  parts.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${left + width / 2}" y="${top + height + 36}" text-anchor="middle">${esc(labels.x)}</text>`);
  const cy = top + height / 2;
  parts.push(`<text x="${left - 58}" y="${cy}" text-anchor="middle" transform="rotate(-90 ${left - 58} ${cy})">${esc(labels.y)}</text>`);
  parts.push('</g>');
  return { X, Y };
}

/** A series as polylines (split at non-finite values), each point also a `data-points` pair list. */
function series(
  parts: string[],
  name: string,
  xs: readonly number[],
  ys: readonly number[],
  X: (v: number) => number,
  Y: (v: number) => number,
  style: { readonly colour: string; readonly width?: number; readonly dashed?: boolean; readonly markers?: boolean },
): void {
  const runs: [number, number][][] = [[]];
  xs.forEach((x, i) => {
    const y = ys[i]!;
    if (Number.isFinite(y)) runs[runs.length - 1]!.push([X(x), Y(y)]);
    else if (runs[runs.length - 1]!.length > 0) runs.push([]);
  });
  parts.push(`<g data-series="${esc(name)}" data-colour="${style.colour}">`);
  for (const run of runs.filter((r) => r.length > 0))
    parts.push(
      `<polyline fill="none" stroke="${style.colour}" stroke-width="${style.width ?? 1.5}"${style.dashed === true ? ' stroke-dasharray="5 3"' : ''} points="${run.map(([a, b]) => `${a},${b}`).join(' ')}"/>`,
    );
  if (style.markers === true) for (const [a, b] of runs.flat()) parts.push(`<circle cx="${a}" cy="${b}" r="3" fill="${style.colour}"/>`);
  parts.push('</g>');
}

const svgOpen = (w: number, h: number): string[] => [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  `<rect width="${w}" height="${h}" fill="white"/>`,
];

/**
 * The smallest and largest of the numbers in `vs`, NaN skipped; `[Infinity, -Infinity]` when there are none.
 * A loop: spreading a slice of a CT volume (512 x 512 voxels) into `Math.min` overflows the call stack.
 * @category figures
 */
export function extent(vs: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * The grey-level window of an image slice, so that soft-tissue contrast shows: the 2nd and 98th
 * percentiles of the body (the voxels above the slice's minimum), of the whole slice when the body
 * has 10 voxels or fewer.
 * @category figures
 */
export function sliceWindow(slice: ArrayLike<number>): [number, number] {
  const all = Array.from(slice);
  const [floor] = extent(all);
  const body = all.filter((v) => v > floor).sort((a, b) => a - b);
  const vals = body.length > 10 ? body : all.sort((a, b) => a - b);
  return [vals[Math.floor(vals.length * 0.02)]!, vals[Math.floor(vals.length * 0.98)]!];
}

/** The range of the finite values, widened when flat; `[0, 1]` when there are none. */
function rangeOf(vs: readonly number[]): [number, number] {
  const f = vs.filter(Number.isFinite);
  if (f.length === 0) return [0, 1];
  let [lo, hi] = extent(f);
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const d = Math.max(Math.abs(hi) * 0.1, 1e-12);
    lo -= d;
    hi += d;
  }
  return [lo, hi];
}

/** A training log entry as the progress figures read it. @category figures */
export type ProgressEntry =
  | { readonly type: 'train'; readonly step: number; readonly loss: number; readonly lr: number }
  | { readonly type: 'val'; readonly step: number; readonly dice: number; readonly diceMA: number };

/** The loss's running-mean window for `n` logged steps (1: no smoothing, too few steps). @category figures */
export const lossWindow = (n: number): number => Math.max(1, Math.floor(n / 50));

/**
 * progress.svg: the training loss (per step, and its running mean once there
 * are enough steps to smooth), the validation Dice with its moving average,
 * and the learning rate, against the iteration, each with ticks and a legend
 * that names exactly the series drawn.
 * @category figures
 */
export function progressSvg(log: readonly ProgressEntry[]): string {
  const W = 760;
  const PH = 170;
  const GAP = 80;
  const left = 90;
  const width = 480;
  const tr = log.filter((e): e is Extract<ProgressEntry, { type: 'train' }> => e.type === 'train');
  const va = log.filter((e): e is Extract<ProgressEntry, { type: 'val' }> => e.type === 'val');
  const xmax = Math.max(1, ...log.map((e) => e.step));
  const parts = svgOpen(W, 3 * (PH + GAP) + 20);
  const k = lossWindow(tr.length);
  const steps = tr.map((e) => e.step);
  // Loss.
  {
    const top = 40;
    const box = { left, top, width, height: PH };
    const { X, Y } = axes(parts, 'loss', box, [0, xmax], rangeOf(tr.map((e) => e.loss)), { title: 'Training loss', x: 'iteration', y: 'loss' });
    const entries: LegendEntry[] = [];
    if (tr.length === 0) parts.push(`<text x="${left + 10}" y="${top + PH / 2}" fill="#888">no training step logged yet</text>`);
    else {
      series(
        parts,
        'loss',
        steps,
        tr.map((e) => e.loss),
        X,
        Y,
        { colour: k > 1 ? '#bbbbbb' : '#1f77b4', width: 1 },
      );
      entries.push({ label: 'loss per step', colour: k > 1 ? '#bbbbbb' : '#1f77b4', kind: 'line' });
      if (k > 1) {
        const mean = tr.map((_, i) => {
          const win = tr.slice(Math.max(0, i - k + 1), i + 1);
          return win.reduce((s, e) => s + e.loss, 0) / win.length;
        });
        series(parts, 'running mean', steps, mean, X, Y, { colour: '#1f77b4', width: 2 });
        entries.push({ label: `running mean (${k} steps)`, colour: '#1f77b4', kind: 'line' });
      }
    }
    legend(parts, 'loss', left + width + 20, top + 10, entries);
  }
  // Validation Dice.
  {
    const top = 40 + PH + GAP;
    const { X, Y } = axes(parts, 'dice', { left, top, width, height: PH }, [0, xmax], [0, 1], { title: 'Validation Dice', x: 'iteration', y: 'Dice' });
    if (va.length === 0) parts.push(`<text x="${left + 10}" y="${top + PH / 2}" fill="#888">no validation yet</text>`);
    else {
      series(
        parts,
        'dice',
        va.map((e) => e.step),
        va.map((e) => e.dice),
        X,
        Y,
        { colour: '#ff7f0e', markers: true },
      );
      series(
        parts,
        'moving average',
        va.map((e) => e.step),
        va.map((e) => e.diceMA),
        X,
        Y,
        { colour: '#2ca02c', dashed: true, width: 2 },
      );
      legend(parts, 'dice', left + width + 20, top + 10, [
        { label: 'validation Dice', colour: '#ff7f0e', kind: 'marker' },
        { label: 'moving average (5)', colour: '#2ca02c', kind: 'dashed' },
      ]);
    }
  }
  // Learning rate.
  {
    const top = 40 + 2 * (PH + GAP);
    const lrs = tr.map((e) => e.lr);
    const [lo, hi] = rangeOf(lrs);
    const { X, Y } = axes(parts, 'lr', { left, top, width, height: PH }, [0, xmax], [Math.min(0, lo), hi], {
      title: 'Learning rate (segmentation model)',
      x: 'iteration',
      y: 'learning rate',
    });
    if (tr.length > 0) {
      series(parts, 'learning rate', steps, lrs, X, Y, { colour: '#d62728' });
      legend(parts, 'lr', left + width + 20, top + 10, [{ label: 'SGD learning rate (poly)', colour: '#d62728', kind: 'line' }]);
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Colours of the context sub-classes (sub-class 0, the far background, first) and of the ROI. @category figures */
export const CONTEXT_COLOURS: readonly Rgb[] = [
  [70, 80, 110],
  [30, 190, 255],
  [80, 210, 80],
  [255, 200, 0],
  [190, 90, 255],
  [255, 130, 180],
  [130, 255, 210],
  [170, 170, 255],
];
/** The ROI's colour in every figure. @category figures */
export const ROI_COLOUR: Rgb = [220, 30, 30];
const TP_COLOUR: Rgb = [44, 160, 44];
const MISSED_COLOUR: Rgb = [255, 230, 0];

/** One case of `overlaySvg`: a `[D, H, W]` image (first channel), its ground truth, predictions and context labels. @category figures */
export interface OverlayCase {
  readonly id: string;
  readonly image: NDArray;
  readonly truth: NDArray;
  readonly predictions: readonly { readonly name: string; readonly labels: NDArray }[];
  /** Context labels `[D, H, W]` (sub-class index, 0 = far background), with a title. */
  readonly context?: { readonly name: string; readonly labels: NDArray } | undefined;
}

/** The slice index with the most ground-truth voxels (the middle one when there are none). @category figures */
export function bestSlice(truth: NDArray): number {
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

const pngUri = (png: Uint8Array): string => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

/**
 * Slices with overlays as SVG (the paper's Fig. 2 and 8): per case one row
 * of image, ground truth, each prediction (true positives green, false
 * positives red, missed ROI yellow) and the learnt context labels as filled
 * classes, every sub-class in its colour of the key (`CONTEXT_COLOURS`, the
 * far background first) and the ROI red. Panels are embedded PNGs, one pixel
 * per voxel, scaled up without smoothing.
 * @category figures
 */
export function overlaySvg(cases: readonly OverlayCase[], options: { readonly panelSize?: number } = {}): string {
  if (cases.length === 0) return `${[...svgOpen(10, 10), '</svg>'].join('\n')}\n`;
  const first = cases[0]!;
  const [, H0, W0] = first.image.shape as [number, number, number];
  const size = options.panelSize ?? 180;
  const s = size / Math.max(H0, W0);
  const pw = r1(W0 * s);
  const ph = r1(H0 * s);
  const titles = ['image', 'ground truth', ...first.predictions.map((p) => p.name), ...(first.context === undefined ? [] : [first.context.name])];
  const left = 20;
  const top = 50;
  const gap = 12;
  const rowH = ph + 28;
  const keyX = left + titles.length * (pw + gap) + 10;
  let t = 0;
  for (const c of cases) if (c.context !== undefined) for (const v of toTypedArray(c.context.labels)) t = Math.max(t, v + 1);
  const keyRows = 3 + (first.context === undefined ? 0 : t + 2);
  const parts = svgOpen(keyX + 220, Math.max(top + cases.length * rowH + 10, top + keyRows * 18 + 40));
  parts.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">Slices with the most ground truth: predictions and context labels</text>`);
  for (const [c, title] of titles.entries())
    parts.push(`<text x="${r1(left + c * (pw + gap) + pw / 2)}" y="${top - 8}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  cases.forEach((cs, row) => {
    const [, H, W] = cs.image.shape as [number, number, number];
    const d = bestSlice(cs.truth);
    const off = d * H * W;
    const img = toTypedArray(cs.image).subarray(off, off + H * W);
    const gt = toTypedArray(cs.truth).subarray(off, off + H * W);
    const [lo, hi] = sliceWindow(img);
    const grey = (i: number): Rgb => {
      const g = Math.round(255 * Math.min(1, Math.max(0, (img[i]! - lo) / Math.max(hi - lo, 1e-9))));
      return [g, g, g];
    };
    const y0 = top + row * rowH;
    const panel = (c: number, kind: string, colour: (i: number) => { readonly c: Rgb; readonly a: number } | undefined): void => {
      const r = raster(W, H);
      for (let i = 0; i < H * W; i++) {
        plot(r, i % W, Math.floor(i / W), grey(i));
        const o = colour(i);
        if (o !== undefined) plot(r, i % W, Math.floor(i / W), o.c, o.a);
      }
      const x0 = r1(left + c * (pw + gap));
      parts.push(
        `<image data-panel="${esc(kind)}" data-case="${esc(cs.id)}" x="${x0}" y="${y0}" width="${r1(W * s)}" height="${r1(H * s)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${pngUri(rasterToPng(r))}"/>`,
      );
      parts.push(`<rect x="${x0}" y="${y0}" width="${r1(W * s)}" height="${r1(H * s)}" fill="none" stroke="#888"/>`);
    };
    panel(0, 'image', () => undefined);
    panel(1, 'ground truth', (i) => (gt[i] !== 0 ? { c: ROI_COLOUR, a: 0.55 } : undefined));
    cs.predictions.forEach((p, k) => {
      const pl = toTypedArray(p.labels).subarray(off, off + H * W);
      panel(2 + k, `prediction:${p.name}`, (i) =>
        pl[i] !== 0 ? (gt[i] !== 0 ? { c: TP_COLOUR, a: 0.6 } : { c: ROI_COLOUR, a: 0.75 }) : gt[i] !== 0 ? { c: MISSED_COLOUR, a: 0.8 } : undefined,
      );
    });
    if (cs.context !== undefined) {
      const cl = toTypedArray(cs.context.labels).subarray(off, off + H * W);
      panel(2 + cs.predictions.length, 'context', (i) => ({ c: gt[i] !== 0 ? ROI_COLOUR : CONTEXT_COLOURS[cl[i]! % CONTEXT_COLOURS.length]!, a: 1 }));
    }
    parts.push(`<text x="${left}" y="${r1(y0 + ph + 16)}" font-size="11" fill="#333">${esc(cs.id)}, slice ${d}</text>`);
  });
  parts.push(`<text x="${keyX}" y="${top - 8}" font-weight="bold">Predictions</text>`);
  legend(parts, 'predictions', keyX, top + 8, [
    { label: 'true positive', colour: hex(TP_COLOUR), kind: 'swatch' },
    { label: 'false positive', colour: hex(ROI_COLOUR), kind: 'swatch' },
    { label: 'missed ROI', colour: hex(MISSED_COLOUR), kind: 'swatch' },
  ]);
  if (first.context !== undefined) {
    const y = top + 8 + 3 * 18 + 16;
    parts.push(`<text x="${keyX}" y="${y}" font-weight="bold">Context labels</text>`);
    legend(parts, 'context', keyX, y + 16, [
      { label: 'ROI (ground truth)', colour: hex(ROI_COLOUR), kind: 'swatch' },
      ...Array.from(
        { length: t },
        (_, k): LegendEntry => ({
          label: k === 0 ? 'far background (sub-class 0)' : `context sub-class ${k}`,
          colour: hex(CONTEXT_COLOURS[k % CONTEXT_COLOURS.length]!),
          kind: 'swatch',
        }),
      ),
    ]);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** One method's panel of `logitSvg`: logits `[K, D, H, W]` (ROI channel 0) of test images and their ground truth. @category figures */
export interface LogitPanel {
  readonly name: string;
  readonly logits: readonly NDArray[];
  readonly truths: readonly NDArray[];
}

/**
 * The 2D histograms of `logitSvg` and `logitFigure`: per panel, counts of ROI
 * and background voxels in `bins x bins` cells of the plane (z_1, max
 * background logit) over `[lo, hi]` (the 0.1st to 99.9th percentile of all
 * values, row-major from the lowest max background logit), and the count of
 * false-positive voxels (background with z_1 above every background logit).
 * The histograms of panels of more than `maxVoxels` voxels take every k-th voxel (a fixed stride); the count of
 * false positives takes them all.
 * @internal
 */
export function logitHistograms(
  panels: readonly LogitPanel[],
  bins: number,
  maxVoxels = 2_000_000,
): {
  readonly lo: number;
  readonly hi: number;
  readonly histograms: readonly { readonly roi: Float64Array; readonly background: Float64Array; readonly fp: number }[];
} {
  const pts = panels.map((p) => {
    const xs: number[] = [];
    const ys: number[] = [];
    const roi: boolean[] = [];
    let fp = 0;
    const total = p.logits.reduce((s, lg) => s + toTypedArray(lg).length / lg.shape[0]!, 0);
    const stride = Math.max(1, Math.ceil(total / maxVoxels));
    p.logits.forEach((lg, ci) => {
      const z = toTypedArray(lg);
      const K = lg.shape[0]!;
      const n = z.length / K;
      const gt = toTypedArray(p.truths[ci]!);
      for (let v = 0; v < n; v++) {
        let m = -Infinity;
        for (let k = 1; k < K; k++) m = Math.max(m, z[k * n + v]!);
        if (gt[v] === 0 && z[v]! > m) fp++;
        if (v % stride !== 0) continue;
        xs.push(z[v]!);
        ys.push(m);
        roi.push(gt[v] !== 0);
      }
    });
    return { xs, ys, roi, fp };
  });
  const all = pts
    .flatMap((p) => [...p.xs, ...p.ys])
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const lo = all.length === 0 ? -1 : all[Math.floor(all.length * 0.001)]!;
  const hiRaw = all.length === 0 ? 1 : all[Math.floor(all.length * 0.999)]!;
  const hi = hiRaw > lo ? hiRaw : lo + 1;
  const histograms = pts.map(({ xs, ys, roi, fp }) => {
    const h = { roi: new Float64Array(bins * bins), background: new Float64Array(bins * bins), fp };
    xs.forEach((x, i) => {
      const y = ys[i]!;
      const bx = Math.floor(((x - lo) / (hi - lo)) * bins);
      const by = Math.floor(((y - lo) / (hi - lo)) * bins);
      if (bx < 0 || by < 0 || bx >= bins || by >= bins) return;
      (roi[i] ? h.roi : h.background)[by * bins + bx]! += 1;
    });
    return h;
  });
  return { lo, hi, histograms };
}

/**
 * Visits the non-empty cells of a pair of logit histograms, background first
 * and ROI over it, with an opacity that grows with the log count (each
 * histogram scaled to its fullest cell); `by` counts up from the lowest row.
 * @internal
 */
export function histogramCells(
  roi: Float64Array,
  background: Float64Array,
  bins: number,
  draw: (bx: number, by: number, roiCell: boolean, alpha: number) => void,
): void {
  for (const [h, isRoi] of [
    [background, false],
    [roi, true],
  ] as const) {
    let mx = 0;
    for (const v of h) mx = Math.max(mx, v);
    for (let by = 0; by < bins; by++)
      for (let bx = 0; bx < bins; bx++) {
        const v = h[by * bins + bx]!;
        if (v > 0) draw(bx, by, isRoi, 0.35 + 0.65 * (Math.log1p(v) / Math.log1p(mx)));
      }
  }
}

/**
 * The logit distribution as SVG (the paper's Fig. 3): per method a 2D
 * histogram of test voxels in the plane (z_1, max background logit), ROI
 * voxels blue and background orange (opacity by log count), the decision
 * boundary z_1 = max(z_bg), ticks on both axes and the count of
 * false-positive voxels (background voxels right of the boundary).
 * @category figures
 */
export function logitSvg(panels: readonly LogitPanel[]): string {
  const size = 260;
  const bins = 130;
  const { lo, hi, histograms } = logitHistograms(panels, bins);
  const parts = svgOpen(panels.length * (size + 110) + 220, size + 110);
  const ORANGE: Rgb = [255, 127, 14];
  const BLUE: Rgb = [31, 119, 180];
  panels.forEach((p, pi) => {
    const left = 70 + pi * (size + 110);
    const top = 40;
    const { roi, background, fp } = histograms[pi]!;
    const r = raster(bins, bins);
    histogramCells(roi, background, bins, (bx, by, roiCell, alpha) => plot(r, bx, bins - 1 - by, roiCell ? BLUE : ORANGE, alpha));
    parts.push(
      `<image data-panel="histogram:${esc(p.name)}" x="${left}" y="${top}" width="${size}" height="${size}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${pngUri(rasterToPng(r))}"/>`,
    );
    const { X, Y } = axes(parts, `logits:${p.name}`, { left, top, width: size, height: size }, [lo, hi], [lo, hi], {
      title: `${p.name}: ${fp} false-positive voxels`,
      x: 'ROI logit z_1',
      y: 'max background logit',
    });
    parts.push(`<line data-series="boundary" x1="${X(lo)}" y1="${Y(lo)}" x2="${X(hi)}" y2="${Y(hi)}" stroke="black" stroke-dasharray="6 3"/>`);
  });
  const keyX = panels.length * (size + 110) + 20;
  legend(parts, 'logits', keyX, 60, [
    { label: 'ROI voxels', colour: hex(BLUE), kind: 'swatch' },
    { label: 'background voxels', colour: hex(ORANGE), kind: 'swatch' },
    { label: 'boundary z_1 = max z_bg', colour: '#000000', kind: 'dashed' },
  ]);
  parts.push(`<text x="${keyX}" y="${60 + 3 * 18 + 10}" font-size="10" fill="#555">right of the boundary: predicted ROI</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
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

/**
 * A scatter plot as SVG (real text, axis ticks, a legend): the paper's Fig. 4,
 * precision against sensitivity per method. Axes span the points with a
 * margin, ticks every 0.05 (or 0.1 on wide ranges).
 * @category figures
 */
export function scatterSvg(
  points: readonly ScatterPoint[],
  o: { readonly title: string; readonly x: string; readonly y: string; readonly legend: readonly string[] },
): string {
  const W = 640;
  const H = 480;
  const L = 70;
  const R = 200;
  const T = 40;
  const B = 60;
  const fin = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const span = (vs: number[]): [number, number] => {
    if (vs.length === 0) return [0, 1];
    let [lo, hi] = extent(vs);
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
  for (const v of ticks(x0, x1))
    parts.push(
      `<line x1="${X(v)}" y1="${H - B}" x2="${X(v)}" y2="${H - B + 5}" stroke="#444"/><text x="${X(v)}" y="${H - B + 18}" text-anchor="middle">${v.toFixed(2)}</text>`,
    );
  for (const v of ticks(y0, y1))
    parts.push(
      `<line x1="${L - 5}" y1="${Y(v)}" x2="${L}" y2="${Y(v)}" stroke="#444"/><text x="${L - 8}" y="${Y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`,
    );
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">${esc(o.x)}</text>`);
  parts.push(`<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">${esc(o.y)}</text>`);
  for (const p of fin) {
    const c = SERIES_COLOURS[p.series % SERIES_COLOURS.length]!;
    parts.push(
      p.big
        ? `<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="7" fill="${c}" stroke="black"/>`
        : `<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="3.5" fill="${c}" fill-opacity="0.6"/>`,
    );
  }
  o.legend.forEach((name, i) => {
    const y = T + 10 + i * 20;
    parts.push(
      `<circle cx="${W - R + 20}" cy="${y}" r="6" fill="${SERIES_COLOURS[i % SERIES_COLOURS.length]}" stroke="black"/><text x="${W - R + 32}" y="${y + 4}">${esc(name)}</text>`,
    );
  });
  parts.push(`<text x="${W - R + 14}" y="${T + 20 + o.legend.length * 20}" font-size="10" fill="#555">large: mean over seeds</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

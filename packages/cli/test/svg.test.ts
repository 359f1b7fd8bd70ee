/**
 * The SVG figures: ticks that are nice numbers and placed where their values
 * are, series that the ticks map back to the logged values, legends that name
 * exactly the series drawn, and a context-label map whose every voxel has the
 * colour its class has in the key.
 */
import { test } from '@fast-check/vitest';
import { array, toTypedArray } from '@colab-ts/ndarray';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProgressEntry } from '../src/index.js';
import { bestSlice, extent, figureSlab, niceTicks, overlayFigure, overlaySvg, progressSvg, sliceWindow } from '../src/index.js';
import { logitHistograms } from '../src/svg.js';
import { decodePng } from './helpers.js';

/** The part of an SVG inside `<g data-panel="name">` ... its closing tag (panels do not nest). */
function panel(svg: string, name: string): string {
  const start = svg.indexOf(`<g data-panel="${name}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  return svg.slice(start, svg.indexOf('<g data-panel=', start + 10) < 0 ? undefined : svg.indexOf('<g data-panel=', start + 10));
}

/** The (value, pixel) pairs of one axis's tick labels. */
function ticks(part: string, axis: 'x' | 'y'): [number, number][] {
  const g = part.slice(part.indexOf(`<g data-axis="${axis}">`), part.indexOf('</g>', part.indexOf(`<g data-axis="${axis}">`)));
  return [...g.matchAll(/<text x="([\d.-]+)" y="([\d.-]+)"[^>]*data-value="([^"]+)"/g)].map((m) => [
    Number(m[3]),
    axis === 'x' ? Number(m[1]) : Number(m[2]) - 4,
  ]);
}

/** The linear map from pixels back to values that the first and last tick define; checks every other tick lies on it. */
function inverse(pairs: [number, number][]): (px: number) => number {
  expect(pairs.length).toBeGreaterThanOrEqual(2);
  const [v0, p0] = pairs[0]!;
  const [v1, p1] = pairs[pairs.length - 1]!;
  const f = (px: number): number => v0 + ((px - p0) * (v1 - v0)) / (p1 - p0);
  for (const [v, p] of pairs) expect(Math.abs(f(p) - v)).toBeLessThanOrEqual(Math.abs(v1 - v0) * 1e-3);
  return f;
}

/** The points of a series' polylines, and its colour. */
function seriesOf(svg: string, name: string): { colour: string; points: [number, number][] } | undefined {
  const m = new RegExp(`<g data-series="${name.replace(/[()]/g, '\\$&')}" data-colour="([^"]+)">([\\s\\S]*?)</g>`).exec(svg);
  if (m === null) return undefined;
  const points = [...m[2]!.matchAll(/points="([^"]+)"/g)].flatMap((p) => p[1]!.split(' ').map((xy) => xy.split(',').map(Number) as [number, number]));
  return { colour: m[1]!, points };
}

/** A legend's entries: label -> colour. */
function legendOf(svg: string, name: string): Map<string, string> {
  const start = svg.indexOf(`<g data-legend="${name}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  // The legend's own closing tag is a line of its own.
  const g = svg.slice(start, svg.indexOf('\n</g>', start));
  return new Map([...g.matchAll(/<g data-entry="([^"]+)" data-colour="([^"]+)">/g)].map((m) => [m[1]!.replace(/&amp;/g, '&'), m[2]!]));
}

describe('niceTicks', () => {
  it('examples', () => {
    expect(niceTicks(0, 1)).toEqual({ step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceTicks(0.0013, 0.0101).values).toEqual([0.002, 0.004, 0.006, 0.008, 0.01]);
    expect(niceTicks(0, 2000, 8)).toEqual({ step: 200, values: [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000] });
  });

  test.prop([fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.integer({ min: 2, max: 10 })])(
    'values inside the range, one step apart, the step 1, 2 or 5 times a power of ten',
    (lo, span, count) => {
      const hi = lo + span;
      // Plots span at least a millionth of their magnitude.
      fc.pre(hi > lo && span >= 1e-6 * Math.max(1, Math.abs(lo)));
      const { step, values } = niceTicks(lo, hi, count);
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
      expect(values.length).toBeGreaterThanOrEqual(1);
      for (const v of values) expect(v >= lo - step * 1e-6 && v <= hi + step * 1e-6).toBe(true);
      for (let i = 1; i < values.length; i++) expect(Math.abs(values[i]! - values[i - 1]! - step)).toBeLessThanOrEqual(step * 1e-6);
      // No tick left out at either end.
      expect(values[0]! - step).toBeLessThan(lo + step * 1e-6);
      expect(values[values.length - 1]! + step).toBeGreaterThan(hi - step * 1e-6);
    },
  );
});

describe('progressSvg', () => {
  const log = (n: number): ProgressEntry[] => [
    ...Array.from(
      { length: n },
      (_, i): ProgressEntry => ({ type: 'train', step: i + 1, loss: 2 * Math.exp(-(i + 1) / 50) + 0.1 * (i % 3), lr: 0.01 * (1 - (i + 1) / (n + 1)) ** 0.9 }),
    ),
    ...Array.from(
      { length: Math.floor(n / 20) },
      (_, j): ProgressEntry => ({ type: 'val', step: 20 * (j + 1), dice: Math.min(1, 0.1 * (j + 1)), diceMA: Math.min(1, 0.08 * (j + 1)) }),
    ),
  ];

  it('the ticks map the loss and learning-rate polylines back to the logged values', () => {
    const entries = log(200);
    const svg = progressSvg(entries);
    const tr = entries.filter((e) => e.type === 'train');
    for (const [name, key] of [
      ['loss', 'loss'],
      ['lr', 'lr'],
    ] as const) {
      const part = panel(svg, name);
      const X = inverse(ticks(part, 'x'));
      const Y = inverse(ticks(svg.slice(svg.indexOf(`<g data-panel="${name}">`)), 'y'));
      const s = seriesOf(svg, name === 'loss' ? 'loss' : 'learning rate')!;
      expect(s.points).toHaveLength(tr.length);
      const yTicks = ticks(part, 'y').map(([v]) => v);
      const perPixel = (Math.max(...yTicks) - Math.min(...yTicks)) / 100;
      s.points.forEach(([px, py], i) => {
        expect(Math.abs(X(px) - tr[i]!.step)).toBeLessThan(0.5);
        expect(Math.abs(Y(py) - tr[i]![key])).toBeLessThan(perPixel);
      });
    }
  });

  it('legends name exactly the series drawn: the running mean only when there are steps to smooth', () => {
    const long = progressSvg(log(200));
    expect([...legendOf(long, 'loss').keys()]).toEqual(['loss per step', 'running mean (4 steps)']);
    expect(legendOf(long, 'loss').get('running mean (4 steps)')).toBe(seriesOf(long, 'running mean')!.colour);
    expect(legendOf(long, 'loss').get('loss per step')).toBe(seriesOf(long, 'loss')!.colour);
    expect([...legendOf(long, 'dice').entries()]).toEqual([
      ['validation Dice', seriesOf(long, 'dice')!.colour],
      ['moving average (5)', seriesOf(long, 'moving average')!.colour],
    ]);
    const short = progressSvg(log(3));
    expect([...legendOf(short, 'loss').keys()]).toEqual(['loss per step']);
    expect(seriesOf(short, 'running mean')).toBeUndefined();
    expect(short).toContain('no validation yet');
    // The Dice axis always spans [0, 1].
    expect(ticks(panel(long, 'dice'), 'y').map(([v]) => v)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('a non-finite loss breaks the line instead of drawing through it', () => {
    const entries = log(10).map((e) => (e.type === 'train' && e.step === 5 ? { ...e, loss: Number.NaN } : e));
    const svg = progressSvg(entries);
    const g = /<g data-series="loss"[^>]*>([\s\S]*?)<\/g>/.exec(svg)![1]!;
    expect([...g.matchAll(/<polyline/g)]).toHaveLength(2);
    expect(seriesOf(svg, 'loss')!.points).toHaveLength(9);
  });
});

describe('overlaySvg: the context-label map (Fig. 8)', () => {
  it('fills every voxel with its class colour from the key (the ROI red), on the slice with the most ground truth', () => {
    const [D, H, W] = [3, 6, 8];
    const n = D * H * W;
    const image = array(
      Float32Array.from({ length: n }, (_, i) => (i * 37) % 11),
      [D, H, W],
      'float32',
    );
    // Ground truth: a 2x2 square on slice 1 only (so slice 1 is shown), one voxel on slice 2.
    const truth = new Uint8Array(n);
    for (const [h, w] of [
      [2, 3],
      [2, 4],
      [3, 3],
      [3, 4],
    ] as const)
      truth[1 * H * W + h * W + w] = 1;
    truth[2 * H * W] = 1;
    // Context classes 0..2: by column band on slice 1, something else elsewhere.
    const context = Int32Array.from({ length: n }, (_, i) => (Math.floor(i / (H * W)) === 1 ? Math.min(2, Math.floor((i % W) / 3)) : 1));
    const svg = overlaySvg([
      {
        id: 'case a',
        image,
        truth: array(truth, [D, H, W], 'uint8'),
        predictions: [{ name: 'P', labels: array(truth, [D, H, W], 'uint8') }],
        context: { name: 'context labels', labels: array(context, [D, H, W], 'int32') },
      },
    ]);
    const key = legendOf(svg, 'context');
    expect([...key.keys()]).toEqual(['ROI (ground truth)', 'far background (sub-class 0)', 'context sub-class 1', 'context sub-class 2']);
    expect(new Set(key.values()).size).toBe(4);
    const colourOf = (label: string): [number, number, number] => {
      const h = key.get(label)!;
      return [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
    };
    const m = /<image data-panel="context" data-case="case a"[^>]*href="data:image\/png;base64,([^"]+)"/.exec(svg);
    expect(m).not.toBeNull();
    const png = decodePng(new Uint8Array(Buffer.from(m![1]!, 'base64')));
    expect([png.width, png.height]).toEqual([W, H]);
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const v = 1 * H * W + h * W + w;
        const want =
          truth[v] !== 0 ? colourOf('ROI (ground truth)') : colourOf(context[v] === 0 ? 'far background (sub-class 0)' : `context sub-class ${context[v]}`);
        expect(Array.from(png.rgb.subarray((h * W + w) * 3, (h * W + w) * 3 + 3))).toEqual(want);
      }
    expect(svg).toContain('case a, slice 1');
    // Real text for the column titles and both keys.
    for (const t of ['image', 'ground truth', 'P', 'context labels', 'Predictions', 'Context labels']) expect(svg).toContain(`>${t}</text>`);
  });
});

describe('extent and sliceWindow: the figures on CT-sized slices', () => {
  test.prop([fc.array(fc.oneof(fc.float({ noDefaultInfinity: true, noNaN: true }), fc.constant(Number.NaN)), { maxLength: 40 })])(
    'extent is the smallest and largest non-NaN value',
    (vs) => {
      const f = vs.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      expect(extent(vs)).toEqual(f.length === 0 ? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] : [f[0], f[f.length - 1]]);
    },
  );

  it('windows a 512 x 512 slice (more values than a call may take as arguments) on the body, 2nd to 98th percentile', () => {
    const [H, W] = [512, 512];
    // Air (-1000) around a 200 x 200 body whose values are 0 .. 39999: the window is [800, 39200].
    const img = new Float32Array(H * W).fill(-1000);
    for (let h = 0; h < 200; h++) for (let w = 0; w < 200; w++) img[(100 + h) * W + 100 + w] = h * 200 + w;
    expect(sliceWindow(img)).toEqual([800, 39200]);
    expect(extent(img)).toEqual([-1000, 39999]);
    const truth = new Uint8Array(H * W);
    truth[150 * W + 150] = 1;
    const c = {
      id: 'ct',
      image: array(img, [1, H, W], 'float32'),
      truth: array(truth, [1, H, W], 'uint8'),
      predictions: [{ name: 'P', labels: array(truth, [1, H, W], 'uint8') }],
      context: { name: 'context labels', labels: array(new Int32Array(H * W), [1, H, W], 'int32') },
    };
    const svg = overlaySvg([c]);
    const m = /<image data-panel="image" data-case="ct"[^>]*href="data:image\/png;base64,([^"]+)"/.exec(svg);
    expect(m).not.toBeNull();
    const png = decodePng(new Uint8Array(Buffer.from(m![1]!, 'base64')));
    const grey = (h: number, w: number): number => png.rgb[(h * W + w) * 3]!;
    // 20000 sits at (200, 200) of the body: 255 * (20000 - 800) / 38400 = 127.5, rounded to 128; air is black, the top of the body white.
    expect([grey(200, 200), grey(0, 0), grey(299, 299)]).toEqual([128, 0, 255]);
    expect(decodePng(overlayFigure([c], 1)).width).toBeGreaterThan(3 * W);
  });
});

describe('logitHistograms: large panels are subsampled, the false-positive count is not', () => {
  it('counts every false-positive voxel and histograms every k-th voxel', () => {
    const n = 1000;
    // Voxel v: z_1 = v mod 7, background logit 3; ROI where v mod 5 = 0. False positives: background with z_1 in {4, 5, 6}.
    const logits = Float32Array.from({ length: 2 * n }, (_, i) => (i < n ? i % 7 : 3));
    const truth = Uint8Array.from({ length: n }, (_, v) => (v % 5 === 0 ? 1 : 0));
    let fp = 0;
    for (let v = 0; v < n; v++) if (truth[v] === 0 && v % 7 > 3) fp++;
    const panel = { name: 'p', logits: [array(logits, [2, 1, 10, 100], 'float32')], truths: [array(truth, [1, 10, 100], 'uint8')] };
    const all = logitHistograms([panel], 16);
    const sub = logitHistograms([panel], 16, 100);
    expect(all.histograms[0]!.fp).toBe(fp);
    expect(sub.histograms[0]!.fp).toBe(fp);
    const count = (h: { roi: Float64Array; background: Float64Array }): number => [...h.roi, ...h.background].reduce((a, b) => a + b, 0);
    // Stride 10 keeps voxels 0, 10, ..., 990: 100 of them, of which those inside [lo, hi) land in a cell.
    expect(count(sub.histograms[0]!)).toBeLessThanOrEqual(100);
    expect(count(sub.histograms[0]!)).toBeGreaterThan(80);
    expect(count(all.histograms[0]!)).toBeGreaterThan(800);
  });
});

describe('figureSlab: where the figures predict', () => {
  it('crops the slab of one patch depth centred on the slice with the most ROI, clamped to the volume', () => {
    const [D, H, W] = [10, 2, 3];
    const image = array(
      Float32Array.from({ length: D * H * W }, (_, i) => i),
      [1, D, H, W],
      'float32',
    );
    const slab = (best: number, depth: number): { first: number; depth: number; truthSlice: number } => {
      const label = new Uint8Array(D * H * W);
      label.fill(1, best * H * W, best * H * W + 4); // 4 voxels on the best slice
      label[0] = 1; // and one on slice 0
      const s = figureSlab(image, array(label, [1, D, H, W], 'uint8'), depth);
      return { first: toTypedArray(s.image)[0]! / (H * W), depth: s.image.shape[1]!, truthSlice: bestSlice(s.truth) };
    };
    expect(slab(7, 4)).toEqual({ first: 5, depth: 4, truthSlice: 2 }); // slices 5..8, the best one third
    expect(slab(9, 4)).toEqual({ first: 6, depth: 4, truthSlice: 3 }); // clamped at the end
    expect(slab(1, 4)).toEqual({ first: 0, depth: 4, truthSlice: 1 }); // clamped at the start
    expect(slab(4, 16)).toEqual({ first: 0, depth: 10, truthSlice: 4 }); // deeper than the volume: all of it
  });
});

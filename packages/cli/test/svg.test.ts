/**
 * The SVG figures: ticks that are nice numbers and placed where their values
 * are, series that the ticks map back to the logged values, legends that name
 * exactly the series drawn, and a context-label map whose every voxel has the
 * colour its class has in the key.
 */
import { test } from '@fast-check/vitest';
import { array } from '@colab-ts/ndarray';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProgressEntry } from '../src/index.js';
import { niceTicks, overlaySvg, progressSvg } from '../src/index.js';
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

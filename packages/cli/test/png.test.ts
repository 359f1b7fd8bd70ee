import { describe, expect, it } from 'vitest';
import { decodePng as decode } from './helpers.js';
import { array, arrayEqual, key, normal } from '@colab-ts/ndarray';
import { crc32, decodeCheckpoint, encodeCheckpoint, encodePng, logitFigure, overlayFigure, progressFigure, raster, rasterToPng, text } from '../src/index.js';

describe('png', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips pixels through signature, IHDR, CRCs and the inflated IDAT', () => {
    const w = 7;
    const h = 5;
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + 11) % 256);
    const back = decode(encodePng(w, h, rgb));
    expect(back.width).toBe(w);
    expect(back.height).toBe(h);
    expect([...back.rgb]).toEqual([...rgb]);
  });

  it('rejects a wrong pixel count', () => {
    expect(() => encodePng(2, 2, new Uint8Array(5))).toThrow(/expected 12 bytes/);
  });

  it('draws text and figures that decode', () => {
    const r = raster(40, 12);
    text(r, 1, 1, 'DSC 0.9', [0, 0, 0]);
    expect(decode(rasterToPng(r)).rgb.some((v) => v === 0)).toBe(true);
    const prog = decode(
      progressFigure([
        { type: 'train', step: 1, loss: 1, lr: 0.01 },
        { type: 'train', step: 2, loss: 0.5, lr: 0.005 },
        { type: 'val', step: 2, dice: 0.4, diceMA: 0.4 },
      ]),
    );
    expect(prog.width).toBeGreaterThan(100);
    const img = normal(key(0), [1, 8, 8]);
    const truth = array(
      Uint8Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? 1 : 0)),
      [1, 8, 8],
      'uint8',
    );
    const ov = decode(overlayFigure([{ id: 'a', image: img, truth, predictions: [{ name: 'P', labels: truth }], context: { name: 'C', labels: truth } }]));
    expect(ov.width).toBeGreaterThan(4 * 8 * 3);
    const logits = normal(key(1), [3, 1, 8, 8]);
    expect(decode(logitFigure([{ name: 'X', logits: [logits], truths: [truth] }])).height).toBeGreaterThan(100);
  });
});

describe('checkpoint encoding', () => {
  it('round-trips trees of arrays, numbers, undefined and non-finite values bit for bit', () => {
    const tree = {
      a: normal(key(2), [3, 4]),
      b: [array(Int32Array.of(1, -2), [2], 'int32'), { c: undefined, d: Number.NaN, e: -Infinity }],
      f: 'x',
      g: normal(key(3), [2], { dtype: 'float64' }),
    };
    const back = decodeCheckpoint(encodeCheckpoint(tree)) as typeof tree;
    expect(arrayEqual(back.a, tree.a)).toBe(true);
    expect(arrayEqual(back.g, tree.g)).toBe(true);
    expect(back.g.dtype).toBe('float64');
    expect(arrayEqual(back.b[0] as never, tree.b[0] as never)).toBe(true);
    expect(back.b[1]).toEqual({ c: undefined, d: Number.NaN, e: -Infinity });
    expect(back.f).toBe('x');
    expect(() => decodeCheckpoint(new Uint8Array(20))).toThrow(/not a colab-ts checkpoint/);
  });
});

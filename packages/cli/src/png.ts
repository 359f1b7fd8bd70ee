/**
 * A small PNG encoder (8-bit RGB, filter 0, zlib from `node:zlib`) and an RGB
 * raster to draw the report figures on: no canvas dependency.
 * @module
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. @category png */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The 8-byte PNG signature. @category png */
export const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes `width x height` RGB pixels (row-major, 3 bytes per pixel) as PNG.
 * @example encodePng(2, 1, Uint8Array.of(255, 0, 0, 0, 0, 255))
 * @category png
 */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new RangeError(`encodePng: size must be positive integers, got ${width}x${height}`);
  if (rgb.length !== width * height * 3) throw new RangeError(`encodePng: expected ${width * height * 3} bytes of RGB, got ${rgb.length}`);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An RGB colour. @category raster */
export type Rgb = readonly [number, number, number];

/** A mutable RGB drawing surface (the only mutable value here: it is local to one figure). @category raster */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** A raster filled with `bg`. @category raster */
export function raster(width: number, height: number, bg: Rgb = [255, 255, 255]): Raster {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(bg, i * 3);
  return { width, height, rgb };
}

/** Sets one pixel, blending with `alpha` (clipped to the raster). @category raster */
export function plot(r: Raster, x: number, y: number, c: Rgb, alpha = 1): void {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= r.width || yi >= r.height) return;
  const o = (yi * r.width + xi) * 3;
  for (let k = 0; k < 3; k++) r.rgb[o + k] = Math.round(r.rgb[o + k]! * (1 - alpha) + c[k]! * alpha);
}

/** Fills a rectangle. @category raster */
export function fillRect(r: Raster, x0: number, y0: number, w: number, h: number, c: Rgb, alpha = 1): void {
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(r.height, Math.floor(y0 + h)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(r.width, Math.floor(x0 + w)); x++) plot(r, x, y, c, alpha);
}

/** Draws a line (DDA). @category raster */
export function line(r: Raster, x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
  const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  const h = Math.floor(width / 2);
  for (let i = 0; i <= n; i++) {
    const x = x0 + ((x1 - x0) * i) / n;
    const y = y0 + ((y1 - y0) * i) / n;
    for (let dy = -h; dy <= h; dy++) for (let dx = -h; dx <= h; dx++) plot(r, x + dx, y + dy, c);
  }
}

/** Draws a rectangle outline. @category raster */
export function strokeRect(r: Raster, x0: number, y0: number, w: number, h: number, c: Rgb): void {
  line(r, x0, y0, x0 + w - 1, y0, c);
  line(r, x0, y0 + h - 1, x0 + w - 1, y0 + h - 1, c);
  line(r, x0, y0, x0, y0 + h - 1, c);
  line(r, x0 + w - 1, y0, x0 + w - 1, y0 + h - 1, c);
}

// A 3x5 pixel font for labels: digits, upper-case letters and a little punctuation.
const FONT: Readonly<Record<string, string>> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
  A: '010101111101101',
  B: '110101110101110',
  C: '011100100100011',
  D: '110101101101110',
  E: '111100110100111',
  F: '111100110100100',
  G: '011100101101011',
  H: '101101111101101',
  I: '111010010010111',
  J: '001001001101010',
  K: '101101110101101',
  L: '100100100100111',
  M: '101111111101101',
  N: '110101101101101',
  O: '010101101101010',
  P: '110101110100100',
  Q: '010101101110011',
  R: '110101110101101',
  S: '011100010001110',
  T: '111010010010010',
  U: '101101101101111',
  V: '101101101101010',
  W: '101101111111101',
  X: '101101010101101',
  Y: '101101010010010',
  Z: '111001010100111',
  '.': '000000000000010',
  '-': '000000111000000',
  '+': '000010111010000',
  ':': '000010000010000',
  '(': '010100100100010',
  ')': '010001001001010',
  '/': '001001010100100',
  '=': '000111000111000',
  _: '000000000000111',
  ',': '000000000010100',
  '%': '101001010100101',
  ' ': '000000000000000',
};

/** Writes `text` (upper-cased) with the 3x5 font at `scale`; returns the width drawn. @category raster */
export function text(r: Raster, x: number, y: number, s: string, c: Rgb, scale = 2): number {
  let at = x;
  for (const ch of s.toUpperCase()) {
    const g = FONT[ch] ?? FONT[' ']!;
    for (let i = 0; i < 15; i++) if (g[i] === '1') fillRect(r, at + (i % 3) * scale, y + Math.floor(i / 3) * scale, scale, scale, c);
    at += 4 * scale;
  }
  return at - x;
}

/** Encodes a raster as PNG. @category raster */
export const rasterToPng = (r: Raster): Uint8Array => encodePng(r.width, r.height, r.rgb);

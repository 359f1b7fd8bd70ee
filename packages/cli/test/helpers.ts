/** A tiny phantom dataset in a temporary folder, and fast training options for the tests. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNifti, phantom, saveNifti, writePhantomDataset } from '@colab-ts/data';
import type { NDArray } from '@colab-ts/ndarray';
import { array, isNDArray, key, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/Either';
import { resetBackend, useBackend } from '@colab-ts/kernels';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, expect } from 'vitest';
import type { RunResult, TrainOptions } from '../src/index.js';
import { PNG_SIGNATURE, crc32, unexpectedErrors } from '../src/index.js';

const made: string[] = [];

/**
 * Rewrites every training image of the MSD folder `dir` as two channels (4-D NIfTI, float32): the image and
 * `second` of each voxel, and declares the channels' `modality` names in dataset.json.
 */
export async function makeTwoChannel(dir: string, modality: readonly [string, string], second: (v: number) => number): Promise<void> {
  const dj = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as { modality: Record<string, string>; training: { image: string }[] };
  dj.modality = { '0': modality[0], '1': modality[1] };
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify(dj));
  for (const t of dj.training) {
    const v = await loadNifti(join(dir, t.image));
    const d = toTypedArray(v.data);
    const two = new Float32Array(2 * d.length);
    for (let i = 0; i < d.length; i++) {
      two[i] = d[i]!;
      two[d.length + i] = second(d[i]!);
    }
    await saveNifti(join(dir, t.image), { ...v, data: array(two, [2, ...v.data.shape]) }, { datatype: 'float32' });
  }
}

/** A fresh folder under the OS temporary directory, removed by `removeTempDirs`. */
export function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `colab-ts-cli-${tag}-`));
  made.push(d);
  return d;
}

/** Removes the folders `tempDir` made (call from afterAll). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The end of a CLI test file (afterAll): no input reached run's catch-all ("this is a bug"), and the temporary folders go. */
export function finish(): void {
  try {
    expect(unexpectedErrors()).toEqual([]);
  } finally {
    removeTempDirs();
  }
}

/**
 * The fixture of a describe block on the (deterministic) reference backend:
 * before all tests a fresh folder `root` with a tiny dataset `data` of
 * `cases` phantoms; after them the backend reset and `finish`.
 */
export function onReferenceBackend(tag: string, cases = 4): { readonly root: string; readonly data: string } {
  const fx = { root: '', data: '' };
  beforeAll(async () => {
    await useBackend('reference');
    ({ dir: fx.root, data: fx.data } = await tempDataset(tag, cases));
  });
  afterAll(() => {
    resetBackend();
    finish();
  });
  return fx;
}

/** Writes `cases` 1x32x32 phantoms as an MSD folder and returns its path. */
export async function tinyDataset(dir: string, cases = 4, prefix = 'case'): Promise<string> {
  const w = await writePhantomDataset(dir, phantom(key(7), { cases, size: [1, 32, 32], prefix }))();
  if (E.isLeft(w)) throw new Error(w.left.message);
  return dir;
}

/** A fresh temporary folder `dir` (see `tempDir`) holding a tiny dataset of `cases` phantoms in `data = dir/data`. */
export async function tempDataset(tag: string, cases = 4): Promise<{ readonly dir: string; readonly data: string }> {
  const dir = tempDir(tag);
  return { dir, data: await tinyDataset(join(dir, 'data'), cases) };
}

export const fastTrain = (data: string, out: string, more: Partial<TrainOptions> = {}): TrainOptions => ({
  data,
  out,
  method: 'colab',
  t: 2,
  iterations: 4,
  batchSize: 2,
  patch: [1, 32, 32],
  seed: 3,
  lr: 0.01,
  momentum: 0.99,
  generatorLr: 3e-4,
  generatorEvery: 2,
  margin: 6,
  temperature: 4,
  features: 4,
  stages: 2,
  roiShare: 0.5,
  augment: true,
  valEvery: 100,
  valFraction: 0.25,
  resume: false,
  quiet: true,
  ...more,
});

/** Splits a PNG into chunks, checking each CRC. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  let at = 8;
  while (at < png.length) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    expect(dv.getUint32(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    out.push({ type, data });
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  return out;
}

/** Decodes an 8-bit RGB, filter-0 PNG (what `encodePng` writes) back to its pixels, checking the signature, chunk order and every CRC. */
export function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
  const cs = chunks(png);
  expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ih = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset, 13);
  const width = ih.getUint32(0);
  const height = ih.getUint32(4);
  expect([...cs[0]!.data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
  const raw = inflateSync(cs[1]!.data);
  expect(raw.length).toBe(height * (1 + 3 * width));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (1 + 3 * width)]).toBe(0);
    rgb.set(raw.subarray(y * (1 + 3 * width) + 1, (y + 1) * (1 + 3 * width)), y * width * 3);
  }
  return { width, height, rgb };
}

/**
 * An argument vector written as one command line: cmdline`train --data ${dir} --iterations 2 ${more}`.
 * The text splits at white space; each interpolated value stays one argument (a path with spaces), an
 * interpolated array spreads into its elements, and a value written right after text (`--out=${dir}`)
 * joins that word.
 */
export function cmdline(strings: TemplateStringsArray, ...values: readonly unknown[]): string[] {
  const out: string[] = [];
  let glue = false; // the next piece continues the last word
  strings.forEach((s, i) => {
    const words = s.split(/\s+/);
    words.forEach((w, k) => {
      if (w === '') return;
      if (k === 0 && glue && out.length > 0) out[out.length - 1] += w;
      else out.push(w);
    });
    if (i === values.length) return;
    const v = values[i];
    const joins = s !== '' && !/\s$/.test(s);
    if (Array.isArray(v)) out.push(...v.map(String));
    else if (joins && out.length > 0) out[out.length - 1] += String(v);
    else out.push(String(v));
    glue = !Array.isArray(v) && strings[i + 1] !== undefined && strings[i + 1] !== '' && !/^\s/.test(strings[i + 1]!);
  });
  return out;
}

/** A run's result for table tests: `method`'s usual arm name, per-case Dice only, everything else empty (`more` overrides). */
export const runResult = (method: 'baseline' | 'colab', seed: number, dice: Record<string, number>, more: Partial<RunResult> = {}): RunResult =>
  ({
    arm: method === 'colab' ? 'colab2' : 'baseline',
    method,
    t: 2,
    seed,
    trainSeconds: 0,
    bestValDice: 0,
    bestStep: 0,
    contextNmi: null,
    summary: {},
    classes: {},
    perCase: Object.entries(dice).map(([id, d]) => ({ id, class: '1', dice: d, sensitivity: 0, precision: 0, hd95: 0 })),
    ...more,
  }) as RunResult;

/** Every array of a state (parameters, optimizer moments, generator) as bytes, and every number (steps, iteration). */
export function bytesOf(tree: unknown, out: (Uint8Array | number)[] = []): (Uint8Array | number)[] {
  if (isNDArray(tree)) {
    const d = (tree as NDArray).data;
    out.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  } else if (typeof tree === 'number') out.push(tree);
  else if (Array.isArray(tree)) for (const c of tree) bytesOf(c, out);
  else if (typeof tree === 'object' && tree !== null) for (const k of Object.keys(tree).sort()) bytesOf((tree as Record<string, unknown>)[k], out);
  return out;
}

/** A tiny phantom dataset in a temporary folder, and fast training options for the tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { phantom, writePhantomDataset } from '@colab-ts/data';
import { key } from '@colab-ts/ndarray';
import * as E from 'fp-ts/Either';
import { resetBackend, useBackend } from '@colab-ts/kernels';
import { afterAll, beforeAll, expect } from 'vitest';
import type { TrainOptions } from '../src/index.js';
import { unexpectedErrors } from '../src/index.js';

const made: string[] = [];

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
    fx.root = tempDir(tag);
    fx.data = await tinyDataset(join(fx.root, 'data'), cases);
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

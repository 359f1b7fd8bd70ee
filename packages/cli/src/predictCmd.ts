/**
 * `colab-ts predict` and `colab-ts evaluate`: NIfTI label maps aligned with
 * the inputs (header and affine copied), and per-case metrics with a summary
 * that counts NaN and infinite cases.
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { largestComponentPostprocess } from '@colab-ts/colab';
import type { Volume } from '@colab-ts/data';
import type { AnyBackend } from '@colab-ts/kernels';
import { affineDistance, readNifti, spacingClose, volumeLike, writeNifti } from '@colab-ts/data';
import type { CaseRow, Row, Summary } from '@colab-ts/metrics';
import { evaluateCase, summarize, toCsv } from '@colab-ts/metrics';
import type { NDArray } from '@colab-ts/ndarray';
import { array, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { writeAtomicSync } from './checkpoint.js';
import type { Io } from './io.js';
import { CliError, lateProgress, progress } from './io.js';
import type { PredictRule } from './model.js';
import { labelsOf, normalizeImage, predictLogits } from './model.js';
import { nonFiniteCount } from './finite.js';
import { finiteJson, nnunetSummary } from './nnunetSummary.js';
import { osError, prepareOutDir } from './osErrors.js';
import { defaultMargin, loadRun } from './train.js';

const NIFTI = /\.nii(\.gz)?$/;

/** The case id of a NIfTI file name: without the extension and an nnU-Net channel suffix `_0000`. @category predict */
export const caseIdOf = (file: string): { readonly id: string; readonly channel: number | undefined } => {
  const stem = basename(file).replace(NIFTI, '');
  const m = /^(.*)_(\d{4})$/.exec(stem);
  return m === null ? { id: stem, channel: undefined } : { id: m[1]!, channel: Number(m[2]) };
};

/** NIfTI files of a folder grouped by case, channels in order. @category predict */
export function listCases(dir: string, flag: string): Map<string, string[]> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError('usage', [`${flag} ${dir}: no such folder (fix: pass a folder of .nii or .nii.gz files)`]);
  const files = readdirSync(dir)
    .filter((f) => NIFTI.test(f) && !f.startsWith('.'))
    .sort();
  if (files.length === 0) throw new CliError('data', [`${flag} ${dir}: no .nii or .nii.gz files (fix: point ${flag} at the folder that holds the images)`]);
  const out = new Map<string, string[]>();
  for (const f of files) {
    const { id } = caseIdOf(f);
    out.set(id, [...(out.get(id) ?? []), join(dir, f)]);
  }
  return out;
}

/** Whether a label map has an ROI (non-zero) voxel. */
function roiIn(labels: NDArray): boolean {
  const d = toTypedArray(labels) as ArrayLike<number>;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) return true;
  return false;
}

async function read(path: string): Promise<Volume> {
  const r = await readNifti(path)();
  if (E.isLeft(r)) throw new CliError('data', [r.left.message]);
  return r.right;
}

/** The `[C, D, H, W]` image of a case from its channel files (a 4-D file gives its channels). */
function stackChannels(vols: readonly Volume[]): NDArray {
  const parts = vols.map((v) => (v.data.shape.length === 4 ? v.data : array(toTypedArray(v.data), [1, ...v.data.shape])));
  const spatial = parts[0]!.shape.slice(1);
  const C = parts.reduce((n, p) => n + p.shape[0]!, 0);
  const out = new Float32Array(C * spatial.reduce((a, b) => a * b, 1));
  let at = 0;
  for (const p of parts) {
    const d = toTypedArray(p);
    out.set(d, at);
    at += d.length;
  }
  return array(out, [C, ...spatial], 'float32');
}

/** Options of `predict`. @category predict */
export interface PredictOptions {
  readonly run: string;
  readonly input: string;
  readonly out: string;
  readonly checkpoint: 'best' | 'latest';
  readonly mirror: boolean;
  /** How the outputs become labels (default `argmax`). */
  readonly rule?: PredictRule | undefined;
  /** Keep only the largest connected ROI component, `largestComponentPostprocess` (Section V-B4; default false). */
  readonly largestComponent?: boolean | undefined;
  /** The kernels backend to predict on (default: the registry's). */
  readonly backend?: AnyBackend | undefined;
}

/** Predicts every case of a folder and writes `CASE.nii.gz` label maps (uint8) with the input's geometry. @category predict */
export async function predict(o: PredictOptions, io: Io): Promise<{ readonly cases: readonly string[] }> {
  const { cfg, ck } = loadRun(o.run, o.checkpoint);
  const groups = listCases(o.input, '--input');
  // CASE.nii.gz label maps written over CASE.nii.gz images would destroy the inputs.
  if (resolve(o.out) === resolve(o.input))
    throw new CliError('usage', [`--out ${o.out}: is the --input folder; the label maps would overwrite the images (fix: pass another --out)`]);
  const issues: string[] = [];
  for (const [id, files] of groups) {
    const vols = await Promise.all(files.map(read));
    const C = vols.reduce((n, v) => n + (v.data.shape.length === 4 ? v.data.shape[0]! : 1), 0);
    if (C !== cfg.inChannels)
      issues.push(
        `case ${id}: ${C} image channel(s), the model takes ${cfg.inChannels} (fix: give one file per channel as ${id}_0000.nii.gz, ${id}_0001.nii.gz, ...)`,
      );
    vols.forEach((v, i) => {
      const bad = nonFiniteCount(v.data);
      if (bad > 0)
        issues.push(
          `case ${id}: ${files[i]} has ${bad} NaN or infinite voxel(s), which would spread through the network (fix: replace them, e.g. with the image minimum, before predicting)`,
        );
    });
  }
  if (issues.length > 0) throw new CliError('data', issues);
  prepareOutDir(o.out, '--out');
  const bar = progress(io, 'predict', groups.size, 'case');
  let done = 0;
  const empty: string[] = [];
  for (const [id, files] of groups) {
    const vols = await Promise.all(files.map(read));
    const image = normalizeImage(stackChannels(vols), cfg.normalization);
    const logits = await predictLogits(ck.state.theta, image, cfg.patch, { mirror: o.mirror, backend: o.backend });
    const predicted = labelsOf(logits, cfg.classes, o.rule ?? 'argmax');
    const labels = o.largestComponent === true ? largestComponentPostprocess(predicted) : predicted;
    const ref = vols[0]!;
    const spatial = ref.data.shape.slice(-3);
    const lab = array(Uint8Array.from(toTypedArray(labels)), spatial, 'uint8');
    if (!roiIn(lab)) empty.push(id);
    const w = await writeNifti(join(o.out, `${id}.nii.gz`), volumeLike(ref.data.shape.length === 4 ? { ...ref, data: lab } : ref, lab), {
      datatype: 'uint8',
    })();
    if (E.isLeft(w)) throw osError(w.left) ?? new CliError('runtime', [w.left.message]);
    bar.update(++done, id);
  }
  bar.finish();
  if (empty.length > 0) {
    const which =
      empty.length === groups.size
        ? `any of the ${groups.size} case(s)`
        : `${empty.length} of ${groups.size} case(s): ${empty.slice(0, 5).join(', ')}${empty.length > 5 ? ', ...' : ''}`;
    io.stderr(
      `colab-ts predict: warning: the ${o.checkpoint} checkpoint predicted no ROI voxel in ${which} (fix: check the run's validation Dice in log.jsonl; train longer, or try --checkpoint ${o.checkpoint === 'best' ? 'latest' : 'best'})\n`,
    );
  }
  return { cases: [...groups.keys()] };
}

/** Options of `evaluate`. @category evaluate */
export interface EvaluateOptions {
  readonly pred: string;
  readonly gt: string;
  readonly out: string;
  /** Percentile of the robust Hausdorff distance (95 for HD95). */
  readonly percentile: number;
  /** False positives farther than this (mm) from the ROI count as far (default: per case, the margin `train` uses for its grid, `defaultMargin`). */
  readonly farBeyond?: number | undefined;
}

/** The summary columns and how the table names them. @category evaluate */
export const SUMMARY_COLUMNS = [
  ['dice', 'DSC'],
  ['sensitivity', 'SEN'],
  ['precision', 'PRC'],
  ['robustHausdorff', 'HD95'],
] as const;

/** What `evaluate` returns: the rows and a summary per class and column. @category evaluate */
export interface Evaluation {
  readonly rows: readonly CaseRow[];
  readonly summary: Readonly<Record<string, Readonly<Record<string, Summary>>>>;
}

/** Per-case metrics of label maps against ground truth (binary: every non-zero label is the ROI); `onCase` hears of each case scored; with `far`, also `farFp` beyond `far.beyond` mm (default: each case's `defaultMargin`). @category evaluate */
export function evaluateVolumes(
  cases: readonly { readonly id: string; readonly pred: NDArray; readonly truth: NDArray; readonly spacing: readonly number[] }[],
  percentile = 95,
  onCase?: (done: number) => void,
  far?: { readonly beyond?: number | undefined },
): Evaluation {
  const classesSeen = new Set<number>();
  for (const c of cases) for (const v of toTypedArray(c.truth)) if (v !== 0) classesSeen.add(v);
  const multi = classesSeen.size > 1;
  const classes = [...classesSeen].sort((a, b) => a - b);
  const rows = cases.flatMap((c, i) => {
    const farBeyond = far === undefined ? undefined : (far.beyond ?? defaultMargin(c.truth.shape, c.spacing as [number, number, number]).margin);
    const r = evaluateCase(c.pred, c.truth, {
      spacing: c.spacing,
      caseId: c.id,
      percentile,
      ...(multi ? { classes } : {}),
      ...(farBeyond === undefined ? {} : { farBeyond }),
    });
    onCase?.(i + 1);
    return r;
  });
  const summary: Record<string, Record<string, Summary>> = {};
  for (const cls of [...new Set(rows.map((r) => r.class))]) {
    const rs = rows.filter((r) => r.class === cls);
    const keys: string[] = [...SUMMARY_COLUMNS.map(([k]) => k), ...(far === undefined ? [] : ['farFp'])];
    summary[cls] = Object.fromEntries(keys.map((k) => [k, summarize(rs.map((r) => r[k] as number))]));
  }
  return { rows, summary };
}

/** `mean ± std` with the count of NaN/infinite cases left out. @category evaluate */
export const showSummary = (s: Summary, digits = 3): string =>
  `${Number.isNaN(s.mean) ? 'n/a' : s.mean.toFixed(digits)} ± ${Number.isNaN(s.std) ? 'n/a' : s.std.toFixed(digits)}${s.nNaN + s.nInfinite > 0 ? ` (${s.nNaN + s.nInfinite} NaN/inf)` : ''}`;

/** Evaluates a folder of predictions against a folder of ground truth; writes metrics.csv, summary.json (nnU-Net's layout) and statistics.json. @category evaluate */
export async function evaluate(o: EvaluateOptions, io: Io): Promise<Evaluation> {
  const preds = listCases(o.pred, '--pred');
  const gts = listCases(o.gt, '--gt');
  const issues: string[] = [];
  for (const id of gts.keys())
    if (!preds.has(id)) issues.push(`case ${id}: no prediction in ${o.pred} (fix: run colab-ts predict on every case, or remove it from --gt)`);
  for (const id of preds.keys())
    if (!gts.has(id)) issues.push(`case ${id}: no ground truth in ${o.gt} (fix: add ${id}.nii.gz to --gt, or remove the prediction)`);
  const loaded: { id: string; pred: NDArray; truth: NDArray; spacing: readonly number[] }[] = [];
  const warnings: string[] = [];
  const files = new Map<string, { prediction: string; reference: string }>();
  const bar = progress(io, 'evaluate', gts.size, 'case');
  for (const [id, [gtFile]] of gts) {
    if (!preds.has(id)) continue;
    const [p, t] = await Promise.all([read(preds.get(id)![0]!), read(gtFile!)]);
    if (p.data.shape.join() !== t.data.shape.join()) {
      issues.push(
        `case ${id}: prediction shape [${p.data.shape.join(',')}] != ground truth [${t.data.shape.join(',')}] (fix: predict from the images of the same cases)`,
      );
      continue;
    }
    // Same grid size is not the same grid: a shifted or re-spaced prediction would score as if aligned.
    if (!spacingClose(p.spacing, t.spacing)) {
      issues.push(
        `case ${id}: prediction spacing [${p.spacing.join(', ')}] mm != ground truth [${t.spacing.join(', ')}] mm (fix: predict from the images the ground truth was drawn on, or resample the prediction onto its grid)`,
      );
      continue;
    }
    const dist = affineDistance(t.affine, p.affine);
    if (!(dist <= 1e-3)) {
      issues.push(
        `case ${id}: prediction affine (origin or orientation) differs from the ground truth's by up to ${+dist.toFixed(4)} (fix: predict from the images the ground truth was drawn on, or copy their header geometry)`,
      );
      continue;
    }
    if (!roiIn(p.data)) warnings.push(`case ${id}`);
    loaded.push({ id, pred: p.data, truth: t.data, spacing: t.spacing });
    files.set(id, { prediction: preds.get(id)![0]!, reference: gtFile! });
    bar.update(loaded.length, id);
  }
  if (issues.length > 0) throw new CliError('data', issues);
  bar.finish();
  // Surface distances on large volumes take a while per case (a Decathlon CT: seconds to a minute).
  const scoring = lateProgress(io, 'scoring', loaded.length, 'case');
  const ev = evaluateVolumes(loaded, o.percentile, (done) => scoring.update(done), { beyond: o.farBeyond });
  scoring.finish();
  if (warnings.length > 0)
    io.stderr(
      `colab-ts evaluate: warning: ${warnings.length} of ${loaded.length} prediction(s) are empty (no ROI voxel): ${warnings.slice(0, 5).join(', ')}${warnings.length > 5 ? ', ...' : ''}; they score DSC 0 against a non-empty ground truth (fix: check that --pred holds the label maps of a trained run)\n`,
    );
  prepareOutDir(o.out, '--out');
  writeAtomicSync(join(o.out, 'metrics.csv'), toCsv(ev.rows as readonly Row[]));
  // nnU-Net's layout in summary.json; the richer statistics (std, median, quartiles, NaN and infinite counts) beside it.
  writeAtomicSync(join(o.out, 'summary.json'), finiteJson(nnunetSummary(ev.rows, files)));
  writeAtomicSync(join(o.out, 'statistics.json'), finiteJson(ev.summary));
  for (const [cls, s] of Object.entries(ev.summary)) {
    io.stdout(`class ${cls} (${loaded.length} cases)\n`);
    for (const [k, name] of SUMMARY_COLUMNS) io.stdout(`  ${name.padEnd(5)} ${showSummary(s[k]!)}\n`);
    const beyond = [...new Set(ev.rows.filter((r) => r.class === cls).map((r) => r.farBeyond as number))];
    const at = beyond.length === 1 ? `${beyond[0]} mm` : `${Math.min(...beyond)}-${Math.max(...beyond)} mm`;
    io.stdout(
      `  FarFP ${showSummary(s.farFp!, 1)} voxels (false positives farther than ${at} from the ROI${o.farBeyond === undefined ? ": train's default margin m" : ''})\n`,
    );
  }
  io.stdout(`wrote ${join(o.out, 'metrics.csv')}, ${join(o.out, 'summary.json')} (nnU-Net layout) and ${join(o.out, 'statistics.json')}\n`);
  return ev;
}

/**
 * `colab-ts export-dataset`: a dataset folder (MSD or nnU-Net v2) as an
 * nnU-Net v2 raw dataset (`DatasetNNN_NAME/imagesTr/CASE_0000.nii.gz`,
 * `labelsTr/CASE.nii.gz`, `imagesTs/`, `dataset.json` with `channel_names`,
 * `labels`, `numTraining`, `file_ending`; `contextTr/` kept for the anatomy
 * baseline), plus `colab.json`: the CoLab training configuration (t, the
 * soft dilated mask's margin and temperature in mm and in voxels, the
 * optimizers and schedules) of a run, or the defaults `train` would resolve.
 * @module
 */
import type { ArgsOf } from './args.js';
import type { exportDatasetSpec } from './main.js';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Volume } from '@colab-ts/data';
import { readNifti, volumeLike, writeNifti } from '@colab-ts/data';
import { array, toTypedArray } from '@colab-ts/ndarray';
import * as E from 'fp-ts/lib/Either.js';
import { writeAtomicSync } from './checkpoint.js';
import type { Io } from './io.js';
import { CliError } from './io.js';
import type { RunConfig } from './model.js';
import { osError, prepareOutDir } from './osErrors.js';
import { readRunConfig } from './runFiles.js';
import { defaultGeneratorSchedule, defaultMargin, defaultSgdSchedule, openOrFail } from './train.js';

/**
 * Options of `exportDataset`: the `export-dataset` flags as decoded (`data`,
 * `out`, the nnU-Net dataset `id`, an optional `name` and `run` folder whose
 * config.json gives the CoLab settings, else `iterations` and `t`).
 * @category interop
 */
export type ExportDatasetOptions = ArgsOf<typeof exportDatasetSpec>;

const endingOf = (f: string): string => (f.endsWith('.nii.gz') ? '.nii.gz' : f.endsWith('.nii') ? '.nii' : '');

async function read(path: string): Promise<Volume> {
  const r = await readNifti(path)();
  if (E.isLeft(r)) throw new CliError('data', [r.left.message]);
  return r.right;
}

/** Writes `ID_CCCC` + ending, one file per channel, of a case's image files (one per channel: copied; one 4-D file: split). */
async function writeChannels(files: readonly string[], channels: number, dir: string, id: string, ending: string): Promise<void> {
  const target = (c: number): string => join(dir, `${id}_${String(c).padStart(4, '0')}${ending}`);
  const write = async (path: string, v: Volume, data: Volume['data']): Promise<void> => {
    const w = await writeNifti(path, volumeLike(v, data), { datatype: 'float32' })();
    if (E.isLeft(w)) throw osError(w.left) ?? new CliError('runtime', [w.left.message]);
  };
  if (files.length === channels) {
    for (const [c, f] of files.entries()) {
      if (endingOf(f) === ending) copyFileSync(f, target(c));
      else {
        const v = await read(f);
        await write(target(c), v, v.data);
      }
    }
    return;
  }
  const v = await read(files[0]!);
  const spatial = v.data.shape.slice(-3);
  const n = spatial.reduce((a, b) => a * b, 1);
  const d = toTypedArray(v.data);
  for (let c = 0; c < channels; c++)
    await write(target(c), v, array(Float32Array.from(d.subarray(c * n, (c + 1) * n) as ArrayLike<number>), spatial, 'float32'));
}

/** The CoLab settings of colab.json, in the paper's terms (t, m, tau) with units. @category interop */
export function colabSettings(
  cfg: Pick<
    RunConfig,
    | 'method'
    | 't'
    | 'margin'
    | 'temperature'
    | 'generatorLr'
    | 'generatorEvery'
    | 'lr'
    | 'momentum'
    | 'iterations'
    | 'patch'
    | 'batchSize'
    | 'deepSupervision'
    | 'roiShare'
    | 'contextShares'
  >,
  spacing: readonly number[],
): Record<string, unknown> {
  const s = Math.min(spacing[1] ?? 1, spacing[2] ?? 1);
  const vox = (mm: number): number => Math.round((mm / s) * 100) / 100;
  return {
    method: cfg.method,
    context_classes_t: cfg.t,
    // --method fixed: the constant context labels (an ablation, not in the paper)
    ...(cfg.contextShares === undefined ? {} : { context_shares: cfg.contextShares }),
    soft_dilated_mask: {
      margin_mm: cfg.margin,
      temperature_mm: cfg.temperature,
      margin_voxels: vox(cfg.margin),
      temperature_voxels: vox(cfg.temperature),
      in_plane_spacing_mm: s,
      equation: 'M = 1 where d <= m, exp(-(d - m) / tau) beyond (Eq. 8)',
    },
    task_generator: { optimizer: 'Adam', lr: cfg.generatorLr, update_every_iterations: cfg.generatorEvery, meta_gradient: 'exact (forward-over-reverse)' },
    segmentation: {
      optimizer: 'SGD',
      nesterov: true,
      lr: cfg.lr,
      momentum: cfg.momentum,
      lr_schedule: 'poly, exponent 0.9',
      loss: 'cross-entropy + soft Dice',
      deep_supervision: cfg.deepSupervision === true,
    },
    iterations: cfg.iterations,
    patch_size: cfg.patch,
    batch_size: cfg.batchSize,
    roi_share: cfg.roiShare,
  };
}

/**
 * Writes `OUT/DatasetNNN_NAME/` (nnU-Net v2 raw) and `OUT/DatasetNNN_NAME/colab.json`.
 * @category interop
 */
export async function exportDataset(o: ExportDatasetOptions, io: Io): Promise<{ readonly dir: string }> {
  const ds = await openOrFail(o.data);
  const name = (o.name ?? ds.name).replace(/[^A-Za-z0-9_]/g, '') || 'colabts';
  const dir = join(o.out, `Dataset${String(o.id).padStart(3, '0')}_${name}`);
  const ending = endingOf(ds.training[0]?.label ?? '.nii.gz') || '.nii.gz';
  const issues = ds.training
    .filter((c) => endingOf(c.label) !== ending)
    .map((c) => `case ${c.id}: ${c.label} is not ${ending} like the others (fix: store every label map as ${ending})`);
  if (issues.length > 0) throw new CliError('data', issues);
  if (existsSync(join(dir, 'dataset.json'))) throw new CliError('usage', [`--out ${o.out}: ${dir} already holds a dataset (fix: pass another --out or --id)`]);
  for (const sub of [
    'imagesTr',
    'labelsTr',
    ...(ds.test.length > 0 ? ['imagesTs'] : []),
    ...(ds.training.some((c) => c.context !== undefined) ? ['contextTr'] : []),
  ])
    prepareOutDir(join(dir, sub), '--out');
  for (const c of ds.training) {
    await writeChannels(c.images, c.channels, join(dir, 'imagesTr'), c.id, ending);
    copyFileSync(c.label, join(dir, 'labelsTr', `${c.id}${ending}`));
    if (c.context !== undefined) copyFileSync(c.context, join(dir, 'contextTr', `${c.id}${endingOf(c.context) || ending}`));
  }
  for (const c of ds.test) await writeChannels(c.images, c.images.length > 1 ? c.images.length : ds.channelNames.length, join(dir, 'imagesTs'), c.id, ending);
  const datasetJson = {
    name,
    description: `exported by colab-ts export-dataset from ${ds.name}`,
    channel_names: Object.fromEntries(ds.channelNames.map((n, i) => [String(i), n])),
    labels: ds.labels,
    // colab-ts's own key (nnU-Net ignores it), value -> name as its reader expects.
    ...(ds.contextLabels === undefined ? {} : { context_labels: Object.fromEntries(Object.entries(ds.contextLabels).map(([k, v]) => [String(v), k])) }),
    numTraining: ds.training.length,
    file_ending: ending,
  };
  writeAtomicSync(join(dir, 'dataset.json'), `${JSON.stringify(datasetJson, null, 2)}\n`);
  const first = ds.training[0]!;
  const cfg =
    o.run !== undefined
      ? readRunConfig(join(o.run, 'config.json'), 'point --run at a folder written by colab-ts train')
      : (() => {
          const g = defaultMargin(first.shape, first.spacing as [number, number, number]);
          const sch = defaultGeneratorSchedule(o.iterations);
          return {
            method: 'colab' as const,
            t: o.t,
            margin: g.margin,
            temperature: g.temperature,
            generatorLr: sch.generatorLr,
            generatorEvery: sch.generatorEvery,
            ...defaultSgdSchedule(o.iterations),
            iterations: o.iterations,
            patch: [Math.min(first.shape[0], 16), 64, 64] as [number, number, number],
            batchSize: 4,
            deepSupervision: false,
            roiShare: 0.5,
          };
        })();
  const colab = {
    dataset: `Dataset${String(o.id).padStart(3, '0')}_${name}`,
    ...colabSettings(cfg, first.spacing),
    nnunet_commands: [`nnUNetv2_plan_and_preprocess -d ${o.id} --verify_dataset_integrity`, `nnUNetv2_train ${o.id} 3d_fullres 0`],
    note: "The CoLab settings in the paper's terms (t, m, tau). nnUNetv2_train trains the baseline; CoLab needs a trainer that implements Algorithm 1 with these settings. Bring its weights back with colab_unet.py from-nnunet and colab-ts import (docs/scale.md).",
  };
  writeAtomicSync(join(dir, 'colab.json'), `${JSON.stringify(colab, null, 2)}\n`);
  io.stdout(`wrote ${dir}: ${ds.training.length} training and ${ds.test.length} test case(s), dataset.json and colab.json\n`);
  return { dir };
}

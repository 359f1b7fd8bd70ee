/**
 * The `colab-ts` command: its sub-commands' specs, decoding into typed
 * options, and `run(argv, io, signal)`, which returns the exit code
 * (0 success, 1 runtime failure, 2 usage or data error, 130 interrupted).
 * @module
 */
import { availableBackends, useBackend } from '@colab-ts/kernels';
import * as E from 'fp-ts/lib/Either.js';
import type { ArgValues, CommandSpec } from './args.js';
import { closest, decodeArgs, helpText, showArgIssue } from './args.js';
import { demo } from './demo.js';
import type { Io } from './io.js';
import { CliError, EXIT } from './io.js';
import type { Method, PredictRule } from './model.js';
import { METHODS } from './model.js';
import { osError } from './osErrors.js';
import { evaluate, predict } from './predictCmd.js';
import { train } from './train.js';
import { experiment, parseArms } from './experiment.js';
import { exportRun, importRun } from './interop.js';
import { exportDataset } from './exportDataset.js';
import { phantom, writePhantomDataset } from '@colab-ts/data';
import { key } from '@colab-ts/ndarray';

const backendFlag = { name: 'backend', kind: 'enum', values: availableBackends, help: 'Kernel backend (default: the registry default, or COLAB_TS_BACKEND)' } as const;

/** `colab-ts train`. @category commands */
export const trainSpec: CommandSpec = {
  name: 'train',
  summary: 'train a segmentation model with CoLab or a baseline on a dataset folder',
  description: 'Writes a run folder: config.json, latest.ckpt and best.ckpt, log.jsonl and progress.png. Ctrl-C saves a checkpoint; --resume continues it to the same result as an uninterrupted run.',
  flags: [
    { name: 'data', kind: 'string', required: true, meta: 'DIR', help: 'Dataset folder (Medical Segmentation Decathlon or nnU-Net v2)' },
    { name: 'out', kind: 'string', required: true, meta: 'RUN', help: 'Run folder to write' },
    { name: 'method', kind: 'enum', values: METHODS, default: 'colab', help: 'What the background is split with' },
    { name: 't', kind: 'int', min: 1, default: 2, help: 'Context classes t (anatomy: from the context maps)' },
    { name: 'iterations', kind: 'int', min: 1, default: 1000, help: 'Training iterations' },
    { name: 'batch-size', kind: 'int', min: 1, default: 4, help: 'Patches per iteration' },
    { name: 'patch', kind: 'triple', min: 1, help: 'Patch D,H,W (default: the image up to 16,64,64)' },
    { name: 'seed', kind: 'int', min: 0, default: 0, help: 'Seed of every random draw' },
    { name: 'lr', kind: 'number', min: 0, exclusiveMin: true, help: "SGD learning rate, poly decay (default: 0.05 below 20,000 iterations, else nnU-Net's 0.01)" },
    { name: 'momentum', kind: 'number', min: 0, max: 1, exclusiveMax: true, help: "Nesterov momentum (default: 0.9 below 20,000 iterations, else nnU-Net's 0.99)" },
    { name: 'generator-lr', kind: 'number', min: 0, help: 'Adam learning rate of the task generator (default: 3e-4 * sqrt(40000 / generator updates), at most 1e-2)' },
    { name: 'generator-every', kind: 'int', min: 1, help: "Update the generator every K iterations (default 5, the authors')" },
    { name: 'margin', kind: 'number', min: 0, help: "Margin m of the soft dilated mask, in mm (default: the paper's 30 voxels at 256 px in-plane, scaled to the image)" },
    { name: 'temperature', kind: 'number', min: 0, exclusiveMin: true, help: "Temperature tau of the soft dilated mask, in mm (default: the paper's 20 voxels at 256 px, scaled likewise)" },
    { name: 'features', kind: 'int', min: 1, default: 8, help: 'U-Net features of the first stage' },
    { name: 'stages', kind: 'int', min: 2, default: 3, help: 'U-Net resolution stages' },
    { name: 'roi-share', kind: 'number', min: 0, max: 1, default: 0.5, help: 'Share of patches centred on the ROI' },
    { name: 'augment', kind: 'bool', default: true, help: 'Mirroring and intensity augmentation' },
    { name: 'background', kind: 'enum', values: ['uniform', 'body'], default: 'uniform', help: 'Where the patches not forced onto the ROI come from: anywhere, or centred on the body (bodyMask)' },
    { name: 'deep-supervision', kind: 'bool', default: false, help: "nnU-Net's deep supervision (weights 1/2^k, the lowest level 0; needs --stages >= 3 to matter)" },
    { name: 'val-every', kind: 'int', min: 1, default: 50, help: 'Validate (and checkpoint) every K iterations' },
    { name: 'val-fraction', kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.2, help: 'Share of the training cases held out for validation' },
    { name: 'resume', kind: 'bool', default: false, help: 'Continue the run in --out from latest.ckpt' },
    backendFlag,
  ],
  examples: ['colab-ts train --data Task03_Liver --method colab --t 2 --out runs/colab', 'colab-ts train --data Task03_Liver --out runs/colab --resume'],
};

/** `colab-ts predict`. @category commands */
export const predictSpec: CommandSpec = {
  name: 'predict',
  summary: 'write NIfTI label maps for a folder of images with a trained run',
  description: 'One CASE.nii.gz (uint8) per case, with the input header and affine, so viewers overlay it on the image. Multi-channel cases: CASE_0000.nii.gz, CASE_0001.nii.gz, ...',
  flags: [
    { name: 'run', kind: 'string', required: true, meta: 'DIR', help: 'Run folder written by colab-ts train' },
    { name: 'input', kind: 'string', required: true, meta: 'DIR', help: 'Folder of .nii/.nii.gz images' },
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Folder for the label maps' },
    { name: 'checkpoint', kind: 'enum', values: ['best', 'latest'], default: 'best', help: 'Which checkpoint' },
    { name: 'mirror', kind: 'bool', default: false, help: 'Mirroring test-time augmentation' },
    { name: 'rule', kind: 'enum', values: ['argmax', 'roi-vs-summed-background'], default: 'argmax', help: "How the c - 1 + t outputs become labels: argmax over all (the authors'), or ROI against the summed background sub-classes" },
    backendFlag,
  ],
  examples: ['colab-ts predict --run runs/colab --input Task03_Liver/imagesTs --out preds'],
};

/** `colab-ts evaluate`. @category commands */
export const evaluateSpec: CommandSpec = {
  name: 'evaluate',
  summary: 'score label maps against ground truth (DSC, SEN, PRC, HD95)',
  description: "Writes metrics.csv (one row per case and class), summary.json in nnU-Net v2's layout (metric_per_case, mean, foreground_mean; undefined values are null and counted in undefined_counts) and statistics.json (mean, std, median, quartiles, NaN and infinite counts).",
  flags: [
    { name: 'pred', kind: 'string', required: true, meta: 'DIR', help: 'Folder of predicted label maps' },
    { name: 'gt', kind: 'string', required: true, meta: 'DIR', help: 'Folder of ground-truth label maps (same file names)' },
    { name: 'out', kind: 'string', meta: 'DIR', help: 'Where to write metrics.csv, summary.json and statistics.json (default: --pred)' },
    { name: 'percentile', kind: 'number', min: 0, max: 100, default: 95, help: 'Percentile of the robust Hausdorff distance' },
  ],
  examples: ['colab-ts evaluate --pred preds --gt Task03_Liver/labelsTs'],
};

/** `colab-ts demo`. @category commands */
export const demoSpec: CommandSpec = {
  name: 'demo',
  summary: 'baseline vs CoLab on synthetic abdominal-CT phantoms, end to end',
  description: 'Generates phantoms (liver tumours with look-alikes outside the liver), trains the baseline and CoLab (t = 2) with the same budget, evaluates both on held-out phantoms and writes a report (results.json, table.md, figures/).',
  flags: [
    { name: 'out', kind: 'string', default: 'colab-ts-demo', meta: 'DIR', help: 'Report folder' },
    { name: 'cases', kind: 'int', min: 2, default: 20, help: 'Training phantoms (a fifth validate)' },
    { name: 'test-cases', kind: 'int', min: 1, default: 20, help: 'Held-out test phantoms' },
    { name: 'size', kind: 'triple', min: 1, default: [1, 64, 64], help: 'Phantom size D,H,W (D = 1: 2D)' },
    { name: 'iterations', kind: 'int', min: 1, default: 2000, help: 'Training iterations per method (context labels pay off once training converges; see docs/results.md)' },
    { name: 'patch', kind: 'triple', min: 1, help: 'Training patch D,H,W (default: up to 8,32,32); inference slides it over the image' },
    { name: 'batch-size', kind: 'int', min: 1, default: 4, help: 'Patches per iteration' },
    { name: 'features', kind: 'int', min: 1, default: 8, help: 'U-Net features of the first stage' },
    { name: 't', kind: 'int', min: 1, default: 2, help: 'CoLab context classes' },
    { name: 'lr', kind: 'number', min: 0, exclusiveMin: true, help: 'SGD learning rate, poly decay (default: as train)' },
    { name: 'momentum', kind: 'number', min: 0, max: 1, exclusiveMax: true, help: 'Nesterov momentum (default: as train)' },
    { name: 'seed', kind: 'int', min: 0, default: 0, help: 'Seed' },
    { name: 'generator-lr', kind: 'number', min: 0, help: 'Adam learning rate of the task generator (default: as train)' },
    { name: 'generator-every', kind: 'int', min: 1, help: 'Update the generator every K iterations (default: as train)' },
    backendFlag,
  ],
  examples: ['colab-ts demo', 'colab-ts demo --size 16,96,96 --iterations 2000 --out big-demo'],
};

/** `colab-ts experiment`. @category commands */
export const experimentSpec: CommandSpec = {
  name: 'experiment',
  summary: "the paper's Table I protocol: every method, N seeds, one budget, one report",
  description: 'Trains each method (baseline, anatomy when contextTr maps exist, k-means, dilated mask, CoLab t = 2 and 3) for each seed with the same budget, predicts the test cases and scores them. Writes table.md, results.csv, results.json and figures/ (Fig. 3, 4, 8). Rerun the same command to resume: finished runs are skipped.',
  flags: [
    { name: 'data', kind: 'string', required: true, meta: 'DIR', help: 'Dataset folder (Medical Segmentation Decathlon or nnU-Net v2)' },
    { name: 'test', kind: 'string', meta: 'DIR', help: 'Labelled dataset folder of test cases (default: hold out --test-fraction of --data)' },
    { name: 'test-fraction', kind: 'number', min: 0, exclusiveMin: true, max: 1, exclusiveMax: true, default: 0.3, help: 'Share of the cases held out for testing without --test (the last by id)' },
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Report folder (runs/, table.md, results.*, figures/)' },
    { name: 'methods', kind: 'string', default: 'baseline,anatomy,kmeans,dilated,colab,colab3', help: 'Comma-separated arms: baseline, anatomy, kmeans[T], dilated, colab[T] (colab = t 2)' },
    { name: 'seeds', kind: 'int', min: 1, default: 2, help: 'Seeds per method' },
    { name: 'first-seed', kind: 'int', min: 0, default: 0, help: 'The first seed' },
    ...trainSpec.flags.filter((f) => !['data', 'out', 'method', 't', 'seed', 'resume'].includes(f.name)),
  ],
  examples: ['colab-ts experiment --data Task03_Liver --out exp/liver --iterations 2000', 'colab-ts experiment --data phantoms --test phantoms-test --methods baseline,colab --seeds 3 --out exp/p'],
};

/** `colab-ts phantoms`. @category commands */
export const phantomsSpec: CommandSpec = {
  name: 'phantoms',
  summary: 'write a synthetic abdominal-CT phantom cohort as a dataset folder',
  description: 'Liver tumours with look-alikes outside the liver (the failure mode CoLab addresses), organ maps in contextTr/ as human-defined context labels. --roi liver+tumour gives two ROI classes (1 liver, 2 tumour), as the Decathlon liver task.',
  flags: [
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Dataset folder to write' },
    { name: 'cases', kind: 'int', min: 1, default: 20, help: 'Number of cases' },
    { name: 'size', kind: 'triple', min: 1, default: [1, 64, 64], help: 'Size D,H,W (D = 1: 2D)' },
    { name: 'roi', kind: 'enum', values: ['tumour', 'liver+tumour'], default: 'tumour', help: 'What the label marks' },
    { name: 'seed', kind: 'int', min: 0, default: 0, help: 'Seed (case i depends on the seed and i only)' },
    { name: 'prefix', kind: 'string', default: 'phantom', help: 'Case id prefix' },
  ],
  examples: ['colab-ts phantoms --out phantoms3d --size 32,64,64 --cases 24', 'colab-ts phantoms --out liver2 --roi liver+tumour'],
};

/** `colab-ts export`. @category commands */
export const exportSpec: CommandSpec = {
  name: 'export',
  summary: "export a run's U-Net for PyTorch (safetensors, nnU-Net PlainConvUNet keys)",
  description: 'Writes OUT/model.safetensors (the segmentation U-Net, with nnU-Net v2 PlainConvUNet state_dict keys) and OUT/architecture.json (nnU-Net arch_kwargs, patch_size, and the classes, labels and normalization colab-ts predicts with). examples/pytorch/colab_unet.py builds the matching PyTorch module.',
  flags: [
    { name: 'run', kind: 'string', required: true, meta: 'DIR', help: 'Run folder written by colab-ts train (or import)' },
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Folder for model.safetensors and architecture.json' },
    { name: 'checkpoint', kind: 'enum', values: ['best', 'latest'], default: 'best', help: 'Which checkpoint' },
  ],
  examples: ['colab-ts export --run runs/colab --out exported/colab'],
};

/** `colab-ts import`. @category commands */
export const importSpec: CommandSpec = {
  name: 'import',
  summary: 'import a PyTorch-trained U-Net (safetensors + architecture.json) as a run for predict',
  description: 'Reads safetensors weights with nnU-Net v2 PlainConvUNet state_dict keys (aliases such as all_modules and decoder.encoder are skipped) and an architecture.json (as export writes, or nnU-Net arch_kwargs with num_classes and patch_size), checks every weight against it, and writes a run folder (config.json, best.ckpt) that colab-ts predict uses.',
  flags: [
    { name: 'weights', kind: 'string', required: true, meta: 'FILE', help: 'safetensors file of the state_dict' },
    { name: 'architecture', kind: 'string', required: true, meta: 'FILE', help: 'architecture.json' },
    { name: 'out', kind: 'string', required: true, meta: 'RUN', help: 'Run folder to write' },
    { name: 'patch', kind: 'triple', min: 1, help: "Sliding-window patch D,H,W (default: the architecture's patch_size)" },
  ],
  examples: ['colab-ts import --weights trained/model.safetensors --architecture trained/architecture.json --out runs/imported'],
};

/** `colab-ts export-dataset`. @category commands */
export const exportDatasetSpec: CommandSpec = {
  name: 'export-dataset',
  summary: 'write a dataset as an nnU-Net v2 raw dataset plus the CoLab settings (colab.json)',
  description: "Writes OUT/DatasetNNN_NAME/ with imagesTr/CASE_0000.nii.gz, labelsTr/, imagesTs/, contextTr/ and dataset.json (channel_names, labels, numTraining, file_ending), and colab.json: t, the soft dilated mask's margin and temperature (mm and voxels), the optimizers and schedules, from --run's config.json or as train would resolve them.",
  flags: [
    { name: 'data', kind: 'string', required: true, meta: 'DIR', help: 'Dataset folder (Medical Segmentation Decathlon or nnU-Net v2)' },
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'nnUNet_raw folder to write into' },
    { name: 'id', kind: 'int', min: 1, max: 999, default: 501, help: 'nnU-Net dataset id' },
    { name: 'name', kind: 'string', help: "Dataset name (default: dataset.json's)" },
    { name: 'run', kind: 'string', meta: 'DIR', help: 'Run folder whose config.json gives the CoLab settings' },
    { name: 'iterations', kind: 'int', min: 1, default: 1000, help: 'Iteration budget the default generator schedule is resolved for (without --run)' },
    { name: 't', kind: 'int', min: 1, default: 2, help: 'Context classes t (without --run)' },
  ],
  examples: ['colab-ts export-dataset --data phantoms --out $nnUNet_raw --id 501', 'colab-ts export-dataset --data Task03_Liver --run runs/colab --out $nnUNet_raw --id 503'],
};

/** Every command. @category commands */
export const COMMANDS: readonly CommandSpec[] = [demoSpec, trainSpec, experimentSpec, predictSpec, evaluateSpec, phantomsSpec, exportSpec, importSpec, exportDatasetSpec];

/** The top-level help. @category commands */
export const mainHelp = (): string =>
  [
    'colab-ts: Context Label Learning (CoLab, Li et al., IEEE TMI 2023) for medical image segmentation',
    '',
    'Usage: colab-ts <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(15)}${c.summary}`),
    '',
    'Run colab-ts <command> --help for its options.',
    'Exit codes: 0 success, 1 runtime failure, 2 usage or data error, 130 interrupted (checkpoint saved).',
  ].join('\n');

const str = (v: ArgValues, k: string): string => v[k] as string;
const num = (v: ArgValues, k: string): number => v[k] as number;
const opt = (v: ArgValues, k: string): number | undefined => v[k] as number | undefined;
const triple = (v: ArgValues, k: string): [number, number, number] | undefined => (v[k] === undefined ? undefined : ([...(v[k] as readonly number[])] as [number, number, number]));

/** The training flags that `train` and `experiment` share. */
const trainingFlags = (v: ArgValues) => ({
  data: str(v, 'data'),
  iterations: num(v, 'iterations'),
  batchSize: num(v, 'batch-size'),
  patch: triple(v, 'patch'),
  lr: opt(v, 'lr'),
  momentum: opt(v, 'momentum'),
  generatorLr: opt(v, 'generator-lr'),
  generatorEvery: opt(v, 'generator-every'),
  margin: opt(v, 'margin'),
  temperature: opt(v, 'temperature'),
  features: num(v, 'features'),
  stages: num(v, 'stages'),
  roiShare: num(v, 'roi-share'),
  augment: v.augment as boolean,
  deepSupervision: v['deep-supervision'] as boolean,
  background: v.background as 'uniform' | 'body',
  valEvery: num(v, 'val-every'),
  valFraction: num(v, 'val-fraction'),
});

const unexpected: string[] = [];

/**
 * The errors that reached `run`'s catch-all ("this is a bug") in this
 * process; the test suite asserts that no input gets there.
 * @category commands
 */
export const unexpectedErrors = (): readonly string[] => unexpected;

/** The exit code of an interrupted run (128 + SIGINT). @category commands */
export const EXIT_INTERRUPTED = 130;

/**
 * Runs `colab-ts` with `argv` (without the node and script paths) and returns
 * the exit code. Errors are printed as one line each, with the fix.
 * @example const code = await run(['evaluate', '--pred', 'p', '--gt', 'g'], memoryIo())
 * @category commands
 */
export async function run(argv: readonly string[], io: Io, signal?: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${mainHelp()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const spec = COMMANDS.find((c) => c.name === name);
  if (spec === undefined) {
    const near = closest(name, COMMANDS.map((c) => c.name));
    io.stderr(`colab-ts: unknown command ${JSON.stringify(name)} (fix: ${near === undefined ? 'run colab-ts --help' : `did you mean colab-ts ${near}?`})\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${helpText(spec)}\n`);
    return EXIT.ok;
  }
  const decoded = decodeArgs(spec, rest);
  if (E.isLeft(decoded)) {
    for (const i of decoded.left) io.stderr(`colab-ts ${name}: ${showArgIssue(i)}\n`);
    return EXIT.usage;
  }
  const v = decoded.right;
  try {
    if (v.backend !== undefined) await useBackend(v.backend as string);
    switch (spec.name) {
      case 'phantoms': {
        const sz = triple(v, 'size')!;
        const cohort = phantom(key(num(v, 'seed')), { cases: num(v, 'cases'), size: sz, roi: v.roi as 'tumour' | 'liver+tumour', prefix: str(v, 'prefix') });
        const w = await writePhantomDataset(str(v, 'out'), cohort)();
        if (E.isLeft(w)) throw new CliError('runtime', [w.left.message]);
        io.stdout(`wrote ${cohort.cases.length} phantom cases of ${sz.join('x')} voxels to ${str(v, 'out')}\n`);
        return EXIT.ok;
      }
      case 'experiment': {
        await experiment({ ...trainingFlags(v), out: str(v, 'out'), test: v.test as string | undefined, testFraction: num(v, 'test-fraction'), arms: parseArms(str(v, 'methods')), seeds: num(v, 'seeds'), firstSeed: num(v, 'first-seed') }, io, signal);
        return EXIT.ok;
      }
      case 'train': {
        const r = await train(
          {
            ...trainingFlags(v),
            out: str(v, 'out'),
            method: v.method as Method,
            t: num(v, 't'),
            seed: num(v, 'seed'),
            resume: v.resume as boolean,
          },
          io,
          signal,
        );
        if (r.status === 'interrupted') {
          io.stderr(`colab-ts train: interrupted at step ${r.step}; checkpoint saved (fix: continue with the same command and --resume)\n`);
          return EXIT_INTERRUPTED;
        }
        if (r.bestDice === 0) io.stderr(`colab-ts train: warning: the best validation Dice is 0: the model never found the ROI in the validation cases, and best.ckpt predicts none (fix: train longer with --resume --iterations N, raise --roi-share, or check the labels)\n`);
        io.stdout(`trained ${r.step} iterations in ${r.seconds.toFixed(1)} s; best validation Dice ${Number.isFinite(r.bestDice) ? r.bestDice.toFixed(3) : 'n/a'} at step ${r.bestStep}; run: ${r.runDir}\n`);
        return EXIT.ok;
      }
      case 'predict': {
        const r = await predict({ run: str(v, 'run'), input: str(v, 'input'), out: str(v, 'out'), checkpoint: v.checkpoint as 'best' | 'latest', mirror: v.mirror as boolean, rule: v.rule as PredictRule }, io);
        io.stdout(`wrote ${r.cases.length} label map(s) to ${str(v, 'out')}\n`);
        return EXIT.ok;
      }
      case 'export':
        exportRun({ run: str(v, 'run'), out: str(v, 'out'), checkpoint: v.checkpoint as 'best' | 'latest' }, io);
        return EXIT.ok;
      case 'import':
        importRun({ weights: str(v, 'weights'), architecture: str(v, 'architecture'), out: str(v, 'out'), patch: triple(v, 'patch') }, io);
        return EXIT.ok;
      case 'export-dataset':
        await exportDataset({ data: str(v, 'data'), out: str(v, 'out'), id: num(v, 'id'), name: v.name as string | undefined, run: v.run as string | undefined, iterations: num(v, 'iterations'), t: num(v, 't') }, io);
        return EXIT.ok;
      case 'evaluate':
        await evaluate({ pred: str(v, 'pred'), gt: str(v, 'gt'), out: (v.out as string | undefined) ?? str(v, 'pred'), percentile: num(v, 'percentile') }, io);
        return EXIT.ok;
      case 'demo': {
        const sz = triple(v, 'size')!;
        await demo({ out: str(v, 'out'), cases: num(v, 'cases'), testCases: num(v, 'test-cases'), size: sz, iterations: num(v, 'iterations'), seed: num(v, 'seed'), batchSize: num(v, 'batch-size'), features: num(v, 'features'), t: num(v, 't'), lr: opt(v, 'lr'), momentum: opt(v, 'momentum'), patch: triple(v, 'patch'), generatorLr: opt(v, 'generator-lr'), generatorEvery: opt(v, 'generator-every') }, io, signal);
        return EXIT.ok;
      }
    }
    return EXIT.usage;
  } catch (e) {
    const typed = e instanceof CliError ? e : osError(e);
    if (typed !== undefined) {
      for (const l of typed.lines) io.stderr(`colab-ts ${name}: ${l}\n`);
      return typed.exitCode;
    }
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    unexpected.push(`colab-ts ${argv.join(' ')}: ${msg}`);
    io.stderr(`colab-ts ${name}: ${msg.split('\n').join(' ')} (fix: this is a bug or an unsupported input; rerun with COLAB_TS_DEBUG=1 for the stack trace and report it)\n`);
    if (process.env.COLAB_TS_DEBUG === '1' && e instanceof Error) io.stderr(`${e.stack ?? ''}\n`);
    return EXIT.failure;
  }
}

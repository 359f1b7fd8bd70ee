/**
 * The `colab-ts` command: its sub-commands' specs, decoding into typed
 * options, and `run(argv, io, signal)`, which returns the exit code
 * (0 success, 1 runtime failure, 2 usage or data error, 130 interrupted).
 * @module
 */
import type { AnyBackend } from '@colab-ts/kernels';
import { availableBackends, loadBackend } from '@colab-ts/kernels';
// The command offers every backend (`--backend gpu`, COLAB_TS_BACKEND=gpu): plug gpu.js's in (it loads when chosen).
import '@colab-ts/kernels/gpu';
import * as E from 'fp-ts/lib/Either.js';
import pkg from '../package.json' with { type: 'json' };
import type { ArgIssue, ArgsOf, CommandSpec, FlagSpec } from './args.js';
import { closest, decodeArgs, defineCommand, helpText, showArgIssue, without } from './args.js';
import { demo } from './demo.js';
import type { Io } from './io.js';
import { CliError, EXIT } from './io.js';
import { METHODS } from './model.js';
import { osError } from './osErrors.js';
import { evaluate, predict } from './predictCmd.js';
import { DEFAULT_ITERATIONS, train } from './train.js';
import { experiment, parseArms } from './experiment.js';
import { exportRun, importRun } from './interop.js';
import { exportDataset } from './exportDataset.js';
import { phantom, writePhantomDataset } from '@colab-ts/data';
import { key } from '@colab-ts/ndarray';
import { colabDefaults, roiLossKinds } from '@colab-ts/colab';

const backendFlag = {
  name: 'backend',
  kind: 'enum',
  values: availableBackends,
  help: 'Kernel backend (default: the registry default, or COLAB_TS_BACKEND)',
} as const;

/**
 * Flags that several commands share, written once; a command that
 * needs another default or help spreads one and overrides it
 * (`{ ...FLAG.iterations, help: '...' }`). The paper's values come from `colabDefaults`.
 */
const FLAG = {
  data: { name: 'data', kind: 'string', required: true, meta: 'DIR', help: 'Dataset folder (Medical Segmentation Decathlon or nnU-Net v2)' },
  checkpoint: { name: 'checkpoint', kind: 'enum', values: ['best', 'latest'], default: 'best', help: 'Which checkpoint' },
  t: { name: 't', kind: 'int', min: 1, default: colabDefaults.contextClasses, help: 'Context classes t (anatomy: from the context maps)' },
  iterations: {
    name: 'iterations',
    kind: 'int',
    min: 1,
    default: DEFAULT_ITERATIONS,
    help: 'Training iterations (the default is where CoLab pulled ahead of the baseline on every cohort measured; docs/results.md)',
  },
  batchSize: { name: 'batch-size', kind: 'int', min: 1, default: 4, help: 'Patches per iteration' },
  seed: { name: 'seed', kind: 'int', min: 0, default: 0, help: 'Seed of every random draw' },
  lr: {
    name: 'lr',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    help: "SGD learning rate, poly decay (default: 0.05 below 20,000 iterations, else nnU-Net's 0.01)",
  },
  momentum: {
    name: 'momentum',
    kind: 'number',
    min: 0,
    max: 1,
    exclusiveMax: true,
    help: "Nesterov momentum (default: 0.9 below 20,000 iterations, else nnU-Net's 0.99)",
  },
  generatorLr: {
    name: 'generator-lr',
    kind: 'number',
    min: 0,
    help: 'Adam learning rate of the task generator (default: 3e-4 * sqrt(40000 / generator updates), at most 1e-2)',
  },
  generatorEvery: { name: 'generator-every', kind: 'int', min: 1, help: "Update the generator every K iterations (default 5, the authors')" },
  features: { name: 'features', kind: 'int', min: 1, default: 8, help: 'U-Net features of the first stage' },
  run: { name: 'run', kind: 'string', required: true, meta: 'DIR', help: 'Run folder written by colab-ts train (or import)' },
  runOut: { name: 'out', kind: 'string', required: true, meta: 'RUN', help: 'Run folder to write' },
} as const satisfies Record<string, FlagSpec>;

/** `colab-ts train`. @category commands */
export const trainSpec = defineCommand('train', 'train a segmentation model with CoLab or a baseline on a dataset folder', {
  description:
    'Writes a run folder: config.json, latest.ckpt and best.ckpt, log.jsonl, progress.svg (and .png) and, with context labels, context.svg (and .png). Ctrl-C saves a checkpoint; --resume continues it to the same result as an uninterrupted run.',
  flags: [
    FLAG.data,
    FLAG.runOut,
    { name: 'method', kind: 'enum', values: METHODS, default: 'colab', help: 'What the background is split with' },
    FLAG.t,
    FLAG.iterations,
    FLAG.batchSize,
    { name: 'patch', kind: 'triple', min: 1, help: 'Patch D,H,W (default: the image up to 16,64,64)' },
    FLAG.seed,
    FLAG.lr,
    FLAG.momentum,
    FLAG.generatorLr,
    FLAG.generatorEvery,
    {
      name: 'generator-average',
      kind: 'number',
      min: 0,
      max: 1,
      help: "Labels from a moving average of the generator's weights with this decay per update (default 0: the generator itself, as the paper; not in the paper)",
    },
    {
      name: 'generator-balance',
      kind: 'number',
      min: 0,
      help: "CoLab: weight of MAXL's term against a collapsing generator, lambda * sum s log s over the context sub-classes' shares near the ROI (default 0: off, as the paper; MAXL's code uses 0.2)",
    },
    {
      name: 'generator-confidence',
      kind: 'number',
      min: 0,
      help: 'CoLab: weight mu of a term for confident context labels, mu times their mean entropy near the ROI; with --generator-balance at the same weight, minus the mutual information between voxel and sub-class (default 0: off, as the paper)',
    },
    {
      name: 'roi-loss',
      kind: 'enum',
      values: roiLossKinds,
      help: "CoLab: the one-vs-all criterion L_c of the meta-objective L_ROI (Eq. 10): bce (default), dice (batch soft Dice) or bce+dice (nnU-Net's DC_and_BCE)",
    },
    {
      name: 'margin',
      kind: 'number',
      min: 0,
      help: "Margin m of the soft dilated mask, in mm (default: the paper's 30 voxels, scaled down below 256 px in-plane)",
    },
    {
      name: 'temperature',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      help: "Temperature tau of the soft dilated mask, in mm (default: the paper's 20 voxels, scaled likewise)",
    },
    FLAG.features,
    { name: 'stages', kind: 'int', min: 2, default: 3, help: 'U-Net resolution stages' },
    { name: 'roi-share', kind: 'number', min: 0, max: 1, default: 0.5, help: 'Share of patches centred on the ROI' },
    { name: 'augment', kind: 'bool', default: true, help: 'Mirroring and intensity augmentation' },
    {
      name: 'spatial-augment',
      kind: 'bool',
      default: false,
      help: "Also nnU-Net's spatial augmentation (rotation +-15 degrees and scaling 0.85-1.25, each with p 0.2, on a larger patch whose centre is kept), as the authors train; off by default (docs/colab.md)",
    },
    {
      name: 'background',
      kind: 'enum',
      values: ['uniform', 'body'],
      default: 'uniform',
      help: 'Where the patches not forced onto the ROI come from: anywhere, or centred on the body (bodyMask)',
    },
    {
      name: 'deep-supervision',
      kind: 'bool',
      default: false,
      help: "nnU-Net's deep supervision (weights 1/2^k, the lowest level 0; needs --stages >= 4: with 3 the one lower output has weight 0)",
    },
    {
      name: 'anatomy-classes',
      kind: 'string',
      meta: 'LIST',
      help: "With --method anatomy: the context structures (values or dataset.json context_labels names, comma-separated) that keep a class of their own; the rest of the map joins the rest of the background (default: every structure; the paper's labels for liver tumours are the liver alone)",
    },
    {
      name: 'context-shares',
      kind: 'string',
      meta: 'LIST',
      help: "With --method fixed: the t context sub-classes' shares at every voxel, comma-separated, summing to 1, the far background's first (default: 1/t each); an ablation of CoLab's generator, not in the paper",
    },
    { name: 'val-every', kind: 'int', min: 1, help: 'Validate (and checkpoint) every K iterations (default: iterations / 20)' },
    { name: 'val-fraction', kind: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.2, help: 'Share of the training cases held out for validation' },
    { name: 'resume', kind: 'bool', default: false, help: 'Continue the run in --out from latest.ckpt' },
    backendFlag,
  ],
  examples: ['colab-ts train --data Task03_Liver --method colab --t 2 --out runs/colab', 'colab-ts train --data Task03_Liver --out runs/colab --resume'],
});

/** `colab-ts predict`. @category commands */
export const predictSpec = defineCommand('predict', 'write NIfTI label maps for a folder of images with a trained run', {
  description:
    'One CASE.nii.gz (uint8) per case, with the input header and affine, so viewers overlay it on the image. Multi-channel cases: CASE_0000.nii.gz, CASE_0001.nii.gz, ...',
  flags: [
    FLAG.run,
    { name: 'input', kind: 'string', required: true, meta: 'DIR', help: 'Folder of .nii/.nii.gz images' },
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Folder for the label maps' },
    FLAG.checkpoint,
    { name: 'mirror', kind: 'bool', default: false, help: 'Mirroring test-time augmentation' },
    {
      name: 'rule',
      kind: 'enum',
      values: ['argmax', 'roi-vs-summed-background'],
      default: 'argmax',
      help: "How the c - 1 + t outputs become labels: argmax over all (the authors'), or ROI against the summed background sub-classes",
    },
    {
      name: 'largest-component',
      kind: 'bool',
      default: false,
      help: 'Keep only the largest connected ROI component (the post-processing baseline of Section V-B4)',
    },
    backendFlag,
  ],
  examples: ['colab-ts predict --run runs/colab --input Task03_Liver/imagesTs --out preds'],
});

/** `colab-ts evaluate`. @category commands */
export const evaluateSpec = defineCommand('evaluate', 'score label maps against ground truth (DSC, SEN, PRC, HD95)', {
  description:
    "Writes metrics.csv (one row per case and class), summary.json in nnU-Net v2's layout (metric_per_case, mean, foreground_mean; undefined values are null and counted in undefined_counts) and statistics.json (mean, std, median, quartiles, NaN and infinite counts).",
  flags: [
    { name: 'pred', kind: 'string', required: true, meta: 'DIR', help: 'Folder of predicted label maps' },
    { name: 'gt', kind: 'string', required: true, meta: 'DIR', help: 'Folder of ground-truth label maps (same file names)' },
    { name: 'out', kind: 'string', meta: 'DIR', help: 'Where to write metrics.csv, summary.json and statistics.json (default: --pred)' },
    { name: 'percentile', kind: 'number', min: 0, max: 100, default: 95, help: 'Percentile of the robust Hausdorff distance' },
    {
      name: 'far-beyond',
      kind: 'number',
      min: 0,
      meta: 'MM',
      help: 'Count false positives farther than MM from the ROI as far (FarFP; default: per case, the margin m that train uses for that grid)',
    },
  ],
  examples: ['colab-ts evaluate --pred preds --gt Task03_Liver/labelsTs', 'colab-ts evaluate --pred preds --gt Task03_Liver/labelsTs --far-beyond 20'],
});

/** `colab-ts demo`. @category commands */
export const demoSpec = defineCommand('demo', 'baseline vs CoLab on synthetic abdominal-CT phantoms, end to end', {
  description:
    'Generates phantoms (liver tumours with look-alikes outside the liver), trains the baseline and CoLab (t = 2) with the same budget, evaluates both on held-out phantoms and writes a report (results.json, table.md, figures/).',
  flags: [
    { name: 'out', kind: 'string', default: 'colab-ts-demo', meta: 'DIR', help: 'Report folder' },
    { name: 'cases', kind: 'int', min: 2, default: 20, help: 'Training phantoms (a fifth validate)' },
    { name: 'test-cases', kind: 'int', min: 1, default: 20, help: 'Held-out test phantoms' },
    { name: 'size', kind: 'triple', min: 1, default: [1, 64, 64], help: 'Phantom size D,H,W (D = 1: 2D)' },
    { ...FLAG.iterations, help: 'Training iterations per method (both methods are still improving at 2000; see docs/results.md, E8b and E9)' },
    { name: 'patch', kind: 'triple', min: 1, help: 'Training patch D,H,W (default: up to 8,32,32); inference slides it over the image' },
    FLAG.batchSize,
    FLAG.features,
    { ...FLAG.t, help: 'CoLab context classes' },
    { ...FLAG.lr, help: 'SGD learning rate, poly decay (default: as train)' },
    { ...FLAG.momentum, help: 'Nesterov momentum (default: as train)' },
    FLAG.seed,
    FLAG.generatorLr,
    FLAG.generatorEvery,
    backendFlag,
  ],
  examples: ['colab-ts demo', 'colab-ts demo --size 16,96,96 --iterations 8000 --out big-demo'],
});

/** `colab-ts experiment`. @category commands */
export const experimentSpec = defineCommand('experiment', "the paper's Table I protocol: every method, N seeds, one budget, one report", {
  description:
    'Trains each method (baseline, anatomy when contextTr maps exist, k-means, dilated mask, CoLab t = 2 and 3) for each seed with the same budget, predicts the test cases and scores them. Writes table.md, results.csv, results.json and figures/ (Fig. 3, 4, 8). Rerun the same command to resume: finished runs are skipped.',
  flags: [
    FLAG.data,
    { name: 'test', kind: 'string', meta: 'DIR', help: 'Labelled dataset folder of test cases (default: hold out --test-fraction of --data)' },
    {
      name: 'test-fraction',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      max: 1,
      exclusiveMax: true,
      default: 0.3,
      help: 'Share of the cases held out for testing without --test (the last by id)',
    },
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Report folder (runs/, table.md, results.*, figures/)' },
    {
      name: 'methods',
      kind: 'string',
      default: 'baseline,postprocess,anatomy,kmeans,dilated,colab,colab3',
      help: "Comma-separated arms: baseline, anatomy, kmeans[T], dilated, colab[T] (colab = t 2), fixed[T] (constant context labels at --context-shares, an ablation not in the paper); any with +lcc keeps the largest ROI component of its model's predictions (no extra training); postprocess = baseline+lcc, the paper's post-processing baseline",
    },
    { name: 'seeds', kind: 'int', min: 1, default: 2, help: 'Seeds per method' },
    { name: 'first-seed', kind: 'int', min: 0, default: 0, help: 'The first seed' },
    {
      ...FLAG.checkpoint,
      help: "Which checkpoint predicts the test cases: best validation Dice, or the final one (the authors' and nnU-Net's); finished runs are re-scored, not retrained",
    },
    ...without(trainSpec.flags, ['data', 'out', 'method', 't', 'seed', 'resume']),
  ],
  examples: [
    'colab-ts experiment --data Task03_Liver --out exp/liver --iterations 2000',
    'colab-ts experiment --data phantoms --test phantoms-test --methods baseline,colab --seeds 3 --out exp/p',
  ],
});

/** `colab-ts phantoms`. @category commands */
export const phantomsSpec = defineCommand('phantoms', 'write a synthetic abdominal-CT phantom cohort as a dataset folder', {
  description:
    'Liver tumours with look-alikes outside the liver (the failure mode CoLab addresses), organ maps in contextTr/ as human-defined context labels. --roi liver+tumour gives two ROI classes (1 liver, 2 tumour), as the Decathlon liver task.',
  flags: [
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Dataset folder to write' },
    { name: 'cases', kind: 'int', min: 1, default: 20, help: 'Number of cases' },
    { name: 'size', kind: 'triple', min: 1, default: [1, 64, 64], help: 'Size D,H,W (D = 1: 2D)' },
    { name: 'roi', kind: 'enum', values: ['tumour', 'liver+tumour'], default: 'tumour', help: 'What the label marks' },
    { name: 'seed', kind: 'int', min: 0, default: 0, help: 'Seed (case i depends on the seed and i only)' },
    { name: 'prefix', kind: 'string', default: 'phantom', help: 'Case id prefix' },
  ],
  examples: ['colab-ts phantoms --out phantoms3d --size 32,64,64 --cases 24', 'colab-ts phantoms --out liver2 --roi liver+tumour'],
});

/** `colab-ts export`. @category commands */
export const exportSpec = defineCommand('export', "export a run's U-Net for PyTorch (safetensors, nnU-Net PlainConvUNet keys)", {
  description:
    'Writes OUT/model.safetensors (the segmentation U-Net, with nnU-Net v2 PlainConvUNet state_dict keys) and OUT/architecture.json (nnU-Net arch_kwargs, patch_size, and the classes, labels and normalization colab-ts predicts with). examples/pytorch/colab_unet.py builds the matching PyTorch module.',
  flags: [FLAG.run, { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'Folder for model.safetensors and architecture.json' }, FLAG.checkpoint],
  examples: ['colab-ts export --run runs/colab --out exported/colab'],
});

/** `colab-ts import`. @category commands */
export const importSpec = defineCommand('import', 'import a PyTorch-trained U-Net (safetensors + architecture.json) as a run for predict', {
  description:
    'Reads safetensors weights with nnU-Net v2 PlainConvUNet state_dict keys (aliases such as all_modules and decoder.encoder are skipped) and an architecture.json (as export writes, or nnU-Net arch_kwargs with num_classes and patch_size), checks every weight against it, and writes a run folder (config.json, best.ckpt) that colab-ts predict uses.',
  flags: [
    { name: 'weights', kind: 'string', required: true, meta: 'FILE', help: 'safetensors file of the state_dict' },
    { name: 'architecture', kind: 'string', required: true, meta: 'FILE', help: 'architecture.json' },
    FLAG.runOut,
    { name: 'patch', kind: 'triple', min: 1, help: "Sliding-window patch D,H,W (default: the architecture's patch_size)" },
  ],
  examples: ['colab-ts import --weights trained/model.safetensors --architecture trained/architecture.json --out runs/imported'],
});

/** `colab-ts export-dataset`. @category commands */
export const exportDatasetSpec = defineCommand('export-dataset', 'write a dataset as an nnU-Net v2 raw dataset plus the CoLab settings (colab.json)', {
  description:
    "Writes OUT/DatasetNNN_NAME/ with imagesTr/CASE_0000.nii.gz, labelsTr/, imagesTs/, contextTr/ and dataset.json (channel_names, labels, numTraining, file_ending), and colab.json: t, the soft dilated mask's margin and temperature (mm and voxels), the optimizers and schedules, from --run's config.json or as train would resolve them.",
  flags: [
    FLAG.data,
    { name: 'out', kind: 'string', required: true, meta: 'DIR', help: 'nnUNet_raw folder to write into' },
    { name: 'id', kind: 'int', min: 1, max: 999, default: 501, help: 'nnU-Net dataset id' },
    { name: 'name', kind: 'string', help: "Dataset name (default: dataset.json's)" },
    { name: 'run', kind: 'string', meta: 'DIR', help: 'Run folder whose config.json gives the CoLab settings' },
    { ...FLAG.iterations, help: 'Iteration budget the default generator schedule is resolved for (without --run)' },
    { ...FLAG.t, help: 'Context classes t (without --run)' },
  ],
  examples: [
    'colab-ts export-dataset --data phantoms --out $nnUNet_raw --id 501',
    'colab-ts export-dataset --data Task03_Liver --run runs/colab --out $nnUNet_raw --id 503',
  ],
});

/** The backend a command was asked to run on, loaded (without making it the process default); `undefined`: the registry's default. */
const backendOf = (name: string | undefined): Promise<AnyBackend | undefined> => (name === undefined ? Promise.resolve(undefined) : loadBackend(name));

/** A command: its spec, and what runs with the options its flags decode to (`ArgsOf<typeof spec>`, no hand copies). */
interface Command {
  readonly spec: CommandSpec;
  readonly decode: (argv: readonly string[]) => E.Either<ReadonlyArray<ArgIssue>, (io: Io, signal?: AbortSignal) => Promise<number>>;
}

const command = <S extends CommandSpec>(spec: S, handle: (v: ArgsOf<S>, io: Io, signal?: AbortSignal) => Promise<number>): Command => ({
  spec,
  decode: (argv) => E.map((v: ArgsOf<S>) => (io: Io, signal?: AbortSignal) => handle(v, io, signal))(decodeArgs(spec, argv)),
});

const HANDLERS: readonly Command[] = [
  command(demoSpec, async ({ backend, ...v }, io, signal) => {
    await demo({ ...v, backend: await backendOf(backend) }, io, signal);
    return EXIT.ok;
  }),
  command(trainSpec, async ({ backend, ...v }, io, signal) => {
    const r = await train({ ...v, backend: await backendOf(backend) }, io, signal);
    if (r.status === 'interrupted') {
      io.stderr(`colab-ts train: interrupted at step ${r.step}; checkpoint saved (fix: continue with the same command and --resume)\n`);
      return EXIT_INTERRUPTED;
    }
    if (r.bestDice === 0)
      io.stderr(
        `colab-ts train: warning: the best validation Dice is 0: the model never found the ROI in the validation cases, and best.ckpt predicts none (fix: train longer with --resume --iterations N, raise --roi-share, or check the labels)\n`,
      );
    io.stdout(
      `trained ${r.step} iterations in ${r.seconds.toFixed(1)} s; best validation Dice ${Number.isFinite(r.bestDice) ? r.bestDice.toFixed(3) : 'n/a'} at step ${r.bestStep}; run: ${r.runDir}\n`,
    );
    return EXIT.ok;
  }),
  command(experimentSpec, async ({ backend, methods, ...v }, io, signal) => {
    await experiment({ ...v, arms: parseArms(methods), backend: await backendOf(backend) }, io, signal);
    return EXIT.ok;
  }),
  command(predictSpec, async ({ backend, ...v }, io) => {
    const r = await predict({ ...v, backend: await backendOf(backend) }, io);
    io.stdout(`wrote ${r.cases.length} label map(s) to ${v.out}\n`);
    return EXIT.ok;
  }),
  command(evaluateSpec, async (v, io) => {
    await evaluate({ ...v, out: v.out ?? v.pred }, io);
    return EXIT.ok;
  }),
  command(phantomsSpec, async ({ out, seed, ...v }, io) => {
    const cohort = phantom(key(seed), v);
    const w = await writePhantomDataset(out, cohort)();
    if (E.isLeft(w)) throw new CliError('runtime', [w.left.message]);
    io.stdout(`wrote ${cohort.cases.length} phantom cases of ${v.size.join('x')} voxels to ${out}\n`);
    return EXIT.ok;
  }),
  command(exportSpec, async (v, io) => {
    exportRun(v, io);
    return EXIT.ok;
  }),
  command(importSpec, async (v, io) => {
    importRun(v, io);
    return EXIT.ok;
  }),
  command(exportDatasetSpec, async (v, io) => {
    await exportDataset(v, io);
    return EXIT.ok;
  }),
];

/** Every command. @category commands */
export const COMMANDS: readonly CommandSpec[] = HANDLERS.map((c) => c.spec);

/** The version of the colab-ts command (its package's). @category commands */
export const VERSION: string = pkg.version;

/** The top-level help. @category commands */
export const mainHelp = (): string =>
  [
    'colab-ts: Context Label Learning (CoLab, Li et al., IEEE TMI 2023) for medical image segmentation',
    '',
    'Usage: colab-ts <command> [options]',
    '       colab-ts --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(15)}${c.summary}`),
    '',
    'Run colab-ts <command> --help for its options.',
    'Exit codes: 0 success, 1 runtime failure, 2 usage or data error, 130 interrupted (checkpoint saved).',
  ].join('\n');

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
  if (name === '--version' || name === '-V') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const cmd = HANDLERS.find((c) => c.spec.name === name);
  if (cmd === undefined) {
    const near = closest(
      name,
      COMMANDS.map((c) => c.name),
    );
    io.stderr(`colab-ts: unknown command ${JSON.stringify(name)} (fix: ${near === undefined ? 'run colab-ts --help' : `did you mean colab-ts ${near}?`})\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${helpText(cmd.spec)}\n`);
    return EXIT.ok;
  }
  if (rest.includes('--version')) {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const stall = process.env.COLAB_WASM_STALL_MS;
  if (stall !== undefined && stall !== '' && !(Number(stall) > 0)) {
    io.stderr(
      `colab-ts ${name}: COLAB_WASM_STALL_MS must be a positive number of milliseconds (or Infinity), got ${JSON.stringify(stall)} (fix: unset it for the default of 120000, or set e.g. COLAB_WASM_STALL_MS=300000)\n`,
    );
    return EXIT.usage;
  }
  const decoded = cmd.decode(rest);
  if (E.isLeft(decoded)) {
    for (const i of decoded.left) io.stderr(`colab-ts ${name}: ${showArgIssue(i)}\n`);
    return EXIT.usage;
  }
  try {
    return await decoded.right(io, signal);
  } catch (e) {
    const typed = e instanceof CliError ? e : osError(e);
    if (typed !== undefined) {
      for (const l of typed.lines) io.stderr(`colab-ts ${name}: ${l}\n`);
      return typed.exitCode;
    }
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    unexpected.push(`colab-ts ${argv.join(' ')}: ${msg}`);
    io.stderr(
      `colab-ts ${name}: ${msg.split('\n').join(' ')} (fix: this is a bug or an unsupported input; rerun with COLAB_TS_DEBUG=1 for the stack trace and report it)\n`,
    );
    if (process.env.COLAB_TS_DEBUG === '1' && e instanceof Error) io.stderr(`${e.stack ?? ''}\n`);
    return EXIT.failure;
  }
}

/**
 * `colab-ts export` and `colab-ts import`: a run's segmentation U-Net as
 * PyTorch weights (safetensors with nnU-Net v2 `PlainConvUNet` `state_dict`
 * keys) plus `architecture.json` (nnU-Net's `network_class_name` and
 * `arch_kwargs`, and what colab-ts needs to predict: classes, labels, patch,
 * normalization), and back: such a pair, trained anywhere, as a run folder
 * that `predict` uses.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tensor } from '@colab-ts/autodiff';
import { segmentationInit } from '@colab-ts/colab';
import type { NDArray } from '@colab-ts/ndarray';
import { zeros } from '@colab-ts/ndarray';
import type { UNetParams } from '@colab-ts/nn';
import { unetApply } from '@colab-ts/nn';
import { saveCheckpoint, writeAtomicSync } from './checkpoint.js';
import type { Io } from './io.js';
import { CliError } from './io.js';
import type { Method, Normalization, RunConfig } from './model.js';
import { METHODS, segOutputs } from './model.js';
import { prepareOutDir } from './osErrors.js';
import type { Safetensors, UNetTree } from './safetensors.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, isUNetTree, unetFromStateDict, unetStateDict } from './safetensors.js';
import type { Checkpoint } from './train.js';
import { dataPathFromRun, loadRun } from './train.js';

type Triple = [number, number, number];

/** nnU-Net v2's `arch_kwargs` of a `PlainConvUNet` (plans.json `configurations.X.architecture`). @category interop */
export interface ArchKwargs {
  readonly n_stages: number;
  readonly features_per_stage: readonly number[];
  readonly conv_op: string;
  readonly kernel_sizes: readonly (readonly number[])[];
  readonly strides: readonly (readonly number[])[];
  readonly n_conv_per_stage: readonly number[];
  readonly n_conv_per_stage_decoder: readonly number[];
  readonly conv_bias: boolean;
  readonly norm_op: string;
  readonly norm_op_kwargs: { readonly eps: number; readonly affine: boolean };
  readonly dropout_op: null;
  readonly dropout_op_kwargs: null;
  readonly nonlin: string;
  readonly nonlin_kwargs: { readonly negative_slope: number; readonly inplace: boolean };
}

/** architecture.json: how to build the PyTorch module, and how colab-ts predicts with it. @category interop */
export interface ArchitectureFile {
  readonly format: 'colab-ts-unet/1';
  readonly network_class_name: string;
  readonly arch_kwargs: ArchKwargs;
  readonly _kw_requires_import: readonly string[];
  readonly input_channels: number;
  /** Outputs of the network (nnU-Net's `num_classes`; with context labels `c - 1 + t`). */
  readonly num_classes: number;
  readonly deep_supervision: boolean;
  readonly patch_size: readonly number[];
  readonly colab_ts?: {
    readonly method: Method;
    readonly t: number;
    /** Task classes with the background, c (the first `c - 1` outputs are the ROI classes). */
    readonly classes: number;
    readonly labels: Readonly<Record<string, number>>;
    readonly normalization: Normalization;
    readonly spacing: readonly number[];
    readonly step: number;
  };
}

const shape = (x: NDArray): number[] => [...x.shape];

/** nnU-Net `arch_kwargs` read off U-Net parameters (features, kernels and strides are in the shapes). @category interop */
export function archKwargsOf(p: UNetTree): ArchKwargs {
  const n = p.encoder.length;
  return {
    n_stages: n,
    features_per_stage: p.encoder.map((s) => s.convs[0]!.conv.w.shape[0]!),
    conv_op: 'torch.nn.modules.conv.Conv3d',
    kernel_sizes: p.encoder.map((s) => shape(s.convs[0]!.conv.w).slice(2)),
    strides: [[1, 1, 1], ...Array.from({ length: n - 1 }, (_, i) => shape(p.decoder[n - 2 - i]!.up.w).slice(2))],
    n_conv_per_stage: p.encoder.map((s) => s.convs.length),
    n_conv_per_stage_decoder: p.decoder.map((s) => s.convs.length),
    conv_bias: true,
    norm_op: 'torch.nn.modules.instancenorm.InstanceNorm3d',
    norm_op_kwargs: { eps: 1e-5, affine: true },
    dropout_op: null,
    dropout_op_kwargs: null,
    nonlin: 'torch.nn.LeakyReLU',
    nonlin_kwargs: { negative_slope: 0.01, inplace: true },
  };
}

/** Options of `exportRun`. @category interop */
export interface ExportOptions {
  readonly run: string;
  readonly out: string;
  readonly checkpoint: 'best' | 'latest';
}

/**
 * Writes `OUT/model.safetensors` (the segmentation U-Net, nnU-Net keys) and
 * `OUT/architecture.json`.
 * @category interop
 */
export function exportRun(o: ExportOptions, io: Io): { readonly weights: string; readonly architecture: string } {
  const { cfg, ck } = loadRun(o.run, o.checkpoint);
  const theta = ck.state.theta;
  if (!isUNetTree(theta))
    throw new CliError('data', [`--run ${o.run}: the checkpoint holds no U-Net parameters (fix: point --run at a folder written by colab-ts train)`]);
  const arch: ArchitectureFile = {
    format: 'colab-ts-unet/1',
    network_class_name: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
    arch_kwargs: archKwargsOf(theta),
    _kw_requires_import: ['conv_op', 'norm_op', 'dropout_op', 'nonlin'],
    input_channels: theta.encoder[0]!.convs[0]!.conv.w.shape[1]!,
    num_classes: (theta.head ?? theta.heads![0]!).w.shape[0]!,
    deep_supervision: theta.heads !== undefined,
    patch_size: [...cfg.patch],
    colab_ts: {
      method: cfg.method,
      t: cfg.t,
      classes: cfg.classes,
      labels: cfg.labels,
      normalization: cfg.normalization,
      spacing: [...cfg.spacing],
      step: ck.step,
    },
  };
  prepareOutDir(o.out, '--out');
  const weights = join(o.out, 'model.safetensors');
  const architecture = join(o.out, 'architecture.json');
  writeAtomicSync(weights, encodeSafetensors(unetStateDict(theta), { format: 'pt', architecture: JSON.stringify(arch) }));
  writeAtomicSync(architecture, `${JSON.stringify(arch, null, 2)}\n`);
  io.stdout(`wrote ${weights} (${unetStateDict(theta).length} tensors, nnU-Net PlainConvUNet keys) and ${architecture} (step ${ck.step})\n`);
  return { weights, architecture };
}

/** Options of `importRun`. @category interop */
export interface ImportOptions {
  readonly weights: string;
  readonly architecture: string;
  readonly out: string;
  /** Sliding-window patch; default the architecture's `patch_size`. */
  readonly patch?: Readonly<Triple> | undefined;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isTriple = (x: unknown): x is Triple => Array.isArray(x) && x.length === 3 && x.every((v) => Number.isInteger(v) && v > 0);

/** Why a value is not a colab-ts normalization (undefined when it is one, or absent). */
function normalizationIssue(n: unknown): string | undefined {
  if (n === undefined) return undefined;
  if (!isObj(n) || (n.kind !== 'zscore' && n.kind !== 'ct')) return `${JSON.stringify(n)} has no kind "zscore" or "ct"`;
  if (n.kind === 'ct') {
    const st = n.stats;
    if (!isObj(st) || !['mean', 'std', 'lower', 'upper'].every((k) => typeof st[k] === 'number' && Number.isFinite(st[k])))
      return 'of kind "ct" needs finite stats mean, std, lower and upper';
    if (!((st.std as number) > 0) || !((st.lower as number) <= (st.upper as number))) return 'of kind "ct" needs std > 0 and lower <= upper';
  }
  return undefined;
}

/**
 * Makes a run folder (config.json, best.ckpt) from PyTorch weights and an
 * architecture.json, checking every weight against the architecture first.
 * @category interop
 */
export function importRun(o: ImportOptions, io: Io): { readonly runDir: string } {
  const fixArch = 'pass the architecture.json that colab-ts export writes, or one with nnU-Net arch_kwargs, num_classes and patch_size';
  if (!existsSync(o.architecture)) throw new CliError('usage', [`--architecture ${o.architecture}: no such file (fix: ${fixArch})`]);
  if (!existsSync(o.weights))
    throw new CliError('usage', [
      `--weights ${o.weights}: no such file (fix: pass a .safetensors file, e.g. written by safetensors.torch.save_file(model.state_dict(), PATH))`,
    ]);
  let a: unknown;
  try {
    a = JSON.parse(readFileSync(o.architecture, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) throw new CliError('data', [`--architecture ${o.architecture}: not valid JSON (${e.message}) (fix: ${fixArch})`]);
    throw e;
  }
  if (!isObj(a)) throw new CliError('data', [`--architecture ${o.architecture}: not a JSON object (fix: ${fixArch})`]);
  const issues: string[] = [];
  const ak = isObj(a.arch_kwargs) ? a.arch_kwargs : undefined;
  const ct = isObj(a.colab_ts) ? a.colab_ts : {};
  const deep = a.deep_supervision === true || ak?.deep_supervision === true;
  let st: Safetensors;
  try {
    st = decodeSafetensors(readFileSync(o.weights), o.weights);
  } catch (e) {
    if (e instanceof SafetensorsError)
      throw new CliError('data', [
        `${e.message} (fix: write the weights with safetensors.torch.save_file({k: v.float().contiguous() for k, v in model.state_dict().items()}, PATH))`,
      ]);
    throw e;
  }
  let params: UNetTree;
  let unused: readonly string[];
  try {
    ({ params, unused } = unetFromStateDict(st.tensors, { deepSupervision: deep, source: o.weights }));
  } catch (e) {
    if (e instanceof SafetensorsError)
      throw new CliError('data', [
        `--weights ${o.weights}: ${e.why} (fix: export the state_dict of a dynamic_network_architectures PlainConvUNet, or of examples/pytorch/colab_unet.py's ColabUNet)`,
      ]);
    throw e;
  }
  const notF32 = unetStateDict(params).filter(([, x]) => x.dtype !== 'float32');
  if (notF32.length > 0)
    issues.push(
      `--weights ${o.weights}: ${notF32.length} tensor(s) are not float32 (${notF32
        .slice(0, 3)
        .map(([k, x]) => `${k}: ${x.dtype}`)
        .join(', ')}${notF32.length > 3 ? ', ...' : ''}); colab-ts runs float32 (fix: save {k: v.float() for k, v in model.state_dict().items()})`,
    );
  const extra = unused.filter((k) => !k.startsWith('decoder.seg_layers.'));
  if (extra.length > 0)
    issues.push(
      `--weights ${o.weights}: ${extra.length} key(s) that a PlainConvUNet does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''} (fix: save only the network's state_dict)`,
    );
  // The architecture file must describe these weights: each difference is listed.
  const got = archKwargsOf(params);
  if (ak !== undefined) {
    for (const k of ['n_stages', 'features_per_stage', 'kernel_sizes', 'strides', 'n_conv_per_stage', 'n_conv_per_stage_decoder'] as const) {
      const want = ak[k];
      // 2D nnU-Net configurations list 2 sizes per stage; colab-ts's weights have a depth axis of 1.
      const norm = (v: unknown): string => JSON.stringify(Array.isArray(v) ? v.map((x) => (Array.isArray(x) && x.length === 2 ? [1, ...x] : x)) : v);
      if (want !== undefined && norm(want) !== norm(got[k]))
        issues.push(
          `--architecture: arch_kwargs.${k} is ${JSON.stringify(want)}, the weights have ${JSON.stringify(got[k])} (fix: pass the architecture these weights were trained with)`,
        );
    }
    const nonlin = isObj(ak.nonlin_kwargs) ? ak.nonlin_kwargs.negative_slope : undefined;
    if (nonlin !== undefined && nonlin !== 0.01)
      issues.push(
        `--architecture: nonlin_kwargs.negative_slope ${String(nonlin)}: colab-ts's U-Net uses LeakyReLU(0.01) (fix: train with nnU-Net's default nonlinearity)`,
      );
    if (typeof ak.norm_op === 'string' && !/InstanceNorm/.test(ak.norm_op))
      issues.push(`--architecture: norm_op ${ak.norm_op}: colab-ts's U-Net uses instance norm (fix: train with nnU-Net's default InstanceNorm)`);
  }
  const outputs = (params.head ?? params.heads![0]!).w.shape[0]!;
  const inChannels = params.encoder[0]!.convs[0]!.conv.w.shape[1]!;
  if (a.num_classes !== undefined && a.num_classes !== outputs)
    issues.push(
      `--architecture: num_classes ${JSON.stringify(a.num_classes)}, the weights have ${outputs} outputs (fix: pass the architecture these weights were trained with)`,
    );
  const patchRaw = o.patch ?? ct.patch ?? a.patch_size;
  const patch = isTriple(patchRaw)
    ? patchRaw
    : Array.isArray(patchRaw) && patchRaw.length === 2 && isTriple([1, ...patchRaw])
      ? ([1, ...patchRaw] as Triple)
      : undefined;
  if (patch === undefined) issues.push(`--architecture: no patch_size (fix: add "patch_size": [D, H, W] from nnU-Net's plans, or pass --patch D,H,W)`);
  const method = (METHODS as readonly unknown[]).includes(ct.method) ? (ct.method as Method) : 'baseline';
  const labels = isObj(ct.labels) ? (ct.labels as Record<string, number>) : isObj(a.labels) ? (a.labels as Record<string, number>) : undefined;
  const classes = typeof ct.classes === 'number' ? ct.classes : labels !== undefined ? Math.max(...Object.values(labels)) + 1 : outputs;
  const t = typeof ct.t === 'number' ? ct.t : method === 'baseline' ? 2 : outputs - classes + 1;
  if (!(Number.isInteger(classes) && classes >= 2))
    issues.push(
      `--architecture: ${JSON.stringify(ct.classes ?? labels)} gives ${classes} classes; need an integer >= 2 with the background (fix: give "labels": {"background": 0, "roi": 1} or colab_ts.classes)`,
    );
  if (!(Number.isInteger(t) && t >= 1))
    issues.push(
      `--architecture: colab_ts.t ${JSON.stringify(ct.t)} must be an integer >= 1 (fix: give the number of context classes the model was trained with)`,
    );
  const normIssue = normalizationIssue(ct.normalization);
  if (normIssue !== undefined)
    issues.push(
      `--architecture: colab_ts.normalization ${normIssue} (fix: {"kind": "zscore"} or {"kind": "ct", "stats": {"mean": M, "std": S, "lower": P0_5, "upper": P99_5}})`,
    );
  if (segOutputs({ method, t, classes }) !== outputs)
    issues.push(
      `--architecture: ${method} with ${classes} classes and t = ${t} has ${segOutputs({ method, t, classes })} outputs, the weights have ${outputs} (fix: correct colab_ts.classes / colab_ts.t, or the labels)`,
    );
  if (issues.length === 0) {
    // Building the graph checks every shape (nothing is computed).
    try {
      unetApply(params as unknown as UNetParams<NDArray>, tensor(zeros([1, inChannels, ...patch!])));
    } catch (e) {
      issues.push(
        `--weights ${o.weights}: the weights do not form a U-Net for patch [${patch!.join(', ')}]: ${e instanceof Error ? e.message : String(e)} (fix: pass a patch that is a multiple of the total stride, and weights of one PlainConvUNet)`,
      );
    }
  }
  if (issues.length > 0) throw new CliError('data', issues);
  if (['best.ckpt', 'latest.ckpt'].some((f) => existsSync(join(o.out, f))))
    throw new CliError('usage', [`--out ${o.out} already holds a run (fix: choose another --out)`]);
  prepareOutDir(o.out, '--out');
  const normalization: Normalization = isObj(ct.normalization) ? (ct.normalization as unknown as Normalization) : { kind: 'zscore' };
  const spacing = (isTriple(ct.spacing) || (Array.isArray(ct.spacing) && ct.spacing.length === 3) ? ct.spacing : [1, 1, 1]) as Triple;
  const cfg: RunConfig & { readonly imported: { readonly weights: string; readonly architecture: string } } = {
    version: 1,
    data: '',
    method,
    t,
    classes,
    inChannels,
    iterations: 0,
    batchSize: 2,
    patch: patch!,
    seed: 0,
    lr: 0.01,
    momentum: 0.99,
    generatorLr: 0,
    generatorEvery: 1,
    margin: 0,
    temperature: 1,
    features: got.features_per_stage[0]!,
    stages: got.n_stages,
    roiShare: 0.33,
    augment: false,
    valEvery: 1,
    deepSupervision: deep,
    trainCases: [],
    valCases: [],
    normalization,
    spacing,
    labels: labels ?? { background: 0, ...Object.fromEntries(Array.from({ length: classes - 1 }, (_, i) => [`class${i + 1}`, i + 1])) },
    imported: { weights: dataPathFromRun(o.out, o.weights), architecture: dataPathFromRun(o.out, o.architecture) },
  };
  const step = typeof ct.step === 'number' ? ct.step : 0;
  const ck: Checkpoint = {
    version: 1,
    method,
    step,
    key: [0, 0],
    state: segmentationInit(params),
    bestDice: Number.NaN,
    bestStep: step,
    valDice: [],
    config: cfg,
  };
  writeAtomicSync(join(o.out, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  saveCheckpoint(join(o.out, 'best.ckpt'), ck);
  if (normalization.kind === 'zscore' && !isObj(ct.normalization))
    io.stderr(
      `colab-ts import: warning: ${basename(o.architecture)} has no colab_ts.normalization; predict z-scores each image (fix: add "colab_ts": {"normalization": {"kind": "ct", "stats": {"mean", "std", "lower", "upper"}}} for CT models trained with nnU-Net's CTNormalization)\n`,
    );
  io.stdout(
    `imported ${unetStateDict(params).length} tensors (${got.n_stages} stages, ${outputs} outputs, patch ${patch!.join('x')}) into ${join(o.out, 'best.ckpt')}; predict with colab-ts predict --run ${o.out}\n`,
  );
  return { runDir: o.out };
}

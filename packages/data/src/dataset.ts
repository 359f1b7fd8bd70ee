/**
 * Dataset folders as users have them, decoded and validated before training:
 * the Medical Segmentation Decathlon layout (`dataset.json` with `training`
 * `[{ image, label }]` and `test` lists) and nnU-Net v2's (`imagesTr/CASE_0000.nii.gz`,
 * `labelsTr/CASE.nii.gz`, `dataset.json` with `channel_names`, `labels`,
 * `file_ending`), each with optional human-defined context labels per case
 * in a third folder (`contextTr/CASE.nii.gz`, or a `context` path per MSD entry).
 *
 * `openDataset` reads every case once, one at a time (memory stays at one
 * case), and reports every problem of every case at once: missing files,
 * unreadable files, channel count, shape, spacing or affine mismatches between
 * image and label maps, label values outside the declared set, non-integer labels
 * and NaN voxels, each naming the case and the fix. Voxels are loaded later,
 * case by case, with `loadCase`.
 * @module
 */
import { access, readFile, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import * as E from 'fp-ts/lib/Either.js';
import * as RA from 'fp-ts/lib/ReadonlyArray.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { NDArray } from '@colab-ts/ndarray';
import type { Case } from './Case.js';
import { dataOf, packed } from './internal/arrays.js';
import { readNifti } from './niftiFile.js';
import { insideFolder } from './safePath.js';
import { affineDistance, spacingClose } from './geometry.js';
import type { Spacing } from './resample.js';
import type { ReadError, Volume } from './Volume.js';

/** What kind of problem a dataset has. @category datasets */
export type DatasetIssueKind =
  | 'DatasetJson'
  | 'MissingFile'
  | 'UnreadableFile'
  | 'ChannelMismatch'
  | 'ShapeMismatch'
  | 'SpacingMismatch'
  | 'AffineMismatch'
  | 'LabelOutOfSet'
  | 'NonIntegerLabel'
  | 'NaNVoxels'
  | 'CaseCount'
  | 'UnsafePath';

/**
 * One problem with a dataset: its kind, the case it concerns (absent for
 * dataset-wide problems), the file, what is wrong and how to fix it.
 * @category datasets
 */
export interface DatasetIssue {
  readonly kind: DatasetIssueKind;
  readonly case?: string | undefined;
  readonly file?: string | undefined;
  readonly message: string;
  readonly fix: string;
}

/** One validated training case: its files, spatial shape, spacing and channel count. @category datasets */
export interface CaseInfo {
  readonly id: string;
  /** Image files: one per channel (nnU-Net), or one 3-D/4-D file (MSD). */
  readonly images: readonly string[];
  readonly label: string;
  readonly context?: string | undefined;
  readonly shape: readonly [number, number, number];
  readonly spacing: Spacing;
  readonly channels: number;
}

/** A test case (images only). @category datasets */
export interface TestCase {
  readonly id: string;
  readonly images: readonly string[];
}

/** A validated dataset folder. @category datasets */
export interface Dataset {
  readonly dir: string;
  readonly format: 'msd' | 'nnunet';
  readonly name: string;
  readonly channelNames: readonly string[];
  /** Label name -> value (background included). */
  readonly labels: Readonly<Record<string, number>>;
  /** Context label name -> value, when dataset.json declares `context_labels`. */
  readonly contextLabels?: Readonly<Record<string, number>> | undefined;
  readonly fileEnding: string;
  readonly training: readonly CaseInfo[];
  readonly test: readonly TestCase[];
}

/** Options of `openDataset`. @category datasets */
export interface OpenDatasetOptions {
  /** Folder of context label maps, relative to the dataset (default `contextTr`). */
  readonly contextDir?: string;
  /** Report a case without a context file as an issue (default false: context is optional). */
  readonly requireContext?: boolean;
  /** Relative tolerance when comparing image and label spacing (default 1e-3). */
  readonly spacingTolerance?: number;
}

type Issues = ReadonlyArray<DatasetIssue>;
type V<A> = E.Either<Issues, A>;

const V = E.getApplicativeValidation(RA.getSemigroup<DatasetIssue>());
const seqV = RA.sequence(V);
const fail = (issue: DatasetIssue): V<never> => E.left([issue]);

/** A one-line rendering of an issue: `case la_003: label ... (fix: ...)`. @category datasets */
export function showIssue(i: DatasetIssue): string {
  return `${i.case === undefined ? 'dataset' : `case ${i.case}`}: ${i.message} (fix: ${i.fix})`;
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

const caseIdOf = (file: string): string => basename(file).replace(/\.nii(\.gz)?$/, '');

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Decodes the label map of dataset.json (MSD: value -> name; nnU-Net: name -> value or list). */
function decodeLabels(json: Json, format: 'msd' | 'nnunet', file: string): V<Record<string, number>> {
  const raw = json.labels;
  const bad = (why: string): V<never> =>
    fail({
      kind: 'DatasetJson',
      file,
      message: `"labels" ${why}`,
      fix: format === 'msd' ? 'write "labels": { "0": "background", "1": "tumour" }' : 'write "labels": { "background": 0, "tumour": 1 }',
    });
  if (!isObject(raw)) return bad('is missing or not an object');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (format === 'msd') {
      const value = Number(k);
      if (!Number.isInteger(value) || value < 0 || typeof v !== 'string')
        return bad(`has entry ${JSON.stringify(k)}: ${JSON.stringify(v)}; keys must be label values, values names`);
      out[v] = value;
    } else {
      const values = Array.isArray(v) ? v : [v];
      if (!values.every((x) => Number.isInteger(x) && (x as number) >= 0))
        return bad(`has entry ${JSON.stringify(k)}: ${JSON.stringify(v)}; values must be non-negative integers`);
      // Region-based labels list several values; each value is allowed in the maps.
      values.forEach((x, i) => (out[values.length > 1 ? `${k}#${i}` : k] = x as number));
    }
  }
  if (!Object.values(out).includes(0)) return bad('does not declare background (0)');
  return E.right(out);
}

function decodeChannels(json: Json, key: 'modality' | 'channel_names', file: string): V<string[]> {
  const raw = json[key];
  if (!isObject(raw)) return fail({ kind: 'DatasetJson', file, message: `"${key}" is missing or not an object`, fix: `write "${key}": { "0": "CT" }` });
  const n = Object.keys(raw).length;
  const names = Array.from({ length: n }, (_, i) => raw[String(i)]);
  if (n === 0 || !names.every((x): x is string => typeof x === 'string')) {
    return fail({
      kind: 'DatasetJson',
      file,
      message: `"${key}" must map "0".."${n - 1}" to channel names, got ${JSON.stringify(raw)}`,
      fix: `write "${key}": { "0": "CT" }`,
    });
  }
  return E.right(names);
}

function decodeContextLabels(json: Json, file: string): V<Record<string, number> | undefined> {
  const raw = json.context_labels;
  if (raw === undefined) return E.right(undefined);
  if (!isObject(raw) || !Object.entries(raw).every(([k, v]) => Number.isInteger(Number(k)) && typeof v === 'string')) {
    return fail({
      kind: 'DatasetJson',
      file,
      message: '"context_labels" must map label values to names',
      fix: 'write "context_labels": { "0": "background", "1": "liver" }',
    });
  }
  return E.right(Object.fromEntries(Object.entries(raw).map(([k, v]) => [v as string, Number(k)])));
}

interface Plan {
  readonly format: 'msd' | 'nnunet';
  readonly name: string;
  readonly channelNames: readonly string[];
  readonly labels: Record<string, number>;
  readonly contextLabels: Record<string, number> | undefined;
  readonly fileEnding: string;
  readonly cases: readonly { id: string; images: string[]; label: string; context: string | undefined; contextDeclared: boolean }[];
  readonly test: readonly TestCase[];
  readonly numTraining: number | undefined;
}

async function planMsd(dir: string, json: Json, file: string, o: OpenDatasetOptions): Promise<V<Plan>> {
  const training = json.training;
  const entries: V<{ image: string; label: string; context?: string }[]> =
    Array.isArray(training) &&
    training.every(
      (t) => isObject(t) && typeof t.image === 'string' && typeof t.label === 'string' && (t.context === undefined || typeof t.context === 'string'),
    )
      ? E.right(training as { image: string; label: string; context?: string }[])
      : fail({
          kind: 'DatasetJson',
          file,
          message: '"training" must be a list of { "image": path, "label": path }',
          fix: 'list each training case as { "image": "./imagesTr/x.nii.gz", "label": "./labelsTr/x.nii.gz" }',
        });
  const testRaw = json.test ?? [];
  // Every path is resolved inside the dataset folder before anything is opened; each escape is one issue.
  const inside = (p: string, where: string): V<string> => {
    const full = insideFolder(dir, p);
    return full !== undefined
      ? E.right(full)
      : fail({
          kind: 'UnsafePath',
          file,
          message: `${where} ${JSON.stringify(p)} resolves outside the dataset folder ${dir}`,
          fix: 'keep every path inside the dataset folder (e.g. "./imagesTr/x.nii.gz"); copy or link the file into it',
        });
  };
  const test: V<string[]> =
    Array.isArray(testRaw) && testRaw.every((t) => typeof t === 'string' || (isObject(t) && typeof t.image === 'string'))
      ? E.right(testRaw.map((t) => (typeof t === 'string' ? t : ((t as Json).image as string))))
      : fail({ kind: 'DatasetJson', file, message: '"test" must be a list of image paths', fix: 'write "test": ["./imagesTs/x.nii.gz"]' });
  // sequenceS over the validation applicative reports every decoding issue, not the first.
  const base = sequenceS(V)({
    entries,
    test,
    labels: decodeLabels(json, 'msd', file),
    channels: decodeChannels(json, 'modality', file),
    contextLabels: decodeContextLabels(json, file),
  });
  if (E.isLeft(base)) return base;
  const b = base.right;
  const seen = new Set<string>();
  const dupes = b.entries
    .map((t) => caseIdOf(t.image))
    .filter((id) => {
      if (seen.has(id)) return true;
      seen.add(id);
      return false;
    });
  if (dupes.length > 0) {
    return fail({
      kind: 'DatasetJson',
      file,
      message: `"training" lists case(s) ${[...new Set(dupes)].join(', ')} more than once`,
      fix: 'list each case once',
    });
  }
  const located = sequenceS(V)({
    training: seqV(
      b.entries.map((t, i) =>
        sequenceS(V)({
          image: inside(t.image, `"training"[${i}].image`),
          label: inside(t.label, `"training"[${i}].label`),
          context: t.context === undefined ? E.right(undefined) : inside(t.context, `"training"[${i}].context`),
        }),
      ),
    ),
    test: seqV(b.test.map((p, i) => E.map((full: string): TestCase => ({ id: caseIdOf(p), images: [full] }))(inside(p, `"test"[${i}]`)))),
  });
  if (E.isLeft(located)) return located;
  const cases = await Promise.all(
    b.entries.map(async (t, i) => {
      const p = located.right.training[i]!;
      const id = caseIdOf(t.image);
      const declared = p.context !== undefined;
      const guess = join(dir, o.contextDir ?? 'contextTr', basename(t.label));
      const context = declared ? p.context : (await exists(guess)) ? guess : undefined;
      return { id, images: [p.image], label: p.label, context, contextDeclared: declared };
    }),
  );
  const ending = b.entries[0]?.image.endsWith('.nii') === true ? '.nii' : '.nii.gz';
  return E.right({
    format: 'msd',
    name: typeof json.name === 'string' ? json.name : basename(dir),
    channelNames: b.channels,
    labels: b.labels,
    contextLabels: b.contextLabels,
    fileEnding: ending,
    cases,
    test: located.right.test,
    numTraining: typeof json.numTraining === 'number' ? json.numTraining : undefined,
  });
}

async function listDir(p: string): Promise<string[]> {
  try {
    // Hidden files (macOS "._x.nii.gz" resource forks ship inside some MSD archives) are not cases.
    return (await readdir(p)).filter((f) => !f.startsWith('.'));
  } catch {
    return [];
  }
}

async function planNnunet(dir: string, json: Json, file: string, o: OpenDatasetOptions): Promise<V<Plan>> {
  const ending = json.file_ending;
  const endingV: V<string> =
    typeof ending === 'string' && ending.startsWith('.')
      ? E.right(ending)
      : fail({
          kind: 'DatasetJson',
          file,
          message: `"file_ending" must be a string such as ".nii.gz", got ${JSON.stringify(ending)}`,
          fix: 'write "file_ending": ".nii.gz"',
        });
  const decoded = sequenceS(V)({
    end: endingV,
    labels: decodeLabels(json, 'nnunet', file),
    channels: decodeChannels(json, 'channel_names', file),
    contextLabels: decodeContextLabels(json, file),
  });
  if (E.isLeft(decoded)) return decoded;
  const { end, labels, channels, contextLabels } = decoded.right;
  const nCh = channels.length;
  const imagesTr = join(dir, 'imagesTr');
  const labelsTr = join(dir, 'labelsTr');
  const contextTr = join(dir, o.contextDir ?? 'contextTr');
  const imageFiles = (await listDir(imagesTr)).filter((f) => f.endsWith(end));
  const labelFiles = (await listDir(labelsTr)).filter((f) => f.endsWith(end));
  const contextFiles = new Set((await listDir(contextTr)).filter((f) => f.endsWith(end)));
  const channelRe = /^(.*)_(\d{4})$/;
  const ids = new Set<string>();
  for (const f of imageFiles) {
    const m = channelRe.exec(f.slice(0, -end.length));
    if (m !== null) ids.add(m[1]!);
  }
  for (const f of labelFiles) ids.add(f.slice(0, -end.length));
  const cases = [...ids].sort().map((id) => ({
    id,
    images: Array.from({ length: nCh }, (_, c) => join(imagesTr, `${id}_${String(c).padStart(4, '0')}${end}`)),
    label: join(labelsTr, `${id}${end}`),
    context: contextFiles.has(`${id}${end}`) ? join(contextTr, `${id}${end}`) : undefined,
    contextDeclared: false,
  }));
  const imagesTs = join(dir, 'imagesTs');
  const testIds = new Set<string>();
  for (const f of (await listDir(imagesTs)).filter((x) => x.endsWith(end))) {
    const m = channelRe.exec(f.slice(0, -end.length));
    if (m !== null) testIds.add(m[1]!);
  }
  const test = [...testIds]
    .sort()
    .map((id) => ({ id, images: Array.from({ length: nCh }, (_, c) => join(imagesTs, `${id}_${String(c).padStart(4, '0')}${end}`)) }));
  return E.right({
    format: 'nnunet',
    name: typeof json.name === 'string' ? json.name : basename(dir),
    channelNames: channels,
    labels,
    contextLabels,
    fileEnding: end,
    cases,
    test,
    numTraining: typeof json.numTraining === 'number' ? json.numTraining : undefined,
  });
}

const shapeOf = (v: Volume): number[] => v.data.shape.slice(-3);
const showList = (xs: readonly number[]): string => `[${xs.map((x) => +x.toFixed(4)).join(', ')}]`;

/** Distinct values of a map outside `allowed`, with counts, and whether any value is not an integer. */
function labelCensus(x: NDArray, allowed: ReadonlySet<number>): { outside: Map<number, number>; nonInteger: number } {
  const d = dataOf(x);
  const outside = new Map<number, number>();
  let nonInteger = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isInteger(v)) {
      nonInteger++;
      continue;
    }
    if (!allowed.has(v)) outside.set(v, (outside.get(v) ?? 0) + 1);
  }
  return { outside, nonInteger };
}

function countNaN(x: NDArray): number {
  const d = dataOf(x);
  let n = 0;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) n++;
  return n;
}

async function readOrIssue(id: string, path: string, role: string, hint: string): Promise<V<Volume>> {
  if (!(await exists(path))) return fail({ kind: 'MissingFile', case: id, file: path, message: `${role} ${path} does not exist`, fix: hint });
  const r = await readNifti(path)();
  return E.isLeft(r)
    ? fail({ kind: 'UnreadableFile', case: id, file: path, message: `${role}: ${r.left.message}`, fix: `replace ${basename(path)} with a valid NIfTI file` })
    : E.right(r.right);
}

/** Validates one case: every check runs, and every failure is reported. */
async function checkOne(plan: Plan, c: Plan['cases'][number], o: OpenDatasetOptions): Promise<V<CaseInfo>> {
  const id = c.id;
  const tol = o.spacingTolerance ?? 1e-3;
  const removeHint = plan.format === 'msd' ? "or remove the case from dataset.json's training list" : 'or remove the case';
  const images = await Promise.all(
    c.images.map((p, ch) => readOrIssue(id, p, plan.format === 'nnunet' ? `image channel ${ch}` : 'image', `add the image file ${removeHint}`)),
  );
  const label = await readOrIssue(id, c.label, 'label', `add the label map ${removeHint}`);
  const context =
    c.context !== undefined
      ? await readOrIssue(id, c.context, 'context labels', 'add the context label map or drop its "context" entry')
      : o.requireContext === true || c.contextDeclared
        ? fail({
            kind: 'MissingFile',
            case: id,
            file: join(o.contextDir ?? 'contextTr', `${id}${plan.fileEnding}`),
            message: 'has no context label map',
            fix: `add ${o.contextDir ?? 'contextTr'}/${id}${plan.fileEnding} or open the dataset without requireContext`,
          })
        : E.right(undefined);
  const issues: DatasetIssue[] = [];
  for (const x of [...images, label, context]) if (E.isLeft(x)) issues.push(...x.left);
  const imgs = images.flatMap((x) => (E.isRight(x) ? [x.right] : []));
  const ref = imgs[0];
  // Channel count and per-channel geometry.
  let channels = 0;
  if (ref !== undefined) {
    if (plan.format === 'msd') {
      channels = ref.data.shape.length === 4 ? ref.data.shape[0]! : 1;
      if (channels !== plan.channelNames.length) {
        issues.push({
          kind: 'ChannelMismatch',
          case: id,
          file: c.images[0],
          message: `image has ${channels} channel(s), dataset.json "modality" declares ${plan.channelNames.length}`,
          fix: `store the ${plan.channelNames.length} modalities as a 4-D image or correct "modality"`,
        });
      }
    } else {
      channels = plan.channelNames.length;
      imgs.forEach((v, ch) => {
        if (v.data.shape.length !== 3) {
          issues.push({
            kind: 'ChannelMismatch',
            case: id,
            file: c.images[ch],
            message: `image channel ${ch} is ${v.data.shape.length}-D, nnU-Net expects one 3-D file per channel`,
            fix: 'split the 4-D image into CASE_0000, CASE_0001, ... files',
          });
        }
      });
    }
  }
  const checkGeometry = (v: Volume, file: string, role: string): void => {
    if (ref === undefined) return;
    const a = shapeOf(ref);
    const b = shapeOf(v);
    if (a.join() !== b.join()) {
      issues.push({
        kind: 'ShapeMismatch',
        case: id,
        file,
        message: `${role} shape ${showList(b)} differs from the image shape ${showList(a)} ([D, H, W])`,
        fix: `resample or crop the ${role} onto the image grid, or pair the right files`,
      });
    }
    const sa = ref.spacing;
    const sb = v.spacing;
    const spacingOk = spacingClose(sa, sb, tol);
    if (!spacingOk) {
      issues.push({
        kind: 'SpacingMismatch',
        case: id,
        file,
        message: `${role} spacing ${showList(sb)} mm differs from the image spacing ${showList(sa)} mm`,
        fix: `resample the ${role} to the image spacing or correct its header pixdim`,
      });
    } else if (a.join() === b.join()) {
      // Same grid size and spacing, yet another origin or orientation: outputs would not overlay.
      const worst = affineDistance(ref.affine, v.affine);
      if (!(worst <= 1e-3)) {
        issues.push({
          kind: 'AffineMismatch',
          case: id,
          file,
          message: `${role} affine (origin or orientation) differs from the image's by up to ${+worst.toFixed(4)}`,
          fix: `give the ${role} the image's header geometry (sform/qform), e.g. nibabel.Nifti1Image(label, image.affine, image.header)`,
        });
      }
    }
  };
  imgs.slice(1).forEach((v, ch) => checkGeometry(v, c.images[ch + 1]!, `image channel ${ch + 1}`));
  const checkLabels = (v: Volume, file: string, role: string, allowed: Readonly<Record<string, number>> | undefined): void => {
    checkGeometry(v, file, role);
    const set = new Set(allowed === undefined ? [] : Object.values(allowed));
    const { outside, nonInteger } = labelCensus(v.data, set);
    if (nonInteger > 0) {
      issues.push({
        kind: 'NonIntegerLabel',
        case: id,
        file,
        message: `${role} has ${nonInteger} non-integer voxel(s)`,
        fix: `store the ${role} as an integer map (uint8 or int16), rounding or nearest-neighbour resampling`,
      });
    }
    if (allowed !== undefined && outside.size > 0) {
      const vals = [...outside.entries()].sort((p, q) => p[0] - q[0]).map(([val, cnt]) => `${val} (${cnt} voxels)`);
      issues.push({
        kind: 'LabelOutOfSet',
        case: id,
        file,
        message: `${role} has value(s) ${vals.join(', ')} outside the declared set {${[...set].sort((p, q) => p - q).join(', ')}}`,
        fix: `declare them in dataset.json "${role === 'label' ? 'labels' : 'context_labels'}" or relabel those voxels`,
      });
    }
    const nan = countNaN(v.data);
    if (nan > 0)
      issues.push({
        kind: 'NaNVoxels',
        case: id,
        file,
        message: `${role} has ${nan} NaN or infinite voxel(s)`,
        fix: `replace them (0 for labels) before training`,
      });
  };
  if (E.isRight(label)) checkLabels(label.right, c.label, 'label', plan.labels);
  if (E.isRight(context) && context.right !== undefined) checkLabels(context.right, c.context!, 'context labels', plan.contextLabels);
  imgs.forEach((v, ch) => {
    const nan = countNaN(v.data);
    if (nan > 0) {
      issues.push({
        kind: 'NaNVoxels',
        case: id,
        file: c.images[ch],
        message: `image${plan.format === 'nnunet' ? ` channel ${ch}` : ''} has ${nan} NaN or infinite voxel(s)`,
        fix: 'replace them (e.g. with the image minimum) before training',
      });
    }
  });
  if (issues.length > 0 || ref === undefined) return E.left(issues);
  const [D, H, W] = shapeOf(ref) as [number, number, number];
  return E.right({ id, images: c.images, label: c.label, context: c.context, shape: [D, H, W], spacing: ref.spacing, channels });
}

/**
 * Opens and validates a dataset folder (MSD or nnU-Net v2, told apart by
 * dataset.json), reading every case once. `Left` holds every issue of every
 * case; `Right` a `Dataset` whose cases load with `loadCase`.
 * @example
 * const r = await openDataset('/data/Task03_Liver')()
 * if (E.isLeft(r)) for (const i of r.left) console.error(showIssue(i))
 * @category datasets
 */
export function openDataset(dir: string, options: OpenDatasetOptions = {}): TE.TaskEither<Issues, Dataset> {
  return async () => {
    const root = resolve(dir);
    const file = join(root, 'dataset.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      const folderHint = 'point at the dataset folder (the one holding dataset.json, imagesTr and labelsTr)';
      return fail(
        code === 'ENOENT'
          ? { kind: 'MissingFile', file, message: `${file} does not exist`, fix: folderHint }
          : code === 'ENOTDIR'
            ? { kind: 'MissingFile', file, message: `${root} is a file, not a dataset folder`, fix: folderHint }
            : {
                kind: 'UnreadableFile',
                file,
                message: `cannot read dataset.json (${(e as Error).message})`,
                fix: 'make dataset.json a readable file (check its permissions)',
              },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return fail({ kind: 'DatasetJson', file, message: `dataset.json is not valid JSON (${(e as Error).message})`, fix: 'fix the JSON syntax' });
    }
    if (!isObject(json))
      return fail({
        kind: 'DatasetJson',
        file,
        message: 'dataset.json is not a JSON object',
        fix: 'write an MSD or nnU-Net v2 dataset.json',
      });
    const planned = Array.isArray(json.training)
      ? await planMsd(root, json, file, options)
      : 'channel_names' in json || 'file_ending' in json
        ? await planNnunet(root, json, file, options)
        : fail({
            kind: 'DatasetJson',
            file,
            message: 'dataset.json has neither "training" (MSD) nor "channel_names"/"file_ending" (nnU-Net v2)',
            fix: 'write an MSD or nnU-Net v2 dataset.json',
          });
    if (E.isLeft(planned)) return planned;
    const plan = planned.right;
    // One case at a time, so memory holds one case; every case is checked.
    const checked: V<CaseInfo>[] = [];
    for (const c of plan.cases) checked.push(await checkOne(plan, c, options));
    // Test images are not read (training does not need them), only looked for.
    for (const t of plan.test) {
      for (const p of t.images) {
        if (!(await exists(p))) {
          checked.push(
            fail({
              kind: 'MissingFile',
              case: t.id,
              file: p,
              message: `test image ${p} does not exist`,
              fix: plan.format === 'msd' ? `add it or remove it from dataset.json's "test" list` : 'add the missing channel file to imagesTs',
            }),
          );
        }
      }
    }
    const count: V<undefined> =
      plan.numTraining !== undefined && plan.numTraining !== plan.cases.length
        ? fail({
            kind: 'CaseCount',
            file,
            message: `dataset.json says numTraining = ${plan.numTraining}, the folder has ${plan.cases.length} training case(s)`,
            fix: `set "numTraining": ${plan.cases.length}`,
          })
        : plan.cases.length === 0
          ? fail({
              kind: 'CaseCount',
              file,
              message: 'no training cases found',
              fix: plan.format === 'msd' ? 'list cases in "training"' : `put images in imagesTr as CASE_0000${plan.fileEnding}`,
            })
          : E.right(undefined);
    return pipe(
      V.ap(
        V.map(
          seqV(checked),
          (training) =>
            (_: undefined): Dataset => ({
              dir: root,
              format: plan.format,
              name: plan.name,
              channelNames: plan.channelNames,
              labels: plan.labels,
              contextLabels: plan.contextLabels,
              fileEnding: plan.fileEnding,
              training,
              test: plan.test,
            }),
        ),
        count,
      ),
    );
  };
}

/** An integer map as uint8 when its values fit, else int32, shaped `[1, D, H, W]`. */
function toLabelMap(v: Volume): NDArray {
  const d = dataOf(v.data);
  let fits = true;
  for (let i = 0; i < d.length; i++) {
    const x = d[i]!;
    if (!(x >= 0 && x <= 255)) {
      fits = false;
      break;
    }
  }
  const shape = [1, ...v.data.shape.slice(-3)];
  if (fits)
    return packed(
      'uint8',
      shape,
      Uint8Array.from(d as ArrayLike<number>, (x) => Math.round(x)),
    );
  return packed(
    'int32',
    shape,
    Int32Array.from(d as ArrayLike<number>, (x) => Math.round(x)),
  );
}

/**
 * Loads a validated case's voxels: image `[C, D, H, W]` float32, label and
 * context `[1, D, H, W]` (uint8 when the values fit, else int32).
 * @example const c = await loadCase(ds.training[0])()
 * @category datasets
 */
export function loadCase(info: CaseInfo): TE.TaskEither<ReadError, Case> {
  return pipe(
    TE.Do,
    TE.apS(
      'images',
      pipe(
        info.images.map((p) => readNifti(p)),
        TE.sequenceSeqArray,
      ),
    ),
    TE.apS('label', readNifti(info.label)),
    TE.apS('context', info.context === undefined ? TE.right(undefined) : readNifti(info.context)),
    TE.map(({ images, label, context }) => {
      const [D, H, W] = info.shape;
      const n = D * H * W;
      const out = new Float32Array(info.channels * n);
      let at = 0;
      for (const v of images) {
        const d = dataOf(v.data);
        for (let i = 0; i < d.length && at < out.length; i++) out[at++] = d[i]!;
      }
      return {
        id: info.id,
        image: packed('float32', [info.channels, D, H, W], out),
        label: toLabelMap(label),
        context: context === undefined ? undefined : toLabelMap(context),
        spacing: info.spacing,
      };
    }),
  );
}

/** Loads every training case of a dataset, in order. @example const cases = await loadDataset(ds)() @category datasets */
export function loadDataset(ds: Dataset): TE.TaskEither<ReadError, readonly Case[]> {
  return pipe(ds.training.map(loadCase), TE.sequenceSeqArray);
}

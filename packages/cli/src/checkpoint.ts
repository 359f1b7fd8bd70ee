/**
 * Checkpoints: any tree of `NDArray`s, numbers, strings and plain objects
 * (parameters, optimizer states, the generator, the RNG key, the step) as one
 * safetensors file. The arrays are its tensors; U-Net parameters are named
 * as nnU-Net v2's `PlainConvUNet` `state_dict` (the segmentation model's at
 * the top level, `encoder.stages.0.0.convs.0.conv.weight`, ...; the others
 * under their path in the tree, e.g. `state.omega.encoder...`,
 * `state.thetaOpt.momentum.encoder...`), so PyTorch reads them directly. The
 * `__metadata__` holds the tree with every array replaced by its name
 * (`colab_ts.tree`), and copies of `step`, `key` (the RNG state), `method`
 * and `config` when the tree has them.
 * The previous format (`COLABTS1`, a uint32 header length, a JSON header and
 * the arrays' bytes, each 8-byte aligned) still loads.
 * Written atomically: a temporary file in the same folder, then a rename.
 * @module
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { DType, NDArray } from '@colab-ts/ndarray';
import { array, contiguous, isNDArray } from '@colab-ts/ndarray';
import type { Safetensors } from './safetensors.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, isUNetTree, looksLikeSafetensors, unetStateDict } from './safetensors.js';

const MAGIC = 'COLABTS1';

interface ArrayRef {
  readonly $nd: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly bytes: number;
}

/** The metadata key of the tree in a safetensors checkpoint. @category checkpoints */
export const TREE_KEY = 'colab_ts.tree';

/** Non-finite numbers and `undefined`, which JSON lacks, as tagged objects (and back). */
const tagScalar = (v: unknown): unknown => (v === undefined ? { $undefined: true } : typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v);

/**
 * Serializes a tree to checkpoint bytes (safetensors; see the module header).
 * @example decodeCheckpoint(encodeCheckpoint({ step: 3, w: array(new Float32Array([1]), [1]) }))
 * @category checkpoints
 */
export function encodeCheckpoint(tree: unknown): Uint8Array {
  const tensors: [string, NDArray][] = [];
  const walk = (v: unknown, path: readonly string[]): unknown => {
    if (isNDArray(v)) {
      const name = path.join('.');
      tensors.push([name, v]);
      return { $st: name };
    }
    if (isUNetTree(v)) {
      // The segmentation model's parameters get the bare nnU-Net names, so its state_dict loads as is.
      const prefix = path.join('.') === 'state.theta' ? '' : `${path.join('.')}.`;
      const named = unetStateDict(v, prefix);
      const byArray = new Map(named.map(([k, x]) => [x, k]));
      tensors.push(...named);
      const ref = (x: unknown): unknown =>
        isNDArray(x)
          ? { $st: byArray.get(x) }
          : Array.isArray(x)
            ? x.map(ref)
            : typeof x === 'object' && x !== null
              ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, ref(y)]))
              : tagScalar(x);
      return ref(v);
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, String(i)]));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return tagScalar(v);
  };
  const skeleton = walk(tree, []);
  const metadata: Record<string, string> = { format: 'pt', [TREE_KEY]: JSON.stringify(skeleton) };
  if (typeof tree === 'object' && tree !== null) {
    for (const k of ['step', 'key', 'method', 'config'] as const) {
      const x = (tree as Record<string, unknown>)[k];
      if (x !== undefined) metadata[k] = JSON.stringify(x);
    }
  }
  return encodeSafetensors(tensors, metadata);
}

/** Serializes a tree in the previous checkpoint format, `COLABTS1` (kept for tests of old runs). @category checkpoints */
export function encodeLegacyCheckpoint(tree: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const walk = (v: unknown): unknown => {
    if (isNDArray(v)) {
      const c = contiguous(v);
      const d = c.data as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number; BYTES_PER_ELEMENT: number };
      const n = c.shape.reduce((a, b) => a * b, 1);
      const bytes = new Uint8Array(d.buffer, d.byteOffset + c.offset * d.BYTES_PER_ELEMENT, n * d.BYTES_PER_ELEMENT).slice();
      const ref: ArrayRef = { $nd: blobs.length, dtype: c.dtype, shape: [...c.shape], offset, bytes: bytes.length };
      blobs.push(bytes);
      offset += Math.ceil(bytes.length / 8) * 8;
      return ref;
    }
    if (v === undefined) return { $undefined: true };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const header = new TextEncoder().encode(JSON.stringify(walk(tree)));
  const start = Math.ceil((12 + header.length) / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  let at = start;
  for (const b of blobs) {
    out.set(b, at);
    at += Math.ceil(b.length / 8) * 8;
  }
  return out;
}

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;

/** A file that is not a (complete) colab-ts checkpoint: `source` and why. @category checkpoints */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly source: string,
    readonly why: string,
  ) {
    super(`${source}: not a colab-ts checkpoint (${why})`);
  }
}

/** Reads checkpoint bytes (safetensors, or the previous `COLABTS1` format) back into the tree (arrays are copies, so aligned); throws `CheckpointError`. @category checkpoints */
export function decodeCheckpoint(bytes: Uint8Array, source = '<bytes>'): unknown {
  const bad = (why: string): never => {
    throw new CheckpointError(source, why);
  };
  if (bytes.length >= 8 && new TextDecoder().decode(bytes.subarray(0, 8)) === MAGIC) return decodeLegacy(bytes, source);
  if (!looksLikeSafetensors(bytes)) bad('neither safetensors nor COLABTS1');
  let st: Safetensors | undefined;
  try {
    st = decodeSafetensors(bytes, source);
  } catch (e) {
    if (e instanceof SafetensorsError) bad(e.why);
    throw e;
  }
  const text = st!.metadata[TREE_KEY];
  if (text === undefined) bad(`a safetensors file without the ${TREE_KEY} metadata (a weights file? import it with colab-ts import)`);
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(text!);
  } catch {
    bad(`unreadable ${TREE_KEY} metadata`);
  }
  return reviveTree(skeleton, (o) => (typeof o.$st === 'string' ? (st!.tensors.get(o.$st) ?? bad(`the tree names a missing tensor ${o.$st}`)) : NOT_A_LEAF));
}

const NOT_A_LEAF: unique symbol = Symbol('not a leaf');

/** The tree of a checkpoint's JSON skeleton: `$undefined` and `$number` markers restored, array references resolved by `leaf`. */
function reviveTree(skeleton: unknown, leaf: (o: Record<string, unknown>) => unknown): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (o.$undefined === true) return undefined;
      if (typeof o.$number === 'string') return Number(o.$number);
      const l = leaf(o);
      if (l !== NOT_A_LEAF) return l;
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(skeleton);
}

function decodeLegacy(bytes: Uint8Array, source: string): unknown {
  const bad = (why: string): never => {
    throw new CheckpointError(source, why);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) bad('bad magic');
  const hlen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + hlen > bytes.length) bad('truncated header');
  const start = Math.ceil((12 + hlen) / 8) * 8;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  } catch {
    bad('unreadable header');
  }
  return reviveTree(header, (o) => {
    if (typeof o.$nd !== 'number') return NOT_A_LEAF;
    const r = o as unknown as ArrayRef;
    const Ctor = CTORS[r.dtype as keyof typeof CTORS];
    if (Ctor === undefined) bad(`unknown dtype ${String(r.dtype)}`);
    if (start + r.offset + r.bytes > bytes.length) bad('truncated data');
    const copy = new Uint8Array(bytes.subarray(start + r.offset, start + r.offset + r.bytes)); // a copy (Buffer.slice would be a view)
    return array(new Ctor(copy.buffer), r.shape, r.dtype);
  });
}

/** Writes bytes atomically (temporary file, fsync, rename), synchronously so it also works in a signal handler. @category checkpoints */
export function writeAtomicSync(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  try {
    const fd = openSync(tmp, 'w');
    try {
      let at = 0;
      while (at < data.length) at += writeSync(fd, data, at, data.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    // A failed write(2) names no file, a failed open(2) the temporary one: name the file being written.
    if (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && [undefined, tmp].includes((e as { path?: string }).path))
      Object.assign(e, { path });
    throw e;
  }
}

/** Saves a tree as a checkpoint file, atomically. @category checkpoints */
export const saveCheckpoint = (path: string, tree: unknown): void => writeAtomicSync(path, encodeCheckpoint(tree));

/** Loads a checkpoint file. @category checkpoints */
export const loadCheckpoint = (path: string): unknown => decodeCheckpoint(readFileSync(path), path);

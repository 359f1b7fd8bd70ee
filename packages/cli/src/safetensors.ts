/**
 * The safetensors format (Hugging Face), written and read without
 * dependencies: an 8-byte little-endian header length, a JSON header
 * (`{"__metadata__": {string: string}, NAME: {dtype, shape, data_offsets}}`,
 * padded with spaces to 8 bytes) and the tensors' raw little-endian bytes,
 * back to back (the buffer is indexed entirely, without holes or overlaps,
 * as the reference implementation requires). Plus the names of a colab-ts
 * U-Net's parameters in nnU-Net v2's `PlainConvUNet` `state_dict`, so that
 * `safetensors.torch.load_file` + `load_state_dict` fill the PyTorch module.
 * @module
 */
import type { DType, NDArray } from '@colab-ts/ndarray';
import { array, contiguous, expandDims, isNDArray } from '@colab-ts/ndarray';

/** safetensors dtype names of the colab-ts dtypes. @category safetensors */
export const SAFETENSORS_DTYPE: Readonly<Record<DType, string>> = { float32: 'F32', float64: 'F64', int32: 'I32', uint8: 'U8' } as Readonly<
  Record<DType, string>
>;

const FROM_ST: Readonly<Record<string, DType>> = { F32: 'float32', F64: 'float64', I32: 'int32', U8: 'uint8' };
const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;
const BYTES: Readonly<Record<string, number>> = { float32: 4, float64: 8, int32: 4, uint8: 1 };

/** A file that is not a readable safetensors file: `source` and why. @category safetensors */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  constructor(
    readonly source: string,
    readonly why: string,
  ) {
    super(`${source}: not a safetensors file (${why})`);
  }
}

/** What a safetensors file holds: named arrays (in file order) and the string metadata. @category safetensors */
export interface Safetensors {
  readonly tensors: ReadonlyMap<string, NDArray>;
  readonly metadata: Readonly<Record<string, string>>;
}

const bytesOf = (x: NDArray): Uint8Array => {
  const c = contiguous(x);
  const d = c.data as unknown as { buffer: ArrayBuffer; byteOffset: number; BYTES_PER_ELEMENT: number };
  const n = c.shape.reduce((a, b) => a * b, 1);
  return new Uint8Array(d.buffer, d.byteOffset + c.offset * d.BYTES_PER_ELEMENT, n * d.BYTES_PER_ELEMENT);
};

/**
 * Serializes named arrays (and string metadata) as safetensors bytes. The
 * data are laid out by element size, largest first, then in the given order,
 * so every tensor is aligned to its element size.
 * @example encodeSafetensors([['w', array(new Float32Array([1, 2]), [2])]], { format: 'pt' })
 * @category safetensors
 */
export function encodeSafetensors(tensors: Iterable<readonly [string, NDArray]>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const list = [...tensors];
  const names = new Set<string>();
  for (const [name, x] of list) {
    if (name === '__metadata__' || name === '') throw new SafetensorsError('<encode>', `invalid tensor name ${JSON.stringify(name)}`);
    if (names.has(name)) throw new SafetensorsError('<encode>', `duplicate tensor name ${name}`);
    if (!isNDArray(x) || SAFETENSORS_DTYPE[x.dtype] === undefined)
      throw new SafetensorsError('<encode>', `${name} is not a float32, float64, int32 or uint8 array`);
    names.add(name);
  }
  const order = list.map((e, i) => ({ e, i })).sort((a, b) => BYTES[b.e[1].dtype]! - BYTES[a.e[1].dtype]! || a.i - b.i);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let at = 0;
  for (const {
    e: [name, x],
  } of order) {
    const b = bytesOf(x);
    header[name] = { dtype: SAFETENSORS_DTYPE[x.dtype], shape: [...x.shape], data_offsets: [at, at + b.length] };
    blobs.push(b);
    at += b.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const hlen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + hlen + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(hlen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + hlen);
  let p = 8 + hlen;
  for (const b of blobs) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Reads safetensors bytes (arrays are copies). Refuses, with `SafetensorsError`,
 * a header that is too long or not JSON, an unknown dtype, a size that does
 * not match the shape, and data offsets that leave holes, overlap or run past
 * the end.
 * @category safetensors
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<bytes>'): Safetensors {
  const bad = (why: string): never => {
    throw new SafetensorsError(source, why);
  };
  if (bytes.length < 8) bad('shorter than the 8-byte header length');
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > 100_000_000n) bad(`header length ${n} is implausible`);
  if (n > BigInt(bytes.length - 8)) bad(`truncated header: its length ${n} exceeds the file`);
  const hlen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hlen)));
  } catch {
    bad('the header is not JSON');
  }
  if (!isRecord(header)) bad('the header is not a JSON object');
  const h = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  if (h.__metadata__ !== undefined) {
    if (!isRecord(h.__metadata__)) bad('__metadata__ is not an object');
    for (const [k, v] of Object.entries(h.__metadata__ as Record<string, unknown>)) {
      if (typeof v !== 'string') bad(`__metadata__.${k} is not a string`);
      metadata[k] = v as string;
    }
  }
  const start = 8 + hlen;
  const size = bytes.length - start;
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(h)) {
    if (name === '__metadata__') continue;
    if (!isRecord(v)) bad(`${name}: not a tensor entry`);
    const e = v as Record<string, unknown>;
    const dtype = FROM_ST[String(e.dtype)];
    if (dtype === undefined) bad(`${name}: unsupported dtype ${JSON.stringify(e.dtype)} (colab-ts reads F32, F64, I32, U8)`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`${name}: bad shape ${JSON.stringify(shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] < off[0])
      bad(`${name}: bad data_offsets ${JSON.stringify(off)}`);
    const [begin, end] = off as [number, number];
    if (end > size) bad(`truncated data: ${name}'s data_offsets [${begin}, ${end}] run past the end of the data, ${size} bytes`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * BYTES[dtype!]!) bad(`${name}: ${end - begin} bytes for shape [${(shape as number[]).join(', ')}] of ${e.dtype}`);
    entries.push({ name, dtype: dtype!, shape: shape as number[], begin, end });
  }
  let at = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.begin !== at) bad(e.begin < at ? `${e.name}: data overlaps the previous tensor` : `a hole before ${e.name}`);
    at = e.end;
  }
  if (at !== size) bad(`${size - at} bytes after the last tensor`);
  const tensors = new Map<string, NDArray>();
  for (const e of entries) {
    const copy = new Uint8Array(bytes.subarray(start + e.begin, start + e.end)); // a copy (Buffer.slice would be a view)
    tensors.set(e.name, array(new CTORS[e.dtype](copy.buffer), e.shape, e.dtype));
  }
  return { tensors, metadata };
}

/** Whether bytes start like a safetensors file (a header length, then `{`), complete or not. @category safetensors */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  return n >= 2n && n <= 100_000_000n && bytes[8] === 0x7b;
}

// ---------------------------------------------------------------- nnU-Net names

interface ConvLeaves {
  readonly w: NDArray;
  readonly b: NDArray;
}
interface BlockLeaves {
  readonly conv: ConvLeaves;
  readonly norm: { readonly scale: NDArray; readonly bias: NDArray };
}
/** A colab-ts U-Net's parameters with array leaves (`unetInit`'s result, with or without deep supervision). @category safetensors */
export interface UNetTree {
  readonly encoder: readonly { readonly convs: readonly BlockLeaves[] }[];
  readonly decoder: readonly { readonly up: ConvLeaves; readonly convs: readonly BlockLeaves[] }[];
  readonly head?: ConvLeaves;
  readonly heads?: readonly ConvLeaves[];
}

/** Whether a value has the shape of U-Net parameters (encoder and decoder lists, a head or heads). @category safetensors */
export const isUNetTree = (x: unknown): x is UNetTree =>
  isRecord(x) &&
  Array.isArray(x.encoder) &&
  Array.isArray(x.decoder) &&
  (isRecord(x.head) || Array.isArray(x.heads)) &&
  x.encoder.length === x.decoder.length + 1;

/**
 * The parameters of a colab-ts U-Net as nnU-Net v2 `PlainConvUNet`
 * `state_dict` entries: `encoder.stages.S.0.convs.C.{conv,norm}.{weight,bias}`,
 * `decoder.transpconvs.K.{weight,bias}`, `decoder.stages.K.convs.C...` and
 * `decoder.seg_layers.K.{weight,bias}` (`K` = 0 is the deepest decoder stage,
 * as colab-ts's `decoder[0]`; a model without deep supervision has the
 * full-resolution head only, `seg_layers.{n-2}`). `prefix` is put before
 * every name.
 * @example unetStateDict(unetInit(key(0), config)).map(([k]) => k)[0] // 'encoder.stages.0.0.convs.0.conv.weight'
 * @category safetensors
 */
export function unetStateDict(p: UNetTree, prefix = ''): [string, NDArray][] {
  const out: [string, NDArray][] = [];
  const block = (at: string, b: BlockLeaves): void => {
    out.push([`${at}.conv.weight`, b.conv.w], [`${at}.conv.bias`, b.conv.b], [`${at}.norm.weight`, b.norm.scale], [`${at}.norm.bias`, b.norm.bias]);
  };
  for (const [s, st] of p.encoder.entries()) for (const [c, b] of st.convs.entries()) block(`${prefix}encoder.stages.${s}.0.convs.${c}`, b);
  for (const [k, st] of p.decoder.entries()) {
    out.push([`${prefix}decoder.transpconvs.${k}.weight`, st.up.w], [`${prefix}decoder.transpconvs.${k}.bias`, st.up.b]);
    for (const [c, b] of st.convs.entries()) block(`${prefix}decoder.stages.${k}.convs.${c}`, b);
  }
  const n = p.encoder.length;
  const seg = (k: number, h: ConvLeaves): void => {
    out.push([`${prefix}decoder.seg_layers.${k}.weight`, h.w], [`${prefix}decoder.seg_layers.${k}.bias`, h.b]);
  };
  if (p.heads !== undefined) for (const [level, h] of p.heads.entries()) seg(n - 2 - level, h);
  else seg(n - 2, p.head!);
  return out;
}

/** Keys of an nnU-Net `state_dict` that alias other keys (the same tensors), which a reader skips. @category safetensors */
export const isAliasKey = (k: string): boolean => k.startsWith('decoder.encoder.') || /\.all_modules\.\d+\./.test(k);

/** A 2D nnU-Net weight `[O, I, kH, kW]` as colab-ts's 3D `[O, I, 1, kH, kW]`. */
const as3d = (x: NDArray): NDArray => (x.shape.length === 4 ? expandDims(x, 2) : x);

/**
 * The inverse of `unetStateDict`: U-Net parameters from `state_dict`
 * tensors (2D nnU-Net weights get a depth axis of 1). Alias keys
 * (`all_modules`, `decoder.encoder`) are skipped; without deep supervision
 * only the last `seg_layers` is used. Returns the parameters and the keys
 * left unused, or throws a `SafetensorsError` listing every missing key.
 * @category safetensors
 */
export function unetFromStateDict(
  tensors: ReadonlyMap<string, NDArray>,
  options: { readonly deepSupervision?: boolean; readonly prefix?: string; readonly source?: string } = {},
): { readonly params: UNetTree; readonly unused: readonly string[] } {
  const prefix = options.prefix ?? '';
  const source = options.source ?? '<state_dict>';
  const used = new Set<string>();
  const missing: string[] = [];
  const get = (k: string): NDArray => {
    const x = tensors.get(prefix + k);
    if (x === undefined) {
      missing.push(prefix + k);
      return array(new Float32Array(0), [0]);
    }
    used.add(prefix + k);
    return as3d(x);
  };
  const count = (re: RegExp): number => {
    let m = -1;
    for (const k of tensors.keys()) {
      const r = re.exec(k.slice(prefix.length));
      if (k.startsWith(prefix) && r !== null) m = Math.max(m, Number(r[1]));
    }
    return m + 1;
  };
  const n = count(/^encoder\.stages\.(\d+)\.0\.convs\.\d+\.conv\.weight$/);
  if (n < 2)
    throw new SafetensorsError(
      source,
      `no nnU-Net PlainConvUNet weights: found ${n} encoder stage(s) named ${prefix}encoder.stages.S.0.convs.C.conv.weight, need at least 2`,
    );
  const block = (at: string): BlockLeaves => ({
    conv: { w: get(`${at}.conv.weight`), b: get(`${at}.conv.bias`) },
    norm: { scale: get(`${at}.norm.weight`), bias: get(`${at}.norm.bias`) },
  });
  const blocks = (at: string, re: string): BlockLeaves[] =>
    Array.from({ length: Math.max(1, count(new RegExp(`^${re}\\.convs\\.(\\d+)\\.conv\\.weight$`))) }, (_, c) => block(`${at}.convs.${c}`));
  const encoder = Array.from({ length: n }, (_, s) => ({ convs: blocks(`encoder.stages.${s}.0`, `encoder\\.stages\\.${s}\\.0`) }));
  const decoder = Array.from({ length: n - 1 }, (_, k) => ({
    up: { w: get(`decoder.transpconvs.${k}.weight`), b: get(`decoder.transpconvs.${k}.bias`) },
    convs: blocks(`decoder.stages.${k}`, `decoder\\.stages\\.${k}`),
  }));
  const seg = (k: number): ConvLeaves => ({ w: get(`decoder.seg_layers.${k}.weight`), b: get(`decoder.seg_layers.${k}.bias`) });
  const params: UNetTree =
    options.deepSupervision === true
      ? { encoder, decoder, heads: Array.from({ length: n - 1 }, (_, level) => seg(n - 2 - level)) }
      : { encoder, decoder, head: seg(n - 2) };
  if (missing.length > 0)
    throw new SafetensorsError(source, `missing ${missing.length} nnU-Net key(s): ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', ...' : ''}`);
  const unused = [...tensors.keys()].filter((k) => !used.has(k) && !(k.startsWith(prefix) && isAliasKey(k.slice(prefix.length))));
  return { params, unused };
}

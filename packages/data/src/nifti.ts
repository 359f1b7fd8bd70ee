/**
 * NIfTI-1 and NIfTI-2 reading (`.nii`, `.nii.gz`, every common datatype,
 * `scl_slope`/`scl_inter`, spacing and affines kept) on nifti-reader-js, and
 * NIfTI-1 writing (gzip by extension, atomic: a temporary file, then rename).
 *
 * Axis mapping: the file's voxel `(i, j, k)` is `data[k, j, i]`, i.e. the
 * result is `[D, H, W] = [nz, ny, nx]` over the same bytes (no transpose).
 *
 * Stored dtypes: uint8 stays uint8; int8, int16, uint16 and int32 become
 * int32; uint32, int64 and uint64 become float64 (64-bit ones only when every
 * value is within 2^53); float32 and float64 stay. With scaling (`scl_slope` finite
 * and non-zero, and not the identity) values become `v * slope + inter` in
 * float32 (float64 for 32- and 64-bit integer and float64 sources).
 * @module
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as nifti from 'nifti-reader-js';
import type { DType, NDArray } from '@colab-ts/ndarray';
import { isNDArray } from '@colab-ts/ndarray';
import { gzip, inflate } from './gzip.js';
import { dataOf, packed } from './internal/arrays.js';
import type { Affine, NiftiHeader, ReadError, Volume, WriteError } from './Volume.js';
import { defaultAffine } from './Volume.js';

/** NIfTI datatype names colab-ts reads and writes. @category nifti */
export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float32' | 'float64';

const UNSUPPORTED_NAMES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'rgb24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

type TypedCtor = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): Typed; readonly BYTES_PER_ELEMENT: number };
type Typed = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** Everything the reader and the writer know about one NIfTI datatype: one row per type. */
interface DatatypeInfo {
  readonly name: NiftiDatatype | 'uint64';
  /** nifti1.h `DT_*`. */
  readonly code: number;
  readonly bytes: number;
  /** The NDArray dtype that holds every value exactly. */
  readonly stored: DType;
  /** The values it holds; the writer refuses integers outside. */
  readonly range: readonly [number, number];
  /** Its typed array, for the little-endian fast paths (none for 64-bit integers). */
  readonly Typed?: TypedCtor;
  /** Reads the element at byte `at`. */
  readonly get: (view: DataView, at: number, le: boolean) => number | bigint;
  /** Writes `x` (rounded for integers) at byte `at`; absent for uint64, read but never written. */
  readonly set?: (view: DataView, at: number, x: number, le: boolean) => void;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const dv = DataView.prototype;
type Getter = (this: DataView, at: number, le?: boolean) => number | bigint;
type Setter = (this: DataView, at: number, x: number, le?: boolean) => void;

/** A datatype that a typed array holds: its byte size is the array's, and integers are rounded on writing. */
function typedRow(
  name: NiftiDatatype,
  code: number,
  stored: DType,
  range: readonly [number, number],
  Typed: TypedCtor,
  get: Getter,
  set: Setter,
): DatatypeInfo {
  const round = !(Typed === Float32Array || Typed === Float64Array);
  return {
    name,
    code,
    bytes: Typed.BYTES_PER_ELEMENT,
    stored,
    range,
    Typed,
    get: (v, at, le) => get.call(v, at, le),
    set: (v, at, x, le) => set.call(v, at, round ? Math.round(x) : x, le),
  };
}

const DATATYPE_ROWS: readonly DatatypeInfo[] = [
  typedRow('uint8', 2, 'uint8', [0, 255], Uint8Array, dv.getUint8, dv.setUint8),
  typedRow('int16', 4, 'int32', [-32768, 32767], Int16Array, dv.getInt16, dv.setInt16),
  typedRow('int32', 8, 'int32', [-2147483648, 2147483647], Int32Array, dv.getInt32, dv.setInt32),
  typedRow('float32', 16, 'float32', [-Infinity, Infinity], Float32Array, dv.getFloat32, dv.setFloat32),
  typedRow('float64', 64, 'float64', [-Infinity, Infinity], Float64Array, dv.getFloat64, dv.setFloat64),
  typedRow('int8', 256, 'int32', [-128, 127], Int8Array, dv.getInt8, dv.setInt8),
  typedRow('uint16', 512, 'int32', [0, 65535], Uint16Array, dv.getUint16, dv.setUint16),
  typedRow('uint32', 768, 'float64', [0, 4294967295], Uint32Array, dv.getUint32, dv.setUint32),
  // 64-bit integers: no typed array of numbers; read as BigInt, exact up to 2^53.
  {
    name: 'int64',
    code: 1024,
    bytes: 8,
    stored: 'float64',
    range: [-MAX_SAFE, MAX_SAFE],
    get: (v, at, le) => v.getBigInt64(at, le),
    set: (v, at, x, le) => v.setBigInt64(at, BigInt(Math.round(x)), le),
  },
  { name: 'uint64', code: 1280, bytes: 8, stored: 'float64', range: [0, MAX_SAFE], get: (v, at, le) => v.getBigUint64(at, le) },
];

/** The readable datatypes by code. */
const DATATYPES: ReadonlyMap<number, DatatypeInfo> = new Map(DATATYPE_ROWS.map((d) => [d.code, d]));
/** The writable datatypes by name. */
const WRITABLE: ReadonlyMap<string, DatatypeInfo> = new Map(DATATYPE_ROWS.filter((d) => d.set !== undefined).map((d) => [d.name, d]));

/** NIfTI datatype codes (nifti1.h `DT_*`) of the datatypes colab-ts writes. @category nifti */
export const NIFTI_DATATYPE_CODES = Object.fromEntries([...WRITABLE.values()].map((d) => [d.name, d.code])) as Readonly<Record<NiftiDatatype, number>>;

export const BYTES_SOURCE = '<bytes>';

const corrupt = (path: string, why: string): ReadError => ({
  _tag: 'CorruptFile',
  path,
  message: `${path}: not a readable NIfTI file (${why}); re-export it as NIfTI-1 or NIfTI-2 (.nii or .nii.gz)`,
});

const truncated = (path: string, what: string, expectedBytes: number, gotBytes: number): ReadError => ({
  _tag: 'TruncatedData',
  path,
  expectedBytes,
  gotBytes,
  message: `${path}: truncated ${what}: needs ${expectedBytes} bytes, the file has ${gotBytes}; the file was cut short (interrupted copy or download), copy it again`,
});

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Voxel bytes a `.nii.gz` may inflate to unless the caller says otherwise (2 GiB, above any MSD volume). @category nifti */
export const DEFAULT_MAX_VOXEL_BYTES = 2 ** 31;

/** Options of `decodeNifti` and `readNifti`. @category nifti */
export interface ReadOptions {
  /** Refuse a gzipped file whose header promises more voxel bytes than this (default `DEFAULT_MAX_VOXEL_BYTES`). */
  readonly maxVoxelBytes?: number;
}

const tooLarge = (path: string, promisedBytes: number, limitBytes: number, why: string): ReadError => ({
  _tag: 'TooLarge',
  path,
  promisedBytes,
  limitBytes,
  message: `${path}: ${why}; refused without inflating it (a damaged file or a gzip bomb); re-export the image, or raise maxVoxelBytes if the volume really is this large`,
});

/**
 * The first bytes of a gzip stream (at least the 540 of a NIfTI-2 header when
 * the stream has them), inflating only as much input as that takes, so that a
 * small file that inflates to gigabytes costs little here.
 */
function gunzipHead(bytes: Uint8Array): Uint8Array {
  const r = inflate(bytes, Number.POSITIVE_INFINITY, 540);
  return r._tag === 'ok' ? r.bytes : new Uint8Array(0); // a corrupt or cut stream: the full inflate below reports it
}

function gunzip(path: string, bytes: Uint8Array, maxOutputLength?: number): E.Either<ReadError, Uint8Array> {
  const r = inflate(bytes, maxOutputLength);
  switch (r._tag) {
    case 'ok':
      return E.right(r.bytes);
    case 'tooLarge':
      return E.left(tooLarge(path, maxOutputLength!, maxOutputLength!, `the gzip stream inflates past the ${maxOutputLength} bytes its header declares`));
    case 'truncated':
      return E.left({
        _tag: 'TruncatedData',
        path,
        expectedBytes: Number.NaN,
        gotBytes: bytes.length,
        message: `${path}: truncated gzip stream (${bytes.length} compressed bytes end early); the file was cut short, copy it again`,
      });
    case 'corrupt':
      return E.left(corrupt(path, `corrupt gzip stream: ${r.message}`));
  }
}

/** Proper rotation-and-scale affine from the quaternion fields (nifti1_io `nifti_quatern_to_mat44`). */
function qformAffine(h: NiftiHeader): Affine {
  const b = h.quaternB;
  const c = h.quaternC;
  const d = h.quaternD;
  const a2 = 1 - (b * b + c * c + d * d);
  const a = a2 < 1e-7 ? 0 : Math.sqrt(a2);
  const scale = (p: number | undefined): number => (p !== undefined && p > 0 ? p : 1);
  const dx = scale(h.pixdim[1]);
  const dy = scale(h.pixdim[2]);
  const dz = scale(h.pixdim[3]) * ((h.pixdim[0] ?? 1) < 0 ? -1 : 1);
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const off = [h.qoffsetX, h.qoffsetY, h.qoffsetZ];
  return [0, 1, 2].map((r) => [R[r]![0]! * dx, R[r]![1]! * dy, R[r]![2]! * dz, off[r]!]).concat([[0, 0, 0, 1]]);
}

/**
 * The header's best voxel-to-world affine, in NiBabel's order: the sform when
 * `sform_code > 0`, else the qform when `qform_code > 0`, else `pixdim` on the
 * diagonal (NIfTI "method 1", origin 0).
 * @category nifti
 */
export function headerAffine(h: NiftiHeader): Affine {
  if (h.sformCode > 0) return [...h.srow.map((r) => r.slice()), [0, 0, 0, 1]];
  if (h.qformCode > 0) return qformAffine(h);
  const p = (i: number): number => h.pixdim[i] || 1;
  return [
    [p(1), 0, 0, 0],
    [0, p(2), 0, 0],
    [0, 0, p(3), 0],
    [0, 0, 0, 1],
  ];
}

/** The qform of a header as a matrix (or undefined when `qform_code` is 0). @category nifti */
export function headerQform(h: NiftiHeader): Affine | undefined {
  return h.qformCode > 0 ? qformAffine(h) : undefined;
}

/** The sform of a header (or undefined when `sform_code` is 0). @category nifti */
export function headerSform(h: NiftiHeader): Affine | undefined {
  return h.sformCode > 0 ? [...h.srow.map((r) => r.slice()), [0, 0, 0, 1]] : undefined;
}

function toHeader(raw: nifti.NIFTI1 | nifti.NIFTI2, view: DataView): NiftiHeader {
  const version = raw instanceof nifti.NIFTI2 ? 2 : 1;
  const le = raw.littleEndian;
  // nifti-reader-js keeps srow only when it picks the sform for its own affine,
  // so read it from the bytes (float32 at 280 in NIfTI-1, float64 at 400 in NIfTI-2).
  const srow = [0, 1, 2].map((r) =>
    [0, 1, 2, 3].map((c) => (version === 1 ? view.getFloat32(280 + (r * 4 + c) * 4, le) : view.getFloat64(400 + (r * 4 + c) * 8, le))),
  );
  return Object.freeze({
    version,
    littleEndian: le,
    datatypeCode: raw.datatypeCode,
    bitpix: raw.numBitsPerVoxel,
    dim: raw.dims.slice(),
    pixdim: raw.pixDims.slice(),
    voxOffset: raw.vox_offset,
    sclSlope: raw.scl_slope,
    sclInter: raw.scl_inter,
    calMin: raw.cal_min,
    calMax: raw.cal_max,
    dimInfo: raw.dim_info,
    sliceCode: raw.slice_code,
    sliceStart: raw.slice_start,
    sliceEnd: raw.slice_end,
    sliceDuration: raw.slice_duration,
    toffset: raw.toffset,
    xyztUnits: raw.xyzt_units,
    intentCode: raw.intent_code,
    intentP1: raw.intent_p1,
    intentP2: raw.intent_p2,
    intentP3: raw.intent_p3,
    intentName: raw.intent_name,
    description: raw.description,
    auxFile: raw.aux_file,
    qformCode: raw.qform_code,
    sformCode: raw.sform_code,
    quaternB: raw.quatern_b,
    quaternC: raw.quatern_c,
    quaternD: raw.quatern_d,
    qoffsetX: raw.qoffset_x,
    qoffsetY: raw.qoffset_y,
    qoffsetZ: raw.qoffset_z,
    srow,
  } satisfies NiftiHeader);
}

/** Millimetres per header spatial unit (metre, mm, micron; unknown counts as mm). */
function unitToMm(xyztUnits: number): number {
  switch (xyztUnits & 7) {
    case 1:
      return 1000;
    case 3:
      return 0.001;
    default:
      return 1;
  }
}

function decodeVoxels(path: string, h: NiftiHeader, info: DatatypeInfo, bytes: Uint8Array, start: number, n: number): E.Either<ReadError, NDArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, n * info.bytes);
  const le = h.littleEndian;
  const slope = h.sclSlope;
  const inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const scaled = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && inter === 0);
  const wide = info.stored === 'float64' || info.name === 'int32';
  const dtype: DType = scaled ? (wide ? 'float64' : 'float32') : info.stored;
  const out = dtype === 'uint8' ? new Uint8Array(n) : dtype === 'int32' ? new Int32Array(n) : dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  // Fast path: little-endian, not 64-bit integers: a typed-array view over an aligned copy of the voxel bytes.
  const typed = le ? typedView(info, bytes.slice(start, start + n * info.bytes).buffer) : undefined;
  if (typed !== undefined) {
    if (!scaled) out.set(typed);
    else for (let i = 0; i < n; i++) out[i] = typed[i]! * slope + inter;
    return E.right(packed(dtype, shapeOf(h), out as never));
  }
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < n; i++) {
    const raw = info.get(view, i * info.bytes, le);
    let v: number;
    if (typeof raw === 'bigint') {
      if (raw > limit || raw < -limit) {
        return E.left({
          _tag: 'UnsupportedDatatype',
          path,
          datatypeCode: h.datatypeCode,
          message: `${path}: ${info.name} voxel ${i} is ${raw}, beyond 2^53, which a float64 cannot hold exactly; convert the file to int32 or float64`,
        });
      }
      v = Number(raw);
    } else v = raw;
    out[i] = scaled ? v * slope + inter : v;
  }
  return E.right(packed(dtype, shapeOf(h), out as never));
}

/** `[D, H, W]`, or `[T, D, H, W]` when dims 4.. hold more than one volume. */
function shapeOf(h: NiftiHeader): number[] {
  const [, nx = 1, ny = 1, nz = 1] = h.dim;
  const t = h.dim.slice(4, Math.max(4, (h.dim[0] ?? 3) + 1)).reduce((a, b) => a * b, 1);
  return t > 1 ? [t, nz, ny, nx] : [nz, ny, nx];
}

/** A little-endian typed view of voxel bytes (undefined for 64-bit integers or a big-endian host). */
function typedView(info: DatatypeInfo, buf: ArrayBuffer, offset = 0, length?: number): Typed | undefined {
  return HOST_LITTLE_ENDIAN && info.Typed !== undefined ? new info.Typed(buf, offset, length) : undefined;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Where a file's voxels lie and how many bytes the file needs, from its header. */
interface Layout {
  readonly h: NiftiHeader;
  readonly info: DatatypeInfo;
  readonly n: number;
  readonly start: number;
  /** `vox_offset` plus the voxel bytes: the whole file's size. */
  readonly need: number;
}

/** Parses and checks the header at the start of (uncompressed) `bytes`; the voxel bytes need not be there yet. */
function parseLayout(bytes: Uint8Array, path: string): E.Either<ReadError, Layout> {
  if (bytes.length < 348) return E.left(truncated(path, 'header', 348, bytes.length));
  // nifti-reader-js wants an ArrayBuffer of exactly the file.
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  const ab = buffer as ArrayBuffer;
  let raw: nifti.NIFTI1 | nifti.NIFTI2;
  if (nifti.isNIFTI1(ab)) raw = new nifti.NIFTI1();
  else if (nifti.isNIFTI2(ab)) {
    if (bytes.length < 540) return E.left(truncated(path, 'NIfTI-2 header', 540, bytes.length));
    raw = new nifti.NIFTI2();
  } else if (nifti.isNIFTI1(ab, true) || nifti.isNIFTI2(ab, true)) {
    return E.left(corrupt(path, 'a .hdr/.img pair header; only single-file .nii is supported'));
  } else return E.left(corrupt(path, 'no NIfTI magic "n+1" or "n+2" in the header'));
  try {
    raw.readHeader(ab);
  } catch (e) {
    return E.left(corrupt(path, `unreadable header: ${(e as Error).message}`));
  }
  const h = toHeader(raw, new DataView(ab));
  const info = DATATYPES.get(h.datatypeCode);
  if (info === undefined) {
    const name = UNSUPPORTED_NAMES[h.datatypeCode] ?? `unknown code ${h.datatypeCode}`;
    return E.left({
      _tag: 'UnsupportedDatatype',
      path,
      datatypeCode: h.datatypeCode,
      message: `${path}: datatype ${name} (code ${h.datatypeCode}) is not supported; convert the image to uint8, int8, int16, uint16, int32, uint32, (u)int64, float32 or float64`,
    });
  }
  const ndim = h.dim[0] ?? 0;
  if (!(ndim >= 1 && ndim <= 7)) return E.left(corrupt(path, `dim[0] = ${ndim}, must be 1..7 (wrong byte order?)`));
  for (let i = 1; i <= ndim; i++) {
    const d = h.dim[i]!;
    if (!(Number.isSafeInteger(d) && d >= 1)) return E.left(corrupt(path, `dim[${i}] = ${d}, must be a positive integer`));
  }
  const dims = Array.from({ length: 7 }, (_, i) => (i + 1 <= ndim ? h.dim[i + 1]! : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  const start = Math.floor(h.voxOffset);
  if (!(start >= (h.version === 1 ? 348 : 540))) return E.left(corrupt(path, `vox_offset = ${h.voxOffset} lies inside the header`));
  return E.right({ h: { ...h, dim: [ndim, ...dims] }, info, n, start, need: start + n * info.bytes });
}

/**
 * Inflates a `.nii.gz` no further than its header allows: the header is
 * inflated first, a volume promising more than `maxVoxelBytes` is refused,
 * and the stream is inflated with the header's size as the output cap.
 */
function gunzipCapped(input: Uint8Array, path: string, maxVoxelBytes: number): E.Either<ReadError, Uint8Array> {
  const head = gunzipHead(input);
  if (head.length < 348) return gunzip(path, input, 1 << 20); // a header-sized stream, or a corrupt one: report what it is
  return pipe(
    parseLayout(head, path),
    E.chain((l) =>
      l.n * l.info.bytes > maxVoxelBytes
        ? E.left(
            tooLarge(
              path,
              l.need,
              maxVoxelBytes,
              `the header promises ${l.h.dim.slice(1, l.h.dim[0]! + 1).join('x')} voxels of ${l.info.bytes} byte(s), ${l.n * l.info.bytes} bytes, above the ${maxVoxelBytes}-byte limit`,
            ),
          )
        : gunzip(path, input, l.need),
    ),
  );
}

/**
 * Decodes the bytes of a `.nii` or `.nii.gz` file (gzip detected by its magic
 * number) into a `Volume`; `path` only names the source in errors. A gzipped
 * file is inflated no further than its header's size (`TooLarge` otherwise).
 * @example pipe(decodeNifti(bytes), E.map((v) => v.data.shape))
 * @category nifti
 */
export function decodeNifti(input: Uint8Array, path: string = BYTES_SOURCE, options: ReadOptions = {}): E.Either<ReadError, Volume> {
  return pipe(
    isGzip(input) ? gunzipCapped(input, path, options.maxVoxelBytes ?? DEFAULT_MAX_VOXEL_BYTES) : E.right(input),
    E.chain((bytes) => E.map((l: Layout) => ({ bytes, l }))(parseLayout(bytes, path))),
    E.chain(({ bytes, l }): E.Either<ReadError, Volume> => {
      const { h, info, n, start, need } = l;
      if (bytes.length < need) return E.left(truncated(path, 'voxel data', need, bytes.length));
      const mm = unitToMm(h.xyztUnits);
      const sp = (i: number): number => {
        const p = Math.abs(h.pixdim[i] ?? 0);
        return Number.isFinite(p) && p > 0 ? p * mm : 1;
      };
      return pipe(
        decodeVoxels(path, h, info, bytes, start, n),
        E.map((data) => ({
          data,
          spacing: [sp(3), sp(2), sp(1)] as const,
          affine: headerAffine(h),
          header: h,
        })),
      );
    }),
  );
}

/** Options of `writeNifti` / `encodeNifti`. @category nifti */
export interface WriteOptions {
  /** Stored datatype; default from the data: uint8 -> uint8, int32 -> int32, float32 -> float32, float64 -> float64. */
  readonly datatype?: NiftiDatatype;
  /** gzip the bytes (level 1, as NiBabel); `writeNifti` decides by the `.gz` extension when absent. */
  readonly gzip?: boolean;
}

function defaultDatatype(d: DType): NiftiDatatype {
  return d === 'int32' ? 'int32' : d;
}

/**
 * nifti1_io's `nifti_mat44_to_quatern`: the qform quaternion `(b, c, d)`, offsets
 * and `qfac` of an affine's (orthogonalised) rotation part.
 * @example affineToQuaternion(volume.affine).qfac // -1 for a left-handed grid
 * @category nifti
 */
export function affineToQuaternion(affine: Affine): {
  b: number;
  c: number;
  d: number;
  qx: number;
  qy: number;
  qz: number;
  qfac: number;
} {
  const m = (r: number, c: number): number => affine[r]?.[c] ?? 0;
  const cols = [0, 1, 2].map((c) => {
    const v = [m(0, c), m(1, c), m(2, c)];
    const len = Math.hypot(v[0]!, v[1]!, v[2]!);
    return len === 0 ? [c === 0 ? 1 : 0, c === 1 ? 1 : 0, c === 2 ? 1 : 0] : v.map((x) => x / len);
  });
  // Column-major to the row-major rotation R[r][c]; orthogonalise by the polar iteration Q <- (Q + Q^-T) / 2.
  let R = [0, 1, 2].map((r) => [0, 1, 2].map((c) => cols[c]![r]!));
  for (let it = 0; it < 30; it++) {
    const inv = inverse3(R);
    if (inv === undefined) break;
    const next = R.map((row, r) => row.map((v, c) => 0.5 * (v + inv[c]![r]!)));
    const delta = next.reduce((a, row, r) => a + row.reduce((s, v, c) => s + Math.abs(v - R[r]![c]!), 0), 0);
    R = next;
    if (delta < 1e-14) break;
  }
  let qfac = 1;
  if (det3(R) < 0) {
    qfac = -1;
    for (const row of R) row[2] = -row[2]!;
  }
  const [r11, r12, r13] = R[0]!;
  const [r21, r22, r23] = R[1]!;
  const [r31, r32, r33] = R[2]! as [number, number, number];
  let a = r11! + r22! + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23!)) / a;
    c = (0.25 * (r13! - r31)) / a;
    d = (0.25 * (r21! - r12!)) / a;
  } else {
    const xd = 1 + r11! - (r22! + r33);
    const yd = 1 + r22! - (r11! + r33);
    const zd = 1 + r33 - (r11! + r22!);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12! + r21!)) / b;
      d = (0.25 * (r13! + r31)) / b;
      a = (0.25 * (r32 - r23!)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12! + r21!)) / c;
      d = (0.25 * (r23! + r32)) / c;
      a = (0.25 * (r13! - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13! + r31)) / d;
      c = (0.25 * (r23! + r32)) / d;
      a = (0.25 * (r21! - r12!)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qx: m(0, 3), qy: m(1, 3), qz: m(2, 3), qfac };
}

function det3(m: number[][]): number {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  return a! * (e! * i! - f! * h!) - b! * (d! * i! - f! * g!) + c! * (d! * h! - e! * g!);
}

function inverse3(m: number[][]): number[][] | undefined {
  const det = det3(m);
  if (Math.abs(det) < 1e-12) return undefined;
  const [a, b, c] = m[0]! as [number, number, number];
  const [d, e, f] = m[1]! as [number, number, number];
  const [g, h, i] = m[2]! as [number, number, number];
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

const close = (x: Affine, y: Affine): boolean => x.every((row, r) => row.every((v, c) => Math.abs(v - (y[r]?.[c] ?? NaN)) <= 1e-5 * Math.max(1, Math.abs(v))));

function writeString(bytes: Uint8Array, at: number, length: number, s: string): void {
  for (let i = 0; i < Math.min(s.length, length - 1); i++) bytes[at + i] = s.charCodeAt(i) & 0x7f;
}

function checkVolume(path: string, v: Volume): WriteError | undefined {
  const bad = (message: string): WriteError => ({ _tag: 'InvalidVolume', path, message: `${path}: ${message}` });
  if (!isNDArray(v.data)) return bad('volume.data is not an NDArray');
  const r = v.data.shape.length;
  if (r !== 3 && r !== 4) return bad(`volume.data must be [D,H,W] or [T,D,H,W], got shape [${v.data.shape.join(',')}]`);
  if (v.data.shape.some((d) => d < 1 || d > 32767)) return bad(`NIfTI-1 extents must be 1..32767, got [${v.data.shape.join(',')}]`);
  if (!Array.isArray(v.spacing) || v.spacing.length !== 3 || !v.spacing.every((s) => Number.isFinite(s) && s > 0)) {
    return bad(`spacing must be three positive numbers [sd,sh,sw], got ${JSON.stringify(v.spacing)}`);
  }
  if (!Array.isArray(v.affine) || v.affine.length !== 4 || !v.affine.every((row) => row.length === 4 && row.every(Number.isFinite))) {
    return bad('affine must be a 4x4 matrix of finite numbers');
  }
  return undefined;
}

/**
 * Encodes a volume as NIfTI-1 bytes (little-endian, `vox_offset` 352, no
 * extensions). The sform is `volume.affine`; the qform is the header's own
 * quaternion when it still describes that affine, else derived from it. Header
 * fields (description, units, intent, slice timing, codes) are kept from
 * `volume.header`; scaling is reset (slope 1, intercept 0) and so is the display
 * range (`cal_min`, `cal_max`).
 * @example encodeNifti({ data, spacing: [1, 1, 1], affine }, { datatype: 'uint8' })
 * @category nifti
 */
export function encodeNifti(volume: Volume, options: WriteOptions = {}, path = BYTES_SOURCE): E.Either<WriteError, Uint8Array> {
  const invalid = checkVolume(path, volume);
  if (invalid !== undefined) return E.left(invalid);
  const dt: NiftiDatatype = options.datatype ?? defaultDatatype(volume.data.dtype);
  const info = WRITABLE.get(dt);
  if (info === undefined) {
    return E.left({
      _tag: 'InvalidVolume',
      path,
      message: `${path}: cannot write datatype ${String(dt)}; use one of ${Object.keys(NIFTI_DATATYPE_CODES).join(', ')}`,
    });
  }
  const values = dataOf(volume.data);
  const n = values.length;
  const [lo, hi] = info.range;
  const integer = !dt.startsWith('float');
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (integer && !(Math.round(v) >= lo && Math.round(v) <= hi)) {
      return E.left({
        _tag: 'ValueOutOfRange',
        path,
        message: `${path}: voxel ${i} is ${v}, outside ${dt}'s range [${lo}, ${hi}]; write as ${lo < 0 ? 'int32 or float32' : 'int16 or float32'} or clip first`,
      });
    }
  }
  const shape = volume.data.shape;
  const [nz, ny, nx] = shape.slice(-3) as [number, number, number];
  const nt = shape.length === 4 ? shape[0]! : 1;
  const h = volume.header;
  const bpv = info.bytes;
  const out = new Uint8Array(352 + n * bpv);
  const dv = new DataView(out.buffer);
  const le = true;
  dv.setInt32(0, 348, le);
  out[38] = 'r'.charCodeAt(0);
  out[39] = h?.dimInfo ?? 0;
  const dim = [nt > 1 ? 4 : 3, nx, ny, nz, nt, 1, 1, 1];
  dim.forEach((d, i) => dv.setInt16(40 + 2 * i, d, le));
  dv.setFloat32(56, h?.intentP1 ?? 0, le);
  dv.setFloat32(60, h?.intentP2 ?? 0, le);
  dv.setFloat32(64, h?.intentP3 ?? 0, le);
  dv.setInt16(68, h?.intentCode ?? 0, le);
  dv.setInt16(70, info.code, le);
  dv.setInt16(72, bpv * 8, le);
  dv.setInt16(74, h?.sliceStart ?? 0, le);
  const [sd, sh, sw] = volume.spacing;
  // Keep the header's spatial unit only when it is mm; spacing is in mm.
  const units = ((h?.xyztUnits ?? 0) & 0x38) | 2;
  const sformCode = h !== undefined && h.sformCode > 0 ? h.sformCode : h !== undefined && h.qformCode > 0 ? h.qformCode : 2;
  const qformCode = h !== undefined && h.qformCode > 0 ? h.qformCode : sformCode;
  const keepQuaternion = h !== undefined && h.qformCode > 0 && close(qformAffine(h), volume.affine);
  const q = keepQuaternion
    ? { b: h.quaternB, c: h.quaternC, d: h.quaternD, qx: h.qoffsetX, qy: h.qoffsetY, qz: h.qoffsetZ, qfac: (h.pixdim[0] ?? 1) < 0 ? -1 : 1 }
    : affineToQuaternion(volume.affine);
  const pixdim = [q.qfac, sw, sh, sd, nt > 1 ? (h?.pixdim[4] ?? 1) : 0, 0, 0, 0];
  pixdim.forEach((p, i) => dv.setFloat32(76 + 4 * i, p, le));
  dv.setFloat32(108, 352, le);
  dv.setFloat32(112, 1, le);
  dv.setFloat32(116, 0, le);
  dv.setInt16(120, h?.sliceEnd ?? 0, le);
  out[122] = h?.sliceCode ?? 0;
  out[123] = units;
  // cal_min/cal_max are left 0 (unset): the input's display range rarely suits new data such as a label map.
  dv.setFloat32(132, h?.sliceDuration ?? 0, le);
  dv.setFloat32(136, h?.toffset ?? 0, le);
  writeString(out, 148, 80, h?.description ?? 'colab-ts');
  writeString(out, 228, 24, h?.auxFile ?? '');
  dv.setInt16(252, qformCode, le);
  dv.setInt16(254, sformCode, le);
  dv.setFloat32(256, q.b, le);
  dv.setFloat32(260, q.c, le);
  dv.setFloat32(264, q.d, le);
  dv.setFloat32(268, q.qx, le);
  dv.setFloat32(272, q.qy, le);
  dv.setFloat32(276, q.qz, le);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + (r * 4 + c) * 4, volume.affine[r]![c]!, le);
  writeString(out, 328, 16, h?.intentName ?? '');
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  const body = new DataView(out.buffer, 352);
  // Fast path: a typed view straight into the output (352 is a multiple of every element size).
  const fast = typedView(info, out.buffer, 352, n);
  if (fast !== undefined) {
    if (integer) for (let i = 0; i < n; i++) fast[i] = Math.round(values[i]!);
    else fast.set(values);
  } else for (let i = 0; i < n; i++) info.set!(body, i * bpv, values[i]!, le);
  return E.right(options.gzip === true ? gzip(out) : out);
}

/**
 * A `Volume` for an array made in memory: the given spacing (default 1 mm)
 * and a diagonal affine (`volumeLike` keeps a reference volume's geometry).
 * @example volumeOf(zeros([4, 8, 8]), [2.5, 0.8, 0.8])
 * @category nifti
 */
export function volumeOf(data: NDArray, spacing: readonly [number, number, number] = [1, 1, 1]): Volume {
  return { data, spacing, affine: defaultAffine(spacing) };
}

/** A volume with `reference`'s spacing, affine and header and new data, so a prediction overlays its input. @example volumeLike(input, labels) @category nifti */
export function volumeLike(reference: Volume, data: NDArray): Volume {
  return { data, spacing: reference.spacing, affine: reference.affine, header: reference.header };
}

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arange, array, reshape, toTypedArray } from '@colab-ts/ndarray';
import type { NiftiDatatype, ReadError, Volume } from '@colab-ts/data';
import {
  NIFTI_DATATYPE_CODES,
  affineToQuaternion,
  decodeNifti,
  encodeNifti,
  headerQform,
  loadNifti,
  readNifti,
  saveNifti,
  volumeOf,
  writeNifti,
} from '@colab-ts/data';
import { hasNibabel, python, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/**
 * An independent NIfTI-1 writer for tests, straight from the nifti1.h field
 * offsets (it shares no code with `encodeNifti`).
 */
interface Nifti1Fields {
  readonly dims: readonly number[]; // [nx, ny, nz, (nt)]
  readonly datatype: number;
  readonly bitpix: number;
  readonly pixdim?: readonly number[]; // pixdim[0..7]
  readonly slope?: number;
  readonly inter?: number;
  readonly qformCode?: number;
  readonly sformCode?: number;
  readonly quatern?: readonly [number, number, number];
  readonly qoffset?: readonly [number, number, number];
  readonly srow?: readonly (readonly number[])[];
  readonly xyztUnits?: number;
  readonly description?: string;
  readonly littleEndian?: boolean;
  readonly voxels: (view: DataView, at: number, le: boolean) => void;
  readonly voxelBytes: number;
}

function nifti1Bytes(f: Nifti1Fields): Uint8Array {
  const le = f.littleEndian ?? true;
  const out = new Uint8Array(352 + f.voxelBytes);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, le); // sizeof_hdr
  v.setInt16(40, f.dims.length, le); // dim[0]
  f.dims.forEach((d, i) => v.setInt16(42 + 2 * i, d, le));
  for (let i = f.dims.length + 1; i < 8; i++) v.setInt16(40 + 2 * i, 1, le);
  v.setInt16(70, f.datatype, le);
  v.setInt16(72, f.bitpix, le);
  (f.pixdim ?? [1, 1, 1, 1, 1, 1, 1, 1]).forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
  v.setFloat32(108, 352, le); // vox_offset
  v.setFloat32(112, f.slope ?? 0, le);
  v.setFloat32(116, f.inter ?? 0, le);
  out[123] = f.xyztUnits ?? 2;
  const d = f.description ?? '';
  for (let i = 0; i < d.length; i++) out[148 + i] = d.charCodeAt(i);
  v.setInt16(252, f.qformCode ?? 0, le);
  v.setInt16(254, f.sformCode ?? 0, le);
  (f.quatern ?? [0, 0, 0]).forEach((q, i) => v.setFloat32(256 + 4 * i, q, le));
  (f.qoffset ?? [0, 0, 0]).forEach((q, i) => v.setFloat32(268 + 4 * i, q, le));
  (f.srow ?? []).forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + 16 * r + 4 * c, x, le)));
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  f.voxels(v, 352, le);
  return out;
}

/** An independent NIfTI-2 writer (540-byte header, nifti2.h offsets). */
function nifti2Bytes(dims: readonly number[], values: readonly number[], srow: readonly (readonly number[])[], pixdim: readonly number[]): Uint8Array {
  const le = true;
  const out = new Uint8Array(544 + 8 * values.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, 540, le);
  out.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
  v.setInt16(12, 64, le); // float64
  v.setInt16(14, 64, le);
  v.setBigInt64(16, BigInt(dims.length), le);
  for (let i = 0; i < 7; i++) v.setBigInt64(24 + 8 * i, BigInt(dims[i] ?? 1), le);
  pixdim.forEach((p, i) => v.setFloat64(104 + 8 * i, p, le));
  v.setBigInt64(168, 544n, le); // vox_offset
  v.setFloat64(176, 1, le); // scl_slope
  v.setInt32(344, 0, le); // qform_code
  v.setInt32(348, 2, le); // sform_code
  srow.forEach((row, r) => row.forEach((x, c) => v.setFloat64(400 + 32 * r + 8 * c, x, le)));
  v.setInt32(500, 2, le); // xyzt_units = mm
  values.forEach((x, i) => v.setFloat64(544 + 8 * i, x, le));
  return out;
}

const right = <A>(e: E.Either<ReadError, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left.message);
  return e.right;
};

/** Decodes the bytes `nifti1Bytes(f)` writes, expecting success. */
const decoded = (f: Nifti1Fields): Volume => right(decodeNifti(nifti1Bytes(f)));
const left = <A>(e: E.Either<ReadError, A>): ReadError => {
  if (E.isRight(e)) throw new Error('expected a Left');
  return e.left;
};
const values = (v: Volume): number[] => Array.from(toTypedArray(v.data) as ArrayLike<number>);

describe('examples: hand-built NIfTI-1 headers (nifti1.h offsets)', () => {
  const int16Voxels = (v: DataView, at: number, le: boolean): void => {
    for (let i = 0; i < 24; i++) v.setInt16(at + 2 * i, i - 5, le);
  };

  it('reads int16 with scl_slope/scl_inter, sform, spacing, and maps (i,j,k) to [k,j,i]', () => {
    const srow = [
      [0.8, 0, 0, -10],
      [0, 0.9, 0, 20],
      [0, 0, 2.5, 30],
    ];
    const bytes = nifti1Bytes({
      dims: [4, 3, 2],
      datatype: 4,
      bitpix: 16,
      pixdim: [1, 0.8, 0.9, 2.5, 1, 0, 0, 0],
      slope: 2,
      inter: -1,
      sformCode: 1,
      srow,
      voxels: int16Voxels,
      voxelBytes: 48,
      description: 'hand made',
    });
    const v = right(decodeNifti(bytes));
    expect(v.data.shape).toEqual([2, 3, 4]);
    expect(v.data.dtype).toBe('float32');
    expect(values(v)).toEqual(Array.from({ length: 24 }, (_, i) => (i - 5) * 2 - 1));
    expect(v.spacing).toEqual([2.5, Math.fround(0.9), Math.fround(0.8)]);
    expect(v.affine.slice(0, 3).map((r) => r.map((x) => +x.toFixed(5)))).toEqual(srow);
    expect(v.header?.description).toBe('hand made');
    expect(v.header?.sformCode).toBe(1);
    // data[d, h, w] is voxel (i, j, k) = (w, h, d): the voxel at i=3, j=1, k=1 is stored at 3 + 4*1 + 12*1 = 19.
    expect(toTypedArray(v.data)[1 * 12 + 1 * 4 + 3]).toBe((19 - 5) * 2 - 1);
  });

  it('slope 0 means no scaling: integers stay integers', () => {
    const v = decoded({ dims: [4, 3, 2], datatype: 4, bitpix: 16, slope: 0, inter: 7, voxels: int16Voxels, voxelBytes: 48 });
    expect(v.data.dtype).toBe('int32');
    expect(values(v)).toEqual(Array.from({ length: 24 }, (_, i) => i - 5));
  });

  it('reads big-endian float32 with a qform (180 degrees about z, qfac -1)', () => {
    const bytes = nifti1Bytes({
      littleEndian: false,
      dims: [2, 2, 2],
      datatype: 16,
      bitpix: 32,
      pixdim: [-1, 1.5, 2, 3, 0, 0, 0, 0],
      qformCode: 1,
      quatern: [0, 0, 1],
      qoffset: [5, 6, 7],
      voxels: (v, at, le) => {
        for (let i = 0; i < 8; i++) v.setFloat32(at + 4 * i, i / 4, le);
      },
      voxelBytes: 32,
    });
    const v = right(decodeNifti(bytes));
    expect(v.header?.littleEndian).toBe(false);
    expect(values(v)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75]);
    const A = v.affine.map((r) => r.map((x) => +x.toFixed(6) + 0));
    expect(A).toEqual([
      [-1.5, 0, 0, 5],
      [0, -2, 0, 6],
      [0, 0, -3, 7],
      [0, 0, 0, 1],
    ]);
  });

  it('without qform or sform the affine is pixdim on the diagonal; metres become mm', () => {
    const v = decoded({
      dims: [2, 1, 1],
      pixdim: [1, 0.001, 0.002, 0.003, 0, 0, 0, 0],
      xyztUnits: 1, // metres
      datatype: 2,
      bitpix: 8,
      voxels: (d, at) => d.setUint8(at, 9),
      voxelBytes: 2,
    });
    expect(v.data.dtype).toBe('uint8');
    expect(v.spacing.map((s) => +s.toFixed(4))).toEqual([3, 2, 1]);
    expect(v.affine[0]![0]).toBeCloseTo(0.001, 6);
  });

  it('reads hand-built NIfTI-2 (float64, sform)', () => {
    const srow = [
      [0, 0, 2, 1],
      [0, 1.5, 0, 2],
      [1, 0, 0, 3],
    ];
    const vals = Array.from({ length: 12 }, (_, i) => Math.PI * i);
    const v = right(decodeNifti(nifti2Bytes([3, 2, 2], vals, srow, [1, 1, 1.5, 2, 0, 0, 0, 0])));
    expect(v.header?.version).toBe(2);
    expect(v.data.dtype).toBe('float64');
    expect(v.data.shape).toEqual([2, 2, 3]);
    expect(values(v)).toEqual(vals);
    expect(v.affine.slice(0, 3)).toEqual(srow);
    expect(v.spacing).toEqual([2, 1.5, 1]);
  });
});

describe('examples: errors', () => {
  const good = nifti1Bytes({ dims: [4, 4, 4], datatype: 16, bitpix: 32, voxels: () => undefined, voxelBytes: 256 });

  it('truncated voxel data says how many bytes were needed', () => {
    const e = left(decodeNifti(good.subarray(0, 400), 'cut.nii'));
    expect(e._tag).toBe('TruncatedData');
    expect(e).toMatchObject({ expectedBytes: 608, gotBytes: 400 });
    expect(e.message).toMatch(/cut\.nii: truncated voxel data/);
  });

  it('a truncated header and a truncated gzip stream are TruncatedData', () => {
    expect(left(decodeNifti(good.subarray(0, 100)))._tag).toBe('TruncatedData');
    const gz = gzipSync(good);
    expect(left(decodeNifti(gz.subarray(0, gz.length - 40)))._tag).toBe('TruncatedData');
  });

  it('random bytes are a CorruptFile', () => {
    const junk = Uint8Array.from({ length: 600 }, (_, i) => (i * 37) % 251);
    const e = left(decodeNifti(junk, 'junk.nii'));
    expect(e._tag).toBe('CorruptFile');
    expect(e.message).toMatch(/junk\.nii: not a readable NIfTI file/);
  });

  it('complex64 and rgb24 are UnsupportedDatatype', () => {
    for (const [code, bitpix] of [
      [32, 64],
      [128, 24],
    ] as const) {
      const e = left(decodeNifti(nifti1Bytes({ dims: [1, 1, 1], datatype: code, bitpix, voxels: () => undefined, voxelBytes: 8 })));
      expect(e).toMatchObject({ _tag: 'UnsupportedDatatype', datatypeCode: code });
    }
  });

  it('uint64 within 2^53 is read exactly', () => {
    const v = decoded({
      dims: [2, 1, 1],
      datatype: 1280,
      bitpix: 64,
      voxels: (d, at, le) => {
        d.setBigUint64(at, 2n ** 40n, le);
        d.setBigUint64(at + 8, 7n, le);
      },
      voxelBytes: 16,
    });
    expect(v.data.dtype).toBe('float64');
    expect(values(v)).toEqual([2 ** 40, 7]);
  });

  it('int64 beyond 2^53 is refused, not rounded', () => {
    const e = left(
      decodeNifti(nifti1Bytes({ dims: [1, 1, 1], datatype: 1024, bitpix: 64, voxels: (v, at, le) => v.setBigInt64(at, 2n ** 60n, le), voxelBytes: 8 })),
    );
    expect(e._tag).toBe('UnsupportedDatatype');
  });

  it('a missing file is FileNotFound; the Promise form rejects with a NiftiError', async () => {
    const p = join(tmp.dir, 'nope.nii.gz');
    expect(left(await readNifti(p)())._tag).toBe('FileNotFound');
    await expect(loadNifti(p)).rejects.toThrow(/no such file/);
  });

  it('writing a value outside the datatype is ValueOutOfRange', () => {
    const r = encodeNifti(volumeOf(reshape(array([0, 300], undefined, 'int32'), [1, 1, 2])), { datatype: 'uint8' });
    expect(E.isLeft(r) && r.left._tag).toBe('ValueOutOfRange');
  });
});

const DATATYPES: readonly { dt: NiftiDatatype; values: number[]; stored: string }[] = [
  { dt: 'uint8', values: [0, 1, 7, 128, 255, 3], stored: 'uint8' },
  { dt: 'int8', values: [-128, -1, 0, 1, 100, 127], stored: 'int32' },
  { dt: 'int16', values: [-32768, -1024, 0, 1, 2000, 32767], stored: 'int32' },
  { dt: 'uint16', values: [0, 1, 300, 40000, 65535, 9], stored: 'int32' },
  { dt: 'int32', values: [-2147483648, -5, 0, 5, 123456789, 2147483647], stored: 'int32' },
  { dt: 'uint32', values: [0, 1, 4294967295, 3000000000, 7, 8], stored: 'float64' },
  { dt: 'int64', values: [-(2 ** 53) + 1, -1, 0, 1, 2 ** 40, 2 ** 53 - 1], stored: 'float64' },
  { dt: 'float32', values: [-1.5, 0, 0.25, 1e-3, 3.4e38, -7], stored: 'float32' },
  { dt: 'float64', values: [-1.5, Math.PI, 1e-300, 1e300, 0, -0.1], stored: 'float64' },
];

describe('round trips: writeNifti then readNifti, every datatype, gzip or not', () => {
  const affine = [
    [0, -0.9, 0, 12.5],
    [0.8, 0, 0, -3],
    [0, 0, 2.5, 40],
    [0, 0, 0, 1],
  ];
  for (const { dt, values: vals, stored } of DATATYPES) {
    for (const ext of ['.nii', '.nii.gz']) {
      it(`${dt} ${ext}`, async () => {
        const data = reshape(array(vals, undefined, 'float64'), [1, 2, 3]);
        const path = join(tmp.dir, `rt-${dt}${ext}`);
        await saveNifti(path, { data, spacing: [2.5, 0.9, 0.8], affine }, { datatype: dt });
        const raw = readFileSync(path);
        expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(ext === '.nii.gz');
        const v = await loadNifti(path);
        expect(v.header?.datatypeCode).toBe(NIFTI_DATATYPE_CODES[dt]);
        expect(v.data.dtype).toBe(stored);
        expect(v.data.shape).toEqual([1, 2, 3]);
        const want = dt === 'float32' ? vals.map(Math.fround) : vals;
        expect(values(v)).toEqual(want);
        expect(v.spacing.map((s) => +s.toFixed(5))).toEqual([2.5, 0.9, 0.8]);
        expect(v.affine.map((r) => r.map((x) => +x.toFixed(5) + 0))).toEqual(affine);
      });
    }
  }

  it('a 4-D [T, D, H, W] volume round-trips', async () => {
    const data = reshape(arange(2 * 3 * 4 * 5, undefined, 1, 'float32'), [2, 3, 4, 5]);
    const path = join(tmp.dir, 'four.nii.gz');
    await saveNifti(path, volumeOf(data, [3, 2, 1]));
    const v = await loadNifti(path);
    expect(v.data.shape).toEqual([2, 3, 4, 5]);
    expect(values(v)).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('keeps the header (description, codes, qform quaternion) of a volume read from disk', async () => {
    const bytes = nifti1Bytes({
      dims: [2, 2, 2],
      datatype: 4,
      bitpix: 16,
      pixdim: [-1, 1.5, 2, 3, 0, 0, 0, 0],
      qformCode: 1,
      sformCode: 1,
      quatern: [0, 0, 1],
      qoffset: [5, 6, 7],
      srow: [
        [-1.5, 0, 0, 5],
        [0, -2, 0, 6],
        [0, 0, -3, 7],
      ],
      description: 'scanner X',
      voxels: (v, at, le) => {
        for (let i = 0; i < 8; i++) v.setInt16(at + 2 * i, i * 10, le);
      },
      voxelBytes: 16,
    });
    const input = right(decodeNifti(bytes));
    const path = join(tmp.dir, 'kept.nii');
    await saveNifti(path, { ...input, data: input.data }, { datatype: 'uint8' });
    const back = await loadNifti(path);
    expect(back.header).toMatchObject({ qformCode: 1, sformCode: 1, description: 'scanner X', quaternD: 1 });
    expect(back.header?.pixdim[0]).toBe(-1);
    expect(back.affine).toEqual(input.affine);
    expect(values(back)).toEqual(values(input));
  });

  it('writes atomically: no temporary file is left, missing folders are made', async () => {
    const dir = join(tmp.dir, 'a', 'b');
    const r = await writeNifti(join(dir, 'x.nii.gz'), volumeOf(reshape(arange(8, undefined, 1, 'float32'), [2, 2, 2])))();
    expect(E.isRight(r)).toBe(true);
    expect(readdirSync(dir)).toEqual(['x.nii.gz']);
  });

  it('reads from bytes as well as from a path', async () => {
    const path = join(tmp.dir, 'rt-uint8.nii.gz');
    const fromPath = await loadNifti(path);
    const fromBytes = await loadNifti(new Uint8Array(readFileSync(path)));
    expect(values(fromBytes)).toEqual(values(fromPath));
  });
});

describe('properties', () => {
  it('encodeNifti then decodeNifti is the identity on values, shape, spacing and affine (any datatype, gzip or not)', () => {
    const dts = DATATYPES.map((d) => d.dt);
    fc.assert(
      fc.property(
        fc.constantFrom(...dts),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 4 }),
        fc.boolean(),
        fc.tuple(fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true })),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.nat(),
        (dt, shape, gzip, spacing, angle, seed) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const { values: pool } = DATATYPES.find((d) => d.dt === dt)!;
          const vals = Array.from({ length: n }, (_, i) => pool[(i * 7 + seed) % pool.length]!);
          const data = reshape(array(vals, undefined, 'float64'), shape);
          const [sd, sh, sw] = spacing;
          const c = Math.cos(angle);
          const s = Math.sin(angle);
          const affine = [
            [c * sw, -s * sh, 0, seed % 17],
            [s * sw, c * sh, 0, -3],
            [0, 0, sd, 1.5],
            [0, 0, 0, 1],
          ];
          const bytes = encodeNifti({ data, spacing, affine }, { datatype: dt, gzip });
          if (E.isLeft(bytes)) throw new Error(bytes.left.message);
          const v = right(decodeNifti(bytes.right));
          // A single volume [1, D, H, W] is stored (and read back) as 3-D.
          expect(v.data.shape).toEqual(shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape);
          expect(values(v)).toEqual(dt === 'float32' ? vals.map(Math.fround) : vals);
          v.spacing.forEach((x, i) => expect(x).toBeCloseTo(spacing[i]!, 5));
          v.affine.forEach((row, r) => row.forEach((x, col) => expect(x).toBeCloseTo(affine[r]![col]!, 4)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the written qform describes the affine when it is a rotation times a scale (either handedness)', () => {
    fc.assert(
      fc.property(fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.boolean(), (t, u, flipZ) => {
        const sp = [0.7, 0.9, 2.5];
        // R = Rz(t) * Rx(u), optionally with the third axis reversed (qfac -1).
        const Rz = [
          [Math.cos(t), -Math.sin(t), 0],
          [Math.sin(t), Math.cos(t), 0],
          [0, 0, 1],
        ];
        const Rx = [
          [1, 0, 0],
          [0, Math.cos(u), -Math.sin(u)],
          [0, Math.sin(u), Math.cos(u)],
        ];
        const R = Rz.map((row) => [0, 1, 2].map((c) => row.reduce((a, v, k) => a + v * Rx[k]![c]!, 0)));
        const affine = [...R.map((row, r) => [...row.map((x, c) => x * sp[c]! * (c === 2 && flipZ ? -1 : 1)), [10, -20, 30][r]!]), [0, 0, 0, 1]];
        const bytes = encodeNifti({ data: reshape(arange(8, undefined, 1, 'float32'), [2, 2, 2]), spacing: [2.5, 0.9, 0.7], affine });
        if (E.isLeft(bytes)) throw new Error(bytes.left.message);
        const h = right(decodeNifti(bytes.right)).header!;
        const q = headerQform(h)!;
        q.forEach((row, r) => row.forEach((x, c) => expect(x).toBeCloseTo(affine[r]![c]!, 4)));
        expect(affineToQuaternion(affine).qfac).toBe(flipZ ? -1 : 1);
      }),
      { numRuns: 40 },
    );
  });

  it('a write that cannot happen is an IOError value, not an exception', async () => {
    const blocker = join(tmp.dir, 'a-file');
    writeFileSync(blocker, 'x');
    const r = await writeNifti(join(blocker, 'sub', 'x.nii'), volumeOf(reshape(arange(8, undefined, 1, 'float32'), [2, 2, 2])))();
    expect(E.isLeft(r) && r.left._tag).toBe('IOError');
  });
});

// CI installs NiBabel with: apt-get update && apt-get install -y python3-nibabel
describe.skipIf(!hasNibabel && process.env.CI === undefined)('NiBabel (python3-nibabel) as the other tool', () => {
  const oblique = [
    [0.7, -0.3, 0.1, -20],
    [0.35, 0.8, -0.2, 15],
    [-0.05, 0.25, 2.4, 60],
    [0, 0, 0, 1],
  ];

  it('reads what NiBabel writes: every datatype, gzip or not, NIfTI-1 and NIfTI-2, scaled, big-endian', async () => {
    const specs = [
      ...DATATYPES.map((d) => ({ name: `nib-${d.dt}.nii.gz`, dtype: d.dt, cls: 'Nifti1Image' })),
      { name: 'nib-int16-plain.nii', dtype: 'int16', cls: 'Nifti1Image' },
      { name: 'nib-float32-be.nii', dtype: '>f4', cls: 'Nifti1Image' },
      { name: 'nib2-float32.nii.gz', dtype: 'float32', cls: 'Nifti2Image' },
      { name: 'nib-scaled.nii.gz', dtype: 'int16', cls: 'Nifti1Image', slope: 0.5, inter: -1024 },
    ];
    const written = python<{ name: string; data: number[]; affine: number[][]; zooms: number[] }[]>(
      `
out, specs, aff = sys.argv[1], json.loads(sys.argv[2]), np.array(json.loads(sys.argv[3]))
res = []
for s in specs:
    shape = (5, 4, 3)  # x, y, z
    base = np.arange(np.prod(shape)).reshape(shape, order='F')
    dt = np.dtype(s['dtype'])
    if dt.kind == 'f': vals = (base * 0.37 - 7).astype(dt)
    elif dt.kind == 'u': vals = (base * 3).astype(dt)
    else: vals = (base * 5 - 100).astype(dt)
    img = getattr(nib, s['cls'])(vals, aff, dtype=dt)
    img.header.set_data_dtype(dt)
    if 'slope' in s: img.header.set_slope_inter(s['slope'], s['inter'])
    nib.save(img, f"{out}/{s['name']}")
    back = nib.load(f"{out}/{s['name']}")
    res.append({'name': s['name'], 'data': np.transpose(back.get_fdata(), (2, 1, 0)).ravel().tolist(), 'affine': back.affine.tolist(), 'zooms': [float(z) for z in back.header.get_zooms()]})
print(json.dumps(res))
`,
      [tmp.dir, JSON.stringify(specs), JSON.stringify(oblique)],
    );
    for (const w of written) {
      const v = await loadNifti(join(tmp.dir, w.name));
      expect(v.data.shape, w.name).toEqual([3, 4, 5]);
      const got = values(v);
      w.data.forEach((x, i) => expect(got[i], `${w.name}[${i}]`).toBeCloseTo(x, 4));
      v.affine.forEach((row, r) => row.forEach((x, c) => expect(x, `${w.name} affine`).toBeCloseTo(w.affine[r]![c]!, 5)));
      expect(v.spacing.map((s) => +s.toFixed(5))).toEqual(
        w.zooms
          .slice(0, 3)
          .reverse()
          .map((s) => +s.toFixed(5)),
      );
    }
    expect(written.find((w) => w.name === 'nib-scaled.nii.gz')!.data[1]).toBeCloseTo(-1024 + 0.5 * -95, 4);
  });

  it('NiBabel reads what we write: values, sform, qform and zooms agree', async () => {
    const data = reshape(arange(3 * 4 * 5, undefined, 1, 'float32'), [3, 4, 5]);
    const spacing = [2.4235, 0.8803, 0.7616] as const;
    for (const [name, dt] of [
      ['ours-f32.nii.gz', 'float32'],
      ['ours-u8.nii', 'uint8'],
      ['ours-i16.nii.gz', 'int16'],
    ] as const) {
      await saveNifti(join(tmp.dir, name), { data, spacing, affine: oblique }, { datatype: dt });
    }
    const seen = python<{ data: number[]; sform: number[][]; qform: number[][]; zooms: number[]; dtype: string }[]>(
      `
res = []
for name in sys.argv[2:]:
    img = nib.load(f"{sys.argv[1]}/{name}")
    res.append({'data': np.transpose(img.get_fdata(), (2, 1, 0)).ravel().tolist(), 'sform': img.header.get_sform().tolist(), 'qform': img.header.get_qform().tolist(), 'zooms': [float(z) for z in img.header.get_zooms()], 'dtype': str(img.get_data_dtype())})
print(json.dumps(res))
`,
      [tmp.dir, 'ours-f32.nii.gz', 'ours-u8.nii', 'ours-i16.nii.gz'],
    );
    expect(seen.map((s) => s.dtype)).toEqual(['float32', 'uint8', 'int16']);
    for (const s of seen) {
      expect(s.data).toEqual(Array.from({ length: 60 }, (_, i) => i));
      s.sform.forEach((row, r) => row.forEach((x, c) => expect(x).toBeCloseTo(oblique[r]![c]!, 5)));
      expect(s.zooms.map((z) => +z.toFixed(3))).toEqual([0.762, 0.88, 2.424]);
    }
    // The qform is the rotation part of the (non-orthogonal) affine, orthogonalised; the offsets agree exactly.
    for (let r = 0; r < 3; r++) expect(seen[0]!.qform[r]![3]).toBeCloseTo(oblique[r]![3]!, 5);
  });

  it('NiBabel qform equals the affine exactly when it is a rotation times a scale', async () => {
    const t = 0.3;
    const R = [
      [Math.cos(t), -Math.sin(t), 0],
      [Math.sin(t), Math.cos(t), 0],
      [0, 0, -1],
    ];
    const sp = [0.8, 0.9, 2.5];
    const affine = [...R.map((row, r) => [...row.map((x, c) => x * sp[c]!), [1, 2, 3][r]!]), [0, 0, 0, 1]];
    const path = join(tmp.dir, 'rot.nii.gz');
    await saveNifti(path, { data: reshape(arange(8, undefined, 1, 'float32'), [2, 2, 2]), spacing: [2.5, 0.9, 0.8], affine });
    const [q] = python<number[][][]>(`print(json.dumps([nib.load(sys.argv[1]).header.get_qform().tolist()]))`, [path]);
    q!.forEach((row, r) => row.forEach((x, c) => expect(x).toBeCloseTo(affine[r]![c]!, 5)));
    expect(existsSync(path)).toBe(true);
  });
});

describe('gzip bombs (issue #12)', () => {
  const tiny = (): Uint8Array => {
    const e = encodeNifti(volumeOf(array(new Uint8Array(8).fill(1), [2, 2, 2], 'uint8')));
    if (E.isLeft(e)) throw new Error(e.left.message);
    return e.right;
  };

  it('a .nii.gz that inflates past its header size is refused, inflating no more than the header says', () => {
    const header = tiny();
    // 352 + 8 bytes declared, then 64 MiB of zeros: about 64 KiB compressed.
    const body = new Uint8Array(header.length + 64 * 2 ** 20);
    body.set(header);
    const bomb = new Uint8Array(gzipSync(body, { level: 9 }));
    expect(bomb.length).toBeLessThan(2 ** 20);
    const e = left(decodeNifti(bomb, 'bomb.nii.gz'));
    expect(e._tag).toBe('TooLarge');
    expect(e.message).toMatch(/^bomb\.nii\.gz: the gzip stream inflates past the 360 bytes its header declares; refused without inflating it/);
  });

  it('a .nii.gz whose header promises a huge volume is refused before inflating it', () => {
    const bytes = tiny();
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const at of [42, 44, 46]) dv.setInt16(at, 32767, true); // 32767^3 voxels: 32 TiB of uint8
    const e = left(decodeNifti(new Uint8Array(gzipSync(bytes)), 'huge.nii.gz'));
    expect(e).toMatchObject({ _tag: 'TooLarge', promisedBytes: 352 + 32767 ** 3, limitBytes: 2 ** 31 });
    expect(e.message).toMatch(/the header promises 32767x32767x32767 voxels of 1 byte\(s\)/);
    // The limit is the caller's to raise or lower.
    const small = left(decodeNifti(new Uint8Array(gzipSync(tiny())), 's.nii.gz', { maxVoxelBytes: 4 }));
    expect(small._tag).toBe('TooLarge');
    expect(right(decodeNifti(new Uint8Array(gzipSync(tiny())), 's.nii.gz', { maxVoxelBytes: 8 })).data.shape).toEqual([2, 2, 2]);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as fcTest } from '@fast-check/vitest';
import type { NDArray } from '@colab-ts/ndarray';
import { array, key, toTypedArray } from '@colab-ts/ndarray';
import type { UNetConfig } from '@colab-ts/nn';
import { unetInit } from '@colab-ts/nn';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TREE_KEY,
  decodeCheckpoint,
  decodeSafetensors,
  encodeCheckpoint,
  encodeLegacyCheckpoint,
  encodeSafetensors,
  loadCheckpoint,
  saveCheckpoint,
  unetConfigFor,
  unetFromStateDict,
  unetStateDict,
} from '../src/index.js';
import { finish, tempDir } from './helpers.js';

/** The raw bytes of an array (bit patterns, so NaN payloads and -0 count). */
const bits = (x: NDArray): number[] => {
  const d = toTypedArray(x) as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
  return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)];
};
/** A two-stage, 2D-like U-Net with 2 and 4 features, as `colab-ts train` builds it for 1 x 8 x 8 patches: small enough to list all of its nnU-Net keys. */
const twoStageUnet = (outChannels: number): UNetConfig => ({
  ...unetConfigFor({ patch: [1, 8, 8], features: 2, stages: 2, inChannels: 1 }, outChannels),
  deepSupervision: false,
});
const le64 = (n: number): number[] => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >> 24) & 255, 0, 0, 0, 0];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('examples', () => {
  // Written by hand from the format's description (8-byte LE header length, JSON header padded with spaces, raw LE data).
  const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 79 bytes -> padded with 1 space to 80
  const hand = Uint8Array.from([...le64(80), ...ascii(header), 0x20, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0]);

  it('writes the bytes of the format, byte for byte', () => {
    expect(header.length).toBe(79);
    expect([...encodeSafetensors([['a', array(Float32Array.of(1.5, -2), [2])]], { k: 'v' })]).toEqual([...hand]);
  });

  it('reads hand-built bytes', () => {
    const st = decodeSafetensors(hand);
    expect(st.metadata).toEqual({ k: 'v' });
    expect([...toTypedArray(st.tensors.get('a')!)]).toEqual([1.5, -2]);
    expect(st.tensors.get('a')!.shape).toEqual([2]);
  });

  it('lays out wide dtypes first, so each tensor is aligned, and indexes the buffer without holes', () => {
    const bytes = encodeSafetensors([
      ['u', array(Uint8Array.of(7), [1], 'uint8')],
      ['d', array(Float64Array.of(0.5), [1], 'float64')],
    ]);
    const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(hlen % 8).toBe(0);
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))) as Record<string, { data_offsets: number[] }>;
    expect(h.d!.data_offsets).toEqual([0, 8]);
    expect(h.u!.data_offsets).toEqual([8, 9]);
    expect(bytes.length).toBe(8 + hlen + 9);
    expect(new DataView(bytes.buffer).getFloat64(8 + hlen, true)).toBe(0.5);
    expect(bytes[8 + hlen + 8]).toBe(7);
  });

  it('refuses holes, overlaps, data past the end, odd sizes, unknown dtypes and a header longer than the file', () => {
    const make = (h: object, data: number[]): Uint8Array => {
      const j = ascii(JSON.stringify(h));
      return Uint8Array.from([...le64(j.length), ...j, ...data]);
    };
    const f32 = { dtype: 'F32', shape: [1] };
    expect(() => decodeSafetensors(make({ a: { ...f32, data_offsets: [4, 8] } }, Array(8).fill(0)))).toThrow(/hole before a/);
    expect(() => decodeSafetensors(make({ a: { ...f32, data_offsets: [0, 4] }, b: { ...f32, data_offsets: [2, 6] } }, Array(6).fill(0)))).toThrow(/overlaps/);
    expect(() => decodeSafetensors(make({ a: { ...f32, data_offsets: [0, 4] } }, [0, 0]))).toThrow(
      /truncated data: a's data_offsets \[0, 4\] run past the end/,
    );
    expect(() => decodeSafetensors(make({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]))).toThrow(/4 bytes for shape \[2\]/);
    expect(() => decodeSafetensors(make({ a: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]))).toThrow(/unsupported dtype "BF16"/);
    expect(() => decodeSafetensors(make({ a: { ...f32, data_offsets: [0, 4] } }, [0, 0, 0, 0, 9]))).toThrow(/1 bytes after the last tensor/);
    expect(() => decodeSafetensors(Uint8Array.from([...le64(1000), 0x7b]))).toThrow(/truncated header: its length 1000 exceeds the file/);
  });

  it('names a U-Net as nnU-Net PlainConvUNet does, and reads those names back', () => {
    const cfg = { ...twoStageUnet(3), convsPerStage: 1 };
    const p = unetInit(key(0), cfg);
    const sd = unetStateDict(p);
    expect(sd.map(([k, x]) => `${k} ${x.shape.join('x')}`)).toEqual([
      'encoder.stages.0.0.convs.0.conv.weight 2x1x1x3x3',
      'encoder.stages.0.0.convs.0.conv.bias 2',
      'encoder.stages.0.0.convs.0.norm.weight 2',
      'encoder.stages.0.0.convs.0.norm.bias 2',
      'encoder.stages.1.0.convs.0.conv.weight 4x2x1x3x3',
      'encoder.stages.1.0.convs.0.conv.bias 4',
      'encoder.stages.1.0.convs.0.norm.weight 4',
      'encoder.stages.1.0.convs.0.norm.bias 4',
      'decoder.transpconvs.0.weight 4x2x1x2x2',
      'decoder.transpconvs.0.bias 2',
      'decoder.stages.0.convs.0.conv.weight 2x4x1x3x3',
      'decoder.stages.0.convs.0.conv.bias 2',
      'decoder.stages.0.convs.0.norm.weight 2',
      'decoder.stages.0.convs.0.norm.bias 2',
      'decoder.seg_layers.0.weight 3x2x1x1x1',
      'decoder.seg_layers.0.bias 3',
    ]);
    // A PyTorch state_dict also has aliases (all_modules, decoder.encoder): they are skipped, not reported.
    const withAliases = new Map([
      ...sd,
      ['decoder.encoder.stages.0.0.convs.0.all_modules.0.weight', sd[0]![1]],
      ['encoder.stages.0.0.convs.0.all_modules.1.bias', sd[3]![1]],
      ['extra', sd[1]![1]],
    ]);
    const back = unetFromStateDict(withAliases);
    expect(back.unused).toEqual(['extra']);
    expect(unetStateDict(back.params).map(([k, x]) => [k, bits(x)])).toEqual(sd.map(([k, x]) => [k, bits(x)]));
    sd.splice(8, 1);
    expect(() => unetFromStateDict(new Map(sd))).toThrow(/missing 1 nnU-Net key\(s\): decoder.transpconvs.0.weight/);
  });

  it('stores the segmentation model under the bare nnU-Net names and the tree in the metadata; the old COLABTS1 format still loads', () => {
    const cfg = twoStageUnet(2);
    const theta = unetInit(key(1), cfg);
    const tree = {
      version: 1,
      step: 5,
      key: [0, 7],
      state: { theta, thetaOpt: { step: 5, momentum: unetInit(key(2), cfg) }, iteration: 5 },
      bestDice: -Infinity,
      valDice: [Number.NaN],
    };
    const bytes = encodeCheckpoint(tree);
    const st = decodeSafetensors(bytes);
    expect(st.tensors.has('encoder.stages.0.0.convs.1.norm.weight')).toBe(true);
    expect(st.tensors.has('state.thetaOpt.momentum.decoder.seg_layers.0.bias')).toBe(true);
    expect(JSON.parse(st.metadata.step!)).toBe(5);
    expect(JSON.parse(st.metadata.key!)).toEqual([0, 7]);
    expect(JSON.parse(st.metadata[TREE_KEY]!).state.theta.head.w).toEqual({ $st: 'decoder.seg_layers.0.weight' });
    expect(bits(st.tensors.get('decoder.seg_layers.0.weight')!)).toEqual(bits(theta.head.w));
    const dir = tempDir('st');
    writeFileSync(join(dir, 'old.ckpt'), encodeLegacyCheckpoint(tree));
    saveCheckpoint(join(dir, 'new.ckpt'), tree);
    for (const f of ['old.ckpt', 'new.ckpt']) {
      const back = loadCheckpoint(join(dir, f)) as typeof tree;
      expect(back.bestDice).toBe(-Infinity);
      expect(back.valDice).toEqual([Number.NaN]);
      expect(unetStateDict(back.state.thetaOpt.momentum).map(([k, x]) => [k, bits(x)])).toEqual(
        unetStateDict(tree.state.thetaOpt.momentum).map(([k, x]) => [k, bits(x)]),
      );
    }
    expect(readFileSync(join(dir, 'old.ckpt')).subarray(0, 8).toString()).toBe('COLABTS1');
    expect(() => decodeCheckpoint(encodeSafetensors([['a', array(Float32Array.of(1), [1])]]))).toThrow(/without the colab_ts.tree metadata/);
  });
});

describe('properties', () => {
  // Every 32-bit pattern (NaN payloads, -0, subnormals, infinities) and every dtype survives encode -> decode bit for bit.
  fcTest.prop(
    [
      fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 40 }),
      fc.array(fc.double(), { maxLength: 10 }),
      fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 10 }),
      fc.uint8Array({ maxLength: 13 }),
    ],
    { numRuns: 30 },
  )('safetensors checkpoints round-trip bit-exactly', (u32, f64, i32, u8) => {
    const f = array(new Float32Array(Uint32Array.from(u32).buffer), [u32.length]);
    const d = array(Float64Array.from(f64), [f64.length], 'float64');
    const i = array(Int32Array.from(i32), [i32.length], 'int32');
    const b = array(Uint8Array.from(u8), [u8.length], 'uint8');
    const tree = { f, nested: [{ d }, i] as [{ d: NDArray }, NDArray], b, n: 3 };
    const back = decodeCheckpoint(encodeCheckpoint(tree)) as typeof tree;
    expect(bits(back.f)).toEqual(bits(f));
    expect(bits(back.nested[0].d)).toEqual(bits(d));
    expect(bits(back.nested[1])).toEqual(bits(i));
    expect(bits(back.b)).toEqual(bits(b));
    expect([back.f.dtype, back.nested[0].d.dtype, back.nested[1].dtype, back.b.dtype]).toEqual(['float32', 'float64', 'int32', 'uint8']);
    expect(back.n).toBe(3);
  });
});

afterAll(finish);

import { gunzipSync, gzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { gzip, inflate } from '../src/gzip.js';

// The gzip of @colab-ts/data runs on fflate (no Node built-in, so it bundles for browsers);
// Node's zlib is the independent reference here.
describe('properties', () => {
  test.prop([fc.uint8Array({ maxLength: 100_000 }), fc.integer({ min: 0, max: 9 })], { numRuns: 30 })(
    'inflate(zlib gzip(x)) is x; zlib gunzip(gzip(x)) is x',
    (x, level) => {
      const r = inflate(new Uint8Array(gzipSync(x, { level })));
      expect(r._tag).toBe('ok');
      if (r._tag === 'ok') expect(Buffer.from(r.bytes).equals(Buffer.from(x))).toBe(true);
      expect(Buffer.from(gunzipSync(gzip(x))).equals(Buffer.from(x))).toBe(true);
    },
  );
});

describe('examples', () => {
  const big = new Uint8Array(1 << 22).map((_, i) => (i * 2654435761) >>> 29);
  const gz = new Uint8Array(gzipSync(big));
  it('stops at a cap, and at a prefix', () => {
    expect(inflate(gz, big.length)._tag).toBe('ok');
    expect(inflate(gz, big.length - 1)._tag).toBe('tooLarge');
    const head = inflate(gz, Number.POSITIVE_INFINITY, 540);
    expect(head._tag).toBe('ok');
    if (head._tag === 'ok') {
      expect(head.bytes.length).toBeGreaterThanOrEqual(540);
      expect(head.bytes.length).toBeLessThan(big.length);
      expect(Buffer.from(head.bytes).equals(Buffer.from(big.subarray(0, head.bytes.length)))).toBe(true);
    }
  });
  it('gzip is deterministic: no time stamp in the header (bytes 4-7 are 0)', () => {
    const a = gzip(big);
    expect([...a.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(Buffer.from(gzip(big)).equals(Buffer.from(a))).toBe(true);
  });
  it('a cut stream is truncated, garbage is corrupt', () => {
    expect(inflate(gz.subarray(0, gz.length >> 1))._tag).toBe('truncated');
    const bad = gz.slice();
    bad.fill(0xff, 10, 40);
    expect(inflate(bad)._tag).toBe('corrupt');
  });
});

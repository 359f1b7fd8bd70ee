/**
 * gzip for NIfTI, on fflate (pure JavaScript, the same code in Node and in
 * browsers, so `decodeNifti` and `encodeNifti` stay synchronous functions of
 * bytes with no Node built-in). Inflation is streamed in small input chunks so
 * that an output cap stops a gzip bomb after at most one chunk's worth of
 * output beyond it.
 * @module
 */
import { Gunzip, gzipSync } from 'fflate';

/** What `inflate` gives: the bytes, or why not. @internal */
export type Inflated =
  | { readonly _tag: 'ok'; readonly bytes: Uint8Array }
  | { readonly _tag: 'tooLarge' }
  | { readonly _tag: 'truncated' }
  | { readonly _tag: 'corrupt'; readonly message: string };

/** Input is fed to the inflater this many bytes at a time (at most ~1032x as much output per chunk). */
const CHUNK = 16 * 1024;

class CapReached extends Error {}

/** Concatenates chunks into one array of `total` bytes. */
function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === total) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Inflates the gzip stream `bytes` (its first member), refusing to produce
 * more than `maxOutput` bytes (`tooLarge`). `stopAfter`: return as soon as at
 * least this many bytes are out (a prefix; no check that the stream ends).
 * @internal
 */
export function inflate(bytes: Uint8Array, maxOutput = Number.POSITIVE_INFINITY, stopAfter = Number.POSITIVE_INFINITY): Inflated {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const g = new Gunzip((chunk, final) => {
    total += chunk.length;
    if (total > maxOutput) throw new CapReached();
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < bytes.length && !ended; at += CHUNK) {
      g.push(bytes.subarray(at, Math.min(bytes.length, at + CHUNK)), at + CHUNK >= bytes.length);
      if (total >= stopAfter) return { _tag: 'ok', bytes: concat(chunks, total) };
    }
  } catch (e) {
    if (e instanceof CapReached) return { _tag: 'tooLarge' };
    const code = (e as { code?: number }).code;
    // fflate's FlateErrorCode.UnexpectedEOF (0): the input ends inside the stream
    if (code === 0) return { _tag: 'truncated' };
    return { _tag: 'corrupt', message: (e as Error).message };
  }
  if (!ended) return bytes.length === 0 ? { _tag: 'corrupt', message: 'empty input' } : { _tag: 'truncated' };
  return { _tag: 'ok', bytes: concat(chunks, total) };
}

/** gzip at level 1 (as NiBabel writes), with no time stamp (mtime 0, as zlib), so the same volume gives the same bytes. @internal */
export const gzip = (bytes: Uint8Array): Uint8Array => gzipSync(bytes, { level: 1, mtime: 0 });

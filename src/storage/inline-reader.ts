/** A BlobReader over bytes kept inline in the metadata store, so ranged reads share the blob code path. */
import { Readable } from 'node:stream';
import type { BlobReader } from './contracts.js';

export function inlineReader(bytes: Buffer): BlobReader {
  return {
    size: bytes.length,
    // Wrapped in an array: Readable.from(buffer) would emit it byte by byte.
    stream: (start, end) => Readable.from(end < start ? [] : [bytes.subarray(start, end + 1)]),
    close: async () => undefined,
  };
}

/**
 * Large test bodies without holding them: a deterministic stream of 64 KiB chunks (as a socket
 * delivers them) that can be regenerated for any byte range, to check reads byte-exact.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;

export class PatternedBody {
  private readonly block = randomBytes(16 * CHUNK);
  constructor(readonly size: number) {}

  /** Chunk `i`: a slice of a random block, stamped with its index so no two chunks are alike. */
  private chunk(i: number): Buffer {
    const len = Math.min(CHUNK, this.size - i * CHUNK);
    const c = Buffer.from(this.block.subarray((i % 16) * CHUNK, (i % 16) * CHUNK + len));
    if (len >= 4) c.writeUInt32BE(i, 0);
    return c;
  }

  stream(): Readable {
    const self = this;
    return Readable.from((function* () {
      for (let i = 0; i * CHUNK < self.size; i++) yield self.chunk(i);
    })());
  }

  /** Bytes [start, end] inclusive. */
  range(start: number, end: number): Buffer {
    const parts: Buffer[] = [];
    for (let i = Math.floor(start / CHUNK); i * CHUNK <= end; i++) {
      const c = this.chunk(i);
      const from = Math.max(0, start - i * CHUNK);
      const to = Math.min(c.length, end - i * CHUNK + 1);
      parts.push(c.subarray(from, to));
    }
    return Buffer.concat(parts);
  }

  md5(): string {
    const h = createHash('md5');
    for (let i = 0; i * CHUNK < this.size; i++) h.update(this.chunk(i));
    return h.digest('hex');
  }
}

/** Consumes a stream, returning its length and MD5 (never the bytes). */
export async function digestStream(stream: Readable): Promise<{ size: number; md5: string }> {
  const h = createHash('md5');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.length;
  }
  return { size, md5: h.digest('hex') };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * Request bodies held to their signature while they stream (never buffered whole): a body whose
 * SHA-256 was signed (`x-amz-content-sha256`) fails at its end when the bytes differ, and an
 * `aws-chunked` body (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) is decoded with every chunk's signature
 * checked, each chained to the one before. A failure is an error on the stream, so the write that
 * reads it never commits; the S3 error it carries is what the client gets.
 */
import { createHash, createHmac, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from './errors.js';
import { EMPTY_SHA256, safeEqualHex } from './sigv4.js';

export class PayloadError extends Error {
  constructor(readonly s3: S3Error) { super(s3.message); }
}

/** Passes the body through and fails at its end when its SHA-256 is not `expectedHex`. */
export function sha256Verifier(expectedHex: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (hash.digest('hex') === expectedHex) done();
      else done(new PayloadError(new S3Error('XAmzContentSHA256Mismatch')));
    },
  });
}

export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  /** The request's own signature: the first chunk's "previous signature". */
  seedSignature: string;
}

/** A chunk header line is short: `<hex size>;chunk-signature=<64 hex>`. */
const MAX_HEADER_LINE = 1024;

/**
 * Decodes `aws-chunked` (`<hex>;chunk-signature=<sig>\r\n<bytes>\r\n`… `0;chunk-signature=<sig>\r\n\r\n`),
 * checking each chunk's signature over its bytes as they pass.
 */
export class AwsChunkedDecoder extends Transform {
  private state: 'header' | 'data' | 'data-crlf' | 'final-crlf' | 'done' = 'header';
  private header = Buffer.alloc(0);
  private remaining = 0;
  private chunkHash: Hash | undefined;
  private chunkSignature = '';
  private previous: string;
  private crlfSeen = 0;

  constructor(private readonly signing: ChunkSigning) {
    super();
    this.previous = signing.seedSignature;
  }

  private fail(message: string, code: 'SignatureDoesNotMatch' | 'IncompleteBody' | 'InvalidRequest' = 'IncompleteBody'): PayloadError {
    return new PayloadError(new S3Error(code, code === 'SignatureDoesNotMatch' ? undefined : message));
  }

  private checkChunk(): PayloadError | undefined {
    const hash = (this.chunkHash ?? createHash('sha256')).digest('hex');
    this.chunkHash = undefined;
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', this.signing.amzDate, this.signing.scope, this.previous, EMPTY_SHA256, hash].join('\n');
    const expected = createHmac('sha256', this.signing.signingKey).update(toSign).digest('hex');
    if (!safeEqualHex(expected, this.chunkSignature)) return this.fail('chunk signature', 'SignatureDoesNotMatch');
    this.previous = this.chunkSignature;
    return undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'header') {
        const nl = chunk.indexOf(0x0a, i);
        const end = nl === -1 ? chunk.length : nl + 1;
        this.header = Buffer.concat([this.header, chunk.subarray(i, end)]);
        i = end;
        if (this.header.length > MAX_HEADER_LINE) return done(this.fail('chunk header too long', 'InvalidRequest'));
        if (nl === -1) continue;
        const line = this.header.toString('latin1').replace(/\r?\n$/, '');
        this.header = Buffer.alloc(0);
        const m = /^([0-9a-fA-F]+);chunk-signature=([0-9a-f]{64})$/.exec(line);
        if (!m) return done(this.fail('malformed chunk header', 'InvalidRequest'));
        this.remaining = parseInt(m[1] ?? '0', 16);
        this.chunkSignature = m[2] ?? '';
        this.chunkHash = createHash('sha256');
        if (this.remaining === 0) {
          const err = this.checkChunk();
          if (err) return done(err);
          this.state = 'final-crlf';
          this.crlfSeen = 0;
        } else this.state = 'data';
      } else if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - i);
        const piece = chunk.subarray(i, i + take);
        this.chunkHash?.update(piece);
        this.push(piece);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) {
          const err = this.checkChunk();
          if (err) return done(err);
          this.state = 'data-crlf';
          this.crlfSeen = 0;
        }
      } else if (this.state === 'data-crlf' || this.state === 'final-crlf') {
        const want = this.crlfSeen === 0 ? 0x0d : 0x0a;
        if (chunk[i] !== want) return done(this.fail('malformed chunk trailer', 'InvalidRequest'));
        i++;
        if (++this.crlfSeen === 2) this.state = this.state === 'data-crlf' ? 'header' : 'done';
      } else {
        return done(this.fail('bytes after the final chunk', 'InvalidRequest'));
      }
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    // The final CRLF is optional in practice; the zero-length chunk is not.
    if (this.state === 'done' || (this.state === 'final-crlf')) done();
    else done(this.fail('The request body terminated unexpectedly'));
  }
}

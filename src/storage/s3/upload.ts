/**
 * One blob's bytes streamed up to S3 while hashing them, in bounded memory.
 *
 * The body is read in parts of `partSize` bytes. A body that ends within the first part goes up as
 * one PutObject (with Content-MD5, so the service checks what it stored); a longer one becomes a
 * multipart upload whose parts go up `partConcurrency` at a time while the next part is read, so an
 * upload never holds more than (partConcurrency + 1) parts however large the object (memory flat as
 * objects grow). While every slot is busy the source is not read: the client's socket is paused.
 *
 * Sizes are enforced as the filesystem store does: more bytes than `expectedSize` (or `maxSize` for
 * a chunked body) fail at once, fewer than `expectedSize` fail at the end. On any failure nothing
 * stays behind: the multipart upload is aborted, a single object that may have landed is deleted.
 * Only if the service itself is gone can an aborted upload linger; `cleanTemporary` reaps those.
 *
 * Bodies are sent as buffers, not streams: the SDK retries a failed request (throttling, 5xx,
 * a reset connection) by sending its body again, which a consumed stream cannot do.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  PutObjectCommand, UploadPartCommand, type CompletedPart, type S3Client,
} from '@aws-sdk/client-s3';
import { BlobIncompleteError, BlobTooLargeError, type BlobWriteOptions } from '../contracts.js';
import { md5OnEventLoop, md5OnThread, OFFLOAD_MIN_BYTES } from '../fs/md5-offload.js';
import { MAX_PARTS } from './client.js';
import { unavailable } from './errors.js';

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partSize: number;
  partConcurrency: number;
}

/** The part size for this body: the configured one, or larger when S3's 10 000-part limit needs it. */
export function partSizeFor(base: number, options: BlobWriteOptions): number {
  const bound = options.expectedSize ?? options.maxSize;
  return Number.isFinite(bound) ? Math.max(base, Math.ceil(bound / MAX_PARTS)) : base;
}

export async function uploadBlob(target: UploadTarget, source: Readable, options: BlobWriteOptions): Promise<{ size: number; md5: string }> {
  const partSize = partSizeFor(target.partSize, options);
  const limit = options.expectedSize ?? options.maxSize;
  const md5 = options.expectedSize !== undefined && options.expectedSize < OFFLOAD_MIN_BYTES ? md5OnEventLoop() : md5OnThread();
  const pending = new PendingBytes();
  let size = 0;
  let multipart: MultipartUpload | undefined;
  let putStarted = false;
  try {
    for await (const data of source as AsyncIterable<Buffer | string>) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      size += chunk.length;
      if (size > limit) throw options.expectedSize === undefined ? new BlobTooLargeError() : new BlobIncompleteError(size, limit);
      const wait = md5.update(chunk);
      if (wait) await wait;
      pending.push(chunk);
      while (pending.bytes >= partSize) {
        multipart ??= await MultipartUpload.start(target);
        await multipart.add(pending.take(partSize));
      }
    }
    if (options.expectedSize !== undefined && size !== options.expectedSize) throw new BlobIncompleteError(size, options.expectedSize);
    const digest = await md5.digest();
    if (multipart) {
      if (pending.bytes > 0) await multipart.add(pending.take(pending.bytes));
      await multipart.complete();
    } else {
      putStarted = true;
      await putWhole(target, pending.take(pending.bytes), digest);
    }
    return { size, md5: digest };
  } catch (err) {
    md5.abandon();
    if (multipart) await multipart.abort();
    // A PUT whose answer was lost (timeout, reset) may still have stored the object.
    if (putStarted) await target.client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: target.key })).catch(() => undefined);
    throw err;
  }
}

async function putWhole(target: UploadTarget, body: Buffer, md5Hex: string): Promise<void> {
  try {
    await target.client.send(new PutObjectCommand({
      Bucket: target.bucket, Key: target.key, Body: body, ContentLength: body.length,
      ContentMD5: Buffer.from(md5Hex, 'hex').toString('base64'),
    }));
  } catch (err) {
    throw unavailable(err, `PUT ${target.key}`);
  }
}

/** Bytes read from the source and not yet sent, as the chunks they came in (no copy until a part is cut). */
class PendingBytes {
  private chunks: Buffer[] = [];
  bytes = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** The first `n` bytes as one buffer (at most one copy: the part's body), keeping the rest. */
  take(n: number): Buffer {
    const out: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.chunks[0];
      if (!head) break;
      if (head.length <= need) {
        out.push(head);
        this.chunks.shift();
        need -= head.length;
      } else {
        out.push(head.subarray(0, need));
        this.chunks[0] = head.subarray(need);
        need = 0;
      }
    }
    this.bytes -= n - need;
    return out.length === 1 && out[0] ? out[0] : Buffer.concat(out, n - need);
  }
}

/** A multipart upload in progress: parts go up `partConcurrency` at a time, in order of numbering. */
class MultipartUpload {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly parts: CompletedPart[] = [];
  private readonly cancel = new AbortController();
  private failure: unknown;
  private aborted = false;

  private constructor(private readonly target: UploadTarget, private readonly uploadId: string) {}

  static async start(target: UploadTarget): Promise<MultipartUpload> {
    let uploadId: string | undefined;
    try {
      ({ UploadId: uploadId } = await target.client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key })));
    } catch (err) {
      throw unavailable(err, `start multipart upload ${target.key}`);
    }
    if (!uploadId) throw unavailable(new Error('no UploadId in the answer'), `start multipart upload ${target.key}`);
    return new MultipartUpload(target, uploadId);
  }

  /** Sends one part; waits first while `partConcurrency` parts are in flight (backpressure on the source). */
  async add(body: Buffer): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.target.partConcurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const partNumber = this.parts.length + 1;
    this.parts.push({ PartNumber: partNumber });
    const sending: Promise<void> = this.target.client.send(new UploadPartCommand({
      Bucket: this.target.bucket, Key: this.target.key, UploadId: this.uploadId,
      PartNumber: partNumber, Body: body, ContentLength: body.length,
    }), { abortSignal: this.cancel.signal }).then((out) => {
      if (!out.ETag) throw new Error(`no ETag for part ${partNumber}`);
      this.parts[partNumber - 1] = { PartNumber: partNumber, ETag: out.ETag };
    }).catch((err: unknown) => {
      // The first failure fails the upload; the parts still in flight are not worth finishing.
      if (this.failure === undefined) {
        this.failure = unavailable(err, `upload part ${partNumber} of ${this.target.key}`);
        this.cancel.abort();
      }
    }).finally(() => { this.inFlight.delete(sending); });
    this.inFlight.add(sending);
  }

  async complete(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    try {
      await this.target.client.send(new CompleteMultipartUploadCommand({
        Bucket: this.target.bucket, Key: this.target.key, UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }));
    } catch (err) {
      throw unavailable(err, `complete multipart upload ${this.target.key}`);
    }
  }

  /** Stops the parts in flight and aborts the upload (the service drops its parts); best effort. */
  async abort(): Promise<void> {
    if (this.aborted) return;
    this.aborted = true;
    this.cancel.abort();
    await Promise.allSettled([...this.inFlight]);
    const { client, bucket, key } = this.target;
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId })).catch(() => undefined);
    // A completion whose answer was lost may have made the object after all.
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/**
 * Object bytes in an S3 bucket (Ceph RGW, or any S3 service): one S3 object per blob, key
 * `<keyPrefix><blob id>`. Blob ids are random 32-hex, so keys need no hash prefix to spread: RGW
 * places index entries by a hash of the whole key, and S3's prefix partitioning sees random leading
 * characters. Writes stream up while hashing (upload.ts), reads are ranged GETs (range-stream.ts).
 * Every failure of the service is a BackendUnavailableError (503 for callers, never a 404).
 *
 * Deleted while being read. S3 cannot keep a deleted object readable, so this store does what it
 * can: a delete of a blob that has an open reader *in this process* is deferred until its last
 * reader closes (a new `open` finds nothing at once, as the contract says). A GET already streaming
 * when another node deletes the blob usually finishes (RGW keeps the data until garbage collection),
 * but a new range requested after that delete fails on the stream. If the process dies with a
 * delete deferred, the blob is an orphan and the janitor's sweep removes it.
 *
 * Started while the service is down. A node must come up (and serve metadata and inline objects)
 * even when the S3 service is unreachable at that moment, as Swift's proxy starts whatever its
 * object servers do. So the bucket is confirmed lazily: every call first makes sure the bucket was
 * seen (or created) once, and fails with BackendUnavailableError until it has been. Never answering
 * "no such blob" before the bucket is confirmed matters: a missing bucket makes every key look
 * missing, which the GET check and the auditor would read as damage.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand,
  CreateMultipartUploadCommand, DeleteObjectCommand, HeadBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, UploadPartCopyCommand, type S3Client,
} from '@aws-sdk/client-s3';
import type { BlobReader, BlobStore, BlobWriteOptions, StoredBlob } from '../contracts.js';
import { BackendUnavailableError } from '../backend-unavailable.js';
import { createS3Client, DEFAULT_PART_SIZE, MIN_PART_SIZE, type S3Settings } from './client.js';
import { isNotFound, unavailable } from './errors.js';
import { rangeStream } from './range-stream.js';
import { uploadBlob } from './upload.js';

const BLOB_ID = /^[0-9a-f]{32}$/;
/** Where damaged blobs are kept, under the key prefix; not a blob id, so the orphan sweeper never sees them. */
const QUARANTINE = 'quarantined/objects/';
/** S3's limit for a single CopyObject; larger objects are copied in parts. */
const MAX_SINGLE_COPY = 5 * 1024 ** 3;

interface OpenBlob {
  readers: number;
  /** delete() was called while readers were open: delete when the last one closes. */
  deleted: boolean;
}

export class S3BlobStore implements BlobStore {
  private readonly open_ = new Map<string, OpenBlob>();
  private readonly bucket: string;
  private readonly prefix: string;
  /** The bucket has been seen or created: no more checks. */
  private bucketConfirmed = false;
  /** The check in flight, shared by the calls that wait for it. */
  private bucketCheck: Promise<void> | undefined;

  private constructor(private readonly client: S3Client, private readonly settings: S3Settings) {
    this.bucket = settings.bucket;
    this.prefix = settings.keyPrefix ?? '';
  }

  /**
   * Connects and creates the bucket when it is missing. A service that cannot be reached now is
   * not fatal (`onUnavailable` hears why): calls fail with BackendUnavailableError until it is back.
   */
  static async open(settings: S3Settings, onUnavailable?: (err: Error) => void): Promise<S3BlobStore> {
    // S3 refuses to complete an upload whose parts (but the last) are under 5 MiB.
    if (settings.partSize !== undefined && settings.partSize < MIN_PART_SIZE) throw new Error(`partSize must be at least ${MIN_PART_SIZE} bytes`);
    if (settings.partConcurrency !== undefined && settings.partConcurrency < 1) throw new Error('partConcurrency must be at least 1');
    const store = new S3BlobStore(createS3Client(settings), settings);
    try {
      await store.ready();
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) {
        store.close();
        throw err;
      }
      onUnavailable?.(err);
    }
    return store;
  }

  /** Resolves once the bucket is known to exist; one check at a time, retried by the next call after a failure. */
  private ready(): Promise<void> | undefined {
    if (this.bucketConfirmed) return undefined;
    this.bucketCheck ??= this.ensureBucket().then(
      () => { this.bucketConfirmed = true; },
      (err: unknown) => { this.bucketCheck = undefined; throw err; },
    );
    return this.bucketCheck;
  }

  private async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw unavailable(err, `HEAD bucket ${this.bucket}`);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // Another node created it a moment ago.
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw unavailable(err, `create bucket ${this.bucket}`);
    }
  }

  private keyOf(blobId: string): string {
    if (!BLOB_ID.test(blobId)) throw new Error(`invalid blob id ${JSON.stringify(blobId)}`);
    return this.prefix + blobId;
  }

  async write(source: Readable, options: BlobWriteOptions): Promise<StoredBlob> {
    await this.ready();
    const blobId = randomBytes(16).toString('hex');
    const { size, md5 } = await uploadBlob({
      client: this.client, bucket: this.bucket, key: this.keyOf(blobId),
      partSize: this.settings.partSize ?? DEFAULT_PART_SIZE,
      partConcurrency: this.settings.partConcurrency ?? 3,
    }, source, options);
    return { blobId, size, md5 };
  }

  async open(blobId: string): Promise<BlobReader | undefined> {
    if (!BLOB_ID.test(blobId) || this.open_.get(blobId)?.deleted) return undefined;
    await this.ready();
    const key = this.keyOf(blobId);
    let size: number;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      size = head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw unavailable(err, `HEAD ${key}`);
    }
    // A delete that raced with the HEAD wins: the reader would otherwise outlive it.
    if (this.open_.get(blobId)?.deleted) return undefined;
    const entry = this.open_.get(blobId) ?? { readers: 0, deleted: false };
    entry.readers++;
    this.open_.set(blobId, entry);
    let closed = false;
    return {
      size,
      stream: (start, end) => rangeStream(this.client, this.bucket, key, start, end),
      close: async () => {
        if (closed) return;
        closed = true;
        entry.readers--;
        if (entry.readers > 0) return;
        this.open_.delete(blobId);
        if (entry.deleted) await this.deleteNow(key);
      },
    };
  }

  async delete(blobId: string): Promise<void> {
    const key = this.keyOf(blobId);
    const entry = this.open_.get(blobId);
    if (entry) {
      entry.deleted = true;
      return;
    }
    await this.deleteNow(key);
  }

  /**
   * Moves a damaged blob aside for the operator, as Swift's quarantine does: copied to
   * `<key prefix>quarantined/objects/<blob id>` on the service, then deleted as delete() does (after
   * the reader that found the damage closes). A blob already gone is a no-op.
   */
  async quarantine(blobId: string): Promise<void> {
    const key = this.keyOf(blobId);
    await this.ready();
    let size: number;
    try {
      size = (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return;
      throw unavailable(err, `HEAD ${key}`);
    }
    const target = `${this.prefix}${QUARANTINE}${blobId}`;
    try {
      if (size <= (this.settings.maxSingleCopyBytes ?? MAX_SINGLE_COPY)) {
        await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: `${this.bucket}/${key}` }));
      } else {
        await this.copyInParts(key, target, size);
      }
    } catch (err) {
      throw unavailable(err, `copy ${key} to ${target}`);
    }
    await this.delete(blobId);
  }

  /** A server-side copy of an object too large for one CopyObject. */
  private async copyInParts(key: string, target: string, size: number): Promise<void> {
    const partSize = this.settings.partSize ?? DEFAULT_PART_SIZE;
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target }));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const end = Math.min(start + partSize, size) - 1;
        const part = await this.client.send(new UploadPartCopyCommand({
          Bucket: this.bucket, Key: target, UploadId, PartNumber: n, CopySource: `${this.bucket}/${key}`, CopySourceRange: `bytes=${start}-${end}`,
        }));
        parts.push({ ETag: part.CopyPartResult?.ETag ?? '', PartNumber: n });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /** S3 answers a delete of a missing key with success, so a repeated delete is a no-op. */
  private async deleteNow(key: string): Promise<void> {
    await this.ready();
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw unavailable(err, `DELETE ${key}`);
    }
  }

  async *listBlobs(olderThanSeconds: number): AsyncIterable<string> {
    await this.ready();
    const cutoff = Date.now() - olderThanSeconds * 1000;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token, MaxKeys: 1000 }));
      } catch (err) {
        throw unavailable(err, `list bucket ${this.bucket}`);
      }
      for (const obj of page.Contents ?? []) {
        const id = obj.Key?.slice(this.prefix.length) ?? '';
        if (BLOB_ID.test(id) && obj.LastModified && obj.LastModified.getTime() <= cutoff) yield id;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Aborts multipart uploads older than `staleUploadSeconds` (default a day): what writes
   * interrupted by a crash or a lost service left. Younger ones may be another node's writes in
   * progress, so a shared bucket is safe to clean from any node at any time.
   */
  async cleanTemporary(): Promise<void> {
    await this.ready();
    const cutoff = Date.now() - (this.settings.staleUploadSeconds ?? 86_400) * 1000;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListMultipartUploadsCommand({
          Bucket: this.bucket, Prefix: this.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker,
        }));
      } catch (err) {
        throw unavailable(err, `list multipart uploads of ${this.bucket}`);
      }
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || (upload.Initiated && upload.Initiated.getTime() > cutoff)) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        } catch (err) {
          if (!isNotFound(err)) throw unavailable(err, `abort multipart upload ${upload.Key}`);
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}

/**
 * An S3BlobStore on a bucket of its own in the real S3 service (RGW from scripts/ceph/start.sh),
 * wrapped as the conformance suite's BlobBackend: artifacts are every object and every multipart
 * upload in the bucket; destroy empties and removes the bucket.
 */
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client, type S3Settings } from '../../src/storage/s3/client.js';
import { S3BlobStore } from '../../src/storage/s3/blob-store.js';
import type { BlobBackend } from '../../test/helpers/storage-conformance.js';
import { s3Endpoint } from './ceph.js';

export function testSettings(extra: Partial<S3Settings> = {}): S3Settings {
  return {
    ...s3Endpoint(),
    bucket: `swiftlet-test-${process.pid}-${randomBytes(4).toString('hex')}`,
    // The suite's cleanTemporary test plants an upload and expects it gone at once.
    staleUploadSeconds: 0,
    ...extra,
  };
}

async function objects(client: S3Client, bucket: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

async function uploads(client: S3Client, bucket: string): Promise<{ key: string; id: string }[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (page.Uploads ?? []).map((u) => ({ key: u.Key ?? '', id: u.UploadId ?? '' }));
}

export async function s3Backend(extra: Partial<S3Settings> = {}): Promise<BlobBackend & { store: S3BlobStore; settings: S3Settings }> {
  const settings = testSettings(extra);
  const store = await S3BlobStore.open(settings);
  // The suite looks behind the store with a client of its own.
  const client = createS3Client(settings);
  const bucket = settings.bucket;
  return {
    store,
    settings,
    async artifacts() {
      return [...await objects(client, bucket), ...(await uploads(client, bucket)).map((u) => `upload:${u.key}:${u.id}`)];
    },
    async plantTemporary() {
      const key = randomBytes(16).toString('hex');
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.from('half an upload') }));
    },
    async destroy() {
      for (const u of await uploads(client, bucket)) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.id }));
      }
      for (const key of await objects(client, bucket)) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
      store.close();
    },
  };
}

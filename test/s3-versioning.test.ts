/**
 * Bucket versioning through S3 (@aws-sdk/client-s3 against a real server), mapped onto Swift's
 * object versioning as Swift 2.30's s3api maps it: Put/GetBucketVersioning, version ids on PUT,
 * GET, HEAD, DELETE and copies, delete markers, the previous version restored when the current
 * one is deleted, ListObjectVersions, DeleteObjects with versions; and a never-versioned bucket's
 * answers to a version id.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketVersioningCommand, GetObjectCommand,
  HeadObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client, S3ServiceException,
  UploadPartCommand, type BucketVersioningStatus,
} from '@aws-sdk/client-s3';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { s3Client } from './helpers/s3-client.js';

let server: TestServer;
let s3: S3Client;
let swift: Session;

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('expected an S3 error');
}

async function text(bucket: string, key: string, versionId?: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
  return (await got.Body?.transformToString()) ?? '';
}

async function setVersioning(bucket: string, status: string): Promise<void> {
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status as BucketVersioningStatus } }));
}

before(async () => {
  server = await startServer();
  s3 = s3Client(server.url, 'test:tester', 'testing', { responseChecksumValidation: 'WHEN_REQUIRED' });
  swift = await login(server.url, 'test:tester', 'testing');
});
after(async () => {
  s3.destroy();
  await server.stop();
});

describe('bucket versioning', () => {
  test('never set: no Status; Enabled and Suspended as set, and Swift sees X-Versions-Enabled; anything else is MalformedXML', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vconf' }));
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vconf' }))).Status, undefined);
    await setVersioning('vconf', 'Enabled');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vconf' }))).Status, 'Enabled');
    const head = await call(`${swift.storageUrl}/vconf`, { method: 'HEAD', token: swift.token });
    assert.equal(head.headers.get('x-versions-enabled'), 'True');
    await setVersioning('vconf', 'Suspended');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vconf' }))).Status, 'Suspended');
    assert.deepEqual(await s3Error(setVersioning('vconf', 'Sometimes')), { name: 'MalformedXML', status: 400 });
    assert.equal((await s3Error(setVersioning('nosuchbucket', 'Enabled'))).name, 'NoSuchBucket');
  });

  test('versions: ids on PUT, GET and HEAD of one version, the latest by default, listed', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vobj' }));
    await setVersioning('vobj', 'Enabled');
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: 'vobj', Key: 'k', Body: 'one' }))).VersionId;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: 'vobj', Key: 'k', Body: 'two' }))).VersionId;
    assert.ok(v1 && v2 && v1 !== v2 && v1 !== 'null');
    assert.equal(await text('vobj', 'k'), 'two');
    assert.equal(await text('vobj', 'k', v1), 'one');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'vobj', Key: 'k', VersionId: v1 }));
    assert.equal(head.VersionId, v1);
    assert.equal(head.ContentLength, 3);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'vobj', Key: 'k' }))).VersionId, v2);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vobj' }));
    assert.deepEqual(listed.Versions?.map((v) => [v.VersionId, v.IsLatest]), [[v2, true], [v1, false]]);
  });

  test('DELETE writes a delete marker; deleting the marker, or the current version, makes the previous one current', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vdel' }));
    await setVersioning('vdel', 'Enabled');
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: 'vdel', Key: 'k', Body: 'one' }))).VersionId;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: 'vdel', Key: 'k', Body: 'two' }))).VersionId;
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: 'vdel', Key: 'k' }))).VersionId;
    assert.ok(marker && marker !== v2);
    assert.deepEqual(await s3Error(s3.send(new GetObjectCommand({ Bucket: 'vdel', Key: 'k' }))), { name: 'NoSuchKey', status: 404 });
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vdel' }));
    assert.deepEqual(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest]), [[marker, true]]);
    assert.equal(await text('vdel', 'k', v2), 'two');

    const unmarked = await s3.send(new DeleteObjectCommand({ Bucket: 'vdel', Key: 'k', VersionId: marker }));
    assert.equal(unmarked.VersionId, marker);
    assert.equal(await text('vdel', 'k'), 'two');
    await s3.send(new DeleteObjectCommand({ Bucket: 'vdel', Key: 'k', VersionId: v2 }));
    assert.equal(await text('vdel', 'k'), 'one');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'vdel', Key: 'k' }))).VersionId, v1);
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'vdel', Key: 'k', VersionId: v2 })))).name, 'NoSuchKey');
  });

  test('a copy names its source version; DeleteObjects deletes versions', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vcopy' }));
    await setVersioning('vcopy', 'Enabled');
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: 'vcopy', Key: 'src', Body: 'first' }))).VersionId;
    await s3.send(new PutObjectCommand({ Bucket: 'vcopy', Key: 'src', Body: 'second' }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'vcopy', Key: 'dst', CopySource: `vcopy/src?versionId=${v1 ?? ''}` }));
    assert.equal(copied.CopySourceVersionId, v1);
    assert.ok(copied.VersionId && copied.VersionId !== 'null');
    assert.equal(await text('vcopy', 'dst'), 'first');
    // Copying an old version over the object itself is allowed (it restores that version).
    await s3.send(new CopyObjectCommand({ Bucket: 'vcopy', Key: 'src', CopySource: `vcopy/src?versionId=${v1 ?? ''}` }));
    assert.equal(await text('vcopy', 'src'), 'first');

    const result = await s3.send(new DeleteObjectsCommand({ Bucket: 'vcopy', Delete: { Objects: [{ Key: 'src', VersionId: v1 }] } }));
    assert.deepEqual(result.Deleted?.map((d) => d.Key), ['src']);
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'vcopy', Key: 'src', VersionId: v1 })))).name, 'NoSuchKey');
  });

  test('a multipart upload in a versioned bucket is a version; deleting that version deletes its parts', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'vmpu' }));
    await setVersioning('vmpu', 'Enabled');
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'vmpu', Key: 'big' }))).UploadId ?? '';
    const part = await s3.send(new UploadPartCommand({ Bucket: 'vmpu', Key: 'big', UploadId: uploadId, PartNumber: 1, Body: 'only part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'vmpu', Key: 'big', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    const version = (await s3.send(new HeadObjectCommand({ Bucket: 'vmpu', Key: 'big' }))).VersionId;
    assert.ok(version && version !== 'null');
    assert.equal(await text('vmpu', 'big', version), 'only part');
    await s3.send(new DeleteObjectCommand({ Bucket: 'vmpu', Key: 'big', VersionId: version }));
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'vmpu', Key: 'big' })))).name, 'NoSuchKey');
    const segments = await call(`${swift.storageUrl}/vmpu+segments?format=json`, { token: swift.token });
    assert.deepEqual(JSON.parse(segments.text || '[]'), []);
  });

  test('a bucket never versioned: a version id is NoSuchVersion to read and a 204 to delete; "null" is the object', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x' }));
    assert.deepEqual(await s3Error(s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'k', VersionId: '1700000000.00000' }))), { name: 'NoSuchVersion', status: 404 });
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'k', VersionId: '1700000000.00000' }));
    assert.equal(await text('plain', 'k', 'null'), 'x');
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'k', VersionId: 'null' }));
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'k' })))).name, 'NoSuchKey');
  });
});

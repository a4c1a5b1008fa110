/**
 * The S3 API through a real client (@aws-sdk/client-s3) against a real server: buckets are the
 * caller's containers, objects the same bytes through S3 and Swift, listings, copies, multi-delete,
 * ranges and conditionals, presigned URLs; with tempauth-style keys and with EC2 credentials made
 * through `/v3/users/{id}/credentials/OS-EC2`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketLocationCommand,
  GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client, S3ServiceException, CreateMultipartUploadCommand, UploadPartCommand, ListPartsCommand,
  ListMultipartUploadsCommand, CompleteMultipartUploadCommand, ListObjectVersionsCommand, GetBucketAclCommand, PutBucketAclCommand,
  GetObjectAclCommand, PutObjectAclCommand, AbortMultipartUploadCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { s3Client } from './helpers/s3-client.js';

let server: TestServer;
let s3: S3Client;
let swift: Session;

function client(accessKeyId: string, secretAccessKey: string): S3Client {
  return s3Client(server.url, accessKeyId, secretAccessKey, { responseChecksumValidation: 'WHEN_REQUIRED' });
}

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('expected an S3 error');
}

before(async () => {
  server = await startServer();
  s3 = client('test:tester', 'testing');
  swift = await login(server.url, 'test:tester', 'testing');
});
after(async () => {
  s3.destroy();
  await server.stop();
});

describe('buckets', () => {
  test('create, head, list, location, delete', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    await s3.send(new HeadBucketCommand({ Bucket: 'alpha' }));
    const list = await s3.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets?.some((b) => b.Name === 'alpha'));
    assert.equal(list.Owner?.ID, 'test:tester');
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: 'alpha' }));
    assert.equal(loc.LocationConstraint, undefined);
    assert.equal((await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'alpha' })))).name, 'BucketAlreadyOwnedByYou');
    await s3.send(new DeleteBucketCommand({ Bucket: 'alpha' }));
    assert.deepEqual(await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'alpha' }))), { name: 'NotFound', status: 404 });
  });

  test('a bucket that is not empty is not deleted; bad names are refused', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
    await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'x', Body: 'x' }));
    assert.deepEqual(await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'full' }))), { name: 'BucketNotEmpty', status: 409 });
    assert.equal((await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).name, 'InvalidBucketName');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'k' })))).name, 'NoSuchBucket');
  });

  test('a container made through Swift is a bucket, and a bucket is a container', async () => {
    assert.equal((await call(`${swift.storageUrl}/fromswift`, { method: 'PUT', token: swift.token })).status, 201);
    const list = await s3.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets?.some((b) => b.Name === 'fromswift'));
    await s3.send(new CreateBucketCommand({ Bucket: 'froms3' }));
    assert.equal((await call(`${swift.storageUrl}/froms3`, { method: 'HEAD', token: swift.token })).status, 204);
  });
});

describe('objects', () => {
  before(async () => { await s3.send(new CreateBucketCommand({ Bucket: 'objs' })); });

  test('PUT through S3 is read byte for byte through Swift, with its metadata, and back', async () => {
    const bytes = randomBytes(300_000);
    const put = await s3.send(new PutObjectCommand({
      Bucket: 'objs', Key: 'dir/blob.bin', Body: bytes, ContentType: 'application/x-test', Metadata: { color: 'blue' },
    }));
    assert.equal(put.ETag, `"${createHash('md5').update(bytes).digest('hex')}"`);
    const viaSwift = await fetch(`${swift.storageUrl}/objs/dir/blob.bin`, { headers: { 'X-Auth-Token': swift.token } });
    assert.equal(viaSwift.status, 200);
    assert.ok(Buffer.from(await viaSwift.arrayBuffer()).equals(bytes));
    assert.equal(viaSwift.headers.get('x-object-meta-color'), 'blue');
    assert.equal(viaSwift.headers.get('content-type'), 'application/x-test');

    const other = randomBytes(5000);
    assert.equal((await call(`${swift.storageUrl}/objs/swift-made`, { method: 'PUT', token: swift.token, body: other, headers: { 'X-Object-Meta-Shape': 'round' } })).status, 201);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'swift-made' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(other));
    assert.equal(got.Metadata?.['shape'], 'round');
    assert.equal(got.ContentLength, 5000);
  });

  test('HEAD, ranges, conditionals, missing keys, DELETE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objs', Key: 'abc', Body: 'abcdefghij' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'objs', Key: 'abc' }));
    assert.equal(head.ContentLength, 10);
    const range = await s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'abc', Range: 'bytes=2-4' }));
    assert.equal(await range.Body!.transformToString(), 'cde');
    assert.equal(range.ContentRange, 'bytes 2-4/10');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'abc', IfMatch: '"nope"' })))).name, 'PreconditionFailed');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'abc', Range: 'bytes=50-60' })))).name, 'InvalidRange');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'nokey' })))).name, 'NoSuchKey');
    await s3.send(new DeleteObjectCommand({ Bucket: 'objs', Key: 'abc' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'objs', Key: 'abc' })); // deleting a missing key is a success
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'objs', Key: 'abc' })))).status, 404);
  });

  test('CopyObject keeps or replaces the metadata', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objs', Key: 'src', Body: 'copy me', Metadata: { a: '1' }, ContentType: 'text/x-a' }));
    await s3.send(new CopyObjectCommand({ Bucket: 'objs', Key: 'kept', CopySource: 'objs/src' }));
    const kept = await s3.send(new HeadObjectCommand({ Bucket: 'objs', Key: 'kept' }));
    assert.deepEqual(kept.Metadata, { a: '1' });
    assert.equal(kept.ContentType, 'text/x-a');
    await s3.send(new CopyObjectCommand({ Bucket: 'objs', Key: 'replaced', CopySource: 'objs/src', MetadataDirective: 'REPLACE', Metadata: { b: '2' }, ContentType: 'text/x-b' }));
    const replaced = await s3.send(new GetObjectCommand({ Bucket: 'objs', Key: 'replaced' }));
    assert.deepEqual(replaced.Metadata, { b: '2' });
    assert.equal(replaced.ContentType, 'text/x-b');
    assert.equal(await replaced.Body!.transformToString(), 'copy me');
    assert.equal((await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'objs', Key: 'x', CopySource: 'objs/none' })))).name, 'NoSuchKey');
  });
});

describe('listings', () => {
  const keys = ['a/1', 'a/2', 'b/1', 'c', 'd e', 'f+g'];
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
  });

  test('v1: prefix, delimiter, marker, max-keys', async () => {
    const all = await s3.send(new ListObjectsCommand({ Bucket: 'listing' }));
    assert.deepEqual(all.Contents?.map((c) => c.Key), keys);
    assert.equal(all.Contents?.[0]?.ETag, `"${createHash('md5').update('a/1').digest('hex')}"`);
    assert.equal(all.Contents?.[0]?.Size, 3);
    const delim = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(delim.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'b/']);
    assert.deepEqual(delim.Contents?.map((c) => c.Key), ['c', 'd e', 'f+g']);
    const page = await s3.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 2, Marker: 'a/1' }));
    assert.deepEqual(page.Contents?.map((c) => c.Key), ['a/2', 'b/1']);
    assert.equal(page.IsTruncated, true);
    const prefixed = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Prefix: 'a/' }));
    assert.deepEqual(prefixed.Contents?.map((c) => c.Key), ['a/1', 'a/2']);
  });

  test('v2: continuation tokens walk every key once; start-after; encoding-type=url; fetch-owner', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 4, ...(token ? { ContinuationToken: token } : {}) }));
      for (const c of page.Contents ?? []) seen.push(c.Key ?? '');
      assert.equal(page.Contents?.[0]?.Owner, undefined);
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(seen, keys);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'c', FetchOwner: true }));
    assert.deepEqual(after.Contents?.map((c) => c.Key), ['d e', 'f+g']);
    assert.equal(after.Contents?.[0]?.Owner?.ID, 'test:tester');
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', EncodingType: 'url', StartAfter: 'c' }));
    // The keys come url-encoded (the SDK hands them over as they came).
    assert.equal(encoded.EncodingType, 'url');
    assert.deepEqual(encoded.Contents?.map((c) => c.Key), ['d%20e', 'f%2Bg']);
  });

  test('ListObjectVersions of a bucket without versioning: every object once, version "null", latest; paged by key marker', async () => {
    const all = await s3.send(new ListObjectVersionsCommand({ Bucket: 'listing' }));
    assert.deepEqual(all.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest]), keys.map((k) => [k, 'null', true]));
    assert.equal(all.Versions?.[0]?.ETag, `"${createHash('md5').update('a/1').digest('hex')}"`);
    assert.equal(all.DeleteMarkers, undefined);
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: 'listing', MaxKeys: 2, KeyMarker: 'a/1' }));
    assert.deepEqual(page.Versions?.map((v) => v.Key), ['a/2', 'b/1']);
    assert.equal(page.IsTruncated, true);
    assert.equal(page.NextKeyMarker, 'b/1');
    assert.equal(page.NextVersionIdMarker, 'null');
    const delim = await s3.send(new ListObjectVersionsCommand({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(delim.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'b/']);
  });

  test('listing times are whole seconds rounded up, as s3api writes them, never before Last-Modified', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    const raw = await call(`${swift.storageUrl}/listing?format=json`, { token: swift.token });
    const swiftTimes = (JSON.parse(raw.text) as { last_modified: string }[]).map((e) => e.last_modified);
    for (const [i, c] of (listed.Contents ?? []).entries()) {
      const ms = c.LastModified?.getTime() ?? 0;
      assert.equal(ms % 1000, 0, 'whole seconds');
      const exact = Date.parse(`${swiftTimes[i] ?? ''}Z`);
      assert.ok(ms >= exact && ms - exact < 1000, `${c.Key}: ${c.LastModified?.toISOString()} for ${swiftTimes[i]}`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'listing', Key: c.Key }));
      assert.equal(head.LastModified?.getTime(), ms, 'the listing and HEAD agree');
    }
  });
});

test('canned ACLs are Swift container ACLs, as s3api maps them: public-read is .r:*,.rlistings, private clears it; object ACLs read only', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'shared', ACL: 'public-read' }));
  await s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'open', Body: 'for anyone' }));
  const swiftHead = await call(`${swift.storageUrl}/shared`, { method: 'HEAD', token: swift.token });
  assert.equal(swiftHead.headers.get('x-container-read'), '.r:*,.rlistings');
  assert.equal((await fetch(`${swift.storageUrl}/shared/open`)).status, 200, 'readable without a token');
  const acl = await s3.send(new GetBucketAclCommand({ Bucket: 'shared' }));
  assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.Type, g.Grantee?.ID ?? g.Grantee?.URI, g.Permission]), [
    ['CanonicalUser', 'test:tester', 'FULL_CONTROL'], ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'READ']]);
  await s3.send(new PutBucketAclCommand({ Bucket: 'shared', ACL: 'private' }));
  assert.equal((await fetch(`${swift.storageUrl}/shared/open`)).status, 401, 'private again');
  assert.deepEqual((await s3.send(new GetBucketAclCommand({ Bucket: 'shared' }))).Grants?.map((g) => g.Permission), ['FULL_CONTROL']);
  // The same as a policy body.
  await s3.send(new PutBucketAclCommand({ Bucket: 'shared', AccessControlPolicy: {
    Owner: { ID: 'test:tester' },
    Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'test:tester' }, Permission: 'FULL_CONTROL' }, { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }],
  } }));
  assert.equal((await fetch(`${swift.storageUrl}/shared/open`)).status, 200);
  assert.deepEqual((await s3.send(new GetObjectAclCommand({ Bucket: 'shared', Key: 'open' }))).Grants?.map((g) => g.Permission), ['FULL_CONTROL']);
  assert.deepEqual(await s3Error(s3.send(new PutObjectAclCommand({ Bucket: 'shared', Key: 'open', ACL: 'public-read' }))), { name: 'NotImplemented', status: 501 });
  assert.deepEqual(await s3Error(s3.send(new PutBucketAclCommand({ Bucket: 'shared', ACL: 'authenticated-read' }))), { name: 'NotImplemented', status: 501 });
  assert.deepEqual(await s3Error(s3.send(new GetBucketAclCommand({ Bucket: 'no-such-bucket' }))), { name: 'NoSuchBucket', status: 404 });
  assert.deepEqual(await s3Error(s3.send(new GetObjectAclCommand({ Bucket: 'shared', Key: 'no-such-key' }))), { name: 'NoSuchKey', status: 404 });
});

test('x-amz-copy-source is unquoted as s3api unquotes it: encoded or not, a lone % kept', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'copies' }));
  await s3.send(new PutObjectCommand({ Bucket: 'copies', Key: 'name with %-sign', Body: 'percent' }));
  await s3.send(new CopyObjectCommand({ Bucket: 'copies', Key: 'raw', CopySource: 'copies/name with %-sign' }));
  await s3.send(new CopyObjectCommand({ Bucket: 'copies', Key: 'encoded', CopySource: encodeURIComponent('/copies/name with %-sign') }));
  for (const key of ['raw', 'encoded']) {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'copies', Key: key }));
    assert.equal(await got.Body?.transformToString(), 'percent', key);
  }
});

test('DeleteObjects deletes many keys, quietly or not', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'multi' }));
  for (const k of ['one', 'two', 'three']) await s3.send(new PutObjectCommand({ Bucket: 'multi', Key: k, Body: k }));
  const res = await s3.send(new DeleteObjectsCommand({ Bucket: 'multi', Delete: { Objects: [{ Key: 'one' }, { Key: 'two' }, { Key: 'missing' }] } }));
  assert.deepEqual(res.Deleted?.map((d) => d.Key).sort(), ['missing', 'one', 'two']);
  const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'multi', Delete: { Objects: [{ Key: 'three' }], Quiet: true } }));
  assert.equal(quiet.Deleted, undefined);
  const left = await s3.send(new ListObjectsV2Command({ Bucket: 'multi' }));
  assert.equal(left.KeyCount, 0);
});

test('EC2 credentials made through /v3 sign S3 requests as their user on their project, and stop when deleted', async () => {
  const admin = await fetch(`${server.url}/v3/auth/tokens`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'tester', domain: { id: 'default' }, password: 'testing' } } }, scope: { project: { name: 'test', domain: { id: 'default' } } } } }),
  });
  assert.equal(admin.status, 201);
  const token = admin.headers.get('x-subject-token') ?? '';
  const body = (await admin.json()) as { token: { user: { id: string }; project: { id: string } } };
  const base = `${server.url}/v3/users/${body.token.user.id}/credentials/OS-EC2`;
  const made = await fetch(base, { method: 'POST', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ tenant_id: body.token.project.id }) });
  assert.equal(made.status, 201);
  const cred = ((await made.json()) as { credential: { access: string; secret: string; tenant_id: string } }).credential;
  assert.equal(cred.tenant_id, body.token.project.id);
  const listed = (await (await fetch(base, { headers: { 'X-Auth-Token': token } })).json()) as { credentials: { access: string }[] };
  assert.ok(listed.credentials.some((c) => c.access === cred.access));
  assert.equal((await fetch(`${base}/${cred.access}`, { headers: { 'X-Auth-Token': token } })).status, 200);

  const ec2 = client(cred.access, cred.secret);
  try {
    await ec2.send(new PutObjectCommand({ Bucket: 'objs', Key: 'by-ec2', Body: 'ec2' }));
    const got = await call(`${swift.storageUrl}/objs/by-ec2`, { token: swift.token });
    assert.equal(got.text, 'ec2');
    assert.equal((await fetch(`${base}/${cred.access}`, { method: 'DELETE', headers: { 'X-Auth-Token': token } })).status, 204);
    assert.equal((await s3Error(ec2.send(new ListBucketsCommand({})))).name, 'InvalidAccessKeyId');
  } finally {
    ec2.destroy();
  }
});

describe('multipart uploads', () => {
  before(async () => { await s3.send(new CreateBucketCommand({ Bucket: 'mpu' })); });
  const MiB = 1024 * 1024;

  test('initiate, upload parts, list parts and uploads, complete: one object, readable through Swift as an SLO', async () => {
    const made = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'big/file', ContentType: 'application/x-big', Metadata: { kind: 'mpu' } }));
    const uploadId = made.UploadId ?? '';
    const p1 = randomBytes(5 * MiB);
    const p2 = randomBytes(1234);
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big/file', UploadId: uploadId, PartNumber: 1, Body: p1 }))).ETag ?? '';
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big/file', UploadId: uploadId, PartNumber: 2, Body: p2 }))).ETag ?? '';
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'big/file', UploadId: uploadId }));
    assert.deepEqual(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, 5 * MiB, e1], [2, 1234, e2]]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }));
    assert.deepEqual(uploads.Uploads?.map((u) => [u.Key, u.UploadId]), [['big/file', uploadId]]);
    assert.equal((await s3Error(s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'mpu', Key: 'big/file', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }] },
    })))).name, 'InvalidPartOrder');
    assert.equal((await s3Error(s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'mpu', Key: 'big/file', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] },
    })))).name, 'InvalidPart');
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'mpu', Key: 'big/file', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] },
    }));
    const md5s = createHash('md5').update(Buffer.concat([p1, p2].map((p) => createHash('md5').update(p).digest()))).digest('hex');
    assert.equal(done.ETag, `"${md5s}-2"`);
    const whole = Buffer.concat([p1, p2]);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big/file' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(whole));
    assert.equal(got.ETag, `"${md5s}-2"`);
    const inListing = await s3.send(new ListObjectsV2Command({ Bucket: 'mpu', Prefix: 'big/' }));
    assert.equal(inListing.Contents?.[0]?.ETag, `"${md5s}-2"`, 'listings show the S3 ETag too');
    assert.equal(inListing.Contents?.[0]?.Size, whole.length);
    assert.equal(got.ContentType, 'application/x-big');
    assert.deepEqual(got.Metadata, { kind: 'mpu' });
    const viaSwift = await fetch(`${swift.storageUrl}/mpu/big/file`, { headers: { 'X-Auth-Token': swift.token } });
    assert.equal(viaSwift.headers.get('x-static-large-object'), 'True');
    assert.ok(Buffer.from(await viaSwift.arrayBuffer()).equals(whole));
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }))).Uploads, undefined);
    // Deleting the object deletes its parts too.
    await s3.send(new DeleteObjectCommand({ Bucket: 'mpu', Key: 'big/file' }));
    const segs = await call(`${swift.storageUrl}/mpu+segments?format=json`, { token: swift.token });
    assert.deepEqual(JSON.parse(segs.text || '[]'), []);
  });

  test('deleting a bucket without objects takes its unfinished uploads and their parts with it (as s3api does); with an object it is BucketNotEmpty', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu-gone' }));
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu-gone', Key: 'never-completed' }))).UploadId ?? '';
    await s3.send(new UploadPartCommand({ Bucket: 'mpu-gone', Key: 'never-completed', UploadId: uploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new PutObjectCommand({ Bucket: 'mpu-gone', Key: 'kept', Body: 'x' }));
    assert.deepEqual(await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'mpu-gone' }))), { name: 'BucketNotEmpty', status: 409 });
    assert.equal((await call(`${swift.storageUrl}/mpu-gone+segments?format=json`, { token: swift.token })).status, 200, 'the parts are still there');
    await s3.send(new DeleteObjectCommand({ Bucket: 'mpu-gone', Key: 'kept' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'mpu-gone' }));
    assert.equal((await call(`${swift.storageUrl}/mpu-gone+segments`, { method: 'HEAD', token: swift.token })).status, 404);
    assert.equal((await call(`${swift.storageUrl}/mpu-gone`, { method: 'HEAD', token: swift.token })).status, 404);
  });

  test('a small part before the last is EntityTooSmall; abort removes the parts; unknown uploads are NoSuchUpload', async () => {
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'small' }))).UploadId ?? '';
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'small', UploadId: uploadId, PartNumber: 1, Body: 'tiny' }))).ETag ?? '';
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'small', UploadId: uploadId, PartNumber: 2, Body: 'tiny' }))).ETag ?? '';
    assert.equal((await s3Error(s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'mpu', Key: 'small', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] },
    })))).name, 'EntityTooSmall');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'small', UploadId: uploadId }));
    const segs = await call(`${swift.storageUrl}/mpu+segments?format=json`, { token: swift.token });
    assert.deepEqual(JSON.parse(segs.text || '[]'), []);
    assert.equal((await s3Error(s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'small', UploadId: uploadId, PartNumber: 1, Body: 'x' })))).name, 'NoSuchUpload');
    assert.equal((await s3Error(s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'small', UploadId: 'unope' })))).name, 'NoSuchUpload');
  });

  test('UploadPartCopy: a part copied whole and a part copied as a range make the object', async () => {
    const src = randomBytes(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: 'mpu', Key: 'copy-src', Body: src }));
    const uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'copied' }))).UploadId ?? '';
    const c1 = await s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: 'copied', UploadId: uploadId, PartNumber: 1, CopySource: 'mpu/copy-src' }));
    const c2 = await s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: 'copied', UploadId: uploadId, PartNumber: 2, CopySource: 'mpu/copy-src', CopySourceRange: 'bytes=10-109' }));
    assert.equal(c2.CopyPartResult?.ETag, `"${createHash('md5').update(src.subarray(10, 110)).digest('hex')}"`);
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'mpu', Key: 'copied', UploadId: uploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: c1.CopyPartResult?.ETag ?? '' }, { PartNumber: 2, ETag: c2.CopyPartResult?.ETag ?? '' }] },
    }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'copied' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([src, src.subarray(10, 110)])));
  });
});

/**
 * Storage policies in cluster mode through HTTP: two nodes on PostgreSQL and RGW with two policies,
 * each its own bucket. A container's policy is seen by every node; its objects' bytes land in its
 * policy's bucket only (checked in RGW itself), read back through the other node, and the account's
 * per-policy figures agree across nodes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../src/storage/s3/client.js';
import type { TestServer } from '../test/helpers/server.js';
import { call, login, type Session } from '../test/helpers/swift.js';
import { clusterSettings, startNodes, type ClusterSettings } from './helpers/cluster.js';

const POLICIES = `
[[storage.policies]]
index = 0
name = "Policy-0"
default = true

[[storage.policies]]
index = 1
name = "cold"
aliases = ["archive"]
`;

let settings: ClusterSettings;
let nodes: TestServer[];
let s3: S3Client;
before(async () => {
  settings = await clusterSettings('policies');
  nodes = await startNodes(settings, 2, { extraToml: POLICIES });
  s3 = createS3Client({ ...settings.s3 });
});
after(async () => {
  for (const n of nodes ?? []) await n.stop();
  await settings?.drop();
  s3?.destroy();
});

const on = (node: TestServer, s: Session) => s.storageUrl.replace(/^http:\/\/[^/]+/, node.url);

/** The keys of a bucket whose object has these bytes' MD5 as its S3 ETag (single-part uploads). */
async function keysWithMd5(bucket: string, md5: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const found: string[] = [];
  for (const o of page.Contents ?? []) {
    if (!o.Key) continue;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.Key }));
    if (head.ETag?.replaceAll('"', '') === md5) found.push(o.Key);
  }
  return found;
}

test("a container's policy holds on every node, and its objects' bytes go to that policy's bucket only", async () => {
  const [a, b] = nodes as [TestServer, TestServer];
  const s = await login(a.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/frozen`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'Archive' } })).status, 201);
  assert.equal((await call(`${s.storageUrl}/warm`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${on(b, s)}/frozen`, { method: 'HEAD', token: s.token })).headers.get('x-storage-policy'), 'cold');
  assert.equal((await call(`${on(b, s)}/warm`, { method: 'HEAD', token: s.token })).headers.get('x-storage-policy'), 'Policy-0');
  // The other node refuses to move it to another policy.
  assert.equal((await call(`${on(b, s)}/frozen`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'Policy-0' } })).status, 409);

  const coldBody = randomBytes(200_000);
  const warmBody = randomBytes(150_000);
  assert.equal((await call(`${s.storageUrl}/frozen/o`, { method: 'PUT', token: s.token, body: new Uint8Array(coldBody) })).status, 201);
  assert.equal((await call(`${on(b, s)}/warm/o`, { method: 'PUT', token: s.token, body: new Uint8Array(warmBody) })).status, 201);
  const md5 = (x: Buffer) => createHash('md5').update(x).digest('hex');
  const coldBucket = `${settings.s3.bucket}-policy-1`;
  assert.equal((await keysWithMd5(coldBucket, md5(coldBody))).length, 1, 'the cold object is in the cold bucket');
  assert.equal((await keysWithMd5(settings.s3.bucket, md5(coldBody))).length, 0, 'and not in the default bucket');
  assert.equal((await keysWithMd5(settings.s3.bucket, md5(warmBody))).length, 1);
  assert.equal((await keysWithMd5(coldBucket, md5(warmBody))).length, 0);

  for (const node of [a, b]) {
    const got = await call(`${on(node, s)}/frozen/o`, { token: s.token });
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(coldBody), `byte-exact through ${node.url}`);
    const range = await call(`${on(node, s)}/frozen/o`, { token: s.token, headers: { Range: 'bytes=-100' } });
    assert.ok(range.bytes.equals(coldBody.subarray(coldBody.length - 100)));
    const acct = await call(on(node, s), { method: 'HEAD', token: s.token });
    assert.equal(acct.headers.get('x-account-storage-policy-cold-container-count'), '1');
    assert.equal(acct.headers.get('x-account-storage-policy-cold-object-count'), '1');
    assert.equal(acct.headers.get('x-account-storage-policy-cold-bytes-used'), String(coldBody.length));
    assert.equal(acct.headers.get('x-account-storage-policy-policy-0-bytes-used'), String(warmBody.length));
  }
  // Deleted through the other node: gone from the cold bucket too.
  assert.equal((await call(`${on(b, s)}/frozen/o`, { method: 'DELETE', token: s.token })).status, 204);
  assert.equal((await keysWithMd5(coldBucket, md5(coldBody))).length, 0);
});

test('/info on each node lists both policies', async () => {
  for (const node of nodes) {
    const info = JSON.parse((await call(`${node.url}/info`)).text) as { swift: { policies: unknown[] } };
    assert.deepEqual(info.swift.policies, [
      { name: 'Policy-0', aliases: 'Policy-0', default: true },
      { name: 'cold', aliases: 'cold, archive' },
    ]);
  }
});

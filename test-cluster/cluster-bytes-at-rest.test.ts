/**
 * Bytes at rest on the cluster backend (issue 19 item 6): an object whose bytes were changed in the
 * S3 service behind Swiftlet's back is never served as intact. The GET is cut, the object answers
 * 404 afterwards and leaves the listing, and the damaged bytes are kept in the bucket under
 * `quarantined/objects/` for the operator, out of the orphan sweeper's reach.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../src/storage/s3/client.js';
import { shardOf } from '../src/storage/postgres/shards.js';
import type { TestServer } from '../test/helpers/server.js';
import { call, login, type Session } from '../test/helpers/swift.js';
import { rawGet } from '../test/helpers/raw.js';
import { clusterSettings, startNodes, type ClusterSettings } from './helpers/cluster.js';

let settings: ClusterSettings;
let node: TestServer;
let s: Session;

before(async () => {
  settings = await clusterSettings('atrest');
  [node] = await startNodes(settings, 1) as [TestServer];
  s = await login(node.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/c`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => {
  await node?.stop();
  await settings?.drop();
});

/** The blob id of an object, read from its shard. */
async function blobIdOf(account: string, container: string, name: string): Promise<string> {
  const url = settings.shardUrls[shardOf(account, settings.shardUrls.length)] ?? '';
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ blob_id: string }>('SELECT blob_id FROM objects WHERE account = $1 AND container = $2 AND name = $3',
      [Buffer.from(account), Buffer.from(container), Buffer.from(name)]);
    const id = r.rows[0]?.blob_id;
    assert.ok(id, `no record for ${container}/${name}`);
    return id;
  } finally {
    await client.end();
  }
}

test('bytes changed in S3: the GET is cut, the object is quarantined (404, out of the listing), the damaged bytes kept', async () => {
  const good = randomBytes(256 * 1024); // above the inline limit: its bytes live in S3
  assert.equal((await call(`${s.storageUrl}/c/victim`, { method: 'PUT', token: s.token, body: good })).status, 201);
  assert.equal((await call(`${s.storageUrl}/c/healthy`, { method: 'PUT', token: s.token, body: randomBytes(256 * 1024) })).status, 201);
  const account = s.storageUrl.split('/').pop() ?? '';
  const blobId = await blobIdOf(account, 'c', 'victim');
  const damaged = Buffer.from(good);
  for (let i = 1000; i < 1003; i++) damaged[i] = (damaged[i] ?? 0) ^ 0xff;
  const client = createS3Client(settings.s3);
  try {
    await client.send(new PutObjectCommand({ Bucket: settings.s3.bucket, Key: blobId, Body: damaged }));
    const got = await rawGet(`${s.storageUrl}/c/victim`, s.token);
    assert.equal(got.status, 200);
    assert.equal(got.complete, false, 'the body is cut, never delivered whole with wrong bytes');
    assert.ok(!got.bytes.equals(damaged) || got.bytes.length < damaged.length);
    assert.equal((await call(`${s.storageUrl}/c/victim`, { method: 'HEAD', token: s.token })).status, 404);
    const listing = JSON.parse((await call(`${s.storageUrl}/c?format=json`, { token: s.token })).text) as { name: string }[];
    assert.deepEqual(listing.map((o) => o.name), ['healthy']);
    const container = await call(`${s.storageUrl}/c`, { method: 'HEAD', token: s.token });
    assert.equal(container.headers.get('x-container-object-count'), '1');
    const kept = await client.send(new GetObjectCommand({ Bucket: settings.s3.bucket, Key: `quarantined/objects/${blobId}` }));
    assert.ok(Buffer.from(await kept.Body?.transformToByteArray() ?? []).equals(damaged), 'the damaged bytes are kept for the operator');
  } finally {
    client.destroy();
  }
});

/**
 * An S3 request carries one identity, the access key's, and never a service token: whatever it
 * names, it cannot reach a SERVICE_ account's data. Service data is set up through Swift with a user
 * and a service token together; S3 then tries every method, a bucket of the same name, paths naming
 * the service account, copy sources naming it, and Swift tokens sent along with the signature.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { errorCode, send, signV4, type Creds } from './helpers/s3-sign.js';
import { s3Client } from './helpers/s3-client.js';

let server: TestServer;
let user: Session;
let service: Session;
let serviceUrl: string;
const me: Creds = { access: 'test:tester', secret: 'testing' };
const SECRET = 'service-only bytes';

before(async () => {
  server = await startServer();
  user = await login(server.url, 'test:tester', 'testing');
  service = await login(server.url, 'test5:tester5', 'testing5');
  serviceUrl = user.storageUrl.replace('/AUTH_', '/SERVICE_');
  assert.equal((await call(`${serviceUrl}/images`, { method: 'PUT', token: user.token, serviceToken: service.token })).status, 201);
  assert.equal((await call(`${serviceUrl}/images/secret`, { method: 'PUT', token: user.token, serviceToken: service.token, body: SECRET })).status, 201);
});
after(async () => { await server.stop(); });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return err.name;
    throw err;
  }
  return 'ok';
}

function stillThere(): Promise<string> {
  return call(`${serviceUrl}/images/secret`, { token: user.token, serviceToken: service.token }).then((r) => r.text);
}

test('a bucket named like the service container is the caller\'s own, never the service\'s', async () => {
  const s3 = s3Client(server.url, me.access, me.secret);
  try {
    assert.equal((await s3.send(new ListBucketsCommand({}))).Buckets?.some((b) => b.Name === 'images'), false);
    assert.equal(await code(s3.send(new GetObjectCommand({ Bucket: 'images', Key: 'secret' }))), 'NoSuchBucket');
    await s3.send(new CreateBucketCommand({ Bucket: 'images' }));
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'images' }))).KeyCount, 0);
    assert.equal(await code(s3.send(new GetObjectCommand({ Bucket: 'images', Key: 'secret' }))), 'NoSuchKey');
    for (const source of ['images/secret', `${serviceUrl.split('/').pop()}/images/secret`, `/v1/${serviceUrl.split('/').pop()}/images/secret`, '../SERVICE_test/images/secret']) {
      const c = await code(s3.send(new CopyObjectCommand({ Bucket: 'images', Key: 'stolen', CopySource: source })));
      assert.notEqual(c, 'ok', source);
    }
    assert.equal(await code(s3.send(new GetObjectCommand({ Bucket: 'images', Key: 'stolen' }))), 'NoSuchKey');
  } finally {
    s3.destroy();
  }
  assert.equal(await stillThere(), SECRET);
});

test('paths naming the service account, every method, with Swift tokens signed in: never its data', async () => {
  const account = serviceUrl.split('/').pop() ?? '';
  const tokens = { 'x-auth-token': user.token, 'x-service-token': service.token };
  const paths = [`/${account}/images/secret`, `/v1/${account}/images/secret`, `/${account}/images`, `/v1/${account}`, `/${account}`];
  for (const path of paths) {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'POST']) {
      const a = await send(server.port, signV4(me, host(), method, path, { headers: tokens, body: method === 'PUT' ? Buffer.from('x') : Buffer.alloc(0) }));
      assert.ok(a.status >= 400 || method === 'PUT' || method === 'DELETE' || method === 'GET', `${method} ${path}: ${a.status}`);
      assert.ok(!a.body.includes(SECRET), `${method} ${path} leaked the service object`);
      if (a.status < 300) {
        // Anything that succeeded acted on the caller's own account (a bucket `v1` would be its own).
        assert.ok(!path.includes('SERVICE_') || path.startsWith('/v1/'), `${method} ${path}: ${a.status} ${errorCode(a) ?? ''}`);
      }
    }
  }
  assert.equal(await stillThere(), SECRET);
  const listing = await call(`${serviceUrl}/images?format=json`, { token: user.token, serviceToken: service.token });
  assert.deepEqual((JSON.parse(listing.text) as { name: string }[]).map((o) => o.name), ['secret']);
});

test('the service user\'s own S3 key is judged by the same policy on its own project\'s account, never the service account', async () => {
  const a = await send(server.port, signV4({ access: 'test5:tester5', secret: 'testing5' }, host(), 'GET', '/images/secret'));
  // Its role on its own project (`service`) is no operator role: the policy refuses, as for a token.
  assert.equal(a.status, 403);
  assert.equal(errorCode(a), 'AccessDenied');
  assert.ok(!a.body.includes(SECRET));
});

function host(): string {
  return `127.0.0.1:${server.port}`;
}

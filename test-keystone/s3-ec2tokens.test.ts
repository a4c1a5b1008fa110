/**
 * Keystone interop tier: the S3 API in identity mode `keystone`, as Swift's s3token middleware does
 * it. EC2 credentials are made in the real Keystone (`POST /v3/users/{id}/credentials/OS-EC2`), S3
 * requests signed with them (@aws-sdk/client-s3 and hand-signed V2/V4) go to Swiftlet, which has
 * Keystone check each signature at `/v3/s3tokens` and takes the answered token's user, project and
 * roles as the request's identity. Everything through HTTP.
 *
 * Identities (scripts/keystone/start.sh): demo (admin on demo = P), member (member on demo, no
 * operator role), other (admin on other = O), glance (service on service), swiftlet (Swiftlet's own
 * user: service + admin on service).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { call } from '../test/helpers/swift.js';
import { awsChunked, errorCode, presignV2, presignV4, send, signV2, signV4, type Creds } from '../test/helpers/s3-sign.js';
import { issueToken, KeystoneForwarder, loadCredentials, startKeystoneSwiftlet, type KeystoneCredentials, type KeystoneSwiftlet } from './helpers.js';
import { s3Client } from '../test/helpers/s3-client.js';

let creds: KeystoneCredentials;
let fwd: KeystoneForwarder;
/** token_cache_time = 300 (validated S3 signatures reused). */
let A: KeystoneSwiftlet;
/** token_cache_time = -1 (every S3 request asks Keystone). */
let B: KeystoneSwiftlet;
let P: string;
let O: string;
const keys: Record<string, Creds> = {};
const made: { user: string; access: string }[] = [];

async function tokenOf(name: string): Promise<string> {
  const u = creds.users[name];
  if (!u) throw new Error(`no Keystone user ${name}`);
  return (await issueToken(creds.auth_url, name, u.password, u.project)).token;
}

/** An EC2 credential of `name` on its own project, made at Keystone by the user itself. */
async function ec2Credential(name: string): Promise<Creds> {
  const u = creds.users[name];
  if (!u) throw new Error(`no Keystone user ${name}`);
  const res = await fetch(`${creds.auth_url}/users/${u.user_id}/credentials/OS-EC2`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': await tokenOf(name) },
    body: JSON.stringify({ tenant_id: u.project_id }),
  });
  const body = await res.json() as { credential: { access: string; secret: string } };
  assert.equal(res.status, 201, `EC2 credential for ${name}`);
  made.push({ user: name, access: body.credential.access });
  return { access: body.credential.access, secret: body.credential.secret };
}

function s3(server: KeystoneSwiftlet, c: Creds): S3Client {
  return s3Client(server.url, c.access, c.secret, { maxAttempts: 1 });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return `${err.$metadata.httpStatusCode ?? 0} ${err.name}`;
    throw err;
  }
  return 'ok';
}

const port = (s: KeystoneSwiftlet) => Number(new URL(s.url).port);
const host = (s: KeystoneSwiftlet) => `127.0.0.1:${port(s)}`;

before(async () => {
  creds = loadCredentials();
  P = creds.users.demo?.project_id ?? '';
  O = creds.users.other?.project_id ?? '';
  const sw = creds.users.swiftlet;
  assert.ok(P && O && sw, 'credentials.json lacks the expected users');
  fwd = await KeystoneForwarder.start(creds.auth_url);
  const ks = (extra: string) => `auth_url = "${fwd.authUrl}"\nusername = "swiftlet"\npassword = "${sw.password}"\n`
    + `project_name = "${sw.project}"\n${extra}`;
  [A, B] = await Promise.all([startKeystoneSwiftlet(ks('token_cache_time = 300\n')), startKeystoneSwiftlet(ks('token_cache_time = -1\n'))]);
  for (const name of ['demo', 'member', 'other', 'glance']) keys[name] = await ec2Credential(name);
  // Each server has its own storage: B gets the object the cache tests read (A's is made by the first test).
  const demo = keys.demo;
  assert.ok(demo);
  assert.equal((await send(port(B), signV4(demo, host(B), 'PUT', '/ks-bucket'))).status, 200);
  assert.equal((await send(port(B), signV4(demo, host(B), 'PUT', '/ks-bucket/kept.txt', { body: Buffer.from('kept') }))).status, 200);
});

after(async () => {
  for (const { user, access } of made) {
    const u = creds.users[user];
    if (!u) continue;
    await fetch(`${creds.auth_url}/users/${u.user_id}/credentials/OS-EC2/${access}`, { method: 'DELETE', headers: { 'x-auth-token': await tokenOf(user) } }).catch(() => undefined);
  }
  await Promise.all([A?.stop(), B?.stop()]);
  await fwd?.close();
});

describe('S3 with Keystone EC2 credentials', () => {
  test('bucket create/list, object PUT/GET/DELETE with the SDK (V4), the same data as Swift with a Keystone token', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    const c = s3(A, demo);
    try {
      await c.send(new CreateBucketCommand({ Bucket: 'ks-bucket' }));
      const buckets = await c.send(new ListBucketsCommand({}));
      assert.ok(buckets.Buckets?.some((b) => b.Name === 'ks-bucket'));
      await c.send(new PutObjectCommand({ Bucket: 'ks-bucket', Key: 'hello.txt', Body: 'hello from S3', ContentType: 'text/plain' }));
      const got = await c.send(new GetObjectCommand({ Bucket: 'ks-bucket', Key: 'hello.txt' }));
      assert.equal(await got.Body?.transformToString(), 'hello from S3');
      const listed = await c.send(new ListObjectsV2Command({ Bucket: 'ks-bucket' }));
      assert.deepEqual(listed.Contents?.map((o) => o.Key), ['hello.txt']);
      // The bucket is a container of AUTH_<demo project>, read through Swift with a Keystone token.
      const swift = await call(`${A.url}/v1/AUTH_${P}/ks-bucket/hello.txt`, { token: await tokenOf('demo') });
      assert.equal(swift.status, 200);
      assert.equal(swift.text, 'hello from S3');
      await c.send(new DeleteObjectCommand({ Bucket: 'ks-bucket', Key: 'hello.txt' }));
      assert.equal(await code(c.send(new GetObjectCommand({ Bucket: 'ks-bucket', Key: 'hello.txt' }))), '404 NoSuchKey');
      await c.send(new PutObjectCommand({ Bucket: 'ks-bucket', Key: 'kept.txt', Body: 'kept' }));
    } finally {
      c.destroy();
    }
  });

  test('presigned V4 GET, V2 header and V2 presigned', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    const pre = await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', query: presignV4(demo, host(A), 'GET', '/ks-bucket/kept.txt', 300), headers: { host: host(A) } });
    assert.equal(pre.status, 200, pre.body);
    assert.equal(pre.body, 'kept');
    const v2 = await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', headers: signV2(demo, 'GET', '/ks-bucket/kept.txt') });
    assert.equal(v2.status, 200, v2.body);
    assert.equal(v2.body, 'kept');
    const v2pre = await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', query: presignV2(demo, 'GET', '/ks-bucket/kept.txt', Math.floor(Date.now() / 1000) + 300), headers: {} });
    assert.equal(v2pre.status, 200, v2pre.body);
    assert.equal(v2pre.body, 'kept');
    // A presigned URL used for another object is refused.
    const other = await send(port(A), { method: 'GET', path: '/ks-bucket/other.txt', query: presignV4(demo, host(A), 'GET', '/ks-bucket/kept.txt', 300), headers: { host: host(A) } });
    assert.equal(other.status, 403);
    assert.equal(errorCode(other), 'SignatureDoesNotMatch');
  });

  test('a wrong secret: 403 SignatureDoesNotMatch; an unknown key: 403 InvalidAccessKeyId (V4 and V2)', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    for (const server of [A, B]) {
      const wrong = s3(server, { access: demo.access, secret: `${demo.secret}x` });
      const unknown = s3(server, { access: 'a'.repeat(32), secret: demo.secret });
      try {
        assert.equal(await code(wrong.send(new GetObjectCommand({ Bucket: 'ks-bucket', Key: 'kept.txt' }))), '403 SignatureDoesNotMatch');
        assert.equal(await code(wrong.send(new ListBucketsCommand({}))), '403 SignatureDoesNotMatch');
        assert.equal(await code(unknown.send(new ListBucketsCommand({}))), '403 InvalidAccessKeyId');
      } finally {
        wrong.destroy();
        unknown.destroy();
      }
    }
    const v2 = await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', headers: signV2({ access: demo.access, secret: 'nope' }, 'GET', '/ks-bucket/kept.txt') });
    assert.equal(v2.status, 403);
    assert.equal(errorCode(v2), 'SignatureDoesNotMatch');
    const v2unknown = await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', headers: signV2({ access: 'b'.repeat(32), secret: 'nope' }, 'GET', '/ks-bucket/kept.txt') });
    assert.equal(v2unknown.status, 403);
    assert.equal(errorCode(v2unknown), 'InvalidAccessKeyId');
    // s3token's `access:tenant` form is not taken: the key is unknown as a whole.
    const forced = await send(port(A), signV4({ access: `${demo.access}:${O}`, secret: demo.secret }, host(A), 'GET', '/'));
    assert.equal(forced.status, 403);
    assert.equal(errorCode(forced), 'InvalidAccessKeyId');
  });

  test('aws-chunked bodies: NotImplemented (the secret stays in Keystone, chunks cannot be checked)', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    const data = Buffer.from('chunked body');
    const signed = signV4(demo, host(A), 'PUT', '/ks-bucket/chunked', {
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) },
    });
    const a = await send(port(A), { ...signed, body: awsChunked(demo, signed.date, signed.signature, data, 8) });
    assert.equal(a.status, 501, a.body);
    assert.equal(errorCode(a), 'NotImplemented');
    assert.equal((await send(port(A), signV4(demo, host(A), 'HEAD', '/ks-bucket/chunked'))).status, 404);
  });
});

describe('projects and roles: the Swift policy decides', () => {
  test('a member of another project cannot read or list the bucket; a same-project member without an operator role is refused', async () => {
    const other = keys.other;
    const member = keys.member;
    assert.ok(other && member);
    const o = s3(A, other);
    const m = s3(A, member);
    try {
      // `other` acts on AUTH_<other>: demo's bucket does not exist there.
      assert.equal((await o.send(new ListBucketsCommand({}))).Buckets?.some((b) => b.Name === 'ks-bucket'), false);
      assert.equal(await code(o.send(new GetObjectCommand({ Bucket: 'ks-bucket', Key: 'kept.txt' }))), '404 NoSuchBucket');
      assert.equal(await code(o.send(new ListObjectsV2Command({ Bucket: 'ks-bucket' }))), '404 NoSuchBucket');
      // Paths naming demo's account are bucket names of other's own account, never demo's data.
      for (const path of [`/AUTH_${P}/ks-bucket/kept.txt`, `/v1/AUTH_${P}/ks-bucket/kept.txt`]) {
        const a = await send(port(A), signV4(other, host(A), 'GET', path));
        assert.ok(a.status >= 400, `${path}: ${a.status}`);
        assert.notEqual(a.body, 'kept');
      }
      // A copy source is a bucket of the caller's account only.
      await o.send(new CreateBucketCommand({ Bucket: 'ks-other' }));
      assert.notEqual(await code(o.send(new CopyObjectCommand({ Bucket: 'ks-other', Key: 'stolen', CopySource: 'ks-bucket/kept.txt' }))), 'ok');
      assert.equal(await code(o.send(new GetObjectCommand({ Bucket: 'ks-other', Key: 'stolen' }))), '404 NoSuchKey');
      // member has only `member` on demo: the policy refuses, as it would refuse its token.
      assert.equal(await code(m.send(new GetObjectCommand({ Bucket: 'ks-bucket', Key: 'kept.txt' }))), '403 AccessDenied');
      assert.equal(await code(m.send(new PutObjectCommand({ Bucket: 'ks-bucket', Key: 'by-member', Body: 'x' }))), '403 AccessDenied');
    } finally {
      o.destroy();
      m.destroy();
    }
  });
});

describe('SERVICE_ accounts: never reachable over S3 (test/s3-isolation.test.ts in keystone mode)', () => {
  const SECRET = 'service-only bytes';
  const serviceUrl = () => `${A.url}/v1/SERVICE_${P}`;

  before(async () => {
    const [u, s] = await Promise.all([tokenOf('demo'), tokenOf('glance')]);
    assert.equal((await call(`${serviceUrl()}/images`, { method: 'PUT', token: u, serviceToken: s })).status, 201);
    assert.equal((await call(`${serviceUrl()}/images/secret`, { method: 'PUT', token: u, serviceToken: s, body: SECRET })).status, 201);
  });

  async function stillThere(): Promise<string> {
    return (await call(`${serviceUrl()}/images/secret`, { token: await tokenOf('demo'), serviceToken: await tokenOf('glance') })).text;
  }

  test('a bucket named like the service container is the caller\'s own', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    const c = s3(A, demo);
    try {
      assert.equal((await c.send(new ListBucketsCommand({}))).Buckets?.some((b) => b.Name === 'images'), false);
      assert.equal(await code(c.send(new GetObjectCommand({ Bucket: 'images', Key: 'secret' }))), '404 NoSuchBucket');
      await c.send(new CreateBucketCommand({ Bucket: 'images' }));
      assert.equal(await code(c.send(new GetObjectCommand({ Bucket: 'images', Key: 'secret' }))), '404 NoSuchKey');
      for (const source of ['images/secret', `SERVICE_${P}/images/secret`, `/v1/SERVICE_${P}/images/secret`, `../SERVICE_${P}/images/secret`]) {
        assert.notEqual(await code(c.send(new CopyObjectCommand({ Bucket: 'images', Key: 'stolen', CopySource: source }))), 'ok', source);
      }
      assert.equal(await code(c.send(new GetObjectCommand({ Bucket: 'images', Key: 'stolen' }))), '404 NoSuchKey');
    } finally {
      c.destroy();
    }
    assert.equal(await stillThere(), SECRET);
  });

  test('paths naming the service account, every method, with Keystone tokens signed in: never its data', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    const tokens = { 'x-auth-token': await tokenOf('demo'), 'x-service-token': await tokenOf('glance') };
    const account = `SERVICE_${P}`;
    for (const path of [`/${account}/images/secret`, `/v1/${account}/images/secret`, `/${account}/images`, `/v1/${account}`, `/${account}`]) {
      for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'POST']) {
        const a = await send(port(A), signV4(demo, host(A), method, path, { headers: tokens, body: method === 'PUT' ? Buffer.from('x') : Buffer.alloc(0) }));
        assert.ok(!a.body.includes(SECRET), `${method} ${path} leaked the service object`);
        if (a.status < 300) assert.ok(!path.includes('SERVICE_') || path.startsWith('/v1/'), `${method} ${path}: ${a.status} ${errorCode(a) ?? ''}`);
      }
    }
    assert.equal(await stillThere(), SECRET);
  });

  test('the service user\'s own EC2 key acts on its own project\'s account, judged by the policy: no service data', async () => {
    const glance = keys.glance;
    assert.ok(glance);
    const a = await send(port(A), signV4(glance, host(A), 'GET', '/images/secret'));
    // `service` on project service is no operator role.
    assert.equal(a.status, 403);
    assert.equal(errorCode(a), 'AccessDenied');
    assert.ok(!a.body.includes(SECRET));
    const b = await send(port(A), signV4(glance, host(A), 'GET', `/SERVICE_${P}/images/secret`));
    assert.ok(b.status >= 400 && !b.body.includes(SECRET));
    assert.equal(await stillThere(), SECRET);
  });
});

describe('cache (the token cache\'s rules) and Keystone calls', () => {
  test('the same signed request is checked once with a cache, every time without; refusals are never cached', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    for (const [server, expected] of [[A, 1], [B, 3]] as const) {
      const query = presignV4(demo, host(server), 'GET', '/ks-bucket/kept.txt', 300);
      const before = fwd.calls.s3tokens;
      for (let i = 0; i < 3; i++) {
        const r = await send(port(server), { method: 'GET', path: '/ks-bucket/kept.txt', query, headers: { host: host(server) } });
        assert.equal(r.status, 200);
      }
      assert.equal(fwd.calls.s3tokens - before, expected, server === A ? 'cached' : 'uncached');
    }
    // Distinct requests (each its own string to sign) each ask Keystone.
    const before = fwd.calls.s3tokens;
    for (let i = 0; i < 2; i++) assert.equal((await send(port(A), signV4(demo, host(A), 'HEAD', `/ks-bucket/kept.txt`, { headers: { 'x-amz-meta-n': String(i) } }))).status, 200);
    assert.equal(fwd.calls.s3tokens - before, 2);
    const wrong = presignV4({ access: demo.access, secret: 'wrong' }, host(A), 'GET', '/ks-bucket/kept.txt', 300);
    const beforeWrong = fwd.calls.s3tokens;
    for (let i = 0; i < 3; i++) {
      const r = await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', query: wrong, headers: { host: host(A) } });
      assert.equal(r.status, 403);
      assert.equal(errorCode(r), 'SignatureDoesNotMatch');
    }
    assert.equal(fwd.calls.s3tokens - beforeWrong, 3);
  });
});

describe('Keystone unavailable → 503 ServiceUnavailable, never a denial or a grant', () => {
  test('Keystone down: 503 with an S3 error document; a cached signed request still works', async () => {
    const demo = keys.demo;
    assert.ok(demo);
    const cachedQuery = presignV4(demo, host(A), 'GET', '/ks-bucket/kept.txt', 300);
    assert.equal((await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', query: cachedQuery, headers: { host: host(A) } })).status, 200);
    await fwd.down();
    try {
      const c = s3(A, demo);
      const wrong = s3(A, { access: demo.access, secret: 'wrong' });
      try {
        assert.equal(await code(c.send(new GetObjectCommand({ Bucket: 'ks-bucket', Key: 'kept.txt' }))), '503 ServiceUnavailable');
        assert.equal(await code(c.send(new PutObjectCommand({ Bucket: 'ks-bucket', Key: 'while-down', Body: 'x' }))), '503 ServiceUnavailable');
        // Nothing can be decided, so a wrong secret is not told apart either.
        assert.equal(await code(wrong.send(new ListBucketsCommand({}))), '503 ServiceUnavailable');
      } finally {
        c.destroy();
        wrong.destroy();
      }
      const raw = await send(port(B), signV4(demo, host(B), 'GET', '/ks-bucket/kept.txt'));
      assert.equal(raw.status, 503);
      assert.equal(errorCode(raw), 'ServiceUnavailable');
      assert.match(String(raw.headers['content-type']), /xml/);
      // Cached on A (token_cache_time = 300), as a cached token is.
      const cached = await send(port(A), { method: 'GET', path: '/ks-bucket/kept.txt', query: cachedQuery, headers: { host: host(A) } });
      assert.equal(cached.status, 200);
      assert.equal(cached.body, 'kept');
      const uncached = await send(port(B), { method: 'GET', path: '/ks-bucket/kept.txt', query: presignV4(demo, host(B), 'GET', '/ks-bucket/kept.txt', 300), headers: { host: host(B) } });
      assert.equal(uncached.status, 503);
    } finally {
      await fwd.up();
    }
    const after = await send(port(A), signV4(demo, host(A), 'HEAD', '/ks-bucket/while-down'));
    assert.equal(after.status, 404);
  });

  test('Keystone hanging: 503 after keystone.timeout', async () => {
    const demo = keys.demo;
    const sw = creds.users.swiftlet;
    assert.ok(demo && sw);
    const C = await startKeystoneSwiftlet(`auth_url = "${fwd.authUrl}"\nusername = "swiftlet"\npassword = "${sw.password}"\n`
      + `project_name = "${sw.project}"\ntoken_cache_time = -1\ntimeout = 2\n`);
    try {
      assert.equal((await send(port(C), signV4(demo, host(C), 'GET', '/'))).status, 200);
      await fwd.hang();
      try {
        const started = Date.now();
        const r = await send(port(C), signV4(demo, host(C), 'GET', '/'));
        const took = (Date.now() - started) / 1000;
        assert.equal(r.status, 503);
        assert.equal(errorCode(r), 'ServiceUnavailable');
        assert.ok(took >= 1.5 && took < 10, `503 after ${took} s (timeout = 2)`);
      } finally {
        await fwd.up();
      }
    } finally {
      await C.stop();
    }
  });

  test('Swiftlet\'s user without the service or admin role (Keystone 403 on s3tokens): 503, not AccessDenied', async () => {
    const demo = keys.demo;
    const member = creds.users.member;
    assert.ok(demo && member);
    const D = await startKeystoneSwiftlet(`auth_url = "${creds.auth_url}"\nusername = "member"\npassword = "${member.password}"\nproject_name = "${member.project}"\n`);
    try {
      const r = await send(port(D), signV4(demo, host(D), 'GET', '/ks-bucket/kept.txt'));
      assert.equal(r.status, 503, r.body);
      assert.equal(errorCode(r), 'ServiceUnavailable');
      assert.match(D.output(), /s3tokens refused Swiftlet's service user/);
    } finally {
      await D.stop();
    }
  });
});

describe('Swiftlet\'s own token revoked at Keystone (last: it revokes every token of Swiftlet\'s user)', () => {
  test('a 401 is not taken as the client\'s fault: Swiftlet checks its token, logs in again, asks again', async () => {
    const demo = keys.demo;
    const sw = creds.users.swiftlet;
    assert.ok(demo && sw);
    // A server of its own: no confirmation of its token is held from earlier tests.
    const E = await startKeystoneSwiftlet(`auth_url = "${fwd.authUrl}"\nusername = "swiftlet"\npassword = "${sw.password}"\n`
      + `project_name = "${sw.project}"\ntoken_cache_time = -1\n`);
    try {
      assert.equal((await send(port(E), signV4(demo, host(E), 'GET', '/'))).status, 200);
      // Setting the password (to the same value) revokes every token of the user (Keystone's revocation events).
      const admin = creds as KeystoneCredentials & { admin?: { password: string; project: string } };
      const adminToken = (await issueToken(creds.auth_url, 'admin', admin.admin?.password ?? 'adminpw', admin.admin?.project ?? 'admin')).token;
      const patch = await fetch(`${creds.auth_url}/users/${sw.user_id}`, {
        method: 'PATCH', headers: { 'content-type': 'application/json', 'x-auth-token': adminToken }, body: JSON.stringify({ user: { password: sw.password } }),
      });
      assert.equal(patch.status, 200);
      // Revocation events have one-second granularity: a login in the same second would be revoked too.
      await new Promise((r) => setTimeout(r, 1500));
      const before = { ...fwd.calls };
      const r = await send(port(E), signV4(demo, host(E), 'GET', '/'));
      assert.equal(r.status, 200, r.body);
      assert.equal(fwd.calls.s3tokens - before.s3tokens, 2, 'refused once, asked again');
      assert.equal(fwd.calls.confirm - before.confirm, 1, 'own token checked');
      assert.equal(fwd.calls.login - before.login, 1, 'logged in again');
      // A wrong signature: Keystone's 401, our (new) token confirmed, the client refused; no login.
      const again = { ...fwd.calls };
      for (let i = 0; i < 2; i++) {
        const w = await send(port(E), signV4({ access: demo.access, secret: 'wrong' }, host(E), 'GET', '/'));
        assert.equal(w.status, 403);
      }
      assert.equal(fwd.calls.s3tokens - again.s3tokens, 2);
      assert.ok(fwd.calls.confirm - again.confirm >= 1 && fwd.calls.confirm - again.confirm <= 2);
      assert.equal(fwd.calls.login - again.login, 0);
    } finally {
      await E.stop();
    }
  });
});

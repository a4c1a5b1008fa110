/**
 * S3 signatures through HTTP, signed by hand (test/helpers/s3-sign.ts): SigV4 header, presigned,
 * UNSIGNED-PAYLOAD, signed payload hashes, aws-chunked streaming with chained chunk signatures, and
 * SigV2 header and presigned; each also tampered with (payload, headers, a chunk), a wrong secret,
 * an unknown key, an expired URL and a skewed clock, with S3's error codes. A refused write stores nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { awsChunked, errorCode, presignV2, presignV4, send, signV2, signV4, type Creds } from './helpers/s3-sign.js';

let server: TestServer;
let host: string;
let swift: Session;
const me: Creds = { access: 'test:tester', secret: 'testing' };

before(async () => {
  server = await startServer({ extraToml: '[s3]\nstorage_domain = "s3.test"\n' });
  host = `127.0.0.1:${server.port}`;
  swift = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${swift.storageUrl}/sig`, { method: 'PUT', token: swift.token })).status, 201);
  assert.equal((await call(`${swift.storageUrl}/sig/existing`, { method: 'PUT', token: swift.token, body: 'hello' })).status, 201);
});
after(async () => { await server.stop(); });

async function swiftStatus(key: string): Promise<number> {
  return (await call(`${swift.storageUrl}/sig/${key}`, { method: 'HEAD', token: swift.token })).status;
}

describe('SigV4 header', () => {
  test('a signed GET and a PUT with its payload hash succeed', async () => {
    const get = await send(server.port, signV4(me, host, 'GET', '/sig/existing'));
    assert.equal(get.status, 200);
    assert.equal(get.body, 'hello');
    const body = Buffer.from('signed body');
    assert.equal((await send(server.port, signV4(me, host, 'PUT', '/sig/hashed', { body }))).status, 200);
    assert.equal((await call(`${swift.storageUrl}/sig/hashed`, { token: swift.token })).text, 'signed body');
  });

  test('UNSIGNED-PAYLOAD: any body', async () => {
    const r = signV4(me, host, 'PUT', '/sig/unsigned', { body: Buffer.from('free'), payloadHash: 'UNSIGNED-PAYLOAD' });
    assert.equal((await send(server.port, r)).status, 200);
  });

  test('a body that is not the signed hash: XAmzContentSHA256Mismatch, nothing stored (small and large bodies)', async () => {
    for (const [key, size] of [['tampered-small', 100], ['tampered-large', 3 * 1024 * 1024]] as const) {
      const r = signV4(me, host, 'PUT', `/sig/${key}`, { body: randomBytes(size) });
      r.body = randomBytes(size);
      const a = await send(server.port, r);
      assert.equal(a.status, 400);
      assert.equal(errorCode(a), 'XAmzContentSHA256Mismatch');
      assert.equal(await swiftStatus(key), 404);
    }
  });

  test('a signed header changed after signing, a wrong secret: SignatureDoesNotMatch; an unknown key: InvalidAccessKeyId', async () => {
    const r = signV4(me, host, 'GET', '/sig/existing', { headers: { range: 'bytes=0-1' } });
    r.headers['range'] = 'bytes=0-3';
    let a = await send(server.port, r);
    assert.equal(a.status, 403);
    assert.equal(errorCode(a), 'SignatureDoesNotMatch');
    a = await send(server.port, signV4({ access: 'test:tester', secret: 'wrong' }, host, 'GET', '/sig/existing'));
    assert.equal(errorCode(a), 'SignatureDoesNotMatch');
    a = await send(server.port, signV4({ access: 'nobody', secret: 'x' }, host, 'GET', '/sig/existing'));
    assert.equal(a.status, 403);
    assert.equal(errorCode(a), 'InvalidAccessKeyId');
    assert.match(a.headers['content-type'] as string, /xml/);
    assert.match(a.body, /<RequestId>tx/);
  });

  test('a request time 20 minutes off: RequestTimeTooSkewed', async () => {
    const a = await send(server.port, signV4(me, host, 'GET', '/sig/existing', { time: new Date(Date.now() - 20 * 60_000) }));
    assert.equal(a.status, 403);
    assert.equal(errorCode(a), 'RequestTimeTooSkewed');
  });
});

describe('SigV4 streaming (aws-chunked)', () => {
  const data = randomBytes(200_000);
  const chunked = (tamper: boolean, key: string) => {
    const r = signV4(me, host, 'PUT', `/sig/${key}`, {
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) },
    });
    const body = awsChunked(me, r.date, r.signature, data, 64 * 1024);
    if (tamper) body[body.indexOf('\r\n') + 100] ^= 0xff; // a byte of the first chunk's data
    r.body = body;
    return r;
  };

  test('every chunk verified: stored as the decoded bytes', async () => {
    const a = await send(server.port, chunked(false, 'streamed'));
    assert.equal(a.status, 200, a.body);
    assert.equal(a.headers['etag'], `"${createHash('md5').update(data).digest('hex')}"`);
    const got = await fetch(`${swift.storageUrl}/sig/streamed`, { headers: { 'X-Auth-Token': swift.token } });
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(data));
    assert.equal(got.headers.get('content-encoding'), null, 'aws-chunked is not the object\'s encoding');
  });

  test('a chunk changed in flight: SignatureDoesNotMatch, nothing stored', async () => {
    const a = await send(server.port, chunked(true, 'streamed-bad'));
    assert.equal(a.status, 403);
    assert.equal(errorCode(a), 'SignatureDoesNotMatch');
    assert.equal(await swiftStatus('streamed-bad'), 404);
  });
});

describe('SigV4 presigned', () => {
  test('a valid URL works without headers; an expired one is AccessDenied; a tampered one SignatureDoesNotMatch', async () => {
    const q = presignV4(me, host, 'GET', '/sig/existing', 300);
    const ok = await send(server.port, { method: 'GET', path: '/sig/existing', query: q, headers: { host } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'hello');
    const old = presignV4(me, host, 'GET', '/sig/existing', 60, new Date(Date.now() - 3600_000));
    const expired = await send(server.port, { method: 'GET', path: '/sig/existing', query: old, headers: { host } });
    assert.equal(expired.status, 403);
    assert.equal(errorCode(expired), 'AccessDenied');
    assert.match(expired.body, /expired/);
    const other = await send(server.port, { method: 'GET', path: '/sig/hashed', query: q, headers: { host } });
    assert.equal(errorCode(other), 'SignatureDoesNotMatch');
  });
});

describe('SigV2', () => {
  test('header auth works; a wrong secret, a changed header, a skewed date are refused', async () => {
    const ok = await send(server.port, { method: 'GET', path: '/sig/existing', headers: { host, ...signV2(me, 'GET', '/sig/existing') } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'hello');
    const wrong = await send(server.port, { method: 'GET', path: '/sig/existing', headers: { host, ...signV2({ access: me.access, secret: 'nope' }, 'GET', '/sig/existing') } });
    assert.equal(errorCode(wrong), 'SignatureDoesNotMatch');
    const h = signV2(me, 'GET', '/sig/existing', { headers: { 'x-amz-meta-a': '1' } });
    h['x-amz-meta-a'] = '2';
    assert.equal(errorCode(await send(server.port, { method: 'GET', path: '/sig/existing', headers: { host, ...h } })), 'SignatureDoesNotMatch');
    const skewed = signV2(me, 'GET', '/sig/existing', { date: new Date(Date.now() + 30 * 60_000) });
    assert.equal(errorCode(await send(server.port, { method: 'GET', path: '/sig/existing', headers: { host, ...skewed } })), 'RequestTimeTooSkewed');
  });

  test('presigned: valid, expired', async () => {
    const q = presignV2(me, 'GET', '/sig/existing', Math.floor(Date.now() / 1000) + 300);
    const ok = await send(server.port, { method: 'GET', path: '/sig/existing', query: q, headers: { host } });
    assert.equal(ok.status, 200);
    const old = presignV2(me, 'GET', '/sig/existing', Math.floor(Date.now() / 1000) - 10);
    const expired = await send(server.port, { method: 'GET', path: '/sig/existing', query: old, headers: { host } });
    assert.equal(expired.status, 403);
    assert.equal(errorCode(expired), 'AccessDenied');
  });
});

describe('XML bodies', () => {
  test('a DOCTYPE with an external entity is MalformedXML, never resolved; garbage is MalformedXML', async () => {
    const xxe = Buffer.from('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>');
    let a = await send(server.port, signV4(me, host, 'POST', '/sig', { query: { delete: '' }, body: xxe }));
    assert.equal(a.status, 400);
    assert.equal(errorCode(a), 'MalformedXML');
    assert.doesNotMatch(a.body, /root:/);
    a = await send(server.port, signV4(me, host, 'POST', '/sig', { query: { delete: '' }, body: Buffer.from('<Delete><Object>') }));
    assert.equal(errorCode(a), 'MalformedXML');
    assert.equal(await swiftStatus('existing'), 200);
  });
});

describe('virtual-host style ([s3] storage_domain)', () => {
  test('<bucket>.<domain> names the bucket, with V4 and V2 signatures; listing the bucket at /', async () => {
    const vhost = `sig.s3.test:${server.port}`;
    const v4 = await send(server.port, signV4(me, vhost, 'GET', '/existing'));
    assert.equal(v4.status, 200, v4.body);
    assert.equal(v4.body, 'hello');
    // V2 signs the bucket before the path, as S3 does for virtual-host requests.
    const v2 = await send(server.port, { method: 'GET', path: '/existing', headers: { host: vhost, ...signV2(me, 'GET', '/sig/existing') } });
    assert.equal(v2.status, 200, v2.body);
    const list = await send(server.port, signV4(me, vhost, 'GET', '/'));
    assert.equal(list.status, 200);
    assert.match(list.body, /<Name>sig<\/Name>/);
    assert.match(list.body, /<Key>existing<\/Key>/);
  });
});

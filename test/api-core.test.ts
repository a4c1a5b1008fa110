/**
 * The core API bullets of issue 2 that users rely on most, through HTTP: ranges (single, suffix,
 * open-ended, multi-range), conditional PUT/GET, checksum verification, expiry and reaping, copy
 * variants, metadata add/remove, container deletion rules, constraints and their status codes,
 * gatekeeper stripping, /info and /healthcheck.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
const body = Buffer.from('0123456789abcdefghij');

before(async () => {
  server = await startServer({ extraToml: '[swift]\nexpirer_interval = 1\n' });
  s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/core`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/core/obj`, { method: 'PUT', token: s.token, body })).status, 201);
});
after(async () => { await server.stop(); });

const obj = (name = 'obj') => `${s.storageUrl}/core/${name}`;

describe('ranges', () => {
  test('single, suffix and open-ended ranges → 206 with Content-Range', async () => {
    const single = await call(obj(), { token: s.token, headers: { Range: 'bytes=2-5' } });
    assert.equal(single.status, 206);
    assert.equal(single.text, '2345');
    assert.equal(single.headers.get('content-range'), 'bytes 2-5/20');
    assert.equal((await call(obj(), { token: s.token, headers: { Range: 'bytes=-3' } })).text, 'hij');
    assert.equal((await call(obj(), { token: s.token, headers: { Range: 'bytes=17-' } })).text, 'hij');
  });

  test('multi-range → multipart/byteranges with each part and its Content-Range', async () => {
    const res = await call(obj(), { token: s.token, headers: { Range: 'bytes=0-1,10-11' } });
    assert.equal(res.status, 206);
    const boundary = /^multipart\/byteranges;\s*boundary=(\S+)$/.exec(res.headers.get('content-type') ?? '')?.[1];
    assert.ok(boundary, res.headers.get('content-type') ?? '');
    assert.equal(Number(res.headers.get('content-length')), res.bytes.length);
    assert.match(res.text, new RegExp(`--${boundary}\\r\\nContent-Type: [^\\r]+\\r\\nContent-Range: bytes 0-1/20\\r\\n\\r\\n01\\r\\n`));
    assert.match(res.text, new RegExp(`Content-Range: bytes 10-11/20\\r\\n\\r\\nab\\r\\n--${boundary}--$`));
  });

  test('unsatisfiable → 416 with bytes */size; a malformed Range is ignored (200)', async () => {
    const res = await call(obj(), { token: s.token, headers: { Range: 'bytes=50-60' } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), 'bytes */20');
    const junk = await call(obj(), { token: s.token, headers: { Range: 'bytes=z-1' } });
    assert.equal(junk.status, 200);
    assert.deepEqual(junk.bytes, body);
  });
});

describe('conditional requests and checksums', () => {
  const etag = createHash('md5').update(body).digest('hex');
  test('If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since on GET', async () => {
    assert.equal((await call(obj(), { token: s.token, headers: { 'If-Match': `"${etag}"` } })).status, 200);
    assert.equal((await call(obj(), { token: s.token, headers: { 'If-Match': 'nope' } })).status, 412);
    assert.equal((await call(obj(), { token: s.token, headers: { 'If-None-Match': etag } })).status, 304);
    const future = new Date(Date.now() + 3600_000).toUTCString();
    const past = new Date(Date.now() - 3600_000).toUTCString();
    assert.equal((await call(obj(), { token: s.token, headers: { 'If-Modified-Since': future } })).status, 304);
    assert.equal((await call(obj(), { token: s.token, headers: { 'If-Unmodified-Since': past } })).status, 412);
  });

  test('PUT If-None-Match: * → 412 when the object exists, 201 when it does not', async () => {
    assert.equal((await call(obj(), { method: 'PUT', token: s.token, body: 'x', headers: { 'If-None-Match': '*' } })).status, 412);
    assert.deepEqual((await call(obj(), { token: s.token })).bytes, body);
    assert.equal((await call(obj('fresh'), { method: 'PUT', token: s.token, body: 'x', headers: { 'If-None-Match': '*' } })).status, 201);
  });

  test('ETag request header is verified: mismatch → 422 and nothing stored', async () => {
    const bad = await call(obj('checked'), { method: 'PUT', token: s.token, body: 'data', headers: { ETag: '0'.repeat(32) } });
    assert.equal(bad.status, 422);
    assert.equal((await call(obj('checked'), { method: 'HEAD', token: s.token })).status, 404);
    const good = await call(obj('checked'), { method: 'PUT', token: s.token, body: 'data', headers: { ETag: createHash('md5').update('data').digest('hex') } });
    assert.equal(good.status, 201);
  });
});

describe('metadata, copy and expiry', () => {
  test('object POST replaces user metadata; Content-Type guessed from the extension; X-Detect-Content-Type', async () => {
    assert.equal((await call(obj('photo.jpg'), { method: 'PUT', token: s.token, body: Buffer.from('jpg'), headers: { 'X-Object-Meta-A': '1', 'X-Object-Meta-B': '2' } })).status, 201);
    assert.equal((await call(obj('photo.jpg'), { method: 'POST', token: s.token, headers: { 'X-Object-Meta-C': '3' } })).status, 202);
    const head = await call(obj('photo.jpg'), { method: 'HEAD', token: s.token });
    assert.equal(head.headers.get('x-object-meta-a'), null);
    assert.equal(head.headers.get('x-object-meta-c'), '3');
    assert.equal(head.headers.get('content-type'), 'image/jpeg');
    await call(obj('doc.pdf'), { method: 'PUT', token: s.token, body: 'x', headers: { 'Content-Type': 'text/plain', 'X-Detect-Content-Type': 'true' } });
    assert.equal((await call(obj('doc.pdf'), { method: 'HEAD', token: s.token })).headers.get('content-type'), 'application/pdf');
  });

  test('COPY keeps metadata; X-Fresh-Metadata drops it; Destination-Account copies across accounts', async () => {
    await call(obj('src'), { method: 'PUT', token: s.token, body: 'copied', headers: { 'X-Object-Meta-Color': 'red' } });
    const copy = await call(obj('src'), { method: 'COPY', token: s.token, headers: { Destination: 'core/dst' } });
    assert.equal(copy.status, 201);
    assert.equal(copy.headers.get('x-copied-from'), 'core/src');
    const dst = await call(obj('dst'), { token: s.token });
    assert.equal(dst.text, 'copied');
    assert.equal(dst.headers.get('x-object-meta-color'), 'red');
    const fresh = await call(obj('fresh-copy'), { method: 'PUT', token: s.token, headers: { 'X-Copy-From': 'core/src', 'X-Fresh-Metadata': 'true', 'Content-Length': '0' } });
    assert.equal(fresh.status, 201);
    assert.equal((await call(obj('fresh-copy'), { method: 'HEAD', token: s.token })).headers.get('x-object-meta-color'), null);
    // Into an account the caller does not own: refused for the destination.
    const across = await call(obj('src'), { method: 'COPY', token: s.token, headers: { Destination: 'c/o', 'Destination-Account': 'AUTH_test2' } });
    assert.equal(across.status, 403);
  });

  test('X-Delete-After: 404 as soon as it expires, then reaped from the listing and the counts', async () => {
    // X-Delete-At is the whole second (Swift's int(now + delete_after)): after 1 s the object could
    // expire before the HEAD that follows at once; after 2 s it is there for at least a second.
    assert.equal((await call(obj('short'), { method: 'PUT', token: s.token, body: 'bye', headers: { 'X-Delete-After': '2' } })).status, 201);
    assert.ok((await call(obj('short'), { method: 'HEAD', token: s.token })).headers.get('x-delete-at'));
    await sleep(3100);
    assert.equal((await call(obj('short'), { token: s.token })).status, 404);
    let listed = true;
    for (let i = 0; i < 40 && listed; i++) {
      listed = (await call(`${s.storageUrl}/core`, { token: s.token })).text.split('\n').includes('short');
      if (listed) await sleep(250);
    }
    assert.equal(listed, false, 'the expirer removed it from the listing');
    assert.equal((await call(obj('past'), { method: 'PUT', token: s.token, body: 'x', headers: { 'X-Delete-At': '1000' } })).status, 400);
  });

  test('account and container metadata: set, X-Remove-*, and an empty value removes', async () => {
    await call(s.storageUrl, { method: 'POST', token: s.token, headers: { 'X-Account-Meta-One': '1', 'X-Account-Meta-Two': '2' } });
    await call(s.storageUrl, { method: 'POST', token: s.token, headers: { 'X-Remove-Account-Meta-One': 'x', 'X-Account-Meta-Two': '' } });
    const head = await call(s.storageUrl, { method: 'HEAD', token: s.token });
    assert.equal(head.headers.get('x-account-meta-one'), null);
    assert.equal(head.headers.get('x-account-meta-two'), null);
    await call(`${s.storageUrl}/core`, { method: 'POST', token: s.token, headers: { 'X-Container-Meta-Kind': 'photos' } });
    assert.equal((await call(`${s.storageUrl}/core`, { method: 'HEAD', token: s.token })).headers.get('x-container-meta-kind'), 'photos');
  });
});

describe('containers, constraints and the edge', () => {
  test('container DELETE: 409 when not empty, 204 when empty, 404 when missing', async () => {
    await call(`${s.storageUrl}/full`, { method: 'PUT', token: s.token });
    await call(`${s.storageUrl}/full/o`, { method: 'PUT', token: s.token, body: 'x' });
    assert.equal((await call(`${s.storageUrl}/full`, { method: 'DELETE', token: s.token })).status, 409);
    await call(`${s.storageUrl}/full/o`, { method: 'DELETE', token: s.token });
    assert.equal((await call(`${s.storageUrl}/full`, { method: 'DELETE', token: s.token })).status, 204);
    assert.equal((await call(`${s.storageUrl}/full`, { method: 'DELETE', token: s.token })).status, 404);
  });

  test('name lengths, listing limit and object size limits answer with Swift\'s codes', async () => {
    assert.equal((await call(`${s.storageUrl}/${'c'.repeat(257)}`, { method: 'PUT', token: s.token })).status, 400);
    const longName = await call(obj('o'.repeat(1025)), { method: 'PUT', token: s.token, body: 'x' });
    assert.equal(longName.status, 400);
    assert.equal(longName.text, 'Object name length of 1025 longer than 1024');
    const limit = await call(`${s.storageUrl}/core?limit=10001`, { token: s.token });
    assert.equal(limit.status, 412);
    const huge = await rawPut(`${obj('huge')}`, { 'Content-Length': String(5 * 1024 ** 3 + 3), 'X-Auth-Token': s.token });
    assert.equal(huge, 413);
    assert.equal((await call(`${s.storageUrl}/core/%FF%FE`, { token: s.token })).status, 412);
  });

  test('gatekeeper: client X-Backend-* and sysmeta are ignored and never shown', async () => {
    await call(obj('gk'), { method: 'PUT', token: s.token, body: 'x', headers: { 'X-Object-Sysmeta-Secret': 'x', 'X-Backend-Storage-Policy-Index': '7' } });
    const head = await call(obj('gk'), { method: 'HEAD', token: s.token });
    assert.equal(head.status, 200);
    for (const name of head.headers.keys()) assert.doesNotMatch(name, /sysmeta|^x-backend/);
  });

  test('/info publishes the constraints; /healthcheck answers OK without a token', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as { swift: Record<string, unknown> };
    assert.equal(info.swift['max_file_size'], 5368709122);
    assert.equal(info.swift['max_object_name_length'], 1024);
    assert.equal(info.swift['container_listing_limit'], 10000);
    const health = await call(`${server.url}/healthcheck`);
    assert.equal(health.status, 200);
    assert.equal(health.text, 'OK');
  });

  test('/crossdomain.xml serves Swift\'s default cross-domain policy without a token', async () => {
    const res = await call(`${server.url}/crossdomain.xml`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/xml');
    assert.equal(res.text, '<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM ' +
      '"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n<cross-domain-policy>\n' +
      '<allow-access-from domain="*" secure="false" />\n</cross-domain-policy>');
    // Any other method is an ordinary request for a path with no account: 412 'Bad URL', as in Swift.
    assert.equal((await call(`${server.url}/crossdomain.xml`, { method: 'POST' })).status, 412);
  });
});

/** A PUT that announces a body and sends none: the server must refuse on the headers alone. */
function rawPut(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers }, (res) => { res.resume(); resolve(res.statusCode ?? 0); req.destroy(); });
    req.on('error', reject);
    req.flushHeaders();
  });
}

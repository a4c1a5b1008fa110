/**
 * Large objects through HTTP: Dynamic Large Objects (X-Object-Manifest) and Static Large Objects
 * (?multipart-manifest=put|get|delete), as Swift 2.30 answers (expectations checked against a real
 * Swift 2.30.1). Segment reads are sub-requests authorised again for the caller (spec D10).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
let other: Session;

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

async function put(path: string, body: BodyInit = '', headers: Record<string, string> = {}, session = s) {
  return call(`${s.storageUrl}/${path}`, { method: 'PUT', token: session.token, body, headers });
}

before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  other = await login(server.url, 'test2:tester2', 'testing2');
  for (const c of ['lo', 'segs']) assert.equal((await put(c)).status, 201);
  assert.equal((await put('segs/d/1', 'aaaaa')).status, 201);
  assert.equal((await put('segs/d/2', 'bbbbb')).status, 201);
  assert.equal((await put('segs/d/3', 'cc')).status, 201);
  // test2:tester2 may read and write `pub` but not `priv`.
  assert.equal((await put('pub', '', { 'X-Container-Read': 'test2:tester2', 'X-Container-Write': 'test2:tester2' })).status, 201);
  assert.equal((await put('priv')).status, 201);
  assert.equal((await put('priv/seg1', 'secret1')).status, 201);
});
after(async () => { await server.stop(); });

describe('DLO', () => {
  const dloEtag = `"${md5(md5('aaaaa') + md5('bbbbb') + md5('cc'))}"`;

  before(async () => {
    const res = await put('lo/dlo', '', { 'X-Object-Manifest': 'segs/d/' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('etag'), md5(''));
  });

  test('GET streams the segments in listing order; ETag is the quoted md5 of their ETags', async () => {
    const res = await call(`${s.storageUrl}/lo/dlo`, { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'aaaaabbbbbcc');
    assert.equal(res.headers.get('content-length'), '12');
    assert.equal(res.headers.get('etag'), dloEtag);
    assert.equal(res.headers.get('x-object-manifest'), 'segs/d/');
  });

  test('HEAD gives the totals without a body', async () => {
    const res = await call(`${s.storageUrl}/lo/dlo`, { method: 'HEAD', token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '12');
    assert.equal(res.headers.get('etag'), dloEtag);
  });

  test('a Range across segments → 206 with those bytes; suffix ranges work; unsatisfiable → 416 naming the total', async () => {
    const mid = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=3-7' } });
    assert.equal(mid.status, 206);
    assert.equal(mid.text, 'aabbb');
    assert.equal(mid.headers.get('content-range'), 'bytes 3-7/12');
    const suffix = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=-3' } });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.text, 'bcc');
    assert.equal(suffix.headers.get('content-range'), 'bytes 9-11/12');
    const beyond = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=30-40' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */12');
    // Several ranges: Swift's DLO sends the whole object.
    const multi = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { Range: 'bytes=0-1,4-6' } });
    assert.equal(multi.status, 200);
    assert.equal(multi.text, 'aaaaabbbbbcc');
  });

  test('If-Match / If-None-Match are evaluated against the DLO ETag', async () => {
    const match = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { 'If-Match': dloEtag } });
    assert.equal(match.status, 200);
    assert.equal(match.text, 'aaaaabbbbbcc');
    const mismatch = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { 'If-Match': '"nope"' } });
    assert.equal(mismatch.status, 412);
    const notModified = await call(`${s.storageUrl}/lo/dlo`, { token: s.token, headers: { 'If-None-Match': dloEtag } });
    assert.equal(notModified.status, 304);
  });

  test('?multipart-manifest=get returns the manifest object itself', async () => {
    const res = await call(`${s.storageUrl}/lo/dlo?multipart-manifest=get`, { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('etag'), md5(''));
    assert.equal(res.headers.get('x-object-manifest'), 'segs/d/');
  });

  test('a manifest with a body still reads as its segments', async () => {
    assert.equal((await put('lo/dlo-body', 'ignored manifest body', { 'X-Object-Manifest': 'segs/d/' })).status, 201);
    assert.equal((await call(`${s.storageUrl}/lo/dlo-body`, { token: s.token })).text, 'aaaaabbbbbcc');
    assert.equal((await call(`${s.storageUrl}/lo/dlo-body?multipart-manifest=get`, { token: s.token })).text, 'ignored manifest body');
  });

  test('a bad X-Object-Manifest → 400 with Swift\'s message', async () => {
    for (const value of ['segs', 'segs/a?b', 'segs//a', 'segs/a&b']) {
      const res = await put('lo/bad', '', { 'X-Object-Manifest': value });
      assert.equal(res.status, 400, value);
      assert.equal(res.text, 'X-Object-Manifest must be in the format container/prefix');
    }
    assert.equal((await call(`${s.storageUrl}/lo/bad`, { token: s.token })).status, 404);
  });

  test('segments in a missing container → 404; no segments → empty 200 with the md5 of nothing', async () => {
    assert.equal((await put('lo/dlo-missing', '', { 'X-Object-Manifest': 'nocontainer/x' })).status, 201);
    assert.equal((await call(`${s.storageUrl}/lo/dlo-missing`, { token: s.token })).status, 404);
    assert.equal((await put('lo/dlo-empty', '', { 'X-Object-Manifest': 'segs/zzz' })).status, 201);
    const empty = await call(`${s.storageUrl}/lo/dlo-empty`, { token: s.token });
    assert.equal(empty.status, 200);
    assert.equal(empty.text, '');
    assert.equal(empty.headers.get('etag'), `"${md5('')}"`);
  });

  test('copying a DLO copies the concatenation; with multipart-manifest=get the manifest', async () => {
    const copy = await put('lo/copy', '', { 'X-Copy-From': 'lo/dlo' });
    assert.equal(copy.status, 201);
    const got = await call(`${s.storageUrl}/lo/copy`, { token: s.token });
    assert.equal(got.text, 'aaaaabbbbbcc');
    assert.equal(got.headers.get('etag'), md5('aaaaabbbbbcc'));
    assert.equal(got.headers.get('x-object-manifest'), null);
    const manifest = await call(`${s.storageUrl}/lo/dlo?multipart-manifest=get`, {
      method: 'COPY', token: s.token, headers: { Destination: 'lo/copy-manifest' },
    });
    assert.equal(manifest.status, 201);
    const head = await call(`${s.storageUrl}/lo/copy-manifest?multipart-manifest=get`, { method: 'HEAD', token: s.token });
    assert.equal(head.headers.get('x-object-manifest'), 'segs/d/');
    assert.equal(head.headers.get('content-length'), '0');
    assert.equal((await call(`${s.storageUrl}/lo/copy-manifest`, { token: s.token })).text, 'aaaaabbbbbcc');
  });

  test('segments under a container the reader may not list → 403 (the listing is authorised for the reader)', async () => {
    assert.equal((await put('pub/dlo', '', { 'X-Object-Manifest': 'priv/seg' })).status, 201);
    assert.equal((await call(`${s.storageUrl}/pub/dlo`, { token: s.token })).text, 'secret1');
    const denied = await call(`${s.storageUrl}/pub/dlo`, { token: other.token });
    assert.equal(denied.status, 403);
    assert.ok(!denied.text.includes('secret1'));
    assert.equal((await call(`${s.storageUrl}/pub/dlo`, { method: 'HEAD', token: other.token })).status, 403);
  });
});

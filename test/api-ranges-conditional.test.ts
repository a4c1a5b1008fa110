/** Conditional and ranged GETs: what 304, 412 and 416 answers still tell the client about the object. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
const body = 'hello world';
const etag = createHash('md5').update(body).digest('hex');
let url: string;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  await call(`${s.storageUrl}/c`, { method: 'PUT', token: s.token });
  url = `${s.storageUrl}/c/o`;
  const put = await call(url, { method: 'PUT', token: s.token, body, headers: { 'X-Object-Meta-Fruit': 'kiwi', 'Content-Type': 'text/x-fruit' } });
  assert.equal(put.status, 201);
});
after(async () => { await server.stop(); });

test('304 (If-None-Match) carries ETag, Last-Modified, Accept-Ranges, content type and metadata', async () => {
  const res = await call(url, { token: s.token, headers: { 'If-None-Match': etag } });
  assert.equal(res.status, 304);
  assert.equal(res.headers.get('etag'), etag);
  assert.ok(res.headers.get('last-modified'));
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.equal(res.headers.get('content-type'), 'text/x-fruit');
  assert.equal(res.headers.get('x-object-meta-fruit'), 'kiwi');
  assert.equal(res.bytes.length, 0);
});

test('304 (If-Modified-Since in the future) carries Accept-Ranges', async () => {
  const res = await call(url, { token: s.token, headers: { 'If-Modified-Since': new Date(Date.now() + 3600_000).toUTCString() } });
  assert.equal(res.status, 304);
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.equal(res.headers.get('etag'), etag);
});

test('412 (If-Match) carries the ETag and metadata, an empty body, no Accept-Ranges', async () => {
  for (const method of ['GET', 'HEAD']) {
    const res = await call(url, { method, token: s.token, headers: { 'If-Match': 'not-the-etag' } });
    assert.equal(res.status, 412);
    assert.equal(res.headers.get('etag'), etag);
    assert.equal(res.headers.get('x-object-meta-fruit'), 'kiwi');
    assert.equal(res.headers.get('accept-ranges'), null);
    assert.equal(res.headers.get('content-length'), '0');
    assert.equal(res.bytes.length, 0);
  }
});

test('416 carries Content-Range bytes */size and the ETag', async () => {
  const res = await call(url, { token: s.token, headers: { Range: 'bytes=100-200' } });
  assert.equal(res.status, 416);
  assert.equal(res.headers.get('content-range'), `bytes */${body.length}`);
  assert.equal(res.headers.get('etag'), etag);
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
});

test('206 carries the whole object\'s ETag', async () => {
  const res = await call(url, { token: s.token, headers: { Range: 'bytes=0-4' } });
  assert.equal(res.status, 206);
  assert.equal(res.text, 'hello');
  assert.equal(res.headers.get('etag'), etag);
  assert.equal(res.headers.get('content-range'), `bytes 0-4/${body.length}`);
});

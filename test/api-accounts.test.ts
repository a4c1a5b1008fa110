/** Paths and connection handling at the API edge, compared with Swift's proxy. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { buildRequest, rawRequest } from './helpers/raw.js';

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
});
after(async () => { await server.stop(); });

test('a path with only a version → 412 "Bad URL"', async () => {
  for (const p of ['/v1', '/v1/']) {
    const res = await call(`${server.url}${p}`, { method: 'PUT', token: s.token });
    assert.equal(res.status, 412, p);
    assert.equal(res.text, 'Bad URL');
  }
});

test('an unknown API version → 400', async () => {
  const res = await call(`${server.url}/v2/AUTH_test`, { token: s.token });
  assert.equal(res.status, 400);
});

test('a path that is not UTF-8 → 412 "Invalid UTF8 or contains NULL"', async () => {
  const res = await call(`${s.storageUrl}/%FF%FEabc`, { method: 'PUT', token: s.token });
  assert.equal(res.status, 412);
  assert.equal(res.text, 'Invalid UTF8 or contains NULL');
});

test('no Connection header unless the client sent Connection: keep-alive', async () => {
  const path = new URL(s.storageUrl).pathname;
  const plain = await rawRequest(server.port, buildRequest('HEAD', path, [['X-Auth-Token', s.token]]));
  assert.equal(plain.status, 204);
  assert.deepEqual(plain.headerList.filter(([k]) => /^(connection|keep-alive)$/i.test(k)), []);
  const asked = await rawRequest(server.port, buildRequest('HEAD', path, [['X-Auth-Token', s.token], ['Connection', 'keep-alive']]));
  assert.equal(asked.headers['connection'], 'keep-alive');
});

test('an unquoted UTF-8 path is served like its quoted form (and the connection stays usable)', async () => {
  const path = new URL(s.storageUrl).pathname;
  // U+0105 and U+0820 hold the bytes 0x85 and 0xA0, which are whitespace when read as latin1.
  const name = 'caf\u00e9-\u2603-\u0105\u0820';
  const res = await rawRequest(server.port, buildRequest('PUT', Buffer.concat([Buffer.from(`${path}/`), Buffer.from(name, 'utf8')]), [
    ['X-Auth-Token', s.token], ['Content-Length', '0'],
  ]));
  assert.equal(res.status, 201);
  const head = await call(`${s.storageUrl}/${encodeURIComponent(name)}`, { method: 'HEAD', token: s.token });
  assert.equal(head.status, 204);
  const listing = await call(`${s.storageUrl}?format=json`, { token: s.token });
  assert.ok((JSON.parse(listing.text) as { name: string }[]).some((c) => c.name === name));
});

test('an unquoted path that is not UTF-8 → 412 "Invalid UTF8 or contains NULL"', async () => {
  const path = new URL(s.storageUrl).pathname;
  const res = await rawRequest(server.port, buildRequest('PUT', Buffer.concat([Buffer.from(`${path}/`), Buffer.from([0xa9, 0xc3, 0x41])]), [
    ['X-Auth-Token', s.token], ['Content-Length', '0'],
  ]));
  assert.equal(res.status, 412);
  assert.equal(res.body.toString(), 'Invalid UTF8 or contains NULL');
});

test('an unknown method → 405 with the Allow list', async () => {
  const path = new URL(s.storageUrl).pathname;
  for (const method of ['LICK', 'GETorHEAD_base']) {
    const res = await rawRequest(server.port, buildRequest(method, path, [['X-Auth-Token', s.token], ['Content-Length', '0']]));
    assert.equal(res.status, 405, method);
    assert.equal(res.headers['allow'], 'DELETE, GET, HEAD, OPTIONS, POST, PUT');
  }
});

/** The README's promise: start, log in with v1.0, create a container, PUT and GET an object. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('v1.0 login answers tokens and an AUTH_ storage URL', async () => {
  const res = await call(`${server.url}/auth/v1.0`, { headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'testing' } });
  assert.equal(res.status, 200);
  assert.ok(res.headers.get('x-auth-token'));
  assert.equal(res.headers.get('x-auth-token'), res.headers.get('x-storage-token'));
  assert.equal(res.headers.get('x-storage-url'), `${server.url}/v1/AUTH_test`);
  assert.ok(Number(res.headers.get('x-auth-token-expires')) > 0);
});

test('wrong key → 401 with a Swift realm', async () => {
  const res = await call(`${server.url}/auth/v1.0`, { headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'nope' } });
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Swift realm="test"$/);
});

test('the bootstrap admin logs in with SWIFTLET-style admin:admin', async () => {
  const s = await login(server.url, 'admin:admin', 'adminpw');
  assert.match(s.storageUrl, /\/v1\/AUTH_[0-9a-f]{32}$/);
});

test('PUT container, PUT object, GET it back byte for byte', async () => {
  const s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/smoke`, { method: 'PUT', token: s.token })).status, 201);
  const body = Buffer.from('hello swiftlet');
  const put = await call(`${s.storageUrl}/smoke/hello.txt`, { method: 'PUT', token: s.token, body });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('etag'), createHash('md5').update(body).digest('hex'));
  const get = await call(`${s.storageUrl}/smoke/hello.txt`, { token: s.token });
  assert.equal(get.status, 200);
  assert.deepEqual(get.bytes, body);
  assert.equal(get.headers.get('content-type'), 'text/plain');
  assert.ok(get.headers.get('x-trans-id'));
});

test('no token → 401; token of another project → 403', async () => {
  const s = await login(server.url, 'test:tester', 'testing');
  const other = await login(server.url, 'test2:tester2', 'testing2');
  assert.equal((await call(s.storageUrl)).status, 401);
  assert.equal((await call(s.storageUrl, { token: other.token })).status, 403);
});

/** Server-side copy through HTTP: COPY and PUT with X-Copy-From, as Swift's copy middleware. */
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
  assert.equal((await call(`${s.storageUrl}/src`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/dst`, { method: 'PUT', token: s.token })).status, 201);
  const put = await call(`${s.storageUrl}/src/obj`, {
    method: 'PUT', token: s.token, body: 'copy me', headers: { 'Content-Type': 'text/x-test', 'X-Object-Meta-Color': 'blue' },
  });
  assert.equal(put.status, 201);
});
after(async () => { await server.stop(); });

test('COPY with Destination copies the bytes, content type and metadata', async () => {
  const res = await call(`${s.storageUrl}/src/obj`, { method: 'COPY', token: s.token, headers: { Destination: 'dst/copied' } });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('x-copied-from'), 'src/obj');
  const got = await call(`${s.storageUrl}/dst/copied`, { token: s.token });
  assert.equal(got.status, 200);
  assert.equal(got.text, 'copy me');
  assert.equal(got.headers.get('content-type'), 'text/x-test');
  assert.equal(got.headers.get('x-object-meta-color'), 'blue');
});

test('PUT with X-Copy-From copies the bytes', async () => {
  const res = await call(`${s.storageUrl}/dst/fromheader`, {
    method: 'PUT', token: s.token, headers: { 'X-Copy-From': 'src/obj', 'Content-Length': '0' },
  });
  assert.equal(res.status, 201);
  assert.equal((await call(`${s.storageUrl}/dst/fromheader`, { token: s.token })).text, 'copy me');
});

test('COPY without Destination → 412 "Destination header required"', async () => {
  const res = await call(`${s.storageUrl}/src/obj`, { method: 'COPY', token: s.token });
  assert.equal(res.status, 412);
  assert.equal(res.text, 'Destination header required');
});

test('COPY to a destination without a slash → 412 naming the form', async () => {
  const res = await call(`${s.storageUrl}/src/obj`, { method: 'COPY', token: s.token, headers: { Destination: 'justacontainer' } });
  assert.equal(res.status, 412);
  assert.equal(res.text, 'Destination header must be of the form <container name>/<object name>');
});

test('COPY of a missing source or into a missing container → 404, nothing created', async () => {
  const missingSource = await call(`${s.storageUrl}/src/nope`, { method: 'COPY', token: s.token, headers: { Destination: 'dst/x1' } });
  assert.equal(missingSource.status, 404);
  const missingContainer = await call(`${s.storageUrl}/src/obj`, { method: 'COPY', token: s.token, headers: { Destination: 'nocontainer/x2' } });
  assert.equal(missingContainer.status, 404);
  assert.equal((await call(`${s.storageUrl}/dst/x1`, { token: s.token })).status, 404);
});

test('COPY with a UTF-8 Destination header sent as raw bytes lands on the UTF-8 name', async () => {
  const name = 'dst/caf\u00e9-\u2603';
  const res = await rawRequest(server.port, buildRequest('COPY', `${new URL(s.storageUrl).pathname}/src/obj`, [
    ['X-Auth-Token', s.token], ['Destination', Buffer.from(name, 'utf8')], ['Content-Length', '0'], ['Connection', 'close'],
  ]));
  assert.equal(res.status, 201);
  const got = await call(`${s.storageUrl}/${encodeURI(name)}`, { token: s.token });
  assert.equal(got.status, 200);
  assert.equal(got.text, 'copy me');
});

/** Container requests through HTTP: storage policy names and CORS (container-level settings). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
});
after(async () => { await server.stop(); });

test('PUT container with an unknown X-Storage-Policy → 400 naming it; Policy-0 (any case) is accepted', async () => {
  const bad = await call(`${s.storageUrl}/p1`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'gold' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.text, "Invalid X-Storage-Policy 'gold'");
  assert.equal((await call(`${s.storageUrl}/p1`, { method: 'HEAD', token: s.token })).status, 404);
  const ok = await call(`${s.storageUrl}/p2`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'policy-0' } });
  assert.equal(ok.status, 201);
  const head = await call(`${s.storageUrl}/p2`, { method: 'HEAD', token: s.token });
  assert.equal(head.headers.get('x-storage-policy'), 'Policy-0');
});

test('X-Versions-Location then X-History-Location: the container switches mode and shows only the latest', async () => {
  // Clients (and Swift's functional tests) read the mode from which header comes back.
  const put = await call(`${s.storageUrl}/vw-objs`, { method: 'PUT', token: s.token, headers: { 'X-Versions-Location': 'vw-versions', 'X-Container-Meta-Kept': 'yes' } });
  assert.equal(put.status, 201);
  const stack = await call(`${s.storageUrl}/vw-objs`, { method: 'HEAD', token: s.token });
  assert.equal(stack.headers.get('x-versions-location'), 'vw-versions');
  const post = await call(`${s.storageUrl}/vw-objs`, { method: 'POST', token: s.token, headers: { 'X-History-Location': 'vw-versions' } });
  assert.equal(post.status, 204);
  const head = await call(`${s.storageUrl}/vw-objs`, { method: 'HEAD', token: s.token });
  assert.equal(head.status, 204);
  assert.equal(head.headers.get('x-versions-location'), null);
  assert.equal(head.headers.get('x-history-location'), 'vw-versions');
  assert.equal(head.headers.get('x-container-meta-kept'), 'yes');
});

test('CORS: pre-flight of an allowed origin and method → 200 with the grants; others → 401', async () => {
  const put = await call(`${s.storageUrl}/cors`, {
    method: 'PUT', token: s.token,
    headers: { 'X-Container-Meta-Access-Control-Allow-Origin': 'http://a.example http://b.example', 'X-Container-Meta-Access-Control-Max-Age': '5' },
  });
  assert.equal(put.status, 201);
  await call(`${s.storageUrl}/cors/o`, { method: 'PUT', token: s.token, body: 'hi', headers: { 'X-Object-Meta-Color': 'red' } });

  const ok = await call(`${s.storageUrl}/cors/o`, {
    method: 'OPTIONS', headers: { Origin: 'http://a.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-auth-token' },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://a.example');
  assert.equal(ok.headers.get('access-control-max-age'), '5');
  assert.equal(ok.headers.get('access-control-allow-headers'), 'x-auth-token');
  assert.ok((ok.headers.get('access-control-allow-methods') ?? '').split(', ').includes('GET'));
  assert.match(ok.headers.get('vary') ?? '', /Origin/);

  const noMethod = await call(`${s.storageUrl}/cors/o`, { method: 'OPTIONS', headers: { Origin: 'http://a.example' } });
  assert.equal(noMethod.status, 401);
  const otherOrigin = await call(`${s.storageUrl}/cors/o`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET' } });
  assert.equal(otherOrigin.status, 401);
  const noContainer = await call(`${s.storageUrl}/nocors/o`, { method: 'OPTIONS', headers: { Origin: 'http://a.example', 'Access-Control-Request-Method': 'GET' } });
  assert.equal(noContainer.status, 401);
  const plain = await call(`${s.storageUrl}/cors/o`, { method: 'OPTIONS' });
  assert.equal(plain.status, 200);
  assert.match(plain.headers.get('allow') ?? '', /GET/);
});

test('CORS: an actual request from an allowed origin exposes headers; another origin gets none (strict mode)', async () => {
  const got = await call(`${s.storageUrl}/cors/o`, { token: s.token, headers: { Origin: 'http://b.example' } });
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('access-control-allow-origin'), 'http://b.example');
  const exposed = (got.headers.get('access-control-expose-headers') ?? '').split(', ');
  for (const h of ['etag', 'x-timestamp', 'x-trans-id', 'x-object-meta-color']) assert.ok(exposed.includes(h), h);
  const denied = await call(`${s.storageUrl}/cors/o`, { token: s.token, headers: { Origin: 'http://evil.example' } });
  assert.equal(denied.status, 200);
  assert.equal(denied.headers.get('access-control-allow-origin'), null);
});

test('CORS: allow-origin * answers * to any origin, also on a 401', async () => {
  await call(`${s.storageUrl}/star`, { method: 'PUT', token: s.token, headers: { 'X-Container-Meta-Access-Control-Allow-Origin': '*' } });
  await call(`${s.storageUrl}/star/o`, { method: 'PUT', token: s.token, body: 'x' });
  const pre = await call(`${s.storageUrl}/star/o`, { method: 'OPTIONS', headers: { Origin: 'http://m.example', 'Access-Control-Request-Method': 'GET' } });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  const anon = await call(`${s.storageUrl}/star/o`, { headers: { Origin: 'http://m.example' } });
  assert.equal(anon.status, 401);
  assert.equal(anon.headers.get('access-control-allow-origin'), '*');
});

test('container quotas: bytes and count quotas refuse the PUT that would exceed them with 413', async () => {
  const bad = await call(`${s.storageUrl}/quota`, { method: 'PUT', token: s.token, headers: { 'X-Container-Meta-Quota-Bytes': 'ten' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.text, 'Invalid bytes quota.');
  assert.equal((await call(`${s.storageUrl}/quota`, { method: 'PUT', token: s.token, headers: { 'X-Container-Meta-Quota-Bytes': '10' } })).status, 201);
  const over = await call(`${s.storageUrl}/quota/o`, { method: 'PUT', token: s.token, body: '01234567890' });
  assert.equal(over.status, 413);
  assert.equal(over.text, 'Upload exceeds quota.');
  assert.equal((await call(`${s.storageUrl}/quota/o`, { method: 'PUT', token: s.token, body: '0123456789' })).status, 201);
  assert.equal((await call(`${s.storageUrl}/quota/p`, { method: 'PUT', token: s.token, body: 'x' })).status, 413);

  const badCount = await call(`${s.storageUrl}/quota`, { method: 'POST', token: s.token, headers: { 'X-Container-Meta-Quota-Count': '-1' } });
  assert.equal(badCount.status, 400);
  assert.equal(badCount.text, 'Invalid count quota.');
  await call(`${s.storageUrl}/counted`, { method: 'PUT', token: s.token, headers: { 'X-Container-Meta-Quota-Count': '1' } });
  assert.equal((await call(`${s.storageUrl}/counted/a`, { method: 'PUT', token: s.token, body: 'a' })).status, 201);
  assert.equal((await call(`${s.storageUrl}/counted/b`, { method: 'PUT', token: s.token, body: 'b' })).status, 413);
});

test('/info publishes account ACLs, container quotas and the etag quoter', async () => {
  const res = await call(`${server.url}/info`);
  const info = JSON.parse(res.text) as Record<string, unknown>;
  assert.deepEqual(info['tempauth'], { account_acls: true });
  assert.deepEqual(info['container_quotas'], {});
  assert.deepEqual(info['etag_quoter'], { enable_by_default: false });
});

test('etag quoter: a container flag quotes its objects\' ETags; empty falls back to the account flag', async () => {
  await call(`${s.storageUrl}/quoted`, { method: 'PUT', token: s.token });
  await call(`${s.storageUrl}/quoted/o`, { method: 'PUT', token: s.token, body: 'test' });
  const etag = '098f6bcd4621d373cade4e832627b4f6';
  const head = async () => (await call(`${s.storageUrl}/quoted/o`, { method: 'HEAD', token: s.token })).headers.get('etag');
  assert.equal(await head(), etag);
  assert.equal((await call(`${s.storageUrl}/quoted`, { method: 'POST', token: s.token, headers: { 'X-Container-Rfc-Compliant-Etags': 't' } })).status, 204);
  assert.equal(await head(), `"${etag}"`);
  const c = await call(`${s.storageUrl}/quoted`, { method: 'HEAD', token: s.token });
  assert.equal(c.headers.get('x-container-rfc-compliant-etags'), 'True');
  assert.equal(c.headers.get('x-container-sysmeta-rfc-compliant-etags'), null);
  await call(s.storageUrl, { method: 'POST', token: s.token, headers: { 'X-Account-Rfc-Compliant-Etags': 't' } });
  await call(`${s.storageUrl}/quoted`, { method: 'POST', token: s.token, headers: { 'X-Container-Rfc-Compliant-Etags': '' } });
  assert.equal(await head(), `"${etag}"`);
  await call(`${s.storageUrl}/quoted`, { method: 'POST', token: s.token, headers: { 'X-Container-Rfc-Compliant-Etags': 'f' } });
  assert.equal(await head(), etag);
  await call(s.storageUrl, { method: 'POST', token: s.token, headers: { 'X-Account-Rfc-Compliant-Etags': '' } });
});

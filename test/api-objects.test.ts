/** Object requests through HTTP: expiry headers, framing errors, UTF-8 header values. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { buildRequest, rawRequest } from './helpers/raw.js';

let server: TestServer;
let s: Session;
let path: string;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/c`, { method: 'PUT', token: s.token })).status, 201);
  path = new URL(s.storageUrl).pathname;
});
after(async () => { await server.stop(); });

test('X-Delete-At beyond 9999999999 is clamped to it and sent back as ten digits', async () => {
  const put = await call(`${s.storageUrl}/c/far`, { method: 'PUT', token: s.token, body: '', headers: { 'X-Delete-At': '1'.repeat(100) } });
  assert.equal(put.status, 201);
  const head = await call(`${s.storageUrl}/c/far`, { method: 'HEAD', token: s.token });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('x-delete-at'), '9999999999');
});

test('X-Delete-At that is not an integer → 400 "Non-integer X-Delete-At"', async () => {
  const put = await call(`${s.storageUrl}/c/bad`, { method: 'PUT', token: s.token, body: 'x', headers: { 'X-Delete-At': '1e10' } });
  assert.equal(put.status, 400);
  assert.equal(put.text, 'Non-integer X-Delete-At');
});

test('DELETE with X-If-Delete-At: bad value 400, mismatch 412, match 204', async () => {
  const bad = await call(`${s.storageUrl}/c/missing`, { method: 'DELETE', token: s.token, headers: { 'X-If-Delete-At': 'bad' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.text, 'Bad X-If-Delete-At header value');
  const at = String(Math.floor(Date.now() / 1000) + 3600);
  assert.equal((await call(`${s.storageUrl}/c/exp`, { method: 'PUT', token: s.token, body: 'x', headers: { 'X-Delete-At': at } })).status, 201);
  const mismatch = await call(`${s.storageUrl}/c/exp`, { method: 'DELETE', token: s.token, headers: { 'X-If-Delete-At': '12345' } });
  assert.equal(mismatch.status, 412);
  assert.equal(mismatch.text, 'X-If-Delete-At and X-Delete-At do not match');
  assert.equal((await call(`${s.storageUrl}/c/exp`, { method: 'HEAD', token: s.token })).status, 200);
  const match = await call(`${s.storageUrl}/c/exp`, { method: 'DELETE', token: s.token, headers: { 'X-If-Delete-At': at } });
  assert.equal(match.status, 204);
  assert.equal((await call(`${s.storageUrl}/c/exp`, { method: 'HEAD', token: s.token })).status, 404);
  const gone = await call(`${s.storageUrl}/c/exp`, { method: 'DELETE', token: s.token, headers: { 'X-If-Delete-At': at } });
  assert.equal(gone.status, 404);
});

test('PUT whose body comes without Content-Length or Transfer-Encoding → 411, not a parser 400', async () => {
  const res = await rawRequest(server.port, buildRequest('PUT', `${path}/c/nolength`, [['X-Auth-Token', s.token]], Buffer.from('testing')));
  assert.equal(res.status, 411);
  assert.equal((await call(`${s.storageUrl}/c/nolength`, { method: 'HEAD', token: s.token })).status, 404);
});

test('Transfer-Encoding other than plain chunked → 501', async () => {
  const res = await rawRequest(server.port, buildRequest('PUT', `${path}/c/gz`, [
    ['X-Auth-Token', s.token], ['Transfer-Encoding', 'gzip,chunked'], ['Connection', 'close'],
  ], Buffer.from('1\r\nx\r\n0\r\n\r\n')));
  assert.equal(res.status, 501);
  assert.equal(res.body.toString(), 'Unsupported Transfer-Coding header value specified in Transfer-Encoding header');
  // A body that is not chunked at all (Swift's testBadHeaders): the parser fails on it, the 501 still goes out.
  const raw = await rawRequest(server.port, buildRequest('PUT', `${path}/c/gz`, [
    ['X-Auth-Token', s.token], ['Transfer-Encoding', 'gzip,chunked'],
  ], Buffer.from('not chunk framing at all\r\n')));
  assert.equal(raw.status, 501);
});

test('a UTF-8 Content-Type comes back byte for byte and as text in JSON listings', async () => {
  const type = 'text/x-caf\u00e9; charset=\u2603';
  const res = await rawRequest(server.port, buildRequest('PUT', `${path}/c/typed`, [
    ['X-Auth-Token', s.token], ['Content-Type', Buffer.from(type, 'utf8')], ['Content-Length', '2'], ['Connection', 'close'],
  ], Buffer.from('hi')));
  assert.equal(res.status, 201);
  const head = await rawRequest(server.port, buildRequest('HEAD', `${path}/c/typed`, [['X-Auth-Token', s.token], ['Connection', 'close']]));
  assert.equal(Buffer.from(head.headers['content-type'] ?? '', 'latin1').toString('utf8'), type);
  const listing = await call(`${s.storageUrl}/c?format=json&prefix=typed`, { token: s.token });
  const items = JSON.parse(listing.text) as { content_type: string }[];
  assert.equal(items[0]?.content_type, type);
});

test('metadata limits count UTF-8 bytes: 4096 bytes of UTF-8 metadata fit, one more item does not', async () => {
  // 3-byte characters: limits are in bytes, so 16 items × (key 4 + value 252) = 4096 bytes exactly.
  const headers: [string, string | Buffer][] = [['X-Auth-Token', s.token], ['Content-Length', '0'], ['Connection', 'close']];
  for (let i = 0; i < 16; i++) headers.push([`X-Object-Meta-K${String(i).padStart(3, '0')}`, Buffer.from('\u2603'.repeat(84), 'utf8')]);
  const ok = await rawRequest(server.port, buildRequest('PUT', `${path}/c/meta`, headers));
  assert.equal(ok.status, 201);
  headers.push(['X-Object-Meta-K016', Buffer.from('\u2603', 'utf8')]);
  const tooMuch = await rawRequest(server.port, buildRequest('PUT', `${path}/c/meta`, headers));
  assert.equal(tooMuch.status, 400);
  assert.equal(tooMuch.body.toString(), 'Total metadata too large; max 4096');
});

test('202 answers (object POST, PUT of an existing container) carry Swift\'s HTML body', async () => {
  const accepted = '<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>';
  await call(`${s.storageUrl}/c/posted`, { method: 'PUT', token: s.token, body: 'x' });
  const post = await call(`${s.storageUrl}/c/posted`, { method: 'POST', token: s.token, headers: { 'X-Object-Meta-A': 'b' } });
  assert.equal(post.status, 202);
  assert.equal(post.text, accepted);
  const again = await call(`${s.storageUrl}/c`, { method: 'PUT', token: s.token });
  assert.equal(again.status, 202);
  assert.equal(again.text, accepted);
  assert.equal(again.headers.get('content-type'), 'text/html; charset=UTF-8');
});

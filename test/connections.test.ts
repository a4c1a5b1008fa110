/**
 * Connection handling at the HTTP edge, as Swift's (eventlet) proxy does it: every answer on a
 * connection the server will close says `Connection: close` (pooled clients such as urllib3 otherwise
 * reuse a socket the server is closing and fail at random); persistent connections stay persistent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { buildRequest, RawConnection } from './helpers/raw.js';

let server: TestServer;
let s: Session;
let path: string;
before(async () => {
  server = await startServer({ extraToml: '[swift]\nmax_file_size = 1048576\n' });
  s = await login(server.url, 'test:tester', 'testing');
  path = new URL(s.storageUrl).pathname;
  assert.equal((await call(`${s.storageUrl}/conn`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => { await server.stop(); });

test('a client sending Connection: close gets Connection: close, then the server closes', async () => {
  for (const [method, target, extra] of [
    ['HEAD', path, []], ['GET', `${path}/conn`, []], ['POST', `${path}/conn`, [['Content-Length', '0']]],
    ['PUT', `${path}/conn/o`, [['Content-Length', '2']]],
  ] as [string, string, [string, string][]][]) {
    const c = await RawConnection.open(server.port);
    c.write(buildRequest(method, target, [['X-Auth-Token', s.token], ['Connection', 'close'], ...extra], method === 'PUT' ? Buffer.from('hi') : undefined));
    const r = await c.reply(10_000, method === 'HEAD');
    assert.ok(r.status < 300, `${method} ${r.status}`);
    assert.equal(r.headers['connection'], 'close', method);
    assert.ok(await c.waitClosed(5000), `${method}: the server closes`);
  }
});

test('an HTTP/1.0 request without keep-alive is answered Connection: close', async () => {
  const c = await RawConnection.open(server.port);
  c.write(`HEAD ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${s.token}\r\n\r\n`);
  const r = await c.reply(10_000, true);
  assert.equal(r.status, 204);
  assert.equal(r.headers['connection'], 'close');
  assert.ok(await c.waitClosed(5000));
});

test('persistent connections stay persistent, with no Connection header', async () => {
  const c = await RawConnection.open(server.port);
  for (let i = 0; i < 5; i++) {
    c.write(buildRequest('PUT', `${path}/conn/p${i}`, [['X-Auth-Token', s.token], ['Content-Length', '1']], Buffer.from('x')));
    const put = await c.reply();
    assert.equal(put.status, 201);
    assert.equal(put.headers['connection'], undefined);
    c.write(buildRequest('GET', `${path}/conn/p${i}`, [['X-Auth-Token', s.token]]));
    const get = await c.reply();
    assert.equal(get.status, 200);
    assert.equal(get.body.toString(), 'x');
    assert.equal(get.headers['connection'], undefined);
  }
  assert.equal(c.closed, false);
  c.close();
});

test('early refusals that leave the body unread (401, 413) say Connection: close and close', async () => {
  const cases: [string, [string, string][], number][] = [
    ['401 without a token', [['Content-Length', '100']], 401],
    ['401 without a token, chunked', [['Transfer-Encoding', 'chunked']], 401],
    ['413 over max_file_size', [['X-Auth-Token', s.token], ['Content-Length', String(2 * 1048576)]], 413],
  ];
  for (const [name, headers, status] of cases) {
    const c = await RawConnection.open(server.port);
    c.write(buildRequest('PUT', `${path}/conn/refused`, headers));
    const r = await c.reply();
    assert.equal(r.status, status, name);
    assert.equal(r.headers['connection'], 'close', name);
    assert.ok(await c.waitClosed(5000), `${name}: the server closes`);
  }
});

test('a refusal in the middle of a body (chunked upload over max_file_size) says Connection: close and closes', async () => {
  const c = await RawConnection.open(server.port);
  c.write(buildRequest('PUT', `${path}/conn/big`, [['X-Auth-Token', s.token], ['Transfer-Encoding', 'chunked']]));
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  for (let i = 0; i < 5; i++) c.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
  // No last chunk: the server must answer without waiting for the rest of the body.
  const r = await c.reply();
  assert.equal(r.status, 413);
  assert.equal(r.headers['connection'], 'close');
  assert.ok(await c.waitClosed(5000), 'the server closes');
  assert.equal((await call(`${s.storageUrl}/conn/big`, { method: 'HEAD', token: s.token })).status, 404);
});

test('411 (a PUT with neither length nor chunked has no body) keeps the connection, as Swift does', async () => {
  const c = await RawConnection.open(server.port);
  c.write(buildRequest('PUT', `${path}/conn/refused`, [['X-Auth-Token', s.token], ['Content-Type', 'text/plain']]));
  const r = await c.reply();
  assert.equal(r.status, 411);
  assert.equal(r.headers['connection'], undefined);
  c.write(buildRequest('HEAD', path, [['X-Auth-Token', s.token]]));
  assert.equal((await c.reply(10_000, true)).status, 204);
  c.close();
});

test("Node's fetch (undici, pooled): 300 mixed requests, some with Connection: close, no error", async () => {
  const url = `${s.storageUrl}/conn`;
  const failures: string[] = [];
  const one = async (i: number) => {
    const close: Record<string, string> = i % 3 === 0 ? { Connection: 'close' } : {};
    const headers = { 'X-Auth-Token': s.token, ...close };
    try {
      switch (i % 4) {
        case 0: await (await fetch(`${url}/f${i % 20}`, { method: 'PUT', headers, body: `v${i}` })).arrayBuffer(); break;
        case 1: await (await fetch(`${url}/f${i % 20}`, { headers })).arrayBuffer(); break;
        case 2: await (await fetch(url, { method: 'HEAD', headers })).arrayBuffer(); break;
        default: await (await fetch(url, { method: 'POST', headers: { ...headers, 'X-Container-Meta-N': String(i) } })).arrayBuffer();
      }
    } catch (err) {
      failures.push(`${i}: ${String(err)} ${String((err as { cause?: unknown }).cause)}`);
    }
  };
  for (let i = 0; i < 300; i += 4) await Promise.all([one(i), one(i + 1), one(i + 2), one(i + 3)]);
  assert.deepEqual(failures, []);
});

test('duplicate Host headers → 400 (they were joined into links to http://a,b/)', async () => {
  const c = await RawConnection.open(server.port);
  c.write(`GET /v3 HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n`);
  const r = await c.reply();
  assert.equal(r.status, 400);
  assert.ok(!r.body.toString().includes('a.example,b.example'));
  c.write(buildRequest('HEAD', path, [['X-Auth-Token', s.token], ['Host', 'other.example']]));
  assert.equal((await c.reply(10_000, true)).status, 400);
  c.write(buildRequest('HEAD', path, [['X-Auth-Token', s.token]]));
  assert.equal((await c.reply(10_000, true)).status, 204, 'one Host header is served on the same connection');
  c.close();
});

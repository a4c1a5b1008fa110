/**
 * Clients that stop sending, or send garbage, cannot hold a connection (and its file descriptor)
 * for ever: a malformed chunked body is a 400 at once, a body that stalls for `[server]
 * client_timeout` is a 408 with the connection closed, nothing partial is stored, idle connections
 * close, and the server keeps serving everyone else meanwhile.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { buildRequest, RawConnection } from './helpers/raw.js';
import type { AddressInfo } from 'node:net';
import { createSwiftServer } from '../src/http/server.js';
import { respond } from '../src/http/response.js';

const CLIENT_TIMEOUT_S = 2;
let server: TestServer;
let s: Session;
let path: string;
before(async () => {
  server = await startServer({ extraToml: `[server]\nclient_timeout = ${CLIENT_TIMEOUT_S}\n` });
  s = await login(server.url, 'test:tester', 'testing');
  path = new URL(s.storageUrl).pathname;
  assert.equal((await call(`${s.storageUrl}/stall`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => { await server.stop(); });

const head = async (name: string) => (await call(`${s.storageUrl}/stall/${name}`, { method: 'HEAD', token: s.token })).status;

test('a malformed chunk size (zz) is a 400 at once, the connection closes, nothing is stored', async () => {
  const c = await RawConnection.open(server.port);
  const started = Date.now();
  c.write(buildRequest('PUT', `${path}/stall/badchunk`, [['X-Auth-Token', s.token], ['Transfer-Encoding', 'chunked']]));
  await new Promise((r) => setTimeout(r, 100));
  c.write('5\r\nhello\r\nzz\r\nmore\r\n');
  const r = await c.reply();
  assert.equal(r.status, 400);
  assert.ok(Date.now() - started < CLIENT_TIMEOUT_S * 1000 / 2, `answered after ${Date.now() - started} ms`);
  assert.equal(r.headers['connection'], 'close');
  assert.ok(await c.waitClosed(5000));
  assert.equal(await head('badchunk'), 404);
});

test('a malformed chunk in the same packet as the headers is a 400 at once too', async () => {
  const c = await RawConnection.open(server.port);
  const started = Date.now();
  c.write(buildRequest('PUT', `${path}/stall/badchunk2`, [['X-Auth-Token', s.token], ['Transfer-Encoding', 'chunked']], Buffer.from('5\r\nhello\r\nzz\r\n')));
  const r = await c.reply();
  assert.equal(r.status, 400);
  assert.ok(Date.now() - started < CLIENT_TIMEOUT_S * 1000 / 2, `answered after ${Date.now() - started} ms`);
  assert.ok(await c.waitClosed(5000));
  assert.equal(await head('badchunk2'), 404);
});

for (const [name, framing] of [['Content-Length', [['Content-Length', '100']]], ['chunked', [['Transfer-Encoding', 'chunked']]]] as [string, [string, string][]][]) {
  test(`a ${name} body that stalls gets 408 after client_timeout, the connection closes, nothing is stored, others are served meanwhile`, async () => {
    const object = `stalled-${name}`;
    const c = await RawConnection.open(server.port);
    const started = Date.now();
    c.write(buildRequest('PUT', `${path}/stall/${object}`, [['X-Auth-Token', s.token], ...framing]));
    c.write(name === 'chunked' ? 'a\r\n0123456789\r\n' : '0123456789');
    // Meanwhile another client is served.
    assert.equal((await call(`${s.storageUrl}/stall/other-${name}`, { method: 'PUT', token: s.token, body: 'ok' })).status, 201);
    const r = await c.reply(CLIENT_TIMEOUT_S * 1000 + 5000);
    const waited = Date.now() - started;
    assert.equal(r.status, 408);
    assert.ok(waited >= CLIENT_TIMEOUT_S * 1000 - 100 && waited < CLIENT_TIMEOUT_S * 1000 + 3000, `answered after ${waited} ms`);
    assert.equal(r.headers['connection'], 'close');
    assert.ok(await c.waitClosed(5000), 'the server closes');
    assert.equal(await head(object), 404);
    assert.equal(await head(`other-${name}`), 200);
  });
}

test('a body sent slowly but steadily (pauses shorter than client_timeout) is stored', async () => {
  const c = await RawConnection.open(server.port);
  c.write(buildRequest('PUT', `${path}/stall/slow`, [['X-Auth-Token', s.token], ['Content-Length', '3']]));
  for (const ch of 'abc') {
    c.write(ch);
    await new Promise((r) => setTimeout(r, CLIENT_TIMEOUT_S * 1000 * 0.6));
  }
  assert.equal((await c.reply()).status, 201);
  c.close();
  assert.equal((await call(`${s.storageUrl}/stall/slow`, { token: s.token })).text, 'abc');
});

test('idle connections close after client_timeout: before any request, between requests, and in the middle of headers', async () => {
  const silent = await RawConnection.open(server.port);
  const idle = await RawConnection.open(server.port);
  idle.write(buildRequest('HEAD', path, [['X-Auth-Token', s.token]]));
  assert.equal((await idle.reply(10_000, true)).status, 204);
  const partial = await RawConnection.open(server.port);
  partial.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-`);
  const limit = CLIENT_TIMEOUT_S * 1000 + 5000;
  for (const [name, c] of [['silent', silent], ['idle', idle], ['partial headers', partial]] as const) {
    assert.ok(await c.waitClosed(limit), `${name} connection still open`);
  }
});

test('a body the server stops reading (its backend is slow) is not the client stalling: no 408, every byte arrives', async () => {
  // The edge alone, with a handler that holds the body unread for twice client_timeout (as an
  // upload does while its parts wait for a slow S3 service), while the client has 16 MiB to send.
  const size = 16 * 1024 * 1024;
  const edge = createSwiftServer(async (ctx) => {
    let received = 0;
    let held = false;
    for await (const chunk of ctx.body() as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (!held && received > 1024 * 1024) {
        held = true;
        await new Promise((r) => setTimeout(r, CLIENT_TIMEOUT_S * 2000));
      }
    }
    return respond(201, { 'x-received': String(received) });
  }, { clientTimeout: CLIENT_TIMEOUT_S });
  await new Promise<void>((r) => edge.listen(0, '127.0.0.1', r));
  try {
    const port = (edge.address() as AddressInfo).port;
    const r = await fetch(`http://127.0.0.1:${port}/v1/AUTH_x/c/o`, { method: 'PUT', body: Buffer.alloc(size, 7) });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-received'), String(size));
  } finally {
    edge.closeAllConnections();
    await new Promise((r) => edge.close(r));
  }
});

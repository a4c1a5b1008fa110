/**
 * Requests the fuzzer (test/fuzz.test.ts) found to break the server, each replayed on its own through
 * raw HTTP against a real server, which must answer and stay alive.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { login } from './helpers/swift.js';
import { RawConnection } from './helpers/raw.js';

let server: TestServer;
let token: string;
before(async () => {
  server = await startServer();
  token = (await login(server.url, 'test:tester', 'testing')).token;
});
after(async () => { await server.stop(); });

async function alive(): Promise<void> {
  const res = await fetch(`${server.url}/healthcheck`);
  assert.equal(res.status, 200, 'the server still answers');
}

test('fuzz seed 19: raw non-ASCII bytes in the path and a malformed chunk size → 400, and the server lives', async () => {
  // The request line's raw bytes send the connection through the re-parsing Duplex; the broken chunk
  // then made answerAndClose call socket.destroySoon, which that Duplex lacks: the process died.
  const made = await fetch(`${server.url}/v1/AUTH_test/caf%C3%A9`, { method: 'PUT', headers: { 'X-Auth-Token': token } });
  assert.equal(made.status, 201);
  const c = await RawConnection.open(server.port);
  c.write(Buffer.concat([
    Buffer.from('PUT /v1/AUTH_test/caf'), Buffer.from([0xc3, 0xa9]), Buffer.from(`/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\n`),
    Buffer.from('Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'),
  ]));
  const reply = await c.reply();
  assert.equal(reply.status, 400);
  assert.ok(await c.waitClosed(5000), 'the connection closes after the 400');
  await alive();
});

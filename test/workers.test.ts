/** `serve` runs several worker processes; one dying does not take the service down. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { childPids, startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

let server: TestServer;
before(async () => { server = await startServer({ workers: 2 }); });
after(async () => { await server.stop(); });

test('two workers serve; after kill -9 of one, requests keep succeeding and it is replaced', async () => {
  const primary = server.process.pid ?? 0;
  const before = childPids(primary);
  assert.equal(before.length, 2);
  const s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/w`, { method: 'PUT', token: s.token })).status, 201);
  process.kill(before[0] ?? 0, 'SIGKILL');
  // Until the primary has seen the death, Node's cluster may still hand it a new connection, which
  // then hangs (a race of a few milliseconds, that a client's timeout and retry covers); the
  // primary logs the exit as soon as it knows.
  for (let i = 0; i < 100 && !server.output().includes(`worker ${before[0]} exited`); i++) await sleep(50);
  assert.match(server.output(), new RegExp(`worker ${before[0]} exited \\(SIGKILL\\)`));
  // A keep-alive connection that belonged to the dead worker is reset once; clients (swiftclient,
  // rclone) retry such requests, and so does this loop — once. Every request must then succeed.
  let resets = 0;
  for (let i = 0; i < 20; i++) {
    const put = () => call(`${s.storageUrl}/w/o${i}`, { method: 'PUT', token: s.token, body: `v${i}` });
    const res = await put().catch(async () => { resets++; return put(); });
    assert.equal(res.status, 201);
  }
  assert.ok(resets <= 1, `at most the one connection to the dead worker fails (${resets})`);
  let after: number[] = [];
  for (let i = 0; i < 50 && after.length < 2; i++) {
    await sleep(100);
    after = childPids(primary).filter((p) => p !== before[0]);
  }
  assert.equal(after.length, 2, 'the dead worker was replaced');
  const listing = await call(`${s.storageUrl}/w`, { token: s.token });
  assert.equal(listing.text.split('\n').filter(Boolean).length, 20);
});

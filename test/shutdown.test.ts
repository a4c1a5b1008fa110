/**
 * SIGTERM with an upload stalled in flight: the server stops within `[server] shutdown_timeout`
 * (the stalled request is cut), and the stalled object is not stored, as a restart shows. Requests
 * that finish within the deadline are answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';
import { buildRequest, RawConnection } from './helpers/raw.js';

const SHUTDOWN_TIMEOUT_S = 2;

async function stalledShutdown(workers: number): Promise<void> {
  const toml = `[server]\nshutdown_timeout = ${SHUTDOWN_TIMEOUT_S}\nclient_timeout = 120\n`;
  let server: TestServer = await startServer({ extraToml: toml, workers, keepData: true });
  const dataDir = server.dataDir;
  try {
    let s = await login(server.url, 'test:tester', 'testing');
    assert.equal((await call(`${s.storageUrl}/sd`, { method: 'PUT', token: s.token })).status, 201);
    const c = await RawConnection.open(server.port);
    c.write(buildRequest('PUT', `${new URL(s.storageUrl).pathname}/sd/stalled`, [['X-Auth-Token', s.token], ['Content-Length', '1000']]));
    c.write('only a part of the body');
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number>((r) => server.process.once('exit', () => r(Date.now())));
    const sent = Date.now();
    server.process.kill('SIGTERM');
    const exitedAt = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), 30_000))]);
    assert.notEqual(exitedAt, -1, `the server did not exit in 30 s:\n${server.output()}`);
    const took = exitedAt - sent;
    assert.ok(took >= SHUTDOWN_TIMEOUT_S * 1000 - 200 && took < SHUTDOWN_TIMEOUT_S * 1000 + 8000, `exited after ${took} ms`);
    assert.ok(await c.waitClosed(2000), 'the stalled connection is closed');
    await server.stop();
    server = await startServer({ extraToml: toml, workers, dataDir, keepData: true });
    s = await login(server.url, 'test:tester', 'testing');
    assert.equal((await call(`${s.storageUrl}/sd/stalled`, { method: 'HEAD', token: s.token })).status, 404);
    const listing = await call(`${s.storageUrl}/sd`, { token: s.token });
    assert.equal(listing.text, '');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('SIGTERM with a stalled upload: the process exits after shutdown_timeout, nothing stored (one process)', async () => {
  await stalledShutdown(1);
});

test('SIGTERM with a stalled upload: the process exits after shutdown_timeout, nothing stored (2 workers)', async () => {
  await stalledShutdown(2);
});

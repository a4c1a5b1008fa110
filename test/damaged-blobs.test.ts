/**
 * An object whose file on disk is shorter than its record (truncated behind Swiftlet's back): the
 * answer announces the recorded length, so when the bytes run out the connection is cut at once.
 * Before, the answer ended as if complete and the client waited for ever for the missing bytes.
 * The object is then quarantined as damaged.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { buildRequest, RawConnection } from './helpers/raw.js';

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
});
after(async () => { await server.stop(); });

/** The files under `dir` whose size is `size` (the object's blob: no other file there has it). */
function filesOfSize(dir: string, size: number): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesOfSize(p, size));
    else if (entry.isFile() && statSync(p).size === size) out.push(p);
  }
  return out;
}

test('a GET of an object whose file was truncated is cut at once, not left hanging; the connection is not reused', async () => {
  const size = 300_001;
  const body = Buffer.alloc(size, 0x5a);
  assert.equal((await call(`${s.storageUrl}/dmg`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/dmg/cut`, { method: 'PUT', token: s.token, body })).status, 201);
  const files = filesOfSize(server.dataDir, size);
  assert.equal(files.length, 1, `blob files: ${files.join(', ')}`);
  truncateSync(files[0] ?? '', 1000);

  const c = await RawConnection.open(server.port);
  const started = Date.now();
  c.write(buildRequest('GET', `${new URL(s.storageUrl).pathname}/dmg/cut`, [['X-Auth-Token', s.token]]));
  assert.ok(await c.waitClosed(5000), 'the connection is cut');
  assert.ok(Date.now() - started < 3000, `cut after ${Date.now() - started} ms`);
  await assert.rejects(c.reply(100), /closed before a complete reply/);

  // The damaged object was quarantined (bytes-at-rest.test.ts): the next GET answers 404, the
  // container no longer counts it, and the server goes on serving.
  const res = await fetch(`${s.storageUrl}/dmg/cut`, { headers: { 'X-Auth-Token': s.token }, signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 404);
  await res.arrayBuffer();
  const head = await call(`${s.storageUrl}/dmg`, { method: 'HEAD', token: s.token });
  assert.equal(head.status, 204);
  assert.equal(head.headers.get('x-container-object-count'), '0');
});

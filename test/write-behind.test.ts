/**
 * Write-behind flushes of large uploads (src/storage/fs/write-behind.ts): an upload that crosses the
 * flush threshold several times stores every byte under the right ETag and leaves no temporary
 * file, and a background flush that fails fails the upload instead of being forgotten (Linux reports
 * a writeback error to one fsync only).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WRITE_BEHIND_BYTES, WriteBehind } from '../src/storage/fs/write-behind.js';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/wb`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => { await server.stop(); });

test('an upload past the write-behind threshold twice is stored whole, announced or chunked', async () => {
  const body = randomBytes(2 * WRITE_BEHIND_BYTES + 12345);
  const etag = createHash('md5').update(body).digest('hex');
  for (const [name, chunked] of [['announced', false], ['chunked', true]] as const) {
    const upload = chunked
      ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < body.length; at += 1024 * 1024) controller.enqueue(body.subarray(at, at + 1024 * 1024));
          controller.close();
        },
      })
      : body;
    const put = await call(`${s.storageUrl}/wb/${name}`, { method: 'PUT', token: s.token, body: upload, ...(chunked ? { duplex: 'half' } : {}) } as RequestInit & { token: string });
    assert.equal(put.status, 201, name);
    assert.equal(put.headers.get('etag'), etag, name);
    const got = await call(`${s.storageUrl}/wb/${name}`, { token: s.token });
    assert.equal(got.status, 200, name);
    assert.equal(got.bytes.length, body.length, name);
    assert.ok(got.bytes.equals(body), `${name}: the same bytes come back`);
  }
  assert.deepEqual(readdirSync(join(server.dataDir, 'tmp')), [], 'no temporary file left');
});

test('a background flush that fails is reported by settle, after the flush threshold only', async () => {
  // fdatasync of /dev/null fails (EINVAL): a stand-in for a disk that reports a writeback error.
  const fd = openSync('/dev/null', 'w');
  try {
    const below = new WriteBehind(fd, 1000);
    below.wrote(999);
    await below.settle(); // below the threshold: no flush started, nothing to report

    const past = new WriteBehind(fd, 1000);
    past.wrote(600);
    past.wrote(600);
    await assert.rejects(past.settle(), (err: NodeJS.ErrnoException) => err.code === 'EINVAL');
    // Reported again on every settle: the upload's error path settles once more before closing.
    await assert.rejects(past.settle(), (err: NodeJS.ErrnoException) => err.code === 'EINVAL');
  } finally {
    closeSync(fd);
  }
});

/**
 * The S3 blob store when parts of the real Ceph cluster fail (daemons stopped and started by PID
 * through scripts/ceph/rgw.sh and osd.sh):
 * - RGW stopped: every call fails promptly with BackendUnavailableError (never a hang, never "not
 *   found" for a blob that exists); RGW back: the same store works again.
 * - RGW killed while a GET streams: the stream fails with BackendUnavailableError (never a short body).
 * - RGW frozen (SIGSTOP): a call fails after the idle timeout instead of hanging.
 * - One OSD stopped: writes and reads go on (size 3, min_size 2); started again, it recovers, and with
 *   another OSD stopped afterwards every byte is still there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BackendUnavailableError } from '../src/storage/backend-unavailable.js';
import { S3BlobStore } from '../src/storage/s3/blob-store.js';
import { cephScriptsAvailable, startOsd, startRgw, stopOsd, stopRgw } from './helpers/ceph.js';
import { digestStream, PatternedBody, readAll } from './helpers/patterned.js';
import { s3Backend } from './helpers/s3-backend.js';

const MiB = 1024 * 1024;
const skip = cephScriptsAvailable() ? false : 'needs the Ceph cluster of scripts/ceph/start.sh on this machine';
const isUnavailable = (err: unknown): boolean => err instanceof BackendUnavailableError;

/** Fails the test instead of waiting forever when `p` does not settle within `ms`. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

function rgwPid(): number {
  const pid = Number(readFileSync(`${process.env.CEPH_DIR ?? '/tmp/swiftlet-ceph'}/run/client.rgw.a.pid`, 'utf8').trim());
  assert.ok(pid > 0, 'RGW pid file');
  return pid;
}

describe('S3 blob store with failing Ceph daemons', { skip }, () => {
  let backend: Awaited<ReturnType<typeof s3Backend>>;
  before(async () => {
    // One retry instead of two, so a refused connection is reported in about a second. The idle
    // timeout stays at its default: a loaded machine can take seconds to create a bucket.
    backend = await s3Backend({ maxAttempts: 2 });
  });
  after(async () => { await backend.destroy(); });

  test('RGW stopped: prompt BackendUnavailableError for every call; RGW back: the same store works', { timeout: 180_000 }, async (t) => {
    const store = backend.store;
    let lateStore: S3BlobStore | undefined;
    const data = randomBytes(200_000);
    const kept = await store.write(Readable.from([data]), { maxSize: MiB });
    const other = await store.write(Readable.from([data]), { maxSize: MiB });
    const reader = await store.open(kept.blobId);
    assert.ok(reader);
    await stopRgw();
    try {
      const t0 = performance.now();
      await assert.rejects(within(15_000, store.write(Readable.from([randomBytes(1000)]), { maxSize: MiB })), isUnavailable);
      await assert.rejects(within(15_000, store.write(new PatternedBody(20 * MiB).stream(), { maxSize: 100 * MiB })), isUnavailable, 'multipart');
      await assert.rejects(within(15_000, store.open(kept.blobId)), isUnavailable, 'a blob that exists is never reported missing');
      await assert.rejects(within(15_000, readAll(reader.stream(0, data.length - 1))), isUnavailable, 'an open reader');
      // (Not the blob being read: its delete waits for the reader's close, see blob-store.ts.)
      await assert.rejects(within(15_000, store.delete(other.blobId)), isUnavailable);
      await assert.rejects(within(15_000, (async () => { for await (const id of store.listBlobs(0)) void id; })()), isUnavailable);
      await assert.rejects(within(15_000, store.cleanTemporary()), isUnavailable);
      // A store opened now (a node starting while S3 is down) opens, says why it could not check
      // its bucket, and fails its calls until the service is back.
      let why: Error | undefined;
      const late = await within(15_000, S3BlobStore.open({ ...backend.settings, maxAttempts: 1 }, (err) => { why = err; }));
      lateStore = late;
      assert.ok(isUnavailable(why), 'opening a store reports the service unavailable');
      await assert.rejects(within(15_000, late.open(kept.blobId)), isUnavailable, 'an unconfirmed bucket never reports a blob missing');
      const seconds = (performance.now() - t0) / 1000;
      t.diagnostic(`eight calls failed in ${seconds.toFixed(1)} s with RGW stopped`);
      assert.ok(seconds < 30, `eight failing calls took ${seconds.toFixed(1)} s`);
    } finally {
      await startRgw();
    }
    // Back: the store opened while it was down confirms its bucket and reads the blob.
    const lateReader = await lateStore?.open(kept.blobId);
    assert.ok(lateReader, 'the store opened during the outage works once S3 is back');
    await lateReader.close();
    lateStore?.close();
    // Back: the old reader, the old blob and new writes all work on the same store instance.
    assert.ok((await readAll(reader.stream(0, data.length - 1))).equals(data));
    await reader.close();
    const again = await store.write(Readable.from([data]), { maxSize: MiB });
    const r2 = await store.open(again.blobId);
    assert.ok(r2);
    assert.ok((await readAll(r2.stream(5, 9))).equals(data.subarray(5, 10)));
    await r2.close();
  });

  test('RGW killed while a GET streams: the read fails with BackendUnavailableError, never a silent short body', { timeout: 180_000 }, async () => {
    const store = backend.store;
    const body = new PatternedBody(48 * MiB);
    const stored = await store.write(body.stream(), { expectedSize: body.size, maxSize: 100 * MiB });
    const reader = await store.open(stored.blobId);
    assert.ok(reader);
    const stream = reader.stream(0, body.size - 1);
    // Take one chunk, then hold the rest back: RGW can only have sent what the socket buffers hold.
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      stream.once('data', (chunk: Buffer) => { received += chunk.length; stream.pause(); resolve(); });
      stream.once('error', reject);
    });
    process.kill(rgwPid(), 'SIGKILL');
    try {
      await assert.rejects(within(30_000, (async () => {
        for await (const chunk of stream as AsyncIterable<Buffer>) received += chunk.length;
      })()), isUnavailable);
      assert.ok(received < body.size, `${received} of ${body.size} bytes arrived`);
    } finally {
      await startRgw();
      await reader.close();
    }
  });

  test('RGW frozen (SIGSTOP): calls fail after the idle timeout instead of hanging', { timeout: 120_000 }, async (t) => {
    // A store of its own: one attempt per call, 2 s without a byte moving is a failure.
    const store = await S3BlobStore.open({ ...backend.settings, idleTimeoutMs: 2000, maxAttempts: 1 });
    t.after(() => store.close());
    const stored = await store.write(Readable.from([randomBytes(5000)]), { maxSize: MiB });
    const pid = rgwPid();
    process.kill(pid, 'SIGSTOP');
    try {
      const t0 = performance.now();
      await assert.rejects(within(30_000, store.open(stored.blobId)), isUnavailable);
      await assert.rejects(within(30_000, store.write(Readable.from([randomBytes(1000)]), { maxSize: MiB })), isUnavailable);
      const seconds = (performance.now() - t0) / 1000;
      t.diagnostic(`two calls failed in ${seconds.toFixed(1)} s with RGW frozen`);
      // Two calls, each one 2 s idle timeout.
      assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const reader = await within(30_000, store.open(stored.blobId));
    assert.ok(reader, 'RGW thawed: the blob is there');
    await reader.close();
  });

  test('one OSD stopped: writes and reads go on; started again, every byte is there', { timeout: 600_000 }, async () => {
    const store = backend.store;
    const written: { blobId: string; body: PatternedBody }[] = [];
    async function writeSome(tag: string): Promise<void> {
      // Small blobs (single PUTs) and one multipart blob (two 8 MiB parts and a short one).
      for (const size of [1, 70_000, 3 * MiB + 17, 17 * MiB + 5]) {
        const body = new PatternedBody(size);
        const stored = await within(120_000, store.write(body.stream(), { expectedSize: size, maxSize: 100 * MiB }));
        assert.equal(stored.md5, body.md5(), `${tag} ${size}`);
        written.push({ blobId: stored.blobId, body });
      }
    }
    async function readEverything(tag: string): Promise<void> {
      for (const { blobId, body } of written) {
        const reader = await within(120_000, store.open(blobId));
        assert.ok(reader, `${tag}: blob of ${body.size} bytes is there`);
        try {
          assert.deepEqual(await within(120_000, digestStream(reader.stream(0, body.size - 1))), { size: body.size, md5: body.md5() }, tag);
        } finally {
          await reader.close();
        }
      }
    }

    await writeSome('before');
    await stopOsd(1);
    try {
      await writeSome('osd.1 down');
      await readEverything('osd.1 down');
    } finally {
      await startOsd(1); // returns once recovery made every PG active+clean
    }
    // What was written while osd.1 was down now has its third replica there: with osd.0 down
    // instead, everything still reads back byte-exact.
    await stopOsd(0);
    try {
      await readEverything('osd.1 back, osd.0 down');
      await writeSome('osd.0 down');
    } finally {
      await startOsd(0);
    }
    await readEverything('all up');
  });
});

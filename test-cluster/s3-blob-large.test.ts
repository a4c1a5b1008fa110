/**
 * Large blobs on the real S3 service (Ceph RGW): a 300 MiB body streams up as a multipart upload
 * and back down while the process's RSS stays flat (nothing holds the whole object), and ranged
 * reads across part boundaries are byte-exact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredBlob } from '../src/storage/contracts.js';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, DEFAULT_PART_SIZE } from '../src/storage/s3/client.js';
import { digestStream, PatternedBody, readAll } from './helpers/patterned.js';
import { s3Backend } from './helpers/s3-backend.js';

const MiB = 1024 * 1024;
let backend: Awaited<ReturnType<typeof s3Backend>>;
before(async () => { backend = await s3Backend(); });
after(async () => { await backend.destroy(); });

/** Peak RSS growth over `baseline` while `fn` runs, sampled every 20 ms. */
async function peakGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growth: number; seconds: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
  const t0 = performance.now();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - baseline, seconds: (performance.now() - t0) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

const body = new PatternedBody(300 * MiB + 12_345);
let stored: StoredBlob | undefined;

test('a 300 MiB body streams up (multipart) and down with flat memory', { timeout: 600_000 }, async (t) => {
  const expectedMd5 = body.md5();
  // Warm the client, the MD5 thread and the connection pool, so the baseline is the steady state.
  await backend.store.write(new PatternedBody(20 * MiB).stream(), { maxSize: 100 * MiB });

  const up = await peakGrowth(() => backend.store.write(body.stream(), { expectedSize: body.size, maxSize: 5 * 1024 * MiB }));
  stored = up.result;
  assert.equal(stored.size, body.size);
  assert.equal(stored.md5, expectedMd5);
  t.diagnostic(`write: ${(body.size / MiB / up.seconds).toFixed(0)} MiB/s, RSS growth ${(up.growth / MiB).toFixed(0)} MiB`);

  const reader = await backend.store.open(stored.blobId);
  assert.ok(reader);
  assert.equal(reader.size, body.size);
  const down = await peakGrowth(() => digestStream(reader.stream(0, body.size - 1)));
  await reader.close();
  assert.deepEqual(down.result, { size: body.size, md5: expectedMd5 });
  t.diagnostic(`read: ${(body.size / MiB / down.seconds).toFixed(0)} MiB/s, RSS growth ${(down.growth / MiB).toFixed(0)} MiB`);

  // Parts of 8 MiB, 3 in flight and one being filled: well under a third of the object.
  assert.ok(up.growth < 100 * MiB, `write RSS grew ${(up.growth / MiB).toFixed(0)} MiB`);
  assert.ok(down.growth < 100 * MiB, `read RSS grew ${(down.growth / MiB).toFixed(0)} MiB`);
});

test('ranged reads of the large blob, across part boundaries, are byte-exact', { timeout: 120_000 }, async () => {
  assert.ok(stored, 'the 300 MiB write ran');
  const reader = await backend.store.open(stored.blobId);
  assert.ok(reader);
  try {
    const ranges: [number, number][] = [
      [0, 0], [DEFAULT_PART_SIZE - 10, DEFAULT_PART_SIZE + 9], [5 * DEFAULT_PART_SIZE - 1, 7 * DEFAULT_PART_SIZE + 1],
      [body.size - 12_345 - 3, body.size - 1], [body.size - 1, body.size - 1], [123_456, 123_455],
    ];
    const got = await Promise.all(ranges.map(([s, e]) => readAll(reader.stream(s, e))));
    for (const [i, [s, e]] of ranges.entries()) assert.ok(got[i]?.equals(body.range(s, e)), `range ${s}-${e}`);
  } finally {
    await reader.close();
  }
});

test('quarantine of a blob above the single-copy limit copies it in parts: the kept copy is byte-exact, the blob is gone', { timeout: 120_000 }, async () => {
  // A store whose single-copy limit is lowered, so a 12 MiB blob takes the multipart-copy path that
  // blobs above S3's 5 GiB CopyObject limit take.
  const small = await s3Backend({ maxSingleCopyBytes: 5 * MiB, partSize: 5 * MiB });
  try {
    const bytes = new PatternedBody(12 * MiB + 7);
    const blob = await small.store.write(bytes.stream(), { maxSize: 100 * MiB });
    await small.store.quarantine(blob.blobId);
    assert.equal(await small.store.open(blob.blobId), undefined);
    const kept = (await small.artifacts()).filter((a) => a.includes(`quarantined/objects/${blob.blobId}`));
    assert.equal(kept.length, 1, 'one kept copy, no multipart upload left behind');
    const client = createS3Client(small.settings);
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: small.settings.bucket, Key: kept[0] ?? '' }));
      assert.equal(res.ContentLength, bytes.size);
      assert.deepEqual(await digestStream(res.Body as Readable), { size: bytes.size, md5: bytes.md5() });
    } finally {
      client.destroy();
    }
  } finally {
    await small.destroy();
  }
});

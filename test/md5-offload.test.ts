/**
 * MD5 of large uploads on the MD5 thread (src/storage/fs/md5-offload.ts): the same digest as
 * hashing on the event loop whatever the chunking, one state per upload when uploads interleave,
 * backpressure when the thread falls behind, and correct ETags through HTTP on both sides of the
 * size from which uploads use the thread.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { md5OnThread, OFFLOAD_MIN_BYTES } from '../src/storage/fs/md5-offload.js';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Cuts `data` into chunks of varied sizes (1 byte to ~200 KiB), the same cut for the same seed. */
function chunksOf(data: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let x = seed;
  for (let at = 0; at < data.length;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = Math.min(data.length - at, 1 + (x % (200 * 1024)));
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

test('the MD5 thread gives the digest of the bytes whatever the chunking, for interleaved uploads', async () => {
  const bodies = [0, 1, MiB, MiB + 1, 9 * MiB + 7].map((n) => randomBytes(n));
  const hashes = bodies.map(() => md5OnThread());
  const cuts = bodies.map((b, i) => chunksOf(b, i + 1));
  // Interleave the uploads chunk by chunk, as concurrent requests would.
  for (let round = 0; cuts.some((c) => round < c.length); round++) {
    for (const [i, c] of cuts.entries()) {
      const chunk = c[round];
      if (chunk) await hashes[i]?.update(chunk);
    }
  }
  const digests = await Promise.all(hashes.map((h) => h.digest()));
  assert.deepEqual(digests, bodies.map(md5));
});

test('an upload far ahead of the MD5 thread is told to wait, and its digest is still right', async () => {
  const body = randomBytes(40 * MiB);
  const hash = md5OnThread();
  let waits = 0;
  for (const chunk of chunksOf(body, 7)) {
    const wait = hash.update(chunk);
    if (wait) {
      waits++;
      await wait;
    }
  }
  assert.ok(waits > 0, 'backpressure engaged at least once');
  assert.equal(await hash.digest(), md5(body));
});

let server: TestServer;
let s: Session;
before(async () => {
  server = await startServer();
  s = await login(server.url, 'test:tester', 'testing');
  assert.equal((await call(`${s.storageUrl}/big`, { method: 'PUT', token: s.token })).status, 201);
});
after(async () => { await server.stop(); });

test('PUT gives the ETag of the bytes on both sides of the thread threshold, announced or chunked', async () => {
  const sizes = [OFFLOAD_MIN_BYTES - 1, OFFLOAD_MIN_BYTES, OFFLOAD_MIN_BYTES + MiB + 3];
  const bodies = sizes.map((n) => randomBytes(n));
  // Concurrently: the thread keeps one MD5 state per upload.
  const puts = await Promise.all(bodies.map((body, i) =>
    call(`${s.storageUrl}/big/announced-${i}`, { method: 'PUT', token: s.token, body })));
  for (const [i, res] of puts.entries()) {
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('etag'), md5(bodies[i] as Buffer), `size ${sizes[i]}`);
  }
  const chunked = randomBytes(5 * MiB + 11);
  const res = await call(`${s.storageUrl}/big/chunked`, {
    method: 'PUT', token: s.token, body: Readable.from(chunksOf(chunked, 3)) as unknown as ReadableStream, duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('etag'), md5(chunked));
  const got = await fetch(`${s.storageUrl}/big/chunked`, { headers: { 'x-auth-token': s.token } });
  assert.equal(md5(Buffer.from(await got.arrayBuffer())), md5(chunked));
});

test('a client that disconnects mid-upload leaves no object and no temporary file behind', async () => {
  const cases: [string, Record<string, string>, number][] = [
    ['chunked-small', {}, 1000],
    ['chunked-large', {}, OFFLOAD_MIN_BYTES + MiB],
    ['announced-large', { 'content-length': String(64 * MiB) }, OFFLOAD_MIN_BYTES + MiB],
  ];
  for (const [name, headers, sent] of cases) {
    const req = request(`${s.storageUrl}/big/${name}`, { method: 'PUT', headers: { 'x-auth-token': s.token, ...headers } });
    req.on('error', () => undefined);
    await new Promise<void>((resolve) => req.write(randomBytes(sent), () => resolve()));
    // Let the server start writing, then vanish.
    await new Promise((r) => setTimeout(r, 300));
    req.destroy();
  }
  const tmp = join(server.dataDir, 'tmp');
  for (let i = 0; i < 50 && readdirSync(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(readdirSync(tmp), [], 'no temporary file left');
  for (const [name] of cases) {
    assert.equal((await call(`${s.storageUrl}/big/${name}`, { method: 'HEAD', token: s.token })).status, 404, name);
  }
});

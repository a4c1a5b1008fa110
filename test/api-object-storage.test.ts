/**
 * Small objects are kept inline in the metadata database, larger ones (and chunked uploads) as files.
 * A client must not be able to tell: same bytes, headers, ranges, overwrites and deletes on both sides
 * of `[server] inline_object_max_bytes`, and an interrupted upload leaves nothing visible on either.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childPids, startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

const INLINE_MAX = 65536;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Regular files under the blob directory (tmp excluded): how many objects live as files. */
function blobFiles(dataDir: string): number {
  const root = join(dataDir, 'blobs');
  let n = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else n++;
    }
  };
  try { walk(root); } catch { return 0; }
  return n;
}

/** Sends the headers of a PUT announcing `announced` bytes, then `sent` bytes, then closes the socket. */
function truncatedPut(port: number, path: string, token: string, announced: number, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nContent-Length: ${announced}\r\n\r\n`);
      socket.write(randomBytes(sent), () => setTimeout(() => socket.destroy(), 200));
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

/** The process serving HTTP: the test server runs one process, so its PID, without workers. */
function servingPid(server: number): number {
  if (childPids(server).length > 0) throw new Error('expected one server process, found worker processes');
  return server;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Asks for an object and closes the connection after the first bytes of the body. */
function truncatedGet(port: number, path: string, token: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\n\r\n`);
    });
    socket.once('data', () => socket.destroy());
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

describe('object bytes inline and in files', () => {
  let server: TestServer;
  let s: Session;
  const url = (name: string) => `${s.storageUrl}/sizes/${name}`;
  before(async () => {
    server = await startServer({ extraToml: `[server]\ninline_object_max_bytes = ${INLINE_MAX}\n` });
    s = await login(server.url, 'test:tester', 'testing');
    assert.equal((await call(`${s.storageUrl}/sizes`, { method: 'PUT', token: s.token })).status, 201);
  });
  after(async () => { await server.stop(); });

  for (const size of [0, 1, 5000, INLINE_MAX, INLINE_MAX + 1, 300_000]) {
    test(`${size} bytes: PUT, GET, HEAD, single and multiple ranges, listing`, async () => {
      const bytes = randomBytes(size);
      const name = `o-${size}`;
      const put = await call(url(name), { method: 'PUT', token: s.token, body: bytes, headers: { 'Content-Type': 'application/x-test' } });
      assert.equal(put.status, 201);
      assert.equal(put.headers.get('etag'), md5(bytes));
      const get = await call(url(name), { token: s.token });
      assert.equal(get.status, 200);
      assert.ok(get.bytes.equals(bytes), 'GET returns the bytes written');
      assert.equal(get.headers.get('content-length'), String(size));
      assert.equal(get.headers.get('etag'), md5(bytes));
      assert.equal(get.headers.get('content-type'), 'application/x-test');
      const head = await call(url(name), { method: 'HEAD', token: s.token });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(size));
      assert.equal(head.headers.get('etag'), md5(bytes));
      if (size >= 10) {
        const one = await call(url(name), { token: s.token, headers: { Range: 'bytes=3-7' } });
        assert.equal(one.status, 206);
        assert.equal(one.headers.get('content-range'), `bytes 3-7/${size}`);
        assert.ok(one.bytes.equals(bytes.subarray(3, 8)));
        const suffix = await call(url(name), { token: s.token, headers: { Range: 'bytes=-4' } });
        assert.ok(suffix.bytes.equals(bytes.subarray(size - 4)));
        const multi = await call(url(name), { token: s.token, headers: { Range: 'bytes=0-1,5-6' } });
        assert.equal(multi.status, 206);
        const type = multi.headers.get('content-type') ?? '';
        assert.match(type, /^multipart\/byteranges;boundary=/);
        const boundary = type.split('boundary=')[1] ?? '';
        const parts = multi.bytes.toString('latin1').split(`--${boundary}`).filter((p) => p.includes('Content-Range'));
        assert.equal(parts.length, 2);
        assert.ok(parts[0]?.includes(`Content-Range: bytes 0-1/${size}`));
        assert.ok(parts[0]?.endsWith(`\r\n\r\n${bytes.subarray(0, 2).toString('latin1')}\r\n`));
        assert.ok(parts[1]?.endsWith(`\r\n\r\n${bytes.subarray(5, 7).toString('latin1')}\r\n`));
      } else {
        const unsatisfiable = await call(url(name), { token: s.token, headers: { Range: `bytes=${size + 5}-` } });
        assert.equal(unsatisfiable.status, 416);
      }
      const listing = await call(`${s.storageUrl}/sizes?format=json&prefix=${name}`, { token: s.token });
      const entry = (JSON.parse(listing.text) as { name: string; bytes: number; hash: string }[]).find((e) => e.name === name);
      assert.deepEqual(entry && { bytes: entry.bytes, hash: entry.hash }, { bytes: size, hash: md5(bytes) });
    });
  }

  test('small objects make no file, large and chunked ones do; overwrites across the threshold keep one copy', async () => {
    const before = blobFiles(server.dataDir);
    assert.equal((await call(url('flip'), { method: 'PUT', token: s.token, body: 'small' })).status, 201);
    assert.equal(blobFiles(server.dataDir), before, 'a small object is not a file');
    const large = randomBytes(INLINE_MAX * 2);
    assert.equal((await call(url('flip'), { method: 'PUT', token: s.token, body: large })).status, 201);
    assert.equal(blobFiles(server.dataDir), before + 1);
    assert.ok((await call(url('flip'), { token: s.token })).bytes.equals(large));
    assert.equal((await call(url('flip'), { method: 'PUT', token: s.token, body: 'small again' })).status, 201);
    assert.equal(blobFiles(server.dataDir), before, 'the replaced file is removed');
    assert.equal((await call(url('flip'), { token: s.token })).text, 'small again');
    // A chunked body has no announced length, so it goes to a file whatever its size.
    const chunked = await call(url('chunked'), {
      method: 'PUT', token: s.token, body: new Blob(['tiny']).stream(), duplex: 'half',
    } as RequestInit & { token: string; duplex: 'half' });
    assert.equal(chunked.status, 201);
    assert.equal((await call(url('chunked'), { token: s.token })).text, 'tiny');
    assert.equal(blobFiles(server.dataDir), before + 1);
    assert.equal((await call(url('chunked'), { method: 'DELETE', token: s.token })).status, 204);
    assert.equal(blobFiles(server.dataDir), before);
    assert.equal((await call(url('flip'), { method: 'DELETE', token: s.token })).status, 204);
    assert.equal((await call(url('flip'), { token: s.token })).status, 404);
  });

  test('whole, ranged and abandoned GETs of a file-backed object leave no descriptor open', async () => {
    const bytes = randomBytes(300_000);
    assert.equal((await call(url('fds'), { method: 'PUT', token: s.token, body: bytes })).status, 201);
    const serving = servingPid(server.process.pid ?? 0);
    await call(url('fds'), { token: s.token }); // warm-up: files the server opens lazily
    const before = openFds(serving);
    for (let i = 0; i < 25; i++) {
      assert.ok((await call(url('fds'), { token: s.token })).bytes.equals(bytes));
      assert.equal((await call(url('fds'), { token: s.token, headers: { Range: 'bytes=10-19' } })).bytes.length, 10);
      assert.equal((await call(url('fds'), { token: s.token, headers: { Range: 'bytes=0-1,5-6' } })).status, 206);
    }
    for (let i = 0; i < 5; i++) await truncatedGet(server.port, new URL(url('fds')).pathname, s.token);
    let after = openFds(serving);
    for (let i = 0; i < 20 && after > before + 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = openFds(serving);
    }
    assert.ok(after <= before + 3, `open descriptors grew from ${before} to ${after} over 80 GETs`);
  });

  test('a wrong ETag on a small PUT → 422 and nothing stored', async () => {
    const res = await call(url('bad-etag'), { method: 'PUT', token: s.token, body: 'abc', headers: { ETag: md5(Buffer.from('abd')) } });
    assert.equal(res.status, 422);
    assert.equal((await call(url('bad-etag'), { token: s.token })).status, 404);
  });

  test('an upload cut short leaves nothing visible, inline or file', async () => {
    const path = new URL(url('cut')).pathname;
    await truncatedPut(server.port, `${path}-small`, s.token, 4000, 1000);
    await truncatedPut(server.port, `${path}-large`, s.token, 500_000, 100_000);
    assert.equal((await call(`${url('cut')}-small`, { token: s.token })).status, 404);
    assert.equal((await call(`${url('cut')}-large`, { token: s.token })).status, 404);
    const info = await call(`${s.storageUrl}/sizes`, { method: 'HEAD', token: s.token });
    const listed = (await call(`${s.storageUrl}/sizes`, { token: s.token })).text.split('\n').filter(Boolean);
    assert.equal(info.headers.get('x-container-object-count'), String(listed.length), 'counts match the listing');
    assert.ok(!listed.some((n) => n.startsWith('cut')));
  });
});

describe('inline storage turned off', () => {
  test('inline_object_max_bytes = 0 stores even a 1-byte object as a file', async () => {
    const server = await startServer({ extraToml: '[server]\ninline_object_max_bytes = 0\n' });
    try {
      const s = await login(server.url, 'test:tester', 'testing');
      await call(`${s.storageUrl}/c`, { method: 'PUT', token: s.token });
      const before = blobFiles(server.dataDir);
      assert.equal((await call(`${s.storageUrl}/c/o`, { method: 'PUT', token: s.token, body: 'x' })).status, 201);
      assert.equal(blobFiles(server.dataDir), before + 1);
      assert.equal((await call(`${s.storageUrl}/c/o`, { token: s.token })).text, 'x');
    } finally {
      await server.stop();
    }
  });
});

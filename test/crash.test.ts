/**
 * Crash safety: kill -9 the primary and every worker while ~40 uploads are in flight, restart on the
 * same data directory, and check that
 *  - every upload that got 201 reads back byte for byte with the ETag the client computed;
 *  - nothing partial is visible: every listed object has a full, correct body of one of the versions
 *    that was sent for that name (and the newest acknowledged one if it was acknowledged);
 *  - container and account counts equal the listing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { request, Agent, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childPids, startServer, type TestServer } from './helpers/server.js';
import { call, login } from './helpers/swift.js';

const MiB = 1024 * 1024;

interface Attempt {
  name: string;
  body: Buffer;
  md5: string;
  /** Bytes per write and pause between writes; 0 pause = as fast as the socket takes it. */
  chunk: number;
  pauseMs: number;
  status?: number;
  etag?: string;
  error?: string;
  sent: number;
  done: boolean;
  startedAt?: number;
  answeredAt?: number;
  lastModified?: string;
}

function makeAttempt(name: string, size: number, slow: boolean): Attempt {
  const body = randomBytes(size);
  return {
    name, body, md5: createHash('md5').update(body).digest('hex'),
    chunk: slow ? 64 * 1024 : 1 * MiB, pauseMs: slow ? 8 : 0, sent: 0, done: false,
  };
}

/** PUT through node:http, writing the body in chunks so slow uploads stay in flight. */
function upload(url: string, token: string, a: Attempt, agent: Agent): Promise<void> {
  return new Promise((resolveDone) => {
    const finish = () => { a.done = true; resolveDone(); };
    a.startedAt = performance.now();
    const req = request(`${url}/${encodeURIComponent(a.name)}`, {
      method: 'PUT', agent,
      headers: { 'X-Auth-Token': token, 'Content-Length': String(a.body.length), 'Content-Type': 'application/octet-stream' },
    }, (res) => {
      a.status = res.statusCode;
      a.answeredAt = performance.now();
      a.lastModified = res.headers['last-modified'];
      a.etag = typeof res.headers.etag === 'string' ? res.headers.etag : undefined;
      res.resume();
      res.on('end', finish);
      res.on('error', (err) => { a.error = String(err); finish(); });
    });
    req.on('error', (err) => { if (a.status === undefined) a.error = String(err); finish(); });
    const pump = async () => {
      while (a.sent < a.body.length && !req.destroyed) {
        const piece = a.body.subarray(a.sent, a.sent + a.chunk);
        a.sent += piece.length;
        if (!req.write(piece)) await drainOrClose(req);
        if (a.pauseMs > 0) await sleep(a.pauseMs);
      }
      if (!req.destroyed) req.end();
    };
    pump().catch((err: unknown) => { a.error = String(err); });
  });
}

function drainOrClose(req: ClientRequest): Promise<void> {
  return new Promise((r) => {
    const done = () => { req.off('drain', done); req.off('close', done); r(); };
    req.on('drain', done);
    req.on('close', done);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('kill -9 of the primary and workers during uploads leaves only complete, acknowledged-consistent objects', { timeout: 180_000 }, async (t) => {
  let server: TestServer | undefined = await startServer({ workers: 2, keepData: true });
  const dataDir = server.dataDir;
  let restarted: TestServer | undefined;
  try {
    const primary = server.process.pid;
    assert.ok(primary);
    const workers = childPids(primary);
    assert.equal(workers.length, 2, `expected 2 worker processes of ${primary}, found ${workers.join(',')}`);

    const s = await login(server.url, 'test:tester', 'testing');
    const container = `${s.storageUrl}/crash`;
    assert.equal((await call(container, { method: 'PUT', token: s.token })).status, 201);

    // Wave 1 (fast, acknowledged before the crash): small and 1-8 MiB objects.
    const sizes1 = [0, 1, 100, 4096, 65_537, 300_000, 1 * MiB, 2 * MiB + 3, 3 * MiB, 5 * MiB, 8 * MiB, 777, 12_345, 1 * MiB + 1, 4 * MiB];
    const wave1 = sizes1.map((n, i) => makeAttempt(`w1/obj-${i}`, n, false));
    // Wave 2 (slow, still streaming at the crash): new names started with wave 1 ...
    const sizes2 = [1_500_000, 700_000, 4 * MiB, 2 * MiB, 5 * MiB, 1 * MiB, 3 * MiB + 5, 7 * MiB, 2 * MiB, 1 * MiB];
    const wave2 = sizes2.map((n, i) => makeAttempt(`w2/obj-${i}`, n, true));
    // ... and overwrites of five wave-1 names, started once wave 1 is acknowledged (so they are newer).
    const sizesOver = [1 * MiB, 2 * MiB, 3 * MiB, 6 * MiB, 8 * MiB];
    const over = sizesOver.map((n, i) => makeAttempt(`w1/obj-${i + 6}`, n, true));
    // Wave 3 (fast, started a moment before the kill so the crash hits them mid-write/fsync/commit),
    // three of them overwriting wave-1 names.
    const sizes3 = [10, 1 * MiB, 2 * MiB, 8 * MiB, 3 * MiB, 50_000, 1 * MiB, 6 * MiB, 4 * MiB, 123];
    const wave3 = sizes3.map((n, i) => makeAttempt(i < 3 ? `w1/obj-${i}` : `w3/obj-${i}`, n, false));

    const agent = new Agent({ keepAlive: false, maxSockets: 64 });
    const p1 = wave1.map((a) => upload(container, s.token, a, agent));
    const p2 = wave2.map((a) => upload(container, s.token, a, agent));
    await Promise.all(p1);
    for (const a of wave1) assert.equal(a.status, 201, `${a.name}: ${a.status ?? a.error}`);
    for (const a of wave1) assert.equal(a.etag, a.md5, `${a.name} ETag`);
    const pOver = over.map((a) => upload(container, s.token, a, agent));
    // Let the slow uploads get well into their bodies, then start wave 3 and crash.
    await sleep(150);
    const p3 = wave3.map((a) => upload(container, s.token, a, agent));
    await sleep(40);
    for (const pid of [primary, ...workers]) process.kill(pid, 'SIGKILL');
    await server.kill();
    const deadline = Date.now() + 10_000;
    while ([primary, ...workers].some(alive) && Date.now() < deadline) await sleep(50);
    assert.deepEqual([primary, ...workers].filter(alive), [], 'every server process is gone');
    await Promise.all([...p2, ...pOver, ...p3]);
    agent.destroy();
    server = undefined;

    const all = [...wave1, ...wave2, ...over, ...wave3];
    const inFlight = [...wave2, ...over, ...wave3].filter((a) => a.status === undefined);
    t.diagnostic(`${all.filter((a) => a.status === 201).length} acknowledged, ${inFlight.length} interrupted (${inFlight.filter((a) => a.sent === a.body.length).length} of them fully sent)`);
    assert.ok(inFlight.length > 0, 'the crash interrupted at least one upload');
    for (const a of all) {
      if (a.status !== undefined) assert.equal(a.status, 201, `${a.name} answered ${a.status}`);
    }

    // Per name: the versions that may legitimately be there, and the newest acknowledged one.
    const versions = new Map<string, Attempt[]>();
    for (const a of all) versions.set(a.name, [...(versions.get(a.name) ?? []), a]);

    restarted = await startServer({ workers: 2, dataDir });
    assert.deepEqual(readdirSync(join(dataDir, 'tmp')), [], 'interrupted temporary files are cleaned at start');
    const s2 = await login(restarted.url, 'test:tester', 'testing');
    const container2 = `${s2.storageUrl}/crash`;

    const listing = await call(`${container2}?format=json`, { token: s2.token });
    assert.equal(listing.status, 200);
    const entries = JSON.parse(listing.text) as { name: string; bytes: number; hash: string }[];
    const listed = new Map(entries.map((e) => [e.name, e]));

    // Every name acknowledged (201) by any attempt is listed.
    for (const [name, vs] of versions) {
      if (vs.some((v) => v.status === 201)) assert.ok(listed.has(name), `${name} was acknowledged but is not listed`);
    }

    t.diagnostic(`${entries.length} objects listed after restart`);
    let total = 0;
    for (const e of entries) {
      const vs = versions.get(e.name);
      assert.ok(vs, `listed object ${e.name} was never uploaded`);
      const match = vs.find((v) => v.md5 === e.hash && v.body.length === e.bytes);
      assert.ok(match, `${e.name}: listing says ${e.bytes} bytes, hash ${e.hash}, which is no version that was sent`);
      // The newest acknowledged version, or a later attempt that may have committed without its 201 arriving
      // (attempts on one name never overlap: each starts after the previous one was acknowledged).
      const lastAcked = vs.map((v, i) => (v.status === 201 ? i : -1)).reduce((m, i) => Math.max(m, i), -1);
      const allowed = vs.filter((v, i) => i >= lastAcked && (i === lastAcked || v.status === undefined));
      const story = vs.map((v) => `[${v.body.length} B, sent ${v.sent}, started ${v.startedAt?.toFixed(0)} ms, answered ${v.status ?? v.error} at ${v.answeredAt?.toFixed(0)} ms]`).join(' then ');
      assert.ok(allowed.includes(match), `${e.name}: holds the ${match.body.length}-byte version, older than one already acknowledged: ${story}`);
      const got = await call(`${container2}/${encodeURIComponent(e.name)}`, { token: s2.token });
      assert.equal(got.status, 200, `GET ${e.name}`);
      assert.equal(got.bytes.length, match.body.length, `${e.name} size`);
      assert.equal(createHash('md5').update(got.bytes).digest('hex'), match.md5, `${e.name} bytes`);
      assert.ok(got.bytes.equals(match.body), `${e.name} bytes equal`);
      assert.equal(got.headers.get('etag'), match.md5, `${e.name} ETag`);
      total += e.bytes;
    }

    const head = await call(container2, { method: 'HEAD', token: s2.token });
    assert.equal(head.status, 204);
    assert.equal(head.headers.get('x-container-object-count'), String(entries.length));
    assert.equal(head.headers.get('x-container-bytes-used'), String(total));
    const acct = await call(s2.storageUrl, { method: 'HEAD', token: s2.token });
    assert.equal(acct.status, 204);
    assert.equal(acct.headers.get('x-account-container-count'), '1');
    assert.equal(acct.headers.get('x-account-object-count'), String(entries.length));
    assert.equal(acct.headers.get('x-account-bytes-used'), String(total));
  } finally {
    if (server) await server.kill().catch(() => undefined);
    if (restarted) await restarted.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * Bytes at rest (issue 19 item 6): an object whose bytes changed on disk behind Swiftlet's back is
 * never served as if intact. A whole-object GET verifies the MD5 while sending and cuts the
 * connection on a mismatch, then the object is quarantined (404, gone from listings and counts);
 * the background auditor and `swiftlet audit` find damaged and missing objects without any GET;
 * healthy objects of every kind (empty, inline, blobs, large, SLO, DLO, symlink, copies, versions)
 * survive all of it, and ranged GETs still work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';
import { rawGet } from './helpers/raw.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes of a given size that differ from object to object. */
function bytesOf(size: number, seed: number): Buffer<ArrayBuffer> {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

/** The object's blob file (from its record; '' when its bytes are inline). */
function blobPath(dataDir: string, account: string, container: string, name: string): string {
  const db = new Database(join(dataDir, 'swiftlet.db'), { readonly: true });
  try {
    const row = db.prepare<[string, string, string], { blob_id: string }>('SELECT blob_id FROM objects WHERE account = ? AND container = ? AND name = ?').get(account, container, name);
    assert.ok(row, `no record for ${container}/${name}`);
    if (row.blob_id === '') return '';
    // `<policy>/<id>` lives in <data_dir>/policy-<policy>; policy 0's bare ids in the data directory.
    const [policy, id] = row.blob_id.includes('/') ? row.blob_id.split('/') as [string, string] : ['0', row.blob_id];
    return join(dataDir, policy === '0' ? '' : `policy-${policy}`, 'blobs', id.slice(0, 2), id);
  } finally {
    db.close();
  }
}

/** Flips a few bytes of a file in place at `offset`. */
function flipBytes(file: string, offset: number): void {
  const b = readFileSync(file);
  for (let i = offset; i < Math.min(offset + 3, b.length); i++) b[i] = (b[i] ?? 0) ^ 0xff;
  writeFileSync(file, b);
}

/** Changes an inline object's bytes in the database, as a bad sector under SQLite would. */
function corruptInline(dataDir: string, account: string, container: string, name: string): void {
  const db = new Database(join(dataDir, 'swiftlet.db'));
  db.pragma('busy_timeout = 10000');
  try {
    const row = db.prepare<[string, string, string], { id: number; data: Buffer }>(
      'SELECT d.id AS id, d.data AS data FROM objects o JOIN inline_data d ON d.id = o.inline_id WHERE o.account = ? AND o.container = ? AND o.name = ?').get(account, container, name);
    assert.ok(row, `${container}/${name} is not inline`);
    const data = Buffer.from(row.data);
    data[0] = (data[0] ?? 0) ^ 0xff;
    db.prepare('UPDATE inline_data SET data = ? WHERE id = ?').run(data, row.id);
  } finally {
    db.close();
  }
}

function accountOf(s: Session): string {
  return decodeURIComponent(s.storageUrl.split('/').pop() ?? '');
}

async function listing(s: Session, container: string): Promise<{ name: string; bytes: number }[]> {
  const r = await call(`${s.storageUrl}/${container}?format=json`, { token: s.token });
  assert.equal(r.status, 200);
  return JSON.parse(r.text) as { name: string; bytes: number }[];
}

/** The container's object count and bytes agree with its listing. */
async function assertCountsAgree(s: Session, container: string): Promise<void> {
  const entries = await listing(s, container);
  const head = await call(`${s.storageUrl}/${container}`, { method: 'HEAD', token: s.token });
  assert.equal(head.headers.get('x-container-object-count'), String(entries.length), `${container} count`);
  assert.equal(head.headers.get('x-container-bytes-used'), String(entries.reduce((n, e) => n + e.bytes, 0)), `${container} bytes`);
}

async function put(s: Session, path: string, body: Buffer<ArrayBuffer> | string, headers: Record<string, string> = {}): Promise<void> {
  const r = await call(`${s.storageUrl}/${path}`, { method: 'PUT', token: s.token, body, headers });
  assert.equal(r.status, 201, `PUT ${path}: ${r.status} ${r.text}`);
}

function quarantined(dataDir: string): string[] {
  const dir = join(dataDir, 'quarantined', 'objects');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The quarantine of storage policy 1's directory (<data_dir>/policy-1). */
function quarantinedInPolicy1(dataDir: string): string[] {
  const dir = join(dataDir, 'policy-1', 'quarantined', 'objects');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('GET verifies what it sends', () => {
  let server: TestServer;
  let s: Session;
  let account: string;
  before(async () => {
    server = await startServer({ extraToml: '[auditor]\nenabled = false' });
    s = await login(server.url, 'test:tester', 'testing');
    account = accountOf(s);
    assert.equal((await call(`${s.storageUrl}/g`, { method: 'PUT', token: s.token })).status, 201);
  });
  after(async () => { await server.stop(); });

  test('flipped bytes in a blob: the GET is cut short, never completed; the object is then quarantined (404, listing and counts agree)', async () => {
    const body = bytesOf(300_001, 1);
    await put(s, 'g/flipped', body);
    await put(s, 'g/neighbour', bytesOf(100_000, 2));
    const file = blobPath(server.dataDir, account, 'g', 'flipped');
    assert.ok(file);
    flipBytes(file, 150_000);

    const got = await rawGet(`${s.storageUrl}/g/flipped`, s.token);
    assert.equal(got.status, 200);
    assert.equal(got.complete, false, 'the body must not end as if complete');
    assert.ok(got.bytes.length < body.length, `received ${got.bytes.length} bytes`);

    assert.equal((await call(`${s.storageUrl}/g/flipped`, { token: s.token })).status, 404);
    assert.deepEqual((await listing(s, 'g')).map((e) => e.name), ['neighbour']);
    await assertCountsAgree(s, 'g');
    assert.ok(quarantined(server.dataDir).includes(file.split('/').pop() ?? ''), 'the blob is kept in quarantined/objects');
    assert.match(server.output(), /quarantined .*\/g\/flipped/);
    // The neighbour is served whole.
    const n = await call(`${s.storageUrl}/g/neighbour`, { token: s.token });
    assert.equal(n.status, 200);
    assert.equal(md5(n.bytes), md5(bytesOf(100_000, 2)));
  });

  test('a large object (hashed on the MD5 thread): served whole when intact, cut when its last byte changed', async () => {
    const big = bytesOf(5 * 1024 * 1024 + 3, 3);
    await put(s, 'g/big-ok', big);
    await put(s, 'g/big-bad', big);
    const ok = await rawGet(`${s.storageUrl}/g/big-ok`, s.token);
    assert.equal(ok.complete, true);
    assert.equal(md5(ok.bytes), md5(big));

    // Read whole once while intact (its MD5 proven), so the GET after the damage checks the CRC-32.
    assert.equal(md5((await rawGet(`${s.storageUrl}/g/big-bad`, s.token)).bytes), md5(big));
    const again = await rawGet(`${s.storageUrl}/g/big-ok`, s.token);
    assert.equal(again.complete, true);
    assert.equal(md5(again.bytes), md5(big));
    const file = blobPath(server.dataDir, account, 'g', 'big-bad');
    flipBytes(file, big.length - 1);
    const bad = await rawGet(`${s.storageUrl}/g/big-bad`, s.token);
    assert.equal(bad.status, 200);
    assert.equal(bad.complete, false);
    assert.ok(bad.bytes.length < big.length);
    assert.equal((await call(`${s.storageUrl}/g/big-bad`, { token: s.token })).status, 404);
    assert.equal((await call(`${s.storageUrl}/g/big-ok`, { method: 'HEAD', token: s.token })).status, 200);
    await assertCountsAgree(s, 'g');
  });

  test('an inline object whose bytes changed in SQLite after a good GET: the next GET fails, then 404; listing and counts agree', async () => {
    const body = bytesOf(1000, 4);
    await put(s, 'g/inline-bad', body);
    await put(s, 'g/inline-ok', bytesOf(2000, 5));
    assert.equal(blobPath(server.dataDir, account, 'g', 'inline-bad'), '', 'the object is inline');
    // Read whole once while intact: later GETs compare the CRC-32 of the bytes proven right then.
    assert.equal(md5((await call(`${s.storageUrl}/g/inline-bad`, { token: s.token })).bytes), md5(body));
    corruptInline(server.dataDir, account, 'g', 'inline-bad');

    const got = await rawGet(`${s.storageUrl}/g/inline-bad`, s.token);
    assert.equal(got.complete, false);
    assert.ok(got.bytes.length < body.length);
    assert.equal((await call(`${s.storageUrl}/g/inline-bad`, { token: s.token })).status, 404);
    const names = (await listing(s, 'g')).map((e) => e.name);
    assert.ok(!names.includes('inline-bad') && names.includes('inline-ok'), names.join(','));
    await assertCountsAgree(s, 'g');
    const ok = await call(`${s.storageUrl}/g/inline-ok`, { token: s.token });
    assert.equal(md5(ok.bytes), md5(bytesOf(2000, 5)));

    // Damaged before any GET proved it: the MD5 itself decides.
    await put(s, 'g/inline-cold', bytesOf(500, 10));
    corruptInline(server.dataDir, account, 'g', 'inline-cold');
    const cold = await rawGet(`${s.storageUrl}/g/inline-cold`, s.token);
    assert.equal(cold.complete, false);
    assert.equal((await call(`${s.storageUrl}/g/inline-cold`, { token: s.token })).status, 404);
    await assertCountsAgree(s, 'g');
  });

  test('a truncated blob: cut at once and quarantined; a blob gone from disk: 404 and the record goes too', async () => {
    await put(s, 'g/truncated', bytesOf(200_000, 6));
    truncateSync(blobPath(server.dataDir, account, 'g', 'truncated'), 500);
    const started = Date.now();
    const got = await rawGet(`${s.storageUrl}/g/truncated`, s.token);
    assert.equal(got.complete, false);
    assert.ok(Date.now() - started < 3000);
    assert.equal((await call(`${s.storageUrl}/g/truncated`, { token: s.token })).status, 404);

    await put(s, 'g/vanished', bytesOf(100_000, 7));
    unlinkSync(blobPath(server.dataDir, account, 'g', 'vanished'));
    assert.equal((await call(`${s.storageUrl}/g/vanished`, { token: s.token })).status, 404);
    assert.ok(!(await listing(s, 'g')).some((e) => e.name === 'vanished' || e.name === 'truncated'));
    await assertCountsAgree(s, 'g');
  });

  test('ranged GETs of healthy objects (blob and inline) still answer 206 with the right bytes', async () => {
    const blob = bytesOf(300_000, 8);
    const small = bytesOf(3000, 9);
    await put(s, 'g/r-blob', blob);
    await put(s, 'g/r-inline', small);
    for (const [name, bytes] of [['r-blob', blob], ['r-inline', small]] as const) {
      const one = await call(`${s.storageUrl}/g/${name}`, { token: s.token, headers: { Range: 'bytes=10-1009' } });
      assert.equal(one.status, 206);
      assert.deepEqual(one.bytes, bytes.subarray(10, 1010));
      const tail = await call(`${s.storageUrl}/g/${name}`, { token: s.token, headers: { Range: 'bytes=-100' } });
      assert.deepEqual(tail.bytes, bytes.subarray(bytes.length - 100));
      const multi = await call(`${s.storageUrl}/g/${name}`, { token: s.token, headers: { Range: 'bytes=0-9,20-29' } });
      assert.equal(multi.status, 206);
      assert.match(multi.headers.get('content-type') ?? '', /^multipart\/byteranges/);
      const whole = await call(`${s.storageUrl}/g/${name}`, { token: s.token });
      assert.equal(md5(whole.bytes), md5(bytes));
    }
  });
});

/** Objects of every kind that must come through an audit untouched; returns name → expected MD5 of a GET. */
async function healthySet(s: Session): Promise<Map<string, string>> {
  const expect = new Map<string, string>();
  assert.equal((await call(`${s.storageUrl}/h`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/hv`, { method: 'PUT', token: s.token, headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
  for (const [i, size] of [0, 1, 4096, 65_536, 65_537, 300_001].entries()) {
    const b = bytesOf(size, 20 + i);
    await put(s, `h/size-${size}`, b);
    expect.set(`h/size-${size}`, md5(b));
  }
  // A 0-byte object sent chunked lands in a blob file of its own.
  const chunked = await call(`${s.storageUrl}/h/empty-chunked`, {
    method: 'PUT', token: s.token,
    body: new ReadableStream({ start(c) { c.close(); } }), duplex: 'half',
  } as RequestInit & { token: string; duplex: 'half' });
  assert.equal(chunked.status, 201);
  expect.set('h/empty-chunked', md5(Buffer.alloc(0)));
  const seg1 = bytesOf(70_000, 30);
  const seg2 = bytesOf(500, 31);
  await put(s, 'h/seg/1', seg1);
  await put(s, 'h/seg/2', seg2);
  expect.set('h/seg/1', md5(seg1));
  expect.set('h/seg/2', md5(seg2));
  const r = await call(`${s.storageUrl}/h/slo?multipart-manifest=put`, {
    method: 'PUT', token: s.token, body: JSON.stringify([{ path: '/h/seg/1' }, { path: '/h/seg/2' }]),
  });
  assert.equal(r.status, 201, r.text);
  expect.set('h/slo', md5(Buffer.concat([seg1, seg2])));
  await put(s, 'h/dlo', '', { 'X-Object-Manifest': 'h/seg/' });
  expect.set('h/dlo', md5(Buffer.concat([seg1, seg2])));
  await put(s, 'h/link', '', { 'X-Symlink-Target': 'h/size-300001' });
  expect.set('h/link', md5(bytesOf(300_001, 25)));
  const copy = await call(`${s.storageUrl}/h/copy`, { method: 'PUT', token: s.token, headers: { 'X-Copy-From': 'h/size-300001', 'Content-Length': '0' } });
  assert.equal(copy.status, 201);
  expect.set('h/copy', md5(bytesOf(300_001, 25)));
  await put(s, 'hv/doc', bytesOf(80_000, 40));
  await put(s, 'hv/doc', bytesOf(90_000, 41));
  expect.set('hv/doc', md5(bytesOf(90_000, 41)));
  return expect;
}

async function assertHealthy(s: Session, expect: Map<string, string>): Promise<void> {
  for (const [path, digest] of expect) {
    const r = await call(`${s.storageUrl}/${path}`, { token: s.token });
    assert.equal(r.status, 200, `${path}: ${r.status}`);
    assert.equal(md5(r.bytes), digest, path);
  }
  const versions = await call(`${s.storageUrl}/hv?versions&format=json`, { token: s.token });
  assert.equal((JSON.parse(versions.text) as unknown[]).length, 2, 'both versions of hv/doc are kept');
  // (Bytes are not compared here: an SLO's listing shows its total, the container counts its manifest.)
  const head = await call(`${s.storageUrl}/h`, { method: 'HEAD', token: s.token });
  assert.equal(head.headers.get('x-container-object-count'), String((await listing(s, 'h')).length));
}

describe('the background auditor', () => {
  let server: TestServer;
  let s: Session;
  before(async () => {
    server = await startServer({
      extraToml: '[auditor]\nenabled = true\ninterval = 1\nbytes_per_second = 0\n' +
        '[[storage.policies]]\nindex = 0\nname = "Policy-0"\ndefault = true\n[[storage.policies]]\nindex = 1\nname = "gold"\n',
    });
    s = await login(server.url, 'test:tester', 'testing');
  });
  after(async () => { await server.stop(); });

  test('quarantines a damaged blob, a missing blob and a damaged inline object without any GET; healthy objects survive', async () => {
    const account = accountOf(s);
    const expect = await healthySet(s);
    assert.equal((await call(`${s.storageUrl}/bad`, { method: 'PUT', token: s.token })).status, 201);
    await put(s, 'bad/flipped', bytesOf(120_000, 50));
    await put(s, 'bad/gone', bytesOf(120_000, 51));
    await put(s, 'bad/inline', bytesOf(100, 52));
    await put(s, 'bad/fine', bytesOf(120_000, 53));
    // A container of another storage policy: its files (and its quarantine) are in policy-1/.
    assert.equal((await call(`${s.storageUrl}/gold`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'gold' } })).status, 201);
    await put(s, 'gold/flipped', bytesOf(150_000, 54));
    await put(s, 'gold/fine', bytesOf(150_000, 55));
    const goldFile = blobPath(server.dataDir, account, 'gold', 'flipped');
    assert.match(goldFile, /\/policy-1\/blobs\//);
    flipBytes(goldFile, 100);
    flipBytes(blobPath(server.dataDir, account, 'bad', 'flipped'), 7);
    unlinkSync(blobPath(server.dataDir, account, 'bad', 'gone'));
    corruptInline(server.dataDir, account, 'bad', 'inline');

    const deadline = Date.now() + 20_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      names = (await listing(s, 'bad')).map((e) => e.name);
      if (names.length === 1) break;
      await sleep(250);
    }
    assert.deepEqual(names, ['fine']);
    await assertCountsAgree(s, 'bad');
    for (let i = 0; i < 40 && (await listing(s, 'gold')).length !== 1; i++) await sleep(250);
    assert.deepEqual((await listing(s, 'gold')).map((e) => e.name), ['fine']);
    await assertCountsAgree(s, 'gold');
    assert.ok(quarantinedInPolicy1(server.dataDir).includes(goldFile.split('/').pop() ?? ''), 'kept in the policy\'s own quarantine');
    const fine = await call(`${s.storageUrl}/gold/fine`, { token: s.token });
    assert.equal(md5(fine.bytes), md5(bytesOf(150_000, 55)));
    const out = server.output();
    assert.match(out, /auditor: .*\/bad\/flipped: damaged/);
    assert.match(out, /auditor: .*\/bad\/gone: missing/);
    assert.match(out, /auditor: .*\/bad\/inline: damaged/);
    // Passes go on after that; let one more run over the healthy set.
    await sleep(2500);
    await assertHealthy(s, expect);
    assert.doesNotMatch(server.output(), /auditor: .*\/(h|hv)\/.*: (damaged|missing)/);
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('swiftlet audit', () => {
  let server: TestServer;
  let s: Session;
  let configFile: string;
  before(async () => {
    server = await startServer({ extraToml: '[auditor]\nenabled = false' });
    s = await login(server.url, 'test:tester', 'testing');
    configFile = `${server.dataDir}-audit.toml`;
    writeFileSync(configFile, '[auditor]\nbytes_per_second = 0\n');
  });
  after(async () => {
    await server.stop();
    rmSync(configFile, { force: true });
  });

  test('finds and reports damaged and missing objects beside the running server; quarantines them unless --dry-run; healthy ones survive', async () => {
    const account = accountOf(s);
    const expect = await healthySet(s);
    assert.equal((await call(`${s.storageUrl}/bad`, { method: 'PUT', token: s.token })).status, 201);
    await put(s, 'bad/flipped', bytesOf(120_000, 60));
    await put(s, 'bad/gone', bytesOf(120_000, 61));
    await put(s, 'bad/inline', bytesOf(100, 62));
    flipBytes(blobPath(server.dataDir, account, 'bad', 'flipped'), 60_000);
    unlinkSync(blobPath(server.dataDir, account, 'bad', 'gone'));
    corruptInline(server.dataDir, account, 'bad', 'inline');

    const dry = await runCli(['audit', '--data', server.dataDir, '--config', configFile, '--dry-run', '--json']);
    assert.equal(dry.code, 1, dry.stderr);
    const dryReport = JSON.parse(dry.stdout.trim().split('\n').pop() ?? '{}') as { damaged: number; missing: number; quarantined: number; objects: number; findings: { object: string; damage: string }[] };
    assert.deepEqual({ damaged: dryReport.damaged, missing: dryReport.missing, quarantined: dryReport.quarantined }, { damaged: 2, missing: 1, quarantined: 0 });
    assert.deepEqual(dryReport.findings.map((f) => `${f.damage} ${f.object.split('/').slice(1).join('/')}`).sort(),
      ['damaged bad/flipped', 'damaged bad/inline', 'missing bad/gone']);
    assert.equal((await listing(s, 'bad')).length, 3, 'a dry run quarantines nothing');

    const run = await runCli(['audit', '--data', server.dataDir, '--config', configFile]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^damaged: .*\/bad\/flipped: /m);
    assert.match(run.stdout, /^missing: .*\/bad\/gone: /m);
    assert.match(run.stdout, /audit: \d+ objects, .* checked; 2 damaged, 1 missing, 3 quarantined/);
    // Not a terminal: plain progress lines at most, no bar drawn with carriage returns.
    assert.doesNotMatch(run.stderr, /\r/);

    // The running server sees the removals at once.
    for (const name of ['flipped', 'gone', 'inline']) {
      assert.equal((await call(`${s.storageUrl}/bad/${name}`, { token: s.token })).status, 404, name);
    }
    assert.deepEqual(await listing(s, 'bad'), []);
    await assertCountsAgree(s, 'bad');
    await assertHealthy(s, expect);

    const again = await runCli(['audit', '--data', server.dataDir, '--config', configFile, '--json']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const report = JSON.parse(again.stdout.trim()) as { objects: number; damaged: number; missing: number };
    assert.deepEqual({ damaged: report.damaged, missing: report.missing }, { damaged: 0, missing: 0 });
    assert.ok(report.objects >= expect.size, `${report.objects} objects checked`);
  });
});

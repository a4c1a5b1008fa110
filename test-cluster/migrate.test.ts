/**
 * `swiftlet migrate` through the CLI, as an operator runs it: an embedded server populated through
 * HTTP (small and large objects, an SLO, object versioning, ACLs, a SERVICE_ account written with
 * composite tokens, an application credential) is stopped and copied into a cluster on the real
 * PostgreSQL shards and RGW; a cluster node then serves everything byte-exact with the same headers,
 * old tokens and passwords still work, a rerun copies nothing, and a run killed midway completes on
 * the next run. The source directory is left byte-for-byte as it was.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { CLI, startServer, type TestServer } from '../test/helpers/server.js';
import { call, login } from '../test/helpers/swift.js';
import { clusterSettings, storageToml, type ClusterSettings } from './helpers/cluster.js';

/** Two storage policies on both sides: a container in "cold" keeps its policy, its bytes go to cold's bucket. */
const POLICY_TOML = '[[storage.policies]]\nindex = 0\nname = "Policy-0"\ndefault = true\n[[storage.policies]]\nindex = 1\nname = "cold"\n';
const AUTH_TOML = `[swift]\nallow_account_management = true\n${POLICY_TOML}`;
/** Headers a client sees on an object GET that must survive the move. */
const OBJECT_HEADERS = ['etag', 'content-type', 'content-length', 'x-timestamp', 'last-modified', 'x-object-meta-color',
  'x-delete-at', 'x-static-large-object', 'content-disposition', 'x-object-version-id'];
const CONTAINER_HEADERS = ['x-container-read', 'x-container-write', 'x-versions-enabled', 'x-container-meta-owner',
  'x-container-object-count', 'x-container-bytes-used', 'x-timestamp', 'x-storage-policy'];

let srcDir = '';
let dests: ClusterSettings[] = [];
const tmpFiles: string[] = [];
/** What each path answered on the embedded server: status, bytes and the headers above. */
const expected = new Map<string, { status: number; md5: string; headers: Record<string, string | null> }>();
let oldUserToken = '';
let oldServiceToken = '';
let serviceAccountUrl = '';
let storageUrl = '';
let appCred = { id: '', secret: '' };
let revokedToken = '';
let oldV3Token = '';
let bulkObjects = 0;

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const pick = (h: Headers, names: string[]) => Object.fromEntries(names.map((n) => [n, h.get(n)]));

/** Every file of a directory with its content digest (the source must not change). */
function digestTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p.slice(dir.length), `${statSync(p).size}:${md5(readFileSync(p))}`);
    }
  };
  walk(dir);
  return out;
}

/** Runs `swiftlet migrate`; with `tty`, under util-linux `script`, so that it writes to a terminal. */
function runMigrate(dest: ClusterSettings, from = srcDir, tty = false): { done: Promise<{ code: number | null; out: string }>; kill: () => void } {
  const configFile = join(srcDir, '..', `migrate-${randomBytes(4).toString('hex')}.toml`);
  writeFileSync(configFile, `${storageToml(dest)}\n${POLICY_TOML}`);
  tmpFiles.push(configFile);
  const args = [CLI, 'migrate', '--from', from, '--config', configFile];
  const child = tty
    ? spawn('script', ['-qefc', [process.execPath, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const done = new Promise<{ code: number | null; out: string }>((r) => child.once('exit', (code) => r({ code, out })));
  return { done, kill: () => child.kill('SIGKILL') };
}

/** Objects the destination's shards hold, read straight from PostgreSQL. */
async function destinationObjects(dest: ClusterSettings): Promise<number> {
  let n = 0;
  for (const url of dest.shardUrls) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM objects');
      n += Number(r.rows[0]?.n ?? 0);
    } catch { /* schema not created yet */ } finally {
      await client.end();
    }
  }
  return n;
}

const v3Token = async (url: string, identity: unknown, scope?: unknown) => call(`${url}/v3/auth/tokens`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ auth: { identity, ...(scope ? { scope } : {}) } }),
});

before(async () => {
  const server = await startServer({ keepData: true, extraToml: AUTH_TOML });
  srcDir = server.dataDir;
  try {
    const u = await login(server.url, 'test:tester', 'testing');
    const s = await login(server.url, 'test5:tester5', 'testing5');
    storageUrl = u.storageUrl;
    oldUserToken = u.token;
    oldServiceToken = s.token;
    const put = async (path: string, body: string | Buffer<ArrayBuffer>, headers: Record<string, string> = {}, token = u.token, serviceToken?: string, base = storageUrl) => {
      const r = await call(`${base}/${path}`, { method: 'PUT', token, ...(serviceToken ? { serviceToken } : {}), headers, body });
      assert.ok(r.status === 201 || r.status === 202, `PUT ${path}: ${r.status} ${r.text}`);
    };
    await put('plain', '', { 'X-Container-Meta-Owner': 'ops', 'X-Container-Read': 'test:tester3' });
    await put('plain/small', 'tiny bytes', { 'Content-Type': 'text/plain', 'X-Object-Meta-Color': 'blue', 'Content-Disposition': 'inline' });
    await put('plain/big', randomBytes(200 * 1024 + 3), { 'X-Object-Meta-Color': 'red', 'X-Delete-At': String(Math.floor(Date.now() / 1000) + 86400) });
    await put('plain/dir/nested name ü', randomBytes(70 * 1024));
    await put('segs', '');
    const segA = randomBytes(100 * 1024);
    const segB = randomBytes(1500);
    await put('segs/a', segA);
    await put('segs/b', segB);
    await put('plain/slo?multipart-manifest=put', JSON.stringify([
      { path: '/segs/a', etag: md5(segA), size_bytes: segA.length }, { path: '/segs/b', etag: md5(segB), size_bytes: segB.length }]));
    await put('versioned', '', { 'X-Versions-Enabled': 'true' });
    await put('versioned/doc', 'version one');
    await put('versioned/doc', randomBytes(80 * 1024));
    await put('versioned/doc', 'version three');
    const service = storageUrl.replace('/AUTH_', '/SERVICE_');
    serviceAccountUrl = service;
    await put('images', '', {}, u.token, s.token, service);
    await put('images/img1', randomBytes(300 * 1024), { 'Content-Type': 'application/octet-stream' }, u.token, s.token, service);
    await put('cold', '', { 'X-Storage-Policy': 'cold' });
    await put('cold/archive', randomBytes(120 * 1024));
    await put('bulk', '');
    bulkObjects = 400;
    for (let i = 0; i < bulkObjects; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, k) => put(`bulk/o${String(i + k).padStart(4, '0')}`, randomBytes((i + k) % 10 === 0 ? 90 * 1024 : 2048))));
    }
    // An application credential of tester's.
    const issued = await v3Token(server.url, { methods: ['password'], password: { user: { name: 'tester', domain: { id: 'default' }, password: 'testing' } } },
      { project: { name: 'test', domain: { id: 'default' } } });
    const userId = (JSON.parse(issued.text) as { token: { user: { id: string } } }).token.user.id;
    const cred = await call(`${server.url}/v3/users/${userId}/application_credentials`, {
      method: 'POST', token: issued.headers.get('x-subject-token') ?? '', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ application_credential: { name: 'backup-job' } }),
    });
    assert.equal(cred.status, 201, cred.text);
    const c = (JSON.parse(cred.text) as { application_credential: { id: string; secret: string } }).application_credential;
    appCred = { id: c.id, secret: c.secret };
    oldV3Token = issued.headers.get('x-subject-token') ?? '';
    // A token revoked on the embedded server stays revoked after the move.
    const doomed = await v3Token(server.url, { methods: ['password'], password: { user: { name: 'tester', domain: { id: 'default' }, password: 'testing' } } },
      { project: { name: 'test', domain: { id: 'default' } } });
    revokedToken = doomed.headers.get('x-subject-token') ?? '';
    assert.equal((await call(`${server.url}/v3/auth/tokens`, { method: 'DELETE', token: revokedToken, headers: { 'X-Subject-Token': revokedToken } })).status, 204);

    // What the embedded server answers, to compare the cluster's answers with.
    const paths = ['plain/small', 'plain/big', 'plain/dir/nested%20name%20%C3%BC', 'plain/slo', 'plain/slo?multipart-manifest=get', 'segs/a', 'versioned/doc', 'bulk/o0000', 'bulk/o0399', 'cold/archive'];
    for (const p of paths) {
      const r = await call(`${storageUrl}/${p}`, { token: u.token });
      expected.set(p, { status: r.status, md5: md5(r.bytes), headers: pick(r.headers, OBJECT_HEADERS) });
    }
    const versions = JSON.parse((await call(`${storageUrl}/versioned?versions&format=json`, { token: u.token })).text) as { name: string; version_id: string }[];
    assert.equal(versions.length, 3);
    for (const v of versions) {
      const p = `versioned/doc?version-id=${v.version_id}`;
      const r = await call(`${storageUrl}/${p}`, { token: u.token });
      expected.set(p, { status: r.status, md5: md5(r.bytes), headers: pick(r.headers, OBJECT_HEADERS) });
    }
    const img = await call(`${service}/images/img1`, { token: u.token, serviceToken: s.token });
    expected.set('SERVICE images/img1', { status: img.status, md5: md5(img.bytes), headers: pick(img.headers, OBJECT_HEADERS) });
    for (const c of ['plain', 'versioned', 'bulk', 'cold']) {
      const r = await call(`${storageUrl}/${c}`, { method: 'HEAD', token: u.token });
      expected.set(`container ${c}`, { status: r.status, md5: '', headers: pick(r.headers, CONTAINER_HEADERS) });
      const listing = await call(`${storageUrl}/${c}?format=json${c === 'versioned' ? '&versions' : ''}`, { token: u.token });
      expected.set(`listing ${c}`, { status: listing.status, md5: md5(listing.bytes), headers: {} });
    }
  } finally {
    await server.stop();
  }
});

after(async () => {
  for (const d of dests) await d.drop();
  if (srcDir) rmSync(srcDir, { recursive: true, force: true });
  for (const f of tmpFiles) rmSync(f, { recursive: true, force: true });
});

test('migrate copies an embedded store into a cluster that then serves it byte-exact; the source is untouched; a rerun copies nothing', async (t) => {
  const dest = await clusterSettings('migrate');
  dests.push(dest);
  const before = digestTree(srcDir);
  const first = await runMigrate(dest).done;
  t.diagnostic(first.out);
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /identity: 5 projects, 6 users, 4 roles, 6 assignments, 1 appCredentials, 1 tokenKeys, 1 revocations added/);
  assert.match(first.out, /verify: \d+ containers, \d+ objects, \d+ bytes: equal on both sides/);
  assert.deepEqual(digestTree(srcDir), before, 'the source directory is unchanged');

  const node: TestServer = await startServer({ extraToml: `${storageToml(dest)}\n${AUTH_TOML}` });
  try {
    // An old token (v1.0, issued by the embedded server) is valid; passwords log in.
    const account = storageUrl.replace(/^http:\/\/[^/]+/, node.url);
    assert.equal((await call(account, { method: 'HEAD', token: oldUserToken })).status, 204);
    assert.equal((await call(account, { method: 'HEAD', token: oldV3Token })).status, 204);
    assert.equal((await call(account, { method: 'HEAD', token: revokedToken })).status, 401, 'a revoked token stays revoked');
    const u = await login(node.url, 'test:tester', 'testing');
    const s = await login(node.url, 'test5:tester5', 'testing5');
    const base = u.storageUrl;
    assert.equal(base.replace(/^http:\/\/[^/]+/, ''), storageUrl.replace(/^http:\/\/[^/]+/, ''), 'same account');
    for (const [key, want] of expected) {
      let r;
      if (key.startsWith('SERVICE ')) {
        r = await call(`${serviceAccountUrl.replace(/^http:\/\/[^/]+/, node.url)}/${key.slice(8)}`, { token: u.token, serviceToken: s.token });
      } else if (key.startsWith('container ')) {
        r = await call(`${base}/${key.slice(10)}`, { method: 'HEAD', token: u.token });
        assert.deepEqual(pick(r.headers, CONTAINER_HEADERS), want.headers, key);
        continue;
      } else if (key.startsWith('listing ')) {
        const c = key.slice(8);
        r = await call(`${base}/${c}?format=json${c === 'versioned' ? '&versions' : ''}`, { token: u.token });
      } else {
        r = await call(`${base}/${key}`, { token: u.token });
      }
      assert.equal(r.status, want.status, key);
      assert.equal(md5(r.bytes), want.md5, `${key} byte-exact`);
      if (!key.startsWith('listing ')) assert.deepEqual(pick(r.headers, OBJECT_HEADERS), want.headers, key);
    }
    // The old service token still opens the SERVICE_ account together with a user token.
    const old = await call(`${serviceAccountUrl.replace(/^http:\/\/[^/]+/, node.url)}/images/img1`, { token: oldUserToken, serviceToken: oldServiceToken });
    assert.equal(old.status, 200);
    // The container ACL came along: tester3 reads plain, and may not read versioned.
    const reader = await login(node.url, 'test:tester3', 'testing3');
    assert.equal((await call(`${base}/plain/small`, { token: reader.token })).status, 200);
    assert.equal((await call(`${base}/versioned/doc`, { token: reader.token })).status, 403);
    // The application credential authenticates on the cluster.
    const byCred = await v3Token(node.url, { methods: ['application_credential'], application_credential: appCred });
    assert.equal(byCred.status, 201, byCred.text);
    // Versioning still works on the migrated container.
    assert.equal((await call(`${base}/versioned/doc`, { method: 'PUT', token: u.token, body: 'version four' })).status, 201);
    const versions = JSON.parse((await call(`${base}/versioned?versions&format=json`, { token: u.token })).text) as unknown[];
    assert.equal(versions.length, 4);
    assert.equal((await call(`${base}/versioned/doc`, { method: 'DELETE', token: u.token })).status, 204);
    assert.equal((await call(`${base}/versioned/doc`, { method: 'PUT', token: u.token, body: 'version three' })).status, 201);
  } finally {
    await node.stop();
  }

  // A rerun: nothing copied. The destination moved on meanwhile (versioned/doc), so verification
  // reports that container and only it.
  const second = await runMigrate(dest).done;
  t.diagnostic(second.out);
  assert.match(second.out, / 0 copied, \d+ already there/, second.out);
  assert.match(second.out, /identity: 0 projects, 0 users, 0 roles, 0 assignments, 0 appCredentials, 0 tokenKeys, 0 revocations added/);
  assert.deepEqual(digestTree(srcDir), before);
  assert.equal(second.code, 1, second.out);
  assert.match(second.out, /mismatch: AUTH_[^/]+\/(versioned|\\u0000versions\\u0000versioned|\u0000versions\u0000versioned)/);
  assert.doesNotMatch(second.out, /mismatch: [^\n]*\/(plain|bulk|segs|images)[:\s]/);
});

test('a migrate killed midway completes on the next run, copying only what was left', async (t) => {
  const dest = await clusterSettings('migkill');
  dests.push(dest);
  const run = runMigrate(dest);
  const started = Date.now();
  let seen = 0;
  while (Date.now() - started < 60_000) {
    seen = await destinationObjects(dest);
    if (seen >= 40) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  run.kill();
  const killed = await run.done;
  assert.equal(killed.code, null, 'killed by the signal');
  const left = await destinationObjects(dest);
  t.diagnostic(`killed with ${left} objects in the destination`);
  const again = await runMigrate(dest).done;
  t.diagnostic(again.out);
  assert.equal(again.code, 0, again.out);
  const m = /(\d+) objects \([^)]*\): (\d+) copied, (\d+) already there/.exec(again.out);
  assert.ok(m, again.out);
  assert.ok(left >= 40 && left < Number(m[1]), `killed midway: ${left} of ${m[1]}`);
  assert.ok(Number(m[3]) >= left - 4, `the rerun skipped what the killed run had committed: ${again.out}`);
  assert.equal(Number(m[2]) + Number(m[3]), Number(m[1]));
  assert.match(again.out, /equal on both sides/);
  // On a terminal: a progress bar redrawn in place instead of plain lines.
  const third = await runMigrate(dest, srcDir, true).done;
  assert.equal(third.code, 0, third.out);
  assert.match(third.out, / 0 copied/);
  assert.match(third.out, /\r\[#{30}\] 100% migrate: (\d+)\/\1 objects, [\d.]+ MiB\/[\d.]+ MiB \(0 copied, \1 already there\), [\d.]+ [KMG]?i?B\/s, took \d+/);
  assert.doesNotMatch(third.out, /^migrate: /m);
});

test('a source file whose bytes no longer match their etag is reported, not copied, and the run exits 1', async (t) => {
  const dest = await clusterSettings('migbad');
  dests.push(dest);
  const damaged = `${srcDir}-damaged`;
  cpSync(srcDir, damaged, { recursive: true });
  tmpFiles.push(damaged);
  const blobs = join(damaged, 'blobs');
  const victim = readdirSync(blobs).flatMap((d) => readdirSync(join(blobs, d)).map((f) => join(blobs, d, f)))[0] ?? '';
  const bytes = readFileSync(victim);
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  writeFileSync(victim, bytes);
  const run = await runMigrate(dest, damaged).done;
  t.diagnostic(run.out);
  assert.equal(run.code, 1, run.out);
  assert.match(run.out, /failed: [^\n]*MD5 [0-9a-f]{32} is not the recorded etag [0-9a-f]{32}; not copied/);
  assert.match(run.out, /mismatch: [^\n]*1 names or etags differ/);
});

/**
 * Storage policies through HTTP on the embedded backend (Swift's X-Storage-Policy): /info lists
 * them, a container keeps the policy it was created with (409 when a PUT names another), its
 * objects' bytes go to that policy's directory, the account shows figures per policy, versions and
 * copies follow their container's policy, and a deprecated policy keeps serving what it holds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from './helpers/server.js';
import { call, login, type Session } from './helpers/swift.js';

/** Three policies; the default is not index 0, and gold's files sit outside the data directory. */
function policiesToml(goldDir: string, { bronzeDeprecated = false } = {}): string {
  return `
[[storage.policies]]
index = 0
name = "Policy-0"

[[storage.policies]]
index = 1
name = "gold"
aliases = ["yellow", "Premium"]
path = "${goldDir}"

[[storage.policies]]
index = 2
name = "silver"
default = true

[[storage.policies]]
index = 3
name = "bronze"
deprecated = ${bronzeDeprecated}
`;
}

/** The contents of every object file under a blob store root, keyed by the bytes' MD5. */
function blobFiles(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const dir = join(root, 'blobs');
  if (!existsSync(dir)) return out;
  for (const fan of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, fan))) {
      const bytes = readFileSync(join(dir, fan, name));
      out.set(createHash('md5').update(bytes).digest('hex'), bytes);
    }
  }
  return out;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
/** Above the inline limit (64 KiB), so the bytes are a file of the policy's store. */
const big = (): Buffer => randomBytes(100_000);

describe('storage policies (embedded)', () => {
  let server: TestServer;
  let s: Session;
  let goldDir: string;
  let dirs: Record<string, string>;
  before(async () => {
    goldDir = mkdtempSync(join(tmpdir(), 'swiftlet-gold-'));
    server = await startServer({ extraToml: policiesToml(goldDir) });
    s = await login(server.url, 'test:tester', 'testing');
    dirs = { 'Policy-0': server.dataDir, gold: goldDir, silver: join(server.dataDir, 'policy-2'), bronze: join(server.dataDir, 'policy-3') };
  });
  after(async () => {
    await server.stop();
    rmSync(goldDir, { recursive: true, force: true });
  });
  const url = (path: string): string => `${s.storageUrl}/${path}`;
  const put = (path: string, headers: Record<string, string> = {}, body?: Buffer) =>
    call(url(path), { method: 'PUT', token: s.token, headers, ...(body ? { body: new Uint8Array(body) } : {}) });
  const head = (path: string) => call(url(path), { method: 'HEAD', token: s.token });
  /** Which policy directories hold a file with these bytes. */
  const whereIs = (bytes: Buffer): string[] =>
    Object.entries(dirs).filter(([, d]) => blobFiles(d).has(md5(bytes))).map(([name]) => name);

  test('/info lists the policies that are not deprecated, with aliases and the default', async () => {
    const info = JSON.parse((await call(`${server.url}/info`)).text) as { swift: { policies: unknown[] } };
    assert.deepEqual(info.swift.policies, [
      { name: 'Policy-0', aliases: 'Policy-0' },
      { name: 'gold', aliases: 'gold, yellow, Premium' },
      { name: 'silver', aliases: 'silver', default: true },
      { name: 'bronze', aliases: 'bronze' },
    ]);
  });

  test('a container gets the named policy (any case, or an alias), else the default; HEAD and GET say which', async () => {
    assert.equal((await put('c-gold', { 'X-Storage-Policy': 'GOLD' })).status, 201);
    assert.equal((await put('c-premium', { 'X-Storage-Policy': 'premium' })).status, 201);
    assert.equal((await put('c-default')).status, 201);
    assert.equal((await put('c-zero', { 'X-Storage-Policy': 'policy-0' })).status, 201);
    assert.equal((await head('c-gold')).headers.get('x-storage-policy'), 'gold');
    assert.equal((await head('c-premium')).headers.get('x-storage-policy'), 'gold');
    assert.equal((await head('c-default')).headers.get('x-storage-policy'), 'silver');
    assert.equal((await head('c-zero')).headers.get('x-storage-policy'), 'Policy-0');
    const listing = await call(url('c-gold'), { token: s.token });
    assert.equal(listing.status, 204);
    assert.equal(listing.headers.get('x-storage-policy'), 'gold');
  });

  test('an unknown policy is 400 naming it, and nothing is created', async () => {
    const bad = await put('c-bad', { 'X-Storage-Policy': 'platinum' });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "Invalid X-Storage-Policy 'platinum'");
    assert.equal((await head('c-bad')).status, 404);
  });

  test('a PUT naming another policy than the container has is 409 and changes nothing; the same or none is 202', async () => {
    assert.equal((await put('c-keep', { 'X-Storage-Policy': 'gold', 'X-Container-Meta-Color': 'blue' })).status, 201);
    const conflict = await put('c-keep', { 'X-Storage-Policy': 'silver', 'X-Container-Meta-Color': 'red' });
    assert.equal(conflict.status, 409);
    const after409 = await head('c-keep');
    assert.equal(after409.headers.get('x-storage-policy'), 'gold');
    assert.equal(after409.headers.get('x-container-meta-color'), 'blue');
    assert.equal((await put('c-keep', { 'X-Storage-Policy': 'yellow', 'X-Container-Meta-Color': 'green' })).status, 202);
    assert.equal((await put('c-keep', { 'X-Container-Meta-Shape': 'round' })).status, 202);
    const later = await head('c-keep');
    assert.equal(later.headers.get('x-storage-policy'), 'gold');
    assert.equal(later.headers.get('x-container-meta-color'), 'green');
    assert.equal(later.headers.get('x-container-meta-shape'), 'round');
    // POST never changes the policy (Swift's container POST ignores X-Storage-Policy).
    assert.equal((await call(url('c-keep'), { method: 'POST', token: s.token, headers: { 'X-Storage-Policy': 'silver' } })).status, 204);
    assert.equal((await head('c-keep')).headers.get('x-storage-policy'), 'gold');
  });

  test("an object's bytes go to its container's policy directory only, and read back whole and by range", async () => {
    assert.equal((await put('p-gold', { 'X-Storage-Policy': 'gold' })).status, 201);
    assert.equal((await put('p-silver')).status, 201);
    assert.equal((await put('p-zero', { 'X-Storage-Policy': 'Policy-0' })).status, 201);
    const bodies = { 'p-gold': big(), 'p-silver': big(), 'p-zero': big() };
    for (const [c, body] of Object.entries(bodies)) assert.equal((await put(`${c}/obj`, {}, body)).status, 201);
    assert.deepEqual(whereIs(bodies['p-gold']), ['gold']);
    assert.deepEqual(whereIs(bodies['p-silver']), ['silver']);
    assert.deepEqual(whereIs(bodies['p-zero']), ['Policy-0']);
    for (const [c, body] of Object.entries(bodies)) {
      const got = await call(url(`${c}/obj`), { token: s.token });
      assert.equal(got.status, 200);
      assert.ok(got.bytes.equals(body), `${c}/obj reads back byte-exact`);
      const range = await call(url(`${c}/obj`), { token: s.token, headers: { Range: 'bytes=1000-1999' } });
      assert.equal(range.status, 206);
      assert.ok(range.bytes.equals(body.subarray(1000, 2000)));
    }
    // A chunked upload (no length known in advance) goes to the same place.
    const chunked = big();
    const res = await fetch(url('p-gold/chunked'), {
      method: 'PUT', headers: { 'X-Auth-Token': s.token }, body: new Blob([new Uint8Array(chunked)]).stream(), duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 201);
    assert.deepEqual(whereIs(chunked), ['gold']);
    // DELETE removes the file from the policy's directory.
    assert.equal((await call(url('p-gold/obj'), { method: 'DELETE', token: s.token })).status, 204);
    assert.deepEqual(whereIs(bodies['p-gold']), []);
  });

  test('the account shows containers, objects and bytes per policy', async () => {
    const other = await login(server.url, 'test2:tester2', 'testing2');
    const u = (p: string) => `${other.storageUrl}/${p}`;
    const send = (p: string, headers: Record<string, string> = {}, body?: Buffer) =>
      call(u(p), { method: 'PUT', token: other.token, headers, ...(body ? { body: new Uint8Array(body) } : {}) });
    assert.equal((await send('a', { 'X-Storage-Policy': 'gold' })).status, 201);
    assert.equal((await send('b', { 'X-Storage-Policy': 'gold' })).status, 201);
    assert.equal((await send('c')).status, 201);
    assert.equal((await send('a/1', {}, Buffer.alloc(10, 1))).status, 201);
    assert.equal((await send('b/1', {}, Buffer.alloc(20, 2))).status, 201);
    assert.equal((await send('b/2', {}, Buffer.alloc(70_000, 3))).status, 201);
    assert.equal((await send('c/1', {}, Buffer.alloc(5, 4))).status, 201);
    const acct = await call(other.storageUrl, { method: 'HEAD', token: other.token });
    assert.equal(acct.status, 204);
    const h = (name: string) => acct.headers.get(name);
    assert.equal(h('x-account-container-count'), '3');
    assert.equal(h('x-account-object-count'), '4');
    assert.equal(h('x-account-bytes-used'), String(10 + 20 + 70_000 + 5));
    assert.equal(h('x-account-storage-policy-gold-container-count'), '2');
    assert.equal(h('x-account-storage-policy-gold-object-count'), '3');
    assert.equal(h('x-account-storage-policy-gold-bytes-used'), String(10 + 20 + 70_000));
    assert.equal(h('x-account-storage-policy-silver-container-count'), '1');
    assert.equal(h('x-account-storage-policy-silver-object-count'), '1');
    assert.equal(h('x-account-storage-policy-silver-bytes-used'), '5');
    // Policies without containers in the account are not shown.
    assert.equal(h('x-account-storage-policy-policy-0-container-count'), null);
    assert.equal(h('x-account-storage-policy-bronze-container-count'), null);
  });

  test('a container deleted and made again may take another policy', async () => {
    assert.equal((await put('c-again', { 'X-Storage-Policy': 'gold' })).status, 201);
    assert.equal((await call(url('c-again'), { method: 'DELETE', token: s.token })).status, 204);
    assert.equal((await put('c-again', { 'X-Storage-Policy': 'bronze' })).status, 201);
    assert.equal((await head('c-again')).headers.get('x-storage-policy'), 'bronze');
  });

  test('a copy is stored in the destination container\'s policy', async () => {
    assert.equal((await put('cp-src', { 'X-Storage-Policy': 'gold' })).status, 201);
    assert.equal((await put('cp-dst', { 'X-Storage-Policy': 'Policy-0' })).status, 201);
    const body = big();
    assert.equal((await put('cp-src/o', {}, body)).status, 201);
    const copy = await call(url('cp-src/o'), { method: 'COPY', token: s.token, headers: { Destination: 'cp-dst/o' } });
    assert.equal(copy.status, 201);
    assert.deepEqual(whereIs(body).sort(), ['Policy-0', 'gold']);
    const got = await call(url('cp-dst/o'), { token: s.token });
    assert.ok(got.bytes.equals(body));
  });

  test("object versioning keeps the versions in the container's own policy", async () => {
    assert.equal((await put('ver', { 'X-Storage-Policy': 'gold', 'X-Versions-Enabled': 'true' })).status, 201);
    const v1 = big();
    const v2 = big();
    assert.equal((await put('ver/o', {}, v1)).status, 201);
    assert.equal((await put('ver/o', {}, v2)).status, 201);
    assert.deepEqual(whereIs(v1), ['gold']);
    assert.deepEqual(whereIs(v2), ['gold']);
    const versions = JSON.parse((await call(url('ver?versions&format=json'), { token: s.token })).text) as { name: string }[];
    assert.equal(versions.length, 2);
    // Enabled later on an existing container: same thing.
    assert.equal((await put('ver2', { 'X-Storage-Policy': 'bronze' })).status, 201);
    assert.equal((await call(url('ver2'), { method: 'POST', token: s.token, headers: { 'X-Versions-Enabled': 'true' } })).status, 204);
    const w1 = big();
    assert.equal((await put('ver2/o', {}, w1)).status, 201);
    assert.equal((await put('ver2/o', {}, big())).status, 201);
    assert.deepEqual(whereIs(w1), ['bronze']);
  });
});

/** The same policies as policiesToml, but bronze (index 3) left out of the configuration. */
function withoutBronze(goldDir: string): string {
  return policiesToml(goldDir).replace(/\[\[storage\.policies\]\]\nindex = 3\nname = "bronze"\ndeprecated = false\n/, '');
}

describe('a storage policy removed from the configuration', () => {
  let goldDir: string;
  before(() => { goldDir = mkdtempSync(join(tmpdir(), 'swiftlet-gold-')); });
  after(() => { rmSync(goldDir, { recursive: true, force: true }); });

  test('its objects fail to read but are never taken for missing (no 404, no quarantine); configured again, they read back', async () => {
    assert.doesNotMatch(withoutBronze(goldDir), /bronze/);
    const first = await startServer({ extraToml: policiesToml(goldDir), keepData: true });
    const s1 = await login(first.url, 'test:tester', 'testing');
    const body = big();
    assert.equal((await call(`${s1.storageUrl}/b`, { method: 'PUT', token: s1.token, headers: { 'X-Storage-Policy': 'bronze' } })).status, 201);
    assert.equal((await call(`${s1.storageUrl}/b/o`, { method: 'PUT', token: s1.token, body: new Uint8Array(body) })).status, 201);
    await first.stop();

    const without = await startServer({ extraToml: withoutBronze(goldDir), dataDir: first.dataDir, keepData: true });
    try {
      const s = await login(without.url, 'test:tester', 'testing');
      const got = await call(`${s.storageUrl}/b/o`, { token: s.token });
      assert.ok(got.status >= 500, `out of reach, not missing: ${got.status}`);
      const listing = JSON.parse((await call(`${s.storageUrl}/b?format=json`, { token: s.token })).text) as { name: string }[];
      assert.deepEqual(listing.map((e) => e.name), ['o'], 'the record is kept');
    } finally {
      await without.stop();
    }

    const again = await startServer({ extraToml: policiesToml(goldDir), dataDir: first.dataDir });
    try {
      const s = await login(again.url, 'test:tester', 'testing');
      const got = await call(`${s.storageUrl}/b/o`, { token: s.token });
      assert.equal(got.status, 200);
      assert.ok(got.bytes.equals(body));
    } finally {
      await again.stop();
    }
  });
});

describe('a deprecated storage policy', () => {
  let server: TestServer;
  let goldDir: string;
  before(async () => {
    goldDir = mkdtempSync(join(tmpdir(), 'swiftlet-gold-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(goldDir, { recursive: true, force: true });
  });

  test('keeps serving its containers after a restart, but no new container may choose it', async () => {
    const first = await startServer({ extraToml: policiesToml(goldDir), keepData: true });
    const s1 = await login(first.url, 'test:tester', 'testing');
    const body = big();
    assert.equal((await call(`${s1.storageUrl}/old`, { method: 'PUT', token: s1.token, headers: { 'X-Storage-Policy': 'bronze' } })).status, 201);
    assert.equal((await call(`${s1.storageUrl}/old/o`, { method: 'PUT', token: s1.token, body: new Uint8Array(body) })).status, 201);
    await first.stop();

    server = await startServer({ extraToml: policiesToml(goldDir, { bronzeDeprecated: true }), dataDir: first.dataDir });
    const s = await login(server.url, 'test:tester', 'testing');
    const info = JSON.parse((await call(`${server.url}/info`)).text) as { swift: { policies: { name: string }[] } };
    assert.deepEqual(info.swift.policies.map((p) => p.name), ['Policy-0', 'gold', 'silver']);
    const got = await call(`${s.storageUrl}/old/o`, { token: s.token });
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(body));
    assert.equal((await call(`${s.storageUrl}/old`, { method: 'HEAD', token: s.token })).headers.get('x-storage-policy'), 'bronze');
    // Objects can still be written to an existing container in it (as in Swift).
    assert.equal((await call(`${s.storageUrl}/old/o2`, { method: 'PUT', token: s.token, body: new Uint8Array(big()) })).status, 201);
    const refused = await call(`${s.storageUrl}/new`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'bronze' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.text, "Storage Policy 'bronze' is deprecated");
    assert.equal((await call(`${s.storageUrl}/new`, { method: 'HEAD', token: s.token })).status, 404);
    // Enabling versioning there is refused with Swift's message.
    const ver = await call(`${s.storageUrl}/old`, { method: 'POST', token: s.token, headers: { 'X-Versions-Enabled': 'true' } });
    assert.equal(ver.status, 400);
    assert.match(ver.text, /deprecated storage policy/);
  });
});

#!/usr/bin/env node
/**
 * Container sync from Swiftlet to a real OpenStack Swift (the SAIO anchor, Swift 2.30.1, whose
 * proxy runs the container_sync middleware with container-sync-realms.conf realm `saio`, key
 * `saio-sync-key`, cluster `saio_endpoint`). Starts a Swiftlet with the same realm, makes a
 * container on each side with the same X-Container-Sync-Key, syncs Swiftlet → Swift, and checks on
 * Swift what Swiftlet's daemon pushed: creates, overwrites, metadata changes (POST), deletes, names
 * needing quoting, the source's X-Timestamp kept, a static large object (segments and manifest); a container with another key is refused (401).
 * Also checks Swiftlet's signature against Swift's own get_sig (python3 + Debian's swift package).
 *
 *   npm run build && node scripts/parity/container-sync-saio.mjs [http://127.0.0.1:18080]
 *
 * Environment: SAIO_REALM (saio), SAIO_CLUSTER (saio_endpoint), SAIO_REALM_KEY (saio-sync-key),
 * SAIO_USER / SAIO_KEY (test:tester / testing). Not run by CI (no SAIO there). Exit code 0: all passed.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SWIFT = (process.argv[2] ?? 'http://127.0.0.1:18080').replace(/\/+$/, '');
const REALM = process.env.SAIO_REALM ?? 'saio';
const CLUSTER = process.env.SAIO_CLUSTER ?? 'saio_endpoint';
const REALM_KEY = process.env.SAIO_REALM_KEY ?? 'saio-sync-key';
const USER = process.env.SAIO_USER ?? 'test:tester';
const KEY = process.env.SAIO_KEY ?? 'testing';
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

let failures = 0;
function check(label, ok, detail = '') {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${label}${ok || !detail ? '' : `: ${detail}`}`);
  if (!ok) failures++;
}

async function freePort() {
  return new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
}

async function login(base, user, key) {
  const r = await fetch(`${base}/auth/v1.0`, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key } });
  if (r.status !== 200) throw new Error(`login ${user} at ${base}: ${r.status}`);
  return { token: r.headers.get('x-auth-token'), url: r.headers.get('x-storage-url') };
}

async function req(session, method, path, { headers = {}, body } = {}) {
  const r = await fetch(`${session.url}/${path}`, { method, headers: { 'X-Auth-Token': session.token, ...headers }, body });
  const text = method === 'HEAD' ? '' : await r.text();
  return { status: r.status, headers: r.headers, text };
}

async function eventually(label, fn, seconds = 30) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (v) { check(label, true); return v; }
    if (Date.now() > end) { check(label, false, 'timed out'); return undefined; }
    await new Promise((r) => setTimeout(r, 300));
  }
}

const quote = (name) => name.split('/').map(encodeURIComponent).join('/');

// --- Swiftlet's signature against Swift's own get_sig
{
  const [method, path, ts, nonce, user] = ['PUT', '/v1/AUTH_test/c/%C3%BC%20x', '1700000000.12345', 'abc123', 'user-key'];
  const py = execFileSync('/usr/bin/python3', ['-c',
    'import sys, logging; from swift.common.container_sync_realms import ContainerSyncRealms as C; ' +
    'print(C("/nonexistent", logging.getLogger()).get_sig(*sys.argv[1:]))', method, path, ts, nonce, REALM_KEY, user], { encoding: 'utf8' }).trim();
  const { syncSignature } = await import(resolve(import.meta.dirname, '../../dist/src/middleware/container-sync/realms.js'));
  check("signature = Swift's ContainerSyncRealms.get_sig", syncSignature(method, path, ts, nonce, REALM_KEY, user) === py, py);
}

// --- a Swiftlet syncing to the SAIO
const port = await freePort();
const data = mkdtempSync(join(tmpdir(), 'swiftlet-sync-saio-'));
const config = `${data}.toml`;
writeFileSync(config, `
[container_sync]
interval = 1
[container_sync.realms.${REALM}]
key = "${REALM_KEY}"
cluster_${CLUSTER} = "${SWIFT}/v1/"
[identity]
admin_password = "adminpw"
[[identity.users]]
project = "test"
name = "tester"
password = "testing"
roles = [".admin"]
`);
const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', data, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
child.stdout.on('data', (d) => { log += d; });
child.stderr.on('data', (d) => { log += d; });
try {
  await eventually('Swiftlet starts', async () => log.includes('Swiftlet listening'), 60);
  const local = await login(`http://127.0.0.1:${port}`, 'test:tester', 'testing');
  const swift = await login(SWIFT, USER, KEY);
  const swiftAccount = swift.url.split('/').pop();
  const target = `from-swiftlet-${Date.now()}`;
  const userKey = `user-key-${Date.now()}`;
  check('Swift: target container with the sync key', (await req(swift, 'PUT', target, { headers: { 'X-Container-Sync-Key': userKey } })).status === 201);
  const put = await req(local, 'PUT', 'outbox', { headers: { 'X-Container-Sync-To': `//${REALM}/${CLUSTER}/${swiftAccount}/${target}`, 'X-Container-Sync-Key': userKey } });
  check('Swiftlet: source container with X-Container-Sync-To //realm/cluster/account/container', put.status === 201, `${put.status} ${put.text}`);

  const names = ['plain.txt', 'dir/ünïcode name (1).txt', 'to-delete.txt', 'to-post.txt'];
  for (const name of names) {
    const r = await req(local, 'PUT', `outbox/${quote(name)}`, { body: `bytes of ${name}`, headers: { 'Content-Type': 'text/x-sync', 'X-Object-Meta-Origin': 'swiftlet' } });
    check(`Swiftlet PUT ${name}`, r.status === 201, String(r.status));
  }
  for (const name of names) {
    const remote = await eventually(`${name} on Swift`, async () => {
      const r = await req(swift, 'GET', `${target}/${quote(name)}`);
      return r.status === 200 ? r : undefined;
    });
    if (!remote) continue;
    const source = await req(local, 'HEAD', `outbox/${quote(name)}`);
    check(`${name}: bytes`, remote.text === `bytes of ${name}`, remote.text);
    check(`${name}: content-type`, remote.headers.get('content-type') === 'text/x-sync', remote.headers.get('content-type'));
    check(`${name}: metadata`, remote.headers.get('x-object-meta-origin') === 'swiftlet');
    check(`${name}: etag`, remote.headers.get('etag') === source.headers.get('etag'));
    check(`${name}: X-Timestamp kept`, remote.headers.get('x-timestamp') === source.headers.get('x-timestamp'),
      `${remote.headers.get('x-timestamp')} vs ${source.headers.get('x-timestamp')}`);
  }

  check('Swiftlet overwrite', (await req(local, 'PUT', 'outbox/plain.txt', { body: 'second version' })).status === 201);
  await eventually('overwrite on Swift', async () => (await req(swift, 'GET', `${target}/plain.txt`)).text === 'second version');
  check('Swiftlet POST metadata', (await req(local, 'POST', 'outbox/to-post.txt', { headers: { 'X-Object-Meta-Origin': 'changed' } })).status === 202);
  const posted = await eventually('metadata change on Swift', async () => {
    const r = await req(swift, 'HEAD', `${target}/to-post.txt`);
    return r.headers.get('x-object-meta-origin') === 'changed' ? r : undefined;
  });
  if (posted) {
    const source = await req(local, 'HEAD', 'outbox/to-post.txt');
    check('metadata change: X-Timestamp of the POST kept', posted.headers.get('x-timestamp') === source.headers.get('x-timestamp'));
  }
  check('Swiftlet DELETE', (await req(local, 'DELETE', 'outbox/to-delete.txt')).status === 204);
  await eventually('delete on Swift', async () => (await req(swift, 'HEAD', `${target}/to-delete.txt`)).status === 404);

  // A static large object: the segments' container synced under the same name, then the manifest.
  const segs = `segs-${Date.now()}`;
  await req(swift, 'PUT', segs, { headers: { 'X-Container-Sync-Key': userKey } });
  await req(local, 'PUT', segs, { headers: { 'X-Container-Sync-To': `//${REALM}/${CLUSTER}/${swiftAccount}/${segs}`, 'X-Container-Sync-Key': userKey } });
  await req(local, 'PUT', `${segs}/part1`, { body: 'A'.repeat(1024 * 1024) });
  await req(local, 'PUT', `${segs}/part2`, { body: 'tail' });
  const slo = await req(local, 'PUT', 'outbox/big?multipart-manifest=put', { body: JSON.stringify([{ path: `/${segs}/part1` }, { path: `/${segs}/part2` }]) });
  check('Swiftlet SLO manifest PUT', slo.status === 201, `${slo.status} ${slo.text}`);
  const big = await eventually('SLO served whole by Swift', async () => {
    const r = await fetch(`${swift.url}/${target}/big`, { headers: { 'X-Auth-Token': swift.token } });
    const bytes = Buffer.from(await r.arrayBuffer());
    return r.status === 200 && bytes.length === 1024 * 1024 + 4 ? r : undefined;
  });
  if (big) check('SLO on Swift: X-Static-Large-Object', big.headers.get('x-static-large-object') === 'True');

  // A symlink goes as a symlink (as Swift's daemon sends one: read with symlink=get), its target verbatim.
  check('Swiftlet symlink PUT', (await req(local, 'PUT', 'outbox/link', { body: '', headers: { 'X-Symlink-Target': 'outbox/plain.txt' } })).status === 201);
  const link = await eventually('symlink on Swift', async () => {
    const r = await req(swift, 'HEAD', `${target}/link?symlink=get`);
    return r.status === 200 ? r : undefined;
  });
  if (link) check('symlink on Swift: X-Symlink-Target kept', link.headers.get('x-symlink-target') === 'outbox/plain.txt', link.headers.get('x-symlink-target'));

  // Another key than the target's: Swift refuses the signed requests.
  await req(local, 'PUT', 'wrongkey', { headers: { 'X-Container-Sync-To': `//${REALM}/${CLUSTER}/${swiftAccount}/${target}`, 'X-Container-Sync-Key': 'not-the-key' } });
  await req(local, 'PUT', 'wrongkey/intruder.txt', { body: 'no' });
  await eventually('a push with the wrong key refused by Swift (401)', async () => log.includes(`/${target}/intruder.txt: 401`));
  check('nothing written with the wrong key', (await req(swift, 'HEAD', `${target}/intruder.txt`)).status === 404);

  const listing = JSON.parse((await req(swift, 'GET', `${target}?format=json`)).text).map((o) => o.name).sort();
  check('Swift container holds exactly the synced objects', JSON.stringify(listing) === JSON.stringify(['big', 'dir/ünïcode name (1).txt', 'link', 'plain.txt', 'to-post.txt']), JSON.stringify(listing));
  for (const o of JSON.parse((await req(swift, 'GET', `${target}?format=json`)).text)) await req(swift, 'DELETE', `${target}/${quote(o.name)}`);
  await req(swift, 'DELETE', target);
  for (const name of ['part1', 'part2']) await req(swift, 'DELETE', `${segs}/${name}`);
  await req(swift, 'DELETE', segs);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(data, { recursive: true, force: true });
  rmSync(config, { force: true });
}
console.log(failures === 0 ? 'container sync Swiftlet → Swift: all checks passed' : `container sync Swiftlet → Swift: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);

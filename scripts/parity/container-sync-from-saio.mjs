#!/usr/bin/env node
/**
 * Container sync from a real OpenStack Swift 2.30.1 (the SAIO anchor) to Swiftlet, pushed by Swift's
 * own daemon (`swift-container-sync ... once`). The SAIO's container server only accepts
 * X-Container-Sync-To values of realms it knows (realm `saio`, cluster `saio_endpoint`), and its
 * config is shared, so the daemon is run here from a private copy of the config whose
 * container-sync-realms.conf names the same realm and key with `saio_endpoint` pointing at a
 * Swiftlet started by this script. Checks on Swiftlet: bytes, content type, metadata, the source's
 * X-Timestamp, a POST's metadata, a delete; a container whose key differs gets nothing.
 *
 *   npm run build && node scripts/parity/container-sync-from-saio.mjs [/srv/saio-ft]
 *
 * Needs root (the daemon reads the SAIO's container databases). Not run by CI (no SAIO there).
 * Side effect on the SAIO: the sync points of containers that have X-Container-Sync-To move (its
 * own sync daemon is not started by the anchor's scripts).
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SAIO_DIR = process.argv[2] ?? '/srv/saio-ft';
const env = Object.fromEntries(readFileSync(join(SAIO_DIR, 'etc/saio.env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=')));
const SWIFT = `http://127.0.0.1:${env.PROXY_PORT}`;
const realms = readFileSync(join(SAIO_DIR, 'etc/container-sync-realms.conf'), 'utf8');
const REALM = /^\[(.+)\]/m.exec(realms)?.[1] ?? 'saio';
const REALM_KEY = /^key\s*=\s*(.+)$/m.exec(realms)?.[1]?.trim() ?? '';
const CLUSTER = /^cluster_(\S+)\s*=/m.exec(realms)?.[1] ?? 'saio_endpoint';
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

let failures = 0;
function check(label, ok, detail = '') {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${label}${ok || !detail ? '' : `: ${detail}`}`);
  if (!ok) failures++;
}
const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
async function login(base, user, key) {
  const r = await fetch(`${base}/auth/v1.0`, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key } });
  if (r.status !== 200) throw new Error(`login ${user} at ${base}: ${r.status}`);
  return { token: r.headers.get('x-auth-token'), url: r.headers.get('x-storage-url') };
}
async function req(session, method, path, { headers = {}, body } = {}) {
  const r = await fetch(`${session.url}/${path}`, { method, headers: { 'X-Auth-Token': session.token, ...headers }, body });
  return { status: r.status, headers: r.headers, text: method === 'HEAD' ? '' : await r.text() };
}

const port = await freePort();
const work = mkdtempSync(join(tmpdir(), 'swiftlet-sync-from-saio-'));
const data = join(work, 'data');
writeFileSync(join(work, 'swiftlet.toml'), `
[container_sync]
interval = 3600
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
// The daemon's private config: the SAIO's rings and devices, the realm's cluster pointing at Swiftlet.
const etc = join(work, 'etc');
execFileSync('mkdir', ['-p', etc]);
for (const f of ['container.ring.gz', 'object.ring.gz', 'account.ring.gz', 'swift.conf']) symlinkSync(join(SAIO_DIR, 'etc', f), join(etc, f));
writeFileSync(join(etc, 'container-sync-realms.conf'), `[${REALM}]\nkey = ${REALM_KEY}\ncluster_${CLUSTER} = http://127.0.0.1:${port}/v1/\n`);
writeFileSync(join(etc, 'internal-client.conf'), `[DEFAULT]
swift_dir = ${etc}
[pipeline:main]
pipeline = catch_errors proxy-logging cache symlink proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:symlink]
use = egg:swift#symlink
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${env.MEMCACHE_PORT}
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:catch_errors]
use = egg:swift#catch_errors
`);
writeFileSync(join(etc, 'container-server.conf'), `[DEFAULT]
swift_dir = ${etc}
devices = ${SAIO_DIR}/node
mount_check = false
# The daemon syncs only the containers whose ring node is this ip:port (the SAIO's container server).
bind_ip = 127.0.0.1
bind_port = ${env.CONT_PORT}
user = swift
log_level = INFO
recon_cache_path = ${work}
[pipeline:main]
pipeline = container-server
[app:container-server]
use = egg:swift#container
[container-sync]
internal_client_conf_path = ${etc}/internal-client.conf
`);
execFileSync('chmod', ['-R', 'a+rX', work]);
execFileSync('chown', ['swift', work]);

const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', data, '--config', join(work, 'swiftlet.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
child.stdout.on('data', (d) => { log += d; });
child.stderr.on('data', (d) => { log += d; });
const runSwiftDaemon = () => {
  const run = spawnSync('/usr/bin/swift-container-sync', [join(etc, 'container-server.conf'), 'once', '-v'], { encoding: 'utf8' });
  if (process.env.SYNC_DEBUG || run.status !== 0) console.log(run.stdout, run.stderr);
};
try {
  for (let i = 0; i < 100 && !log.includes('Swiftlet listening'); i++) await new Promise((r) => setTimeout(r, 300));
  const local = await login(`http://127.0.0.1:${port}`, 'test:tester', 'testing');
  const swift = await login(SWIFT, 'test:tester', 'testing');
  const localAccount = local.url.split('/').pop();
  const stamp = Date.now();
  const userKey = `user-key-${stamp}`;
  check('Swiftlet: target container with the key', (await req(local, 'PUT', 'from-swift', { headers: { 'X-Container-Sync-Key': userKey } })).status === 201);
  check('Swiftlet: a container with another key', (await req(local, 'PUT', 'locked', { headers: { 'X-Container-Sync-Key': 'another-key' } })).status === 201);
  const source = `to-swiftlet-${stamp}`;
  const sourceLocked = `to-locked-${stamp}`;
  const syncTo = (c) => `//${REALM}/${CLUSTER}/${localAccount}/${c}`;
  check('Swift: source container accepted', (await req(swift, 'PUT', source, { headers: { 'X-Container-Sync-To': syncTo('from-swift'), 'X-Container-Sync-Key': userKey } })).status === 201);
  await req(swift, 'PUT', sourceLocked, { headers: { 'X-Container-Sync-To': syncTo('locked'), 'X-Container-Sync-Key': userKey } });
  for (const name of ['one.txt', 'dir/ü two.txt', 'gone.txt', 'posted.txt']) {
    await req(swift, 'PUT', `${source}/${name.split('/').map(encodeURIComponent).join('/')}`, { body: `swift bytes of ${name}`, headers: { 'Content-Type': 'text/x-from-swift', 'X-Object-Meta-Origin': 'swift' } });
  }
  await req(swift, 'PUT', `${sourceLocked}/secret.txt`, { body: 'no' });
  // A symlink: Swift's daemon reads it with symlink=get and pushes it as a symlink (its target verbatim).
  check('Swift: symlink PUT', (await req(swift, 'PUT', `${source}/link`, { body: '', headers: { 'X-Symlink-Target': `${source}/one.txt` } })).status === 201);

  runSwiftDaemon();
  for (const name of ['one.txt', 'dir/ü two.txt', 'gone.txt', 'posted.txt']) {
    const path = name.split('/').map(encodeURIComponent).join('/');
    const got = await req(local, 'GET', `from-swift/${path}`);
    const orig = await req(swift, 'HEAD', `${source}/${path}`);
    check(`${name} pushed by swift-container-sync`, got.status === 200 && got.text === `swift bytes of ${name}`, `${got.status} ${got.text}`);
    check(`${name}: content-type, metadata`, got.headers.get('content-type') === 'text/x-from-swift' && got.headers.get('x-object-meta-origin') === 'swift');
    check(`${name}: X-Timestamp kept`, got.headers.get('x-timestamp') === orig.headers.get('x-timestamp'), `${got.headers.get('x-timestamp')} vs ${orig.headers.get('x-timestamp')}`);
  }
  check('nothing for a container with another key', (await req(local, 'HEAD', 'locked/secret.txt')).status === 404);
  const link = await req(local, 'HEAD', 'from-swift/link?symlink=get');
  check('a symlink pushed by swift-container-sync is a symlink on Swiftlet, its target verbatim',
    link.status === 200 && link.headers.get('x-symlink-target') === `${source}/one.txt`, `${link.status} ${link.headers.get('x-symlink-target')}`);

  await req(swift, 'POST', `${source}/posted.txt`, { headers: { 'X-Object-Meta-Origin': 'changed' } });
  await req(swift, 'DELETE', `${source}/gone.txt`);
  runSwiftDaemon();
  const posted = await req(local, 'HEAD', 'from-swift/posted.txt');
  check('a POST on Swift reaches Swiftlet', posted.headers.get('x-object-meta-origin') === 'changed', posted.headers.get('x-object-meta-origin'));
  check('a POST on Swift: its X-Timestamp kept', posted.headers.get('x-timestamp') === (await req(swift, 'HEAD', `${source}/posted.txt`)).headers.get('x-timestamp'));
  check('a DELETE on Swift reaches Swiftlet', (await req(local, 'HEAD', 'from-swift/gone.txt')).status === 404);

  for (const c of [source, sourceLocked]) {
    const list = JSON.parse((await req(swift, 'GET', `${c}?format=json`)).text);
    for (const o of list) await req(swift, 'DELETE', `${c}/${o.name.split('/').map(encodeURIComponent).join('/')}`);
    await req(swift, 'DELETE', c);
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(work, { recursive: true, force: true });
}
console.log(failures === 0 ? 'container sync Swift → Swiftlet: all checks passed' : `container sync Swift → Swiftlet: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);

/**
 * Container sync from and to a cluster: two cluster nodes (PostgreSQL change log, bytes in S3, the
 * sync daemon on whichever node holds the jobs' lease) and an embedded server, syncing one
 * container each way. Objects above the inline limit (bytes in S3), inline ones, deletes and
 * symlinks propagate with the source's timestamp, and nothing is pushed twice by the two nodes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort, startServer, type TestServer } from '../test/helpers/server.js';
import { call, login, type Session } from '../test/helpers/swift.js';
import { clusterSettings, startNodes, type ClusterSettings } from './helpers/cluster.js';

const USER_KEY = 'container-secret';
let settings: ClusterSettings;
let nodes: TestServer[] = [];
let embedded: TestServer;
let c: Session; // on the cluster (node 1)
let c2: Session; // the same user on node 2
let e: Session; // on the embedded server

function syncToml(current: string, clusterPort: number, embeddedPort: number): string {
  return `
[container_sync]
interval = 1
request_timeout = 10
current = "${current}"

[container_sync.realms.test]
key = "realm-secret"
cluster_big = "http://127.0.0.1:${clusterPort}/v1/"
cluster_small = "http://127.0.0.1:${embeddedPort}/v1/"
`;
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const accountOf = (s: Session) => s.storageUrl.split('/').pop() ?? '';

before(async () => {
  settings = await clusterSettings('sync');
  const clusterPort = await freePort();
  const embeddedPort = await freePort();
  const toml = syncToml('//test/big', clusterPort, embeddedPort);
  nodes = [
    ...await startNodes(settings, 1, { port: clusterPort, extraToml: toml }),
    ...await startNodes(settings, 1, { extraToml: toml }),
  ];
  embedded = await startServer({ port: embeddedPort, extraToml: syncToml('//test/small', clusterPort, embeddedPort) });
  const [n1, n2] = nodes as [TestServer, TestServer];
  [c, c2, e] = await Promise.all([login(n1.url, 'test:tester', 'testing'), login(n2.url, 'test:tester', 'testing'), login(embedded.url, 'test:tester', 'testing')]);
  for (const [s, container, other, remote] of [[c, 'outbound', e, 'inbound'], [e, 'inbound', c, 'outbound']] as const) {
    const res = await call(`${s.storageUrl}/${container}`, {
      method: 'PUT', token: s.token,
      headers: { 'X-Container-Sync-To': `//test/${s === c ? 'small' : 'big'}/${accountOf(other)}/${remote}`, 'X-Container-Sync-Key': USER_KEY },
    });
    assert.equal(res.status, 201);
  }
});

after(async () => {
  for (const n of nodes) await n.stop();
  await embedded?.stop();
  await settings?.drop();
});

test('objects written on either cluster node reach the embedded server with their bytes and timestamps; deletes follow', async () => {
  const big = randomBytes(300 * 1024); // above the inline limit: its bytes live in S3
  assert.equal((await call(`${c.storageUrl}/outbound/big.bin`, { method: 'PUT', token: c.token, body: big, headers: { 'X-Object-Meta-Kind': 'big' } })).status, 201);
  assert.equal((await call(`${c2.storageUrl}/outbound/small.txt`, { method: 'PUT', token: c2.token, body: 'small' })).status, 201);
  const local = await call(`${c.storageUrl}/outbound/big.bin`, { method: 'HEAD', token: c.token });
  const remote = await eventually('big.bin on the embedded server', async () => {
    const r = await call(`${e.storageUrl}/inbound/big.bin`, { token: e.token });
    return r.status === 200 ? r : undefined;
  });
  assert.ok(remote.bytes.equals(big));
  assert.equal(remote.headers.get('x-object-meta-kind'), 'big');
  assert.equal(remote.headers.get('x-timestamp'), local.headers.get('x-timestamp'));
  assert.equal((await eventually('small.txt', async () => {
    const r = await call(`${e.storageUrl}/inbound/small.txt`, { token: e.token });
    return r.status === 200 ? r : undefined;
  })).text, 'small');
  assert.equal((await call(`${c2.storageUrl}/outbound/big.bin`, { method: 'DELETE', token: c2.token })).status, 204);
  await eventually('the delete on the embedded server', async () =>
    (await call(`${e.storageUrl}/inbound/big.bin`, { method: 'HEAD', token: e.token })).status === 404 ? true : undefined);
});

test('objects and symlinks written on the embedded server reach the cluster, readable from both nodes', async () => {
  const body = randomBytes(200 * 1024);
  assert.equal((await call(`${e.storageUrl}/inbound/from-small.bin`, { method: 'PUT', token: e.token, body })).status, 201);
  assert.equal((await call(`${e.storageUrl}/inbound/link`, { method: 'PUT', token: e.token, body: '', headers: { 'X-Symlink-Target': 'outbound/from-small.bin' } })).status, 201);
  for (const s of [c, c2]) {
    const got = await eventually('from-small.bin on the cluster', async () => {
      const r = await call(`${s.storageUrl}/outbound/from-small.bin`, { token: s.token });
      return r.status === 200 ? r : undefined;
    });
    assert.ok(got.bytes.equals(body));
    const followed = await eventually('the link on the cluster', async () => {
      const r = await call(`${s.storageUrl}/outbound/link`, { token: s.token });
      return r.status === 200 ? r : undefined;
    });
    assert.ok(followed.bytes.equals(body), 'the link resolves on the cluster');
    const link = await call(`${s.storageUrl}/outbound/link?symlink=get`, { token: s.token });
    assert.equal(link.headers.get('x-symlink-target'), 'outbound/from-small.bin');
  }
  // Each change went out once: the listing on the embedded side has exactly what was written there
  // and what came from the cluster (no echo doubled it, no object lost).
  const listing = await eventually('a settled listing', async () => {
    const r = await call(`${e.storageUrl}/inbound?format=json`, { token: e.token });
    const names = (JSON.parse(r.text) as { name: string }[]).map((x) => x.name);
    return names.includes('small.txt') && !names.includes('big.bin') ? names : undefined;
  });
  assert.deepEqual(listing, ['from-small.bin', 'link', 'small.txt']);
});

/**
 * Metrics on the cluster backend, through HTTP: two nodes on PostgreSQL and RGW with `[metrics]
 * listen`, scraped. The store figures (objects, bytes, containers by account prefix and policy, read
 * on a timer), the expirer's backlog and the janitor's (blobs planted in the buckets with no record)
 * must move by exactly what was written; PostgreSQL's statement and commit figures must count the
 * transactions the requests made.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { S3BlobStore } from '../src/storage/s3/blob-store.js';
import { freePort, type TestServer } from '../test/helpers/server.js';
import { call, login, type Session } from '../test/helpers/swift.js';
import { clusterSettings, startNodes, type ClusterSettings } from './helpers/cluster.js';
import { promSample } from '../test/helpers/prometheus.js';

const POLICIES = `
[[storage.policies]]
index = 0
name = "Policy-0"
default = true

[[storage.policies]]
index = 1
name = "cold"
`;

const value = (text: string, name: string, labels: Record<string, string> = {}) => promSample(text, name, labels) ?? 0;

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

/** Scrapes until `ready` holds (the store figures come from a reading every second), at most 15 s. */
async function scrapeUntil(port: number, ready: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await scrape(port);
    if (ready(text)) return text;
    if (Date.now() > deadline) assert.fail(`${what} not seen within 15 s; last scrape:\n${text.split('\n').filter((l) => l.startsWith('swiftlet_stored') || l.startsWith('swiftlet_janitor') || l.startsWith('swiftlet_expirer')).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let settings: ClusterSettings;
let nodes: TestServer[];
const ports: number[] = [];
let s: Session;
before(async () => {
  settings = await clusterSettings('metrics');
  nodes = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    ports.push(port);
    // The expirer is kept from running, so the backlog it would remove stays for the test to see.
    nodes.push(...await startNodes(settings, 1, {
      extraToml: `${POLICIES}\n[metrics]\nlisten = "127.0.0.1:${port}"\nstore_interval = 1\norphan_census_interval = 1\n[swift]\nexpirer_interval = 3600\n`,
    }));
  }
  s = await login(nodes[0]?.url ?? '', 'test:tester', 'testing');
});
after(async () => {
  for (const n of nodes ?? []) await n.stop();
  await settings?.drop();
});

const AUTH0 = { prefix: 'AUTH_', policy: 'Policy-0' };
const AUTH1 = { prefix: 'AUTH_', policy: 'cold' };

test('stored objects, bytes and containers by prefix and policy move by exactly what was written, on every node', async () => {
  const [p0 = 0, p1 = 0] = ports;
  const before = await scrapeUntil(p0, (t) => promSample(t, 'swiftlet_store_figures_timestamp_seconds') !== undefined && value(t, 'swiftlet_store_figures_timestamp_seconds') > 0, 'a first reading');
  // Small objects (inline in PostgreSQL) and large ones (in the policy's bucket), in two policies.
  const small = Buffer.alloc(1000, 's');
  const large = Buffer.alloc(100_000, 'l');
  assert.equal((await call(`${s.storageUrl}/warm`, { method: 'PUT', token: s.token })).status, 201);
  assert.equal((await call(`${s.storageUrl}/frozen`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'cold' } })).status, 201);
  assert.equal((await call(`${s.storageUrl}/empty`, { method: 'PUT', token: s.token, headers: { 'X-Storage-Policy': 'cold' } })).status, 201);
  for (let i = 0; i < 5; i++) assert.equal((await call(`${s.storageUrl}/warm/s${i}`, { method: 'PUT', token: s.token, body: new Uint8Array(small) })).status, 201);
  for (let i = 0; i < 2; i++) assert.equal((await call(`${s.storageUrl}/warm/l${i}`, { method: 'PUT', token: s.token, body: new Uint8Array(large) })).status, 201);
  for (let i = 0; i < 3; i++) assert.equal((await call(`${s.storageUrl}/frozen/l${i}`, { method: 'PUT', token: s.token, body: new Uint8Array(large) })).status, 201);
  // An overwrite and a delete change nothing / take one away.
  assert.equal((await call(`${s.storageUrl}/warm/s0`, { method: 'PUT', token: s.token, body: new Uint8Array(small) })).status, 201);
  assert.equal((await call(`${s.storageUrl}/warm/s4`, { method: 'DELETE', token: s.token })).status, 204);

  const delta = (t: string, name: string, labels: Record<string, string>) => value(t, name, labels) - value(before, name, labels);
  const expected = (t: string) => delta(t, 'swiftlet_stored_objects', AUTH0) === 6 && delta(t, 'swiftlet_stored_objects', AUTH1) === 3;
  for (const port of [p0, p1]) {
    const after = await scrapeUntil(port, expected, `the writes on the metrics listener ${port}`);
    assert.equal(delta(after, 'swiftlet_stored_objects', AUTH0), 4 + 2);
    assert.equal(delta(after, 'swiftlet_stored_bytes', AUTH0), 4 * 1000 + 2 * 100_000);
    assert.equal(delta(after, 'swiftlet_stored_containers', AUTH0), 1);
    assert.equal(delta(after, 'swiftlet_stored_objects', AUTH1), 3);
    assert.equal(delta(after, 'swiftlet_stored_bytes', AUTH1), 3 * 100_000);
    assert.equal(delta(after, 'swiftlet_stored_containers', AUTH1), 2);
    // The figures are the store's, not this node's requests': the same totals on both nodes.
    assert.equal(value(after, 'swiftlet_stored_objects', AUTH0), 6);
    assert.ok(value(after, 'swiftlet_store_figures_timestamp_seconds') > value(before, 'swiftlet_store_figures_timestamp_seconds'));
  }
});

test('PostgreSQL statements and transactions are counted: one committed transaction per container PUT', async () => {
  const [p0 = 0] = ports;
  const shardLabels = [{ database: 'metadata', shard: '0' }, { database: 'metadata', shard: '1' }];
  const sum = (t: string, name: string, extra: Record<string, string> = {}) => shardLabels.reduce((n, l) => n + value(t, name, { ...l, ...extra }), 0);
  const before = await scrape(p0);
  const K = 4;
  for (let i = 0; i < K; i++) assert.equal((await call(`${s.storageUrl}/tx${i}`, { method: 'PUT', token: s.token })).status, 201);
  // An object PUT is one statement (swiftlet_put_object), not an explicit transaction.
  assert.equal((await call(`${s.storageUrl}/tx0/o`, { method: 'PUT', token: s.token, body: 'x' })).status, 201);
  const after = await scrape(p0);
  const d = (name: string, extra: Record<string, string> = {}) => sum(after, name, extra) - sum(before, name, extra);
  assert.equal(d('swiftlet_pg_transactions_total', { result: 'commit' }), K);
  assert.equal(d('swiftlet_pg_transactions_total', { result: 'rollback' }), 0);
  assert.equal(d('swiftlet_pg_commit_seconds_count'), K, 'every COMMIT timed');
  assert.ok(d('swiftlet_pg_commit_seconds_sum') > 0);
  // Each container PUT sends at least its INSERTs inside the transaction; the object PUT and the path lookups more.
  assert.ok(d('swiftlet_pg_statement_seconds_count') >= 3 * K + 1, `statements: ${d('swiftlet_pg_statement_seconds_count')}`);
  assert.ok(d('swiftlet_pg_statement_seconds_sum') > 0);
  assert.ok(promSample(after, 'swiftlet_pg_statement_seconds_count', { database: 'identity', shard: '0' }) !== undefined, 'the identity database is labelled apart');
  // The embedded store's group commits do not happen here.
  assert.equal(value(after, 'swiftlet_commit_batch_size_count'), 0);
});

test('the expirer backlog counts objects past their X-Delete-At that the expirer has not removed yet', async () => {
  const [p0 = 0, p1 = 0] = ports;
  const before = await scrapeUntil(p0, () => true, 'a scrape');
  const at = Math.ceil(Date.now() / 1000) + 2;
  for (let i = 0; i < 3; i++) {
    assert.equal((await call(`${s.storageUrl}/warm/exp${i}`, { method: 'PUT', token: s.token, body: 'soon gone', headers: { 'X-Delete-At': String(at) } })).status, 201);
  }
  await new Promise((r) => setTimeout(r, Math.max(0, at * 1000 - Date.now()) + 200));
  assert.equal((await call(`${s.storageUrl}/warm/exp0`, { token: s.token })).status, 404, 'expired: no longer served');
  const base = value(before, 'swiftlet_expirer_backlog_objects');
  for (const port of [p0, p1]) {
    const after = await scrapeUntil(port, (t) => value(t, 'swiftlet_expirer_backlog_objects') === base + 3, 'the backlog of 3');
    assert.equal(value(after, 'swiftlet_expirer_backlog_objects') - base, 3);
  }
});

test('the janitor backlog counts blobs no record points at, per policy, on the node holding the lease only', async () => {
  const [p0 = 0, p1 = 0] = ports;
  const census = (t: string) => value(t, 'swiftlet_janitor_census_timestamp_seconds');
  // Whichever node leads counts; the other reports a census time of 0 and no backlog.
  const first = await scrapeUntil(p0, (t) => census(t) > 0, 'a census on the first node (it took the lease first)');
  const other = await scrape(p1);
  assert.equal(census(other), 0);
  assert.equal(promSample(other, 'swiftlet_janitor_backlog_blobs', { policy: 'Policy-0' }), undefined);
  // Every blob written so far belongs to a record.
  assert.equal(value(first, 'swiftlet_janitor_backlog_blobs', { policy: 'Policy-0' }), 0);
  assert.equal(value(first, 'swiftlet_janitor_backlog_blobs', { policy: 'cold' }), 0);

  // Blobs written straight into the buckets, as a crash between the upload and its commit leaves them.
  const plant = async (bucket: string, n: number) => {
    const store = await S3BlobStore.open({ ...settings.s3, bucket });
    try {
      for (let i = 0; i < n; i++) await store.write(Readable.from([Buffer.from(`orphan ${i}`)]), { maxSize: 1000 });
    } finally {
      store.close();
    }
  };
  await plant(settings.s3.bucket, 2);
  await plant(`${settings.s3.bucket}-policy-1`, 1);
  const planted = (t: string) => value(t, 'swiftlet_janitor_backlog_blobs', { policy: 'Policy-0' }) === 2;
  const after = await scrapeUntil(p0, (t) => planted(t) && census(t) > census(first), 'the planted orphans');
  assert.equal(value(after, 'swiftlet_janitor_backlog_blobs', { policy: 'Policy-0' }), 2);
  assert.equal(value(after, 'swiftlet_janitor_backlog_blobs', { policy: 'cold' }), 1);
  // Still counted, not removed: the census deletes nothing (the sweeper waits out its grace).
  const again = await scrapeUntil(p0, (t) => census(t) > census(after), 'a later census');
  assert.equal(value(again, 'swiftlet_janitor_backlog_blobs', { policy: 'Policy-0' }), 2);
});

/**
 * The storage conformance suite (test/helpers/storage-conformance.ts) against the PostgreSQL
 * metadata store on real PostgreSQL 15 servers, two shards (scripts/postgres/start.sh starts them;
 * SWIFTLET_TEST_PG_URLS names others), each backend in databases of its own. Plus what only a
 * networked backend has to prove: several processes (as several nodes) writing the same containers
 * keep every counter exact, and a server that is down, silent or stuck gives a prompt
 * MetadataUnavailableError, never a hang, and the store recovers when the server is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { MetadataUnavailableError } from '../src/storage/postgres/errors.js';
import { renderObjectListing, type ListingFormat } from '../src/swift/listing-format.js';
import type { ListOptions } from '../src/storage/contracts.js';
import { PostgresMetadataStore } from '../src/storage/postgres/metadata-store.js';
import { shardOf } from '../src/storage/postgres/shards.js';
import {
  assertCountsExact, runJanitorConformance, runMetadataStoreConformance,
} from '../test/helpers/storage-conformance.js';
import { freshStore, postgresBackend, serverUrls } from './helpers/postgres.js';
import { fsBackend } from '../test/helpers/embedded-backends.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');

runMetadataStoreConformance('postgres, two shards', () => postgresBackend('conf'));
runJanitorConformance('postgres + fs', async () => ({ meta: await postgresBackend('janitor'), blobs: await fsBackend() }));

/** Account names that land on each of the first two shards. */
function accountsOnBothShards(shardCount: number): string[] {
  const found = new Map<number, string>();
  for (let i = 0; found.size < 2; i++) {
    const name = `AUTH_mp${i}`;
    const shard = shardOf(name, shardCount);
    if (shard < 2 && !found.has(shard)) found.set(shard, name);
  }
  return [...found.values()];
}

test('postgres: an account always maps to the same shard, and accounts spread over every shard', () => {
  assert.equal(shardOf('AUTH_test', 2), shardOf('AUTH_test', 2));
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[shardOf(`AUTH_${i}`, 3)]! += 1;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `spread ${counts.join(',')}`);
  assert.equal(shardOf('AUTH_anything', 1), 0);
});

test('postgres: four processes writing the same containers on two shards keep counts exact', async () => {
  const { store, urls, close } = await freshStore('mp');
  try {
    const accounts = accountsOnBothShards(urls.length);
    const writer = resolve(import.meta.dirname, 'helpers/pg-writer.js');
    const results = await Promise.all([11, 22, 33, 44].map((seed) =>
      run(process.execPath, [writer, urls.join(','), accounts.join(','), String(seed), '300'], { timeout: 120_000 })));
    const totals = { stored: 0, stale: 0, deleted: 0, missed: 0 };
    for (const r of results) {
      const done = JSON.parse(r.stdout) as typeof totals;
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += done[k];
    }
    assert.equal(totals.stored + totals.stale + totals.deleted + totals.missed, 1200, 'every operation ran');
    assert.ok(totals.stored > 0 && totals.deleted > 0 && totals.stale > 0, JSON.stringify(totals));
    for (const account of accounts) await assertCountsExact(store, account, ['c0', 'c1', 'c2']);
    // Each account's rows are on its own shard only.
    for (const [i, account] of accounts.entries()) {
      for (const [shard, url] of urls.entries()) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM containers WHERE account = $1', [Buffer.from(account)]);
        await client.end();
        assert.equal(Number(rows[0]?.n), shardOf(account, urls.length) === shard ? 3 : 0, `account ${i} on shard ${shard}`);
      }
    }
  } finally {
    await close();
  }
});

test('postgres: reserved names (starting with NUL, which PostgreSQL text cannot hold) round trip and list', async () => {
  const backend = await postgresBackend('reserved');
  try {
    const store = await backend.open();
    const account = 'AUTH_reserved';
    const versions = '\u0000versions\u0000photos';
    await store.putContainer(account, 'photos', {}, 1);
    await store.putContainer(account, versions, { 'x-container-sysmeta-versions-container': versions }, 1);
    const names = ['\u0000cat.jpg\u00009999', '\u0000cat.jpg\u00009998', 'plain', 'a\u0000b'];
    for (const [i, n] of names.entries()) {
      const rec = {
        account, container: versions, name: n, blobId: '', inline: Buffer.from(n), etag: 'e', size: n.length,
        contentType: 'x/y', timestamp: 2 + i, metadata: {},
      };
      assert.deepEqual(await store.putObject(rec), { result: 'stored' });
      assert.deepEqual((await store.lookupPath(account, versions, n)).object, rec);
    }
    const listed = (await store.listObjects(account, versions, { limit: 100 })).map((e) => ('subdir' in e ? e.subdir : e.name));
    assert.deepEqual(listed, ['\u0000cat.jpg\u00009998', '\u0000cat.jpg\u00009999', 'a\u0000b', 'plain']);
    const visible = (await store.listObjects(account, versions, { limit: 100, hideReserved: true })).map((e) => ('subdir' in e ? e.subdir : e.name));
    assert.deepEqual(visible, ['a\u0000b', 'plain']);
    const delimited = await store.listObjects(account, versions, { limit: 100, delimiter: '\u0000' });
    assert.deepEqual(delimited.map((e) => ('subdir' in e ? { subdir: e.subdir } : e.name)), [{ subdir: '\u0000' }, { subdir: 'a\u0000' }, 'plain']);
    assert.deepEqual((await store.listContainers(account, { limit: 10 })).map((e) => ('subdir' in e ? e.subdir : e.name)), [versions, 'photos']);
    assert.deepEqual((await store.listContainers(account, { limit: 10, hideReserved: true })).map((e) => ('subdir' in e ? e.subdir : e.name)), ['photos']);
    assert.equal((await store.getContainer(account, versions))?.objectCount, 4);
    assert.deepEqual((await store.getContainer(account, versions))?.metadata, { 'x-container-sysmeta-versions-container': versions });
    assert.equal((await store.deleteObject(account, versions, names[0] ?? '', 100))?.name, names[0]);
    assert.deepEqual((await store.expiredObjects(2_000_000_000, 10)).filter((r) => r.account === account), []);
  } finally {
    await backend.destroy();
  }
});

test('postgres: listings rendered with server-joined JSON entries equal those rendered from the rows', async () => {
  const { store, urls, close } = await freshStore('render');
  try {
    const account = 'AUTH_render';
    await store.putContainer(account, 'c', {}, 1);
    const names = ['a', 'a/b', 'a/c', 'b "quoted" <x>', 'é/ü', '\u{1F600}', '\u0000reserved', 'z\\back'];
    for (const [i, n] of names.entries()) {
      await store.putObject({
        account, container: 'c', name: n, blobId: i % 2 ? '' : `blob${i}`, etag: `etag${i}`, size: i * 100,
        contentType: i % 3 ? 'text/plain; charset=utf-8' : 'application/x-thing;swift_bytes=5', timestamp: 1_700_000_000.12345 + i,
        metadata: i === 2 ? { 'x-object-sysmeta-container-update-override-etag': 'overridden; s3_etag=abc' } : {},
      });
    }
    await store.updateObject(account, 'c', 'a/c', { metadata: { 'x-object-meta-k': 'v' }, contentType: 'image/png', timestamp: 1_800_000_000 });
    const expectSame = async (label: string) => {
      const cases: ListOptions[] = [
        { limit: 100 }, { limit: 3 }, { limit: 100, reverse: true }, { limit: 100, marker: 'a/b' }, { limit: 100, prefix: 'a' },
        { limit: 100, endMarker: 'b' }, { limit: 100, hideReserved: true }, { limit: 100, delimiter: '/' }, { limit: 100, path: 'a' },
        { limit: 0 }, { limit: 100, prefix: 'nothing' },
      ];
      for (const options of cases) for (const format of ['json', 'plain', 'xml'] as ListingFormat[]) {
        const got = await store.renderObjectListing({ account, container: 'c', options, format });
        const want = renderObjectListing(format, 'c', await store.listObjects(account, 'c', options));
        assert.equal(got.body.toString(), want.body.toString(), `${label} ${format} ${JSON.stringify(options)}`);
        assert.equal(got.empty, want.empty);
      }
    };
    await expectSame('stored entries');
    // Rows without a stored entry (written by hand, or by a bulk load): rendered from their columns.
    const raw = new pg.Client({ connectionString: urls[shardOf(account, urls.length)] });
    await raw.connect();
    await raw.query("UPDATE objects SET listing_json = NULL WHERE name = convert_to('a/b', 'UTF8')");
    await raw.end();
    await expectSame('one entry missing');
  } finally {
    await close();
  }
});

/** Resolves with how long `work` took to reject, and what it rejected with. */
async function rejection(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work();
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
  assert.fail('expected a rejection');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

test('postgres: a shard with nothing listening fails open at once with MetadataUnavailableError', async () => {
  const closed = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
  const { ms, error } = await rejection(() => PostgresMetadataStore.open({ shardUrls: [serverUrls()[0] ?? '', closed] }));
  assert.ok(error instanceof MetadataUnavailableError, String(error));
  assert.equal(error.shard, 1);
  assert.ok(ms < 2000, `took ${ms} ms`);
});

test('postgres: a server that accepts but never answers times out (connect timeout), no hang', async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => { sockets.push(s); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const address = silent.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const { ms, error } = await rejection(() => PostgresMetadataStore.open({
      shardUrls: [`postgres://postgres@127.0.0.1:${port}/postgres`], connectTimeoutMs: 800,
    }));
    assert.ok(error instanceof MetadataUnavailableError, String(error));
    assert.ok(ms >= 700 && ms < 3000, `took ${ms} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('postgres: a statement stuck behind a lock is cancelled by the statement timeout', async () => {
  const { store, urls, close } = await freshStore('stuck', { statementTimeoutMs: 600 });
  const blocker = new pg.Client({ connectionString: urls[shardOf('AUTH_stuck', urls.length)] });
  try {
    await store.putContainer('AUTH_stuck', 'c', {}, 1);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE objects IN ACCESS EXCLUSIVE MODE');
    const { ms, error } = await rejection(() => store.getObject('AUTH_stuck', 'c', 'o'));
    assert.ok(error instanceof MetadataUnavailableError, String(error));
    assert.ok(ms >= 500 && ms < 3000, `took ${ms} ms`);
    await blocker.query('ROLLBACK');
    assert.equal(await store.getObject('AUTH_stuck', 'c', 'o'), undefined, 'the store answers again once the lock is gone');
  } finally {
    await blocker.end().catch(() => undefined);
    await close();
  }
});

test('postgres: a server stopped under a running store gives prompt typed errors, then recovers with nothing lost', async () => {
  // A port free right now (not a fixed one: any fixed port may be some connection's ephemeral port).
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'swiftlet-pg-spare-'));
  const env = { ...process.env, SWIFTLET_PG_PORTS: String(port), SWIFTLET_PG_DIR: base };
  const start = () => run(join(REPO, 'scripts/postgres/start.sh'), [], { env, timeout: 120_000 });
  const stop = () => run(join(REPO, 'scripts/postgres/stop.sh'), [], { env, timeout: 60_000 });
  let opened: PostgresMetadataStore | undefined;
  try {
    await start();
    const store = opened = await PostgresMetadataStore.open({
      shardUrls: [`postgres://postgres@127.0.0.1:${port}/postgres`], connectTimeoutMs: 1000, statementTimeoutMs: 2000,
    });
    await store.putContainer('AUTH_down', 'c', {}, 1);
    const rec = {
      account: 'AUTH_down', container: 'c', name: 'kept', blobId: '', inline: Buffer.from('acknowledged'), etag: 'e',
      size: 12, contentType: 'text/plain', timestamp: 2, metadata: {},
    };
    assert.deepEqual(await store.putObject(rec), { result: 'stored' });
    await stop();
    for (const op of [() => store.getObject('AUTH_down', 'c', 'kept'), () => store.putObject({ ...rec, timestamp: 3 }),
      () => store.listObjects('AUTH_down', 'c', { limit: 10 }), () => store.putContainer('AUTH_down', 'd', {}, 4)]) {
      const { ms, error } = await rejection(op);
      assert.ok(error instanceof MetadataUnavailableError, String(error));
      assert.ok(ms < 2500, `took ${ms} ms`);
    }
    await start();
    // The pool dropped its connections to the old server when it shut down: the first call works.
    const back = await store.getObject('AUTH_down', 'c', 'kept');
    assert.deepEqual(back, rec, 'the acknowledged write survived the restart');
    assert.equal((await store.getContainer('AUTH_down', 'c'))?.objectCount, 1);
  } finally {
    await opened?.close();
    await stop().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  }
});

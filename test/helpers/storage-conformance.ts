/**
 * The storage conformance suite: every MetadataStore and BlobStore backend (SQLite + filesystem today,
 * PostgreSQL + S3 later) runs exactly these tests against its real engine. A backend's test file only
 * supplies a factory; see test/storage-conformance.test.ts.
 *
 * Expected listings were checked against OpenStack Swift 2.30 (the same names and queries sent to a
 * real Swift container), and a reference model of Swift's listing rules cross-checks thousands of
 * option combinations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BlobIncompleteError, BlobTooLargeError, PolicyConflictError,
  type BlobReader, type BlobStore, type ContainerListEntry, type Listed, type ListOptions, type MetadataStore,
  type ObjectKey, type ObjectRecord,
} from '../../src/storage/contracts.js';
import { reapExpired, sweepOrphans } from '../../src/storage/janitor.js';

export interface MetadataBackend {
  /** A new, independent handle on the same backend (another connection, as another worker would hold). */
  open(): Promise<MetadataStore>;
  /** Closes what `open` returned and removes the backend's data. */
  destroy(): Promise<void>;
}

export interface BlobBackend {
  store: BlobStore;
  /** Everything the backend holds, temporary and final (file paths, keys…), to prove a failed write left nothing. */
  artifacts(): Promise<string[]>;
  /** Leaves a temporary artifact behind, as a write interrupted by a crash would. */
  plantTemporary(): Promise<void>;
  destroy(): Promise<void>;
}

const T0 = 1_700_000_000.00001;
let unique = 0;
/** A fresh account name per test, so tests never see each other's rows. */
function freshAccount(tag: string): string {
  unique++;
  return `AUTH_${tag}_${process.pid}_${unique}_${randomBytes(3).toString('hex')}`;
}

/** A fake 32-hex blob id (metadata tests never touch bytes). */
function blobIdFor(): string {
  return randomBytes(16).toString('hex');
}

function record(account: string, container: string, name: string, size: number, timestamp: number, extra: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    account, container, name, blobId: blobIdFor(), etag: createHash('md5').update(name).digest('hex'), size,
    contentType: 'application/octet-stream', timestamp, metadata: {}, ...extra,
  };
}

/** Bytewise UTF-8 comparison, written independently of src/storage/listing.ts. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

type Entry = string | { subdir: string };

function names<T extends { name: string }>(listed: Listed<T>[]): Entry[] {
  return listed.map((e) => ('subdir' in e ? { subdir: e.subdir } : e.name));
}

/**
 * Swift's listing rules restated as a filter over the full sorted list (container/backend.py
 * list_objects_iter): markers swap under reverse; prefix/markers bound the range; a delimiter after
 * the prefix collapses names into one `subdir` (skipped when it equals the original marker); `path`
 * means prefix path + '/', delimiter '/', direct children only, no subdirs, not the path itself.
 */
export function referenceListing(all: readonly string[], o: ListOptions): Entry[] {
  const sorted = [...all].sort(byteCompare);
  const reverse = o.reverse === true;
  let lower = o.marker || undefined;
  let upper = o.endMarker || undefined;
  if (reverse) {
    sorted.reverse();
    [lower, upper] = [upper, lower];
  }
  let prefix = o.prefix;
  let delimiter = o.delimiter || undefined;
  if (o.path !== undefined) {
    prefix = o.path ? `${o.path.replace(/\/+$/, '')}/` : '';
    delimiter = '/';
  }
  const inRange = sorted.filter((n) => (lower === undefined || byteCompare(n, lower) > 0)
    && (upper === undefined || byteCompare(n, upper) < 0) && (!prefix || n.startsWith(prefix)));
  /** Under `path`, a name with more below its first '/' after the prefix; returns that head. */
  const deeperHead = (n: string): string | undefined => {
    const at = n.indexOf('/', (prefix ?? '').length);
    return at >= 0 && n.length > at + 1 ? n.slice(0, at) : undefined;
  };
  // Swift's path quirk: skipping past a deeper name with head H uses an exclusive bound, H + '0'
  // forward and H + '/' in reverse, which hides a name equal to that bound.
  const hidden = new Set<string>();
  if (o.path !== undefined) {
    for (const n of inRange) {
      const head = deeperHead(n);
      if (head !== undefined) hidden.add(reverse ? `${head}/` : `${head}0`);
    }
  }
  const out: Entry[] = [];
  for (const n of inRange) {
    if (delimiter) {
      const at = n.indexOf(delimiter, (prefix ?? '').length);
      if (o.path !== undefined) {
        if (o.path !== '' && n === prefix) continue;
        if (at >= 0 && n.length > at + delimiter.length) continue;
        if (hidden.has(n)) continue;
      } else if (at >= 0) {
        const dir = n.slice(0, at + delimiter.length);
        const last = out[out.length - 1];
        if (dir === lower) continue;
        if (last !== undefined && typeof last !== 'string' && last.subdir === dir) continue;
        out.push({ subdir: dir });
        continue;
      }
    }
    out.push(n);
  }
  return out.slice(0, o.limit);
}

/** Names chosen so UTF-16 order and UTF-8 byte order disagree (U+E000..U+FFFF sort before astral in UTF-16 only). */
export const LISTING_NAMES: readonly string[] = [
  'a', 'a/', 'a/b', 'a/b/c', 'a/b0', 'a/c', 'a//d', 'a0', 'ab', 'b', 'b/x', 'b-y', 'c/d/e', 'é', 'é/x',
  '\uE000', '\uE000/y', '\uFFFD', '\u{10000}', '\u{1F600}', '\u{1F600}/z', 'z', 'z/',
];

export function runMetadataStoreConformance(name: string, factory: () => Promise<MetadataBackend>): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    let backend: MetadataBackend;
    let store: MetadataStore;
    before(async () => {
      backend = await factory();
      store = await backend.open();
    });
    after(async () => { await backend.destroy(); });

    test('accounts are created on demand, once', async () => {
      const acct = freshAccount('acct');
      assert.equal(await store.getAccount(acct), undefined);
      assert.equal(await store.ensureAccount(acct, T0), true);
      assert.equal(await store.ensureAccount(acct, T0 + 5), false);
      const info = await store.getAccount(acct);
      assert.deepEqual(info, {
        name: acct, createdAt: T0, putTimestamp: T0, containerCount: 0, objectCount: 0, bytesUsed: 0, metadata: {},
      });
    });

    test('account metadata: set, keep others, remove with empty value, auto-create', async () => {
      const acct = freshAccount('meta');
      await store.updateAccountMetadata(acct, { 'x-account-meta-color': 'blue', 'x-account-meta-size': 'L' }, T0);
      let info = await store.getAccount(acct);
      assert.ok(info, 'updateAccountMetadata creates the account');
      assert.deepEqual(info.metadata, { 'x-account-meta-color': 'blue', 'x-account-meta-size': 'L' });
      await store.updateAccountMetadata(acct, { 'x-account-meta-color': '', 'x-account-meta-shape': 'round' }, T0 + 1);
      info = await store.getAccount(acct);
      assert.deepEqual(info?.metadata, { 'x-account-meta-size': 'L', 'x-account-meta-shape': 'round' });
      assert.equal(info?.putTimestamp, T0 + 1);
      // Removing a key that is not there is harmless.
      await store.updateAccountMetadata(acct, { 'x-account-meta-nothing': '' }, T0 + 2);
      assert.deepEqual((await store.getAccount(acct))?.metadata, { 'x-account-meta-size': 'L', 'x-account-meta-shape': 'round' });
    });

    test('storage policies: kept from creation, a named other one conflicts, figures per policy', async () => {
      const acct = freshAccount('policy');
      assert.equal(await store.putContainer(acct, 'gold', {}, T0, { index: 1, explicit: true }), true);
      assert.equal(await store.putContainer(acct, 'plain', {}, T0, { index: 2, explicit: false }), true);
      assert.equal((await store.getContainer(acct, 'gold'))?.policyIndex, 1);
      assert.equal((await store.getContainer(acct, 'plain'))?.policyIndex, 2);
      await assert.rejects(store.putContainer(acct, 'gold', { 'x-container-meta-a': '1' }, T0 + 1, { index: 2, explicit: true }),
        (err: unknown) => err instanceof PolicyConflictError && err.existingIndex === 1);
      assert.deepEqual((await store.getContainer(acct, 'gold'))?.metadata, {}, 'a conflicting PUT changes nothing');
      // Not named: the existing policy stays whatever the default is now.
      assert.equal(await store.putContainer(acct, 'gold', { 'x-container-meta-a': '1' }, T0 + 2, { index: 2, explicit: false }), false);
      assert.equal(await store.putContainer(acct, 'gold', {}, T0 + 3, { index: 1, explicit: true }), false);
      assert.equal((await store.getContainer(acct, 'gold'))?.policyIndex, 1);
      assert.equal((await store.lookupPath(acct, 'gold')).container?.policyIndex, 1);
      await store.putContainer(acct, 'gold2', {}, T0, { index: 1, explicit: true });
      for (const [c, n, size] of [['gold', 'a', 10], ['gold2', 'b', 5], ['plain', 'c', 7]] as const) {
        await store.putObject({ account: acct, container: c, name: n, blobId: '', inline: Buffer.alloc(size), etag: 'e', size, contentType: 'x', timestamp: T0 + 5, metadata: {} });
      }
      assert.deepEqual(await store.accountPolicyStats(acct), [
        { policyIndex: 1, containerCount: 2, objectCount: 2, bytesUsed: 15 },
        { policyIndex: 2, containerCount: 1, objectCount: 1, bytesUsed: 7 },
      ]);
      assert.deepEqual(await store.accountPolicyStats(freshAccount('none')), []);
    });

    test('containers: create, update metadata, counts on the account', async () => {
      const acct = freshAccount('cont');
      assert.equal(await store.putContainer(acct, 'c1', { 'x-container-meta-a': '1', 'x-container-read': '.r:*' }, T0), true);
      assert.equal((await store.getAccount(acct))?.containerCount, 1, 'putContainer auto-creates the account');
      assert.equal(await store.putContainer(acct, 'c1', { 'x-container-meta-a': '', 'x-container-meta-b': '2' }, T0 + 1), false);
      const c = await store.getContainer(acct, 'c1');
      assert.deepEqual(c, {
        account: acct, name: 'c1', createdAt: T0, putTimestamp: T0 + 1, objectCount: 0, bytesUsed: 0,
        metadata: { 'x-container-read': '.r:*', 'x-container-meta-b': '2' }, policyIndex: 0,
      });
      assert.equal(await store.putContainer(acct, 'c2', {}, T0 + 2), true);
      assert.equal((await store.getAccount(acct))?.containerCount, 2);

      assert.equal(await store.updateContainerMetadata(acct, 'c2', { 'x-container-meta-q': 'v' }, T0 + 3), true);
      assert.deepEqual((await store.getContainer(acct, 'c2'))?.metadata, { 'x-container-meta-q': 'v' });
      assert.equal(await store.updateContainerMetadata(acct, 'missing', { 'x-container-meta-q': 'v' }, T0 + 3), false);
      assert.equal(await store.getContainer(acct, 'missing'), undefined);
      assert.equal(await store.getContainer(acct, 'missing'), undefined, 'update of a missing container does not create it');
    });

    test('container delete: not_found, not_empty, deleted', async () => {
      const acct = freshAccount('cdel');
      assert.equal(await store.deleteContainer(acct, 'nope'), 'not_found');
      await store.putContainer(acct, 'c', {}, T0);
      assert.equal((await store.putObject(record(acct, 'c', 'o', 3, T0 + 1))).result, 'stored');
      assert.equal(await store.deleteContainer(acct, 'c'), 'not_empty');
      assert.ok(await store.getContainer(acct, 'c'));
      assert.ok(await store.deleteObject(acct, 'c', 'o', T0 + 2));
      assert.equal(await store.deleteContainer(acct, 'c'), 'deleted');
      assert.equal(await store.getContainer(acct, 'c'), undefined);
      assert.equal(await store.deleteContainer(acct, 'c'), 'not_found');
      const info = await store.getAccount(acct);
      assert.equal(info?.containerCount, 0);
      assert.equal(info?.objectCount, 0);
      assert.equal(info?.bytesUsed, 0);
    });

    test('container sync change log: writes, POSTs and deletes of a synced container, in order; none elsewhere', async () => {
      const acct = freshAccount('sync');
      const syncTo = '//realm/cluster/AUTH_remote/c';
      await store.putContainer(acct, 'synced', { 'x-container-sync-to': syncTo, 'x-container-sync-key': 'k' }, T0);
      // A value that merely mentions the header's name does not make a container synced.
      await store.putContainer(acct, 'plain', { 'x-container-meta-note': '"x-container-sync-to"' }, T0);
      const start = await store.changeHorizon(acct, 'synced');
      assert.equal((await store.putObject(record(acct, 'plain', 'p', 1, T0 + 1))).result, 'stored');
      assert.equal((await store.putObject(record(acct, 'synced', 'a', 1, T0 + 1))).result, 'stored');
      assert.equal((await store.putObject(record(acct, 'synced', 'b', 2, T0 + 2))).result, 'stored');
      assert.equal((await store.putObject(record(acct, 'synced', 'a', 3, T0 + 3))).result, 'stored');
      // A write that loses (older) changes nothing and logs nothing.
      assert.equal((await store.putObject(record(acct, 'synced', 'a', 3, T0 + 0.5))).result, 'stale');
      assert.equal(await store.updateObject(acct, 'synced', 'b', { metadata: { 'x-object-meta-x': 'y' }, contentType: 'text/plain', timestamp: T0 + 4 }), true);
      assert.ok(await store.deleteObject(acct, 'synced', 'a', T0 + 5));
      const horizon = await store.changeHorizon(acct, 'synced');
      assert.ok(horizon > start);
      const changes = await store.containerChanges(acct, 'synced', start, horizon, 100);
      assert.deepEqual(changes.map((c) => [c.name, c.deleted]), [['a', false], ['b', false], ['a', false], ['b', false], ['a', true]]);
      assert.deepEqual(changes.slice(0, 4).map((c) => c.timestamp), [T0 + 1, T0 + 2, T0 + 3, T0 + 4]);
      assert.ok((changes[4]?.timestamp ?? 0) >= T0 + 3, 'a deletion is never older than the object it removed');
      for (let i = 1; i < changes.length; i++) assert.ok((changes[i]?.seq ?? 0) > (changes[i - 1]?.seq ?? 0));
      assert.equal((await store.containerChanges(acct, 'plain', 0, horizon, 100)).length, 0);
      assert.deepEqual((await store.containerChanges(acct, 'synced', start, horizon, 2)).map((c) => c.name), ['a', 'b']);
      const synced = (await store.syncedContainers()).filter((c) => c.account === acct);
      assert.deepEqual(synced.map((c) => [c.name, c.metadata['x-container-sync-to']]), [['synced', syncTo]]);
    });

    test('container sync points: kept per container, prune pushed changes but keep deletions as tombstones, go with the container', async () => {
      const acct = freshAccount('syncpt');
      await store.putContainer(acct, 'c', { 'x-container-sync-to': '//r/c/AUTH_x/y' }, T0);
      assert.equal(await store.getSyncPoint(acct, 'c'), undefined);
      const start = await store.changeHorizon(acct, 'c');
      await store.putObject(record(acct, 'c', 'keep', 1, T0 + 1));
      await store.putObject(record(acct, 'c', 'gone', 1, T0 + 2));
      assert.ok(await store.deleteObject(acct, 'c', 'gone', T0 + 3));
      assert.equal(await store.lastDeletion(acct, 'c', 'keep'), undefined);
      const deletedAt = await store.lastDeletion(acct, 'c', 'gone');
      assert.ok(deletedAt !== undefined && deletedAt >= T0 + 2);
      const horizon = await store.changeHorizon(acct, 'c');
      await store.setSyncPoint(acct, 'c', { syncTo: '//r/c/AUTH_x/y', seq: horizon });
      assert.deepEqual(await store.getSyncPoint(acct, 'c'), { syncTo: '//r/c/AUTH_x/y', seq: horizon });
      // Nothing after the point; the tombstone outlives the pruning.
      assert.deepEqual(await store.containerChanges(acct, 'c', horizon, await store.changeHorizon(acct, 'c'), 10), []);
      assert.equal(await store.lastDeletion(acct, 'c', 'gone'), deletedAt);
      assert.ok(start <= horizon);
      // Sync turned off: the point goes (changes made meanwhile are not logged; turned on again, it starts over).
      await store.putContainer(acct, 'off', { 'x-container-sync-to': '//r/c/AUTH_x/z' }, T0);
      await store.setSyncPoint(acct, 'off', { syncTo: '//r/c/AUTH_x/z', seq: horizon });
      await store.updateContainerMetadata(acct, 'off', { 'x-container-meta-other': 'v' }, T0 + 1);
      assert.ok(await store.getSyncPoint(acct, 'off'), 'other metadata changes keep the point');
      await store.updateContainerMetadata(acct, 'off', { 'x-container-sync-to': '' }, T0 + 2);
      assert.equal(await store.getSyncPoint(acct, 'off'), undefined);
      // A point for a container that does not exist is not kept; a deleted container's point goes with it.
      await store.setSyncPoint(acct, 'missing', { syncTo: 'x', seq: 1 });
      assert.equal(await store.getSyncPoint(acct, 'missing'), undefined);
      assert.ok(await store.deleteObject(acct, 'c', 'keep', T0 + 9));
      assert.equal(await store.deleteContainer(acct, 'c'), 'deleted');
      assert.equal(await store.getSyncPoint(acct, 'c'), undefined);
      assert.equal(await store.lastDeletion(acct, 'c', 'gone'), undefined);
    });

    test('a damaged object is removed with its counts but leaves no sync deletion; an earlier tombstone stays', async () => {
      const acct = freshAccount('damaged');
      await store.putContainer(acct, 'c', { 'x-container-sync-to': '//r/c/AUTH_x/y' }, T0);
      await store.putObject(record(acct, 'c', 'o', 1, T0 + 1));
      assert.ok(await store.deleteObject(acct, 'c', 'o', T0 + 2));
      const earlier = await store.lastDeletion(acct, 'c', 'o');
      assert.ok(earlier !== undefined);
      await store.putObject(record(acct, 'c', 'o', 7, (earlier ?? 0) + 10));
      const start = await store.changeHorizon(acct, 'c');
      // Not newer than the stored version: not removed.
      assert.equal(await store.removeDamagedObject(acct, 'c', 'o', (earlier ?? 0) + 5), undefined);
      const removed = await store.removeDamagedObject(acct, 'c', 'o', (earlier ?? 0) + 10);
      assert.equal(removed?.size, 7);
      assert.equal(await store.getObject(acct, 'c', 'o'), undefined);
      assert.equal((await store.getContainer(acct, 'c'))?.objectCount, 0);
      assert.equal((await store.getAccount(acct))?.bytesUsed, 0);
      assert.deepEqual(await store.containerChanges(acct, 'c', start, await store.changeHorizon(acct, 'c'), 10), [],
        'no deletion for container sync to push');
      assert.equal(await store.lastDeletion(acct, 'c', 'o'), earlier, 'the client\'s earlier delete is still remembered');
    });

    test('object put: no_container, stored, round trip of every field', async () => {
      const acct = freshAccount('obj');
      assert.deepEqual(await store.putObject(record(acct, 'c', 'o', 1, T0)), { result: 'no_container' });
      await store.putContainer(acct, 'c', {}, T0);
      const rec = record(acct, 'c', 'dir/ö bj', 12345, T0 + 1, {
        contentType: 'text/plain; charset=utf-8', deleteAt: 1_900_000_000,
        metadata: { 'x-object-meta-k': 'v', 'content-disposition': 'inline' },
      });
      assert.deepEqual(await store.putObject(rec), { result: 'stored' });
      assert.deepEqual(await store.getObject(acct, 'c', 'dir/ö bj'), rec);
      const plain = record(acct, 'c', 'plain', 0, T0 + 1);
      await store.putObject(plain);
      const got = await store.getObject(acct, 'c', 'plain');
      assert.deepEqual(got, plain);
      assert.equal(got && 'deleteAt' in got, false, 'deleteAt is absent, not null, when the object never expires');
      assert.equal(await store.getObject(acct, 'c', 'missing'), undefined);
      assert.equal(await store.getObject(acct, 'other', 'plain'), undefined);
      const c = await store.getContainer(acct, 'c');
      assert.equal(c?.objectCount, 2);
      assert.equal(c?.bytesUsed, 12345);
    });

    test('object overwrite: last writer wins by timestamp, stale writes refused, replaced blob returned', async () => {
      const acct = freshAccount('ow');
      await store.putContainer(acct, 'c', {}, T0);
      const v1 = record(acct, 'c', 'o', 100, T0 + 10);
      const v2 = record(acct, 'c', 'o', 250, T0 + 20);
      assert.deepEqual(await store.putObject(v1), { result: 'stored' });
      assert.deepEqual(await store.putObject(v2), { result: 'stored', replacedBlobId: v1.blobId });
      // Older and equal timestamps lose; the stored record is untouched.
      assert.deepEqual(await store.putObject(record(acct, 'c', 'o', 7, T0 + 15)), { result: 'stale' });
      assert.deepEqual(await store.putObject(record(acct, 'c', 'o', 7, T0 + 20)), { result: 'stale' });
      assert.deepEqual(await store.getObject(acct, 'c', 'o'), v2);
      // Timestamps differing in the 5th decimal still order (Swift timestamps have 10 µs resolution).
      const v3 = record(acct, 'c', 'o', 1, T0 + 20.00001);
      assert.deepEqual(await store.putObject(v3), { result: 'stored', replacedBlobId: v2.blobId });
      const c = await store.getContainer(acct, 'c');
      assert.equal(c?.objectCount, 1);
      assert.equal(c?.bytesUsed, 1);
      const a = await store.getAccount(acct);
      assert.equal(a?.objectCount, 1);
      assert.equal(a?.bytesUsed, 1);
    });

    test('object update (POST) replaces metadata, content type and delete-at; missing → false', async () => {
      const acct = freshAccount('upd');
      await store.putContainer(acct, 'c', {}, T0);
      const rec = record(acct, 'c', 'o', 10, T0 + 1, { metadata: { 'x-object-meta-old': '1' }, deleteAt: 1_800_000_000 });
      await store.putObject(rec);
      assert.equal(await store.updateObject(acct, 'c', 'o', { metadata: { 'x-object-meta-new': '2' }, contentType: 'text/x', timestamp: T0 + 2 }), true);
      const got = await store.getObject(acct, 'c', 'o');
      assert.deepEqual(got, { ...(({ deleteAt: _d, ...rest }) => rest)(rec), metadata: { 'x-object-meta-new': '2' }, contentType: 'text/x', timestamp: T0 + 2 });
      assert.equal(await store.updateObject(acct, 'c', 'missing', { metadata: {}, contentType: 'x/y', timestamp: T0 + 3 }), false);
      assert.equal(await store.getObject(acct, 'c', 'missing'), undefined);
      assert.equal((await store.getContainer(acct, 'c'))?.bytesUsed, 10, 'an update does not change byte counts');
    });

    test('object delete: returns the removed record, refuses when the object is newer, fixes counts', async () => {
      const acct = freshAccount('odel');
      await store.putContainer(acct, 'c', {}, T0);
      const a = record(acct, 'c', 'a', 40, T0 + 10);
      const b = record(acct, 'c', 'b', 2, T0 + 10);
      await store.putObject(a);
      await store.putObject(b);
      assert.equal(await store.deleteObject(acct, 'c', 'a', T0 + 5), undefined, 'a delete older than the object is refused');
      assert.ok(await store.getObject(acct, 'c', 'a'));
      assert.deepEqual(await store.deleteObject(acct, 'c', 'a', T0 + 11), a);
      assert.equal(await store.getObject(acct, 'c', 'a'), undefined);
      assert.equal(await store.deleteObject(acct, 'c', 'a', T0 + 12), undefined, 'second delete finds nothing');
      assert.equal(await store.deleteObject(acct, 'nocontainer', 'a', T0 + 12), undefined);
      const c = await store.getContainer(acct, 'c');
      assert.equal(c?.objectCount, 1);
      assert.equal(c?.bytesUsed, 2);
      const info = await store.getAccount(acct);
      assert.equal(info?.objectCount, 1);
      assert.equal(info?.bytesUsed, 2);
    });

    test('account delete removes containers and objects and returns their blob ids', async () => {
      const acct = freshAccount('adel');
      const other = freshAccount('adel_other');
      assert.deepEqual(await store.deleteAccount(acct), { found: false, blobIds: [] });
      await store.putContainer(acct, 'c1', {}, T0);
      await store.putContainer(acct, 'c2', {}, T0);
      await store.putContainer(other, 'c1', {}, T0);
      const recs = [record(acct, 'c1', 'x', 1, T0 + 1), record(acct, 'c1', 'y', 1, T0 + 1), record(acct, 'c2', 'x', 1, T0 + 1)];
      for (const r of recs) await store.putObject(r);
      const keep = record(other, 'c1', 'x', 1, T0 + 1);
      await store.putObject(keep);
      const res = await store.deleteAccount(acct);
      assert.equal(res.found, true);
      assert.deepEqual([...res.blobIds].sort(), recs.map((r) => r.blobId).sort());
      assert.equal(await store.getAccount(acct), undefined);
      assert.equal(await store.getContainer(acct, 'c1'), undefined);
      assert.equal(await store.getObject(acct, 'c1', 'x'), undefined);
      assert.deepEqual(await store.listContainers(acct, { limit: 100 }), []);
      assert.deepEqual(await store.getObject(other, 'c1', 'x'), keep, 'other accounts are untouched');
      // A new account of the same name starts empty.
      await store.ensureAccount(acct, T0 + 5);
      assert.equal((await store.getAccount(acct))?.objectCount, 0);
    });

    test('counts stay exact under many interleaved writers on two handles', async () => {
      const second = await backend.open();
      try {
        const acct = freshAccount('conc');
        await store.putContainer(acct, 'c1', {}, T0);
        await store.putContainer(acct, 'c2', {}, T0);
        const handles = [store, second];
        let seed = 42;
        const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
        const ops: (() => Promise<unknown>)[] = [];
        for (let i = 0; i < 1500; i++) {
          const h = handles[rand(2)] ?? store;
          const c = rand(2) === 0 ? 'c1' : 'c2';
          const n = `obj-${rand(60)}`;
          const ts = T0 + 1 + rand(400) / 100;
          if (rand(4) === 0) ops.push(() => h.deleteObject(acct, c, n, ts));
          else ops.push(() => h.putObject(record(acct, c, n, rand(5000), ts)));
        }
        // Start them all at once so a backend with real concurrency interleaves them.
        await Promise.all(ops.map((op) => Promise.resolve().then(op)));
        await assertCountsExact(store, acct, ['c1', 'c2']);
        const total = await store.getAccount(acct);
        assert.ok((total?.objectCount ?? 0) > 0, 'some objects survive');
      } finally {
        await second.close();
      }
    });

    test('object listings follow Swift: marker, end_marker, prefix, delimiter, reverse, path, limit', async () => {
      const acct = freshAccount('list');
      await store.putContainer(acct, 'c', {}, T0);
      for (const n of LISTING_NAMES) await store.putObject(record(acct, 'c', n, 1, T0 + 1));
      const list = async (o: Partial<ListOptions>) => names(await store.listObjects(acct, 'c', { limit: 10_000, ...o }));
      // Each expectation below is what Swift 2.30 answered for the same names and query.
      assert.deepEqual(await list({}), [
        'a', 'a/', 'a//d', 'a/b', 'a/b/c', 'a/b0', 'a/c', 'a0', 'ab', 'b', 'b-y', 'b/x', 'c/d/e', 'z', 'z/', 'é', 'é/x',
        '\uE000', '\uE000/y', '\uFFFD', '\u{10000}', '\u{1F600}', '\u{1F600}/z',
      ]);
      const sd = (subdir: string) => ({ subdir });
      assert.deepEqual(await list({ delimiter: '/' }), [
        'a', sd('a/'), 'a0', 'ab', 'b', 'b-y', sd('b/'), sd('c/'), 'z', sd('z/'), 'é', sd('é/'), '\uE000', sd('\uE000/'),
        '\uFFFD', '\u{10000}', '\u{1F600}', sd('\u{1F600}/'),
      ]);
      assert.deepEqual(await list({ delimiter: '/', reverse: true }), [
        sd('\u{1F600}/'), '\u{1F600}', '\u{10000}', '\uFFFD', sd('\uE000/'), '\uE000', sd('é/'), 'é', sd('z/'), 'z',
        sd('c/'), sd('b/'), 'b-y', 'b', 'ab', 'a0', sd('a/'), 'a',
      ]);
      assert.deepEqual(await list({ prefix: 'a/', delimiter: '/' }), ['a/', sd('a//'), 'a/b', sd('a/b/'), 'a/b0', 'a/c']);
      // Swift's path walk skips past a pseudo-directory with an exclusive bound, so the name right
      // after it ('a/b0' after 'a/b/…', 'a0' after 'a/…') is dropped forward, and 'dir/' in reverse.
      assert.deepEqual(await list({ path: 'a' }), ['a/b', 'a/c']);
      assert.deepEqual(await list({ path: 'a', reverse: true }), ['a/c', 'a/b0', 'a/b']);
      assert.deepEqual(await list({ path: 'a', marker: 'a/b/c' }), ['a/b0', 'a/c']);
      assert.deepEqual(await list({ path: '' }), ['a', 'a/', 'ab', 'b', 'b-y', 'z', 'z/', 'é', '\uE000', '\uFFFD', '\u{10000}', '\u{1F600}']);
      assert.deepEqual(await list({ path: '', reverse: true }), [
        '\u{1F600}', '\u{10000}', '\uFFFD', '\uE000', 'é', 'z/', 'z', 'b-y', 'b', 'ab', 'a0', 'a',
      ]);
      assert.deepEqual(await list({ delimiter: '/', marker: 'a/' }), [
        'a0', 'ab', 'b', 'b-y', sd('b/'), sd('c/'), 'z', sd('z/'), 'é', sd('é/'), '\uE000', sd('\uE000/'), '\uFFFD',
        '\u{10000}', '\u{1F600}', sd('\u{1F600}/'),
      ]);
      assert.deepEqual(await list({ delimiter: '/', marker: 'a/b', limit: 3 }), [sd('a/'), 'a0', 'ab']);
      assert.deepEqual(await list({ reverse: true, marker: 'b', endMarker: 'a/b' }), ['ab', 'a0', 'a/c', 'a/b0', 'a/b/c']);
      assert.deepEqual(await list({ delimiter: '/', endMarker: 'b/x', reverse: true }), [
        sd('\u{1F600}/'), '\u{1F600}', '\u{10000}', '\uFFFD', sd('\uE000/'), '\uE000', sd('é/'), 'é', sd('z/'), 'z', sd('c/'),
      ]);
      assert.deepEqual(await list({ prefix: 'é' }), ['é', 'é/x']);
      assert.deepEqual(await list({ marker: '\uE000', limit: 3 }), ['\uE000/y', '\uFFFD', '\u{10000}']);
      assert.deepEqual(await list({ delimiter: '/', limit: 4, reverse: true }), [sd('\u{1F600}/'), '\u{1F600}', '\u{10000}', '\uFFFD']);
      assert.deepEqual(await list({ delimiter: '-' }), [
        'a', 'a/', 'a//d', 'a/b', 'a/b/c', 'a/b0', 'a/c', 'a0', 'ab', 'b', sd('b-'), 'b/x', 'c/d/e', 'z', 'z/', 'é', 'é/x',
        '\uE000', '\uE000/y', '\uFFFD', '\u{10000}', '\u{1F600}', '\u{1F600}/z',
      ]);
      // Astral markers and prefixes (surrogate pairs in UTF-16) bound by code point.
      assert.deepEqual(await list({ marker: '\u{10000}' }), ['\u{1F600}', '\u{1F600}/z']);
      assert.deepEqual(await list({ endMarker: '\u{10000}', marker: '\uE000/y' }), ['\uFFFD']);
      assert.deepEqual(await list({ prefix: '\u{1F600}' }), ['\u{1F600}', '\u{1F600}/z']);
      assert.deepEqual(await list({ prefix: '\uE000' }), ['\uE000', '\uE000/y']);
      assert.deepEqual(await list({ prefix: 'nothing' }), []);
      // Whole records come back in listings, not just names.
      const [first] = await store.listObjects(acct, 'c', { limit: 1, prefix: 'c/' });
      assert.ok(first && !('subdir' in first));
      assert.equal(first.name, 'c/d/e');
      assert.equal(first.size, 1);
      assert.equal(first.etag, createHash('md5').update('c/d/e').digest('hex'));
    });

    test('object listings agree with the reference model over a grid of options', async () => {
      const acct = freshAccount('grid');
      await store.putContainer(acct, 'c', {}, T0);
      for (const n of LISTING_NAMES) await store.putObject(record(acct, 'c', n, 1, T0 + 1));
      const markers = [undefined, '', 'a', 'a/', 'a/b', 'b', 'é', '\uE000', '\u{10000}', 'zz', '\u{1F600}/'];
      const endMarkers = [undefined, 'a/c', 'b', '\uE000', '\u{1F600}'];
      const prefixes = [undefined, '', 'a', 'a/', 'é', '\u{1F600}', 'q'];
      const delimiters = [undefined, '/', '-'];
      let checked = 0;
      for (const marker of markers) for (const endMarker of endMarkers) for (const prefix of prefixes)
        for (const delimiter of delimiters) for (const reverse of [false, true]) for (const limit of [1, 3, 100]) {
          const o: ListOptions = { limit, reverse };
          if (marker !== undefined) o.marker = marker;
          if (endMarker !== undefined) o.endMarker = endMarker;
          if (prefix !== undefined) o.prefix = prefix;
          if (delimiter !== undefined) o.delimiter = delimiter;
          assert.deepEqual(names(await store.listObjects(acct, 'c', o)), referenceListing(LISTING_NAMES, o), JSON.stringify(o));
          checked++;
        }
      for (const path of ['', 'a', 'a/', 'c', 'c/d', 'é', '\u{1F600}', 'none'])
        for (const marker of markers) for (const reverse of [false, true]) for (const limit of [1, 2, 100]) {
          const o: ListOptions = { limit, reverse, path };
          if (marker !== undefined) o.marker = marker;
          assert.deepEqual(names(await store.listObjects(acct, 'c', o)), referenceListing(LISTING_NAMES, o), JSON.stringify(o));
          checked++;
        }
      assert.ok(checked > 7000);
    });

    test('a prefix ending in U+D7FF (last code point before the surrogates) bounds correctly', async () => {
      const acct = freshAccount('d7ff');
      await store.putContainer(acct, 'c', {}, T0);
      for (const n of ['\uD7FF', '\uD7FFx', '\uD7FF/a', '\uE000', '\uE000x', '\uFFFD']) await store.putObject(record(acct, 'c', n, 1, T0 + 1));
      assert.deepEqual(names(await store.listObjects(acct, 'c', { limit: 100, prefix: '\uD7FF' })), ['\uD7FF', '\uD7FF/a', '\uD7FFx']);
      assert.deepEqual(names(await store.listObjects(acct, 'c', { limit: 100, prefix: '\uD7FF', reverse: true })), ['\uD7FFx', '\uD7FF/a', '\uD7FF']);
      assert.deepEqual(names(await store.listObjects(acct, 'c', { limit: 100, prefix: '\uD7FF', delimiter: '/' })), ['\uD7FF', { subdir: '\uD7FF/' }, '\uD7FFx']);
    });

    test('a few thousand mixed names: delimiter and path listings agree with the reference across pages', async () => {
      const acct = freshAccount('mixed');
      await store.putContainer(acct, 'c', {}, T0);
      const all: string[] = [];
      for (let i = 0; i < 2500; i++) {
        const k = i % 10;
        const nm = k < 3 ? `flat-${i}` : k < 6 ? `dir${i % 7}/f${i}` : k < 8 ? `dir${i % 7}/sub${i % 3}/f${i}` : k < 9 ? `big/f${i}` : `x${i % 50}/`;
        if (!all.includes(nm)) all.push(nm);
      }
      for (const nm of all) await store.putObject(record(acct, 'c', nm, 1, T0 + 1));
      const options: ListOptions[] = [
        { limit: 10_000, delimiter: '/' }, { limit: 10_000, delimiter: '/', reverse: true }, { limit: 37, delimiter: '/' },
        { limit: 10_000, delimiter: '/', prefix: 'dir3/' }, { limit: 10_000, path: 'dir3' }, { limit: 10_000, path: '' },
        { limit: 500, path: 'big' }, { limit: 10_000, delimiter: '/', marker: 'dir2/sub1/f', endMarker: 'x3' },
        { limit: 10_000, delimiter: 'f' }, { limit: 300, delimiter: '/', prefix: 'big/' }, { limit: 10_000, path: 'dir1', reverse: true },
      ];
      for (const o of options) {
        assert.deepEqual(names(await store.listObjects(acct, 'c', o)), referenceListing(all, o), JSON.stringify(o));
      }
    });

    test('paging with marker visits every object once, in byte order', async () => {
      const acct = freshAccount('page');
      await store.putContainer(acct, 'c', {}, T0);
      for (const n of LISTING_NAMES) await store.putObject(record(acct, 'c', n, 1, T0 + 1));
      for (const reverse of [false, true]) {
        const seen: string[] = [];
        let marker: string | undefined;
        for (;;) {
          const page = await store.listObjects(acct, 'c', marker === undefined ? { limit: 4, reverse } : { limit: 4, reverse, marker });
          if (page.length === 0) break;
          for (const e of page) seen.push('subdir' in e ? e.subdir : e.name);
          marker = seen[seen.length - 1];
        }
        const expected = [...LISTING_NAMES].sort(byteCompare);
        assert.deepEqual(seen, reverse ? expected.reverse() : expected);
      }
    });

    test('container listings: entries with counts, marker, prefix, delimiter, reverse, UTF-8 order', async () => {
      const acct = freshAccount('clist');
      const containerNames = ['alpha', 'beta', 'logs-2024', 'logs-2025', 'logs_x', 'é', '\uE000', '\u{1F600}'];
      for (const c of containerNames) await store.putContainer(acct, c, {}, T0 + 1);
      await store.putObject(record(acct, 'beta', 'o1', 10, T0 + 2));
      await store.putObject(record(acct, 'beta', 'o2', 5, T0 + 2));
      const all = await store.listContainers(acct, { limit: 100 });
      assert.deepEqual(names(all), containerNames);
      const beta = all[1] as ContainerListEntry;
      assert.equal(beta.objectCount, 2);
      assert.equal(beta.bytesUsed, 15);
      assert.equal(beta.lastModified, T0 + 1);
      const list = async (o: Partial<ListOptions>) => names(await store.listContainers(acct, { limit: 100, ...o }));
      assert.deepEqual(await list({ marker: 'beta', limit: 2 }), ['logs-2024', 'logs-2025']);
      assert.deepEqual(await list({ endMarker: 'logs-2025' }), ['alpha', 'beta', 'logs-2024']);
      assert.deepEqual(await list({ prefix: 'logs' }), ['logs-2024', 'logs-2025', 'logs_x']);
      assert.deepEqual(await list({ delimiter: '-' }), ['alpha', 'beta', { subdir: 'logs-' }, 'logs_x', 'é', '\uE000', '\u{1F600}']);
      assert.deepEqual(await list({ reverse: true, limit: 3 }), ['\u{1F600}', '\uE000', 'é']);
      assert.deepEqual(await list({ reverse: true, marker: 'é', prefix: 'logs', delimiter: '-' }), ['logs_x', { subdir: 'logs-' }]);
      assert.deepEqual(await list({ marker: '\uE000' }), ['\u{1F600}']);
      for (const o of [{ delimiter: '-', marker: 'logs-' }, { prefix: 'l', reverse: true }, { delimiter: '-', reverse: true, limit: 5 }] as Partial<ListOptions>[]) {
        assert.deepEqual(await list(o), referenceListing(containerNames, { limit: 100, ...o }), JSON.stringify(o));
      }
      assert.deepEqual(await store.listContainers(freshAccount('none'), { limit: 10 }), []);
    });

    // Listing speed at scale is measured by the benchmark (`npm run bench -- --workload list`), not timed here.
    test('20,000 objects: limited, reversed, prefix, delimiter and path pages are right', async () => {
      const acct = freshAccount('scale');
      await store.putContainer(acct, 'c', {}, T0);
      for (let d = 0; d < 200; d++) {
        const batch: Promise<unknown>[] = [];
        for (let i = 0; i < 100; i++) {
          batch.push(store.putObject(record(acct, 'c', `d${String(d).padStart(3, '0')}/o${String(i).padStart(3, '0')}`, 1, T0 + 1)));
        }
        await Promise.all(batch);
      }
      const c = await store.getContainer(acct, 'c');
      assert.equal(c?.objectCount, 20_000);
      assert.equal(c?.bytesUsed, 20_000);
      const page = await store.listObjects(acct, 'c', { limit: 100, marker: 'd150/o050' });
      assert.equal(page.length, 100);
      assert.deepEqual(names(page).slice(0, 2), ['d150/o051', 'd150/o052']);
      const rev = await store.listObjects(acct, 'c', { limit: 10, reverse: true, endMarker: 'd000/o005' });
      assert.deepEqual(names(rev).slice(0, 2), ['d199/o099', 'd199/o098']);
      assert.equal(rev.length, 10);
      const pre = await store.listObjects(acct, 'c', { limit: 1000, prefix: 'd123/' });
      assert.equal(pre.length, 100);
      const dirs = await store.listObjects(acct, 'c', { limit: 50, delimiter: '/', marker: 'd100/' });
      assert.deepEqual(names(dirs).slice(0, 2), [{ subdir: 'd101/' }, { subdir: 'd102/' }]);
      assert.equal(dirs.length, 50);
      // A full-size delimiter page (what `swift list -d /` and rclone ask for) reads each directory once.
      const allDirs = await store.listObjects(acct, 'c', { limit: 10_000, delimiter: '/' });
      assert.equal(allDirs.length, 200);
      const allDirsReversed = await store.listObjects(acct, 'c', { limit: 10_000, delimiter: '/', reverse: true });
      assert.deepEqual(names(allDirsReversed)[0], { subdir: 'd199/' });
      assert.equal((await store.listObjects(acct, 'c', { limit: 10_000, path: 'd007' })).length, 100);
    });

    test('expiredObjects: only past delete-at, oldest first, limited', async () => {
      const acct = freshAccount('exp');
      await store.putContainer(acct, 'c', {}, T0);
      const now = 1_750_000_000;
      await store.putObject(record(acct, 'c', 'late', 1, T0 + 1, { deleteAt: now - 10 }));
      await store.putObject(record(acct, 'c', 'early', 1, T0 + 1, { deleteAt: now - 100 }));
      await store.putObject(record(acct, 'c', 'exact', 1, T0 + 1, { deleteAt: now }));
      await store.putObject(record(acct, 'c', 'future', 1, T0 + 1, { deleteAt: now + 1 }));
      await store.putObject(record(acct, 'c', 'never', 1, T0 + 1));
      const mine = (recs: ObjectRecord[]) => recs.filter((r) => r.account === acct).map((r) => r.name);
      assert.deepEqual(mine(await store.expiredObjects(now, 1000)), ['early', 'late', 'exact']);
      // Overwriting without delete-at cancels the expiry.
      await store.putObject(record(acct, 'c', 'late', 1, T0 + 2));
      assert.deepEqual(mine(await store.expiredObjects(now, 1000)), ['early', 'exact']);
      const limited = await store.expiredObjects(now, 1);
      assert.equal(limited.length, 1);
      assert.ok(limited[0] && limited[0].deleteAt !== undefined && limited[0].deleteAt <= now);
    });

    test('lookupPath: account, container and object of a path in one read, missing ones absent', async () => {
      const acct = freshAccount('path');
      assert.deepEqual(await store.lookupPath(acct, 'c', 'o'), {});
      await store.putContainer(acct, 'c', { 'x-container-read': '.r:*' }, T0);
      const rec = record(acct, 'c', 'o', 3, T0 + 1, { blobId: '', inline: Buffer.from('abc'), metadata: { 'x-object-meta-a': 'b' } });
      await store.putObject(rec);
      const all = await store.lookupPath(acct, 'c', 'o');
      assert.deepEqual(all.account, await store.getAccount(acct));
      assert.deepEqual(all.container, await store.getContainer(acct, 'c'));
      assert.deepEqual(all.object, await store.getObject(acct, 'c', 'o'));
      assert.equal(all.object?.inline?.toString(), 'abc');
      const noObject = await store.lookupPath(acct, 'c', 'missing');
      assert.ok(noObject.account && noObject.container && noObject.object === undefined);
      const accountOnly = await store.lookupPath(acct);
      assert.ok(accountOnly.account && accountOnly.container === undefined && accountOnly.object === undefined);
      const otherContainer = await store.lookupPath(acct, 'd', 'o');
      assert.ok(otherContainer.account && otherContainer.container === undefined && otherContainer.object === undefined);
    });

    test('inline bytes: committed with the record, returned by getObject only, replaced and deleted with it', async () => {
      const acct = freshAccount('inline');
      await store.putContainer(acct, 'c', {}, T0);
      const bytes = randomBytes(5000);
      const small = record(acct, 'c', 'small', bytes.length, T0 + 1, { blobId: '', inline: bytes });
      assert.deepEqual(await store.putObject(small), { result: 'stored' });
      const got = await store.getObject(acct, 'c', 'small');
      assert.ok(got?.inline, 'getObject returns the inline bytes');
      assert.ok(got.inline.equals(bytes));
      assert.equal(got.blobId, '');
      assert.equal(got.size, 5000);
      const [listed] = await store.listObjects(acct, 'c', { limit: 10 });
      assert.ok(listed && !('subdir' in listed) && !('inline' in listed) && !('blobId' in listed), 'listings carry neither the bytes nor the blob');
      // inline → blob: nothing to unlink; blob → inline: the blob is handed back; inline → inline: newest bytes win.
      const asBlob = record(acct, 'c', 'small', 70_000, T0 + 2);
      assert.deepEqual(await store.putObject(asBlob), { result: 'stored' });
      assert.equal((await store.getObject(acct, 'c', 'small'))?.inline, undefined);
      const again = record(acct, 'c', 'small', 3, T0 + 3, { blobId: '', inline: Buffer.from('abc') });
      assert.deepEqual(await store.putObject(again), { result: 'stored', replacedBlobId: asBlob.blobId });
      const newest = record(acct, 'c', 'small', 2, T0 + 4, { blobId: '', inline: Buffer.from('xy') });
      assert.deepEqual(await store.putObject(newest), { result: 'stored' });
      assert.deepEqual(await store.putObject(record(acct, 'c', 'small', 1, T0 + 3.5, { blobId: '', inline: Buffer.from('z') })), { result: 'stale' });
      assert.equal((await store.getObject(acct, 'c', 'small'))?.inline?.toString(), 'xy');
      assert.equal((await store.getContainer(acct, 'c'))?.bytesUsed, 2);
      // A delete returns the record; a later blob object of the same name carries no stale bytes.
      const removed = await store.deleteObject(acct, 'c', 'small', T0 + 5);
      assert.equal(removed?.blobId, '');
      const plain = record(acct, 'c', 'small', 9, T0 + 6);
      await store.putObject(plain);
      assert.deepEqual(await store.getObject(acct, 'c', 'small'), plain);
      // An account delete returns real blob ids only.
      await store.putObject(record(acct, 'c', 'other', 1, T0 + 7, { blobId: '', inline: Buffer.from('q') }));
      const res = await store.deleteAccount(acct);
      assert.deepEqual(res.blobIds, [plain.blobId]);
      assert.equal(await store.getObject(acct, 'c', 'other'), undefined);
    });

    test('auditPage walks every object once, in byte order of (account, container, name), with inline bytes', async () => {
      assert.ok(store.auditPage && store.auditTotals, 'the store can be audited');
      const before = await store.auditTotals();
      const accounts = [freshAccount('audit-a'), freshAccount('audit-b')];
      const names = ['a', 'b/c', 'z', '\u00e9', '\u{1F600}', 'a\u00e9'];
      const mine = new Map<string, ObjectRecord>();
      for (const acct of accounts) {
        for (const c of ['c1', 'c2']) {
          await store.putContainer(acct, c, {}, T0);
          for (const [i, n] of names.entries()) {
            const rec = i % 2 === 0
              ? record(acct, c, n, 3, T0 + 1, { blobId: '', inline: Buffer.from(`${i}ab`) })
              : record(acct, c, n, 10 + i, T0 + 1);
            await store.putObject(rec);
            mine.set(`${acct}/${c}/${n}`, rec);
          }
        }
      }
      const seen: ObjectRecord[] = [];
      let after: ObjectKey | undefined;
      for (;;) {
        const page = await store.auditPage(after, 5);
        seen.push(...page);
        const last = page[page.length - 1];
        if (page.length < 5 || !last) break;
        after = { account: last.account, container: last.container, name: last.name };
      }
      const keyOf = (r: ObjectKey) => [r.account, r.container, r.name];
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [keyOf(seen[i - 1] as ObjectRecord), keyOf(seen[i] as ObjectRecord)];
        const cmp = byteCompare(a[0] ?? '', b[0] ?? '') || byteCompare(a[1] ?? '', b[1] ?? '') || byteCompare(a[2] ?? '', b[2] ?? '');
        assert.ok(cmp < 0, `walk order: ${a.join('/')} then ${b.join('/')}`);
      }
      const walked = seen.filter((r) => accounts.includes(r.account));
      assert.equal(walked.length, mine.size);
      for (const r of walked) {
        const expected = mine.get(`${r.account}/${r.container}/${r.name}`);
        assert.ok(expected, `${r.name} was put`);
        assert.equal(r.blobId, expected.blobId);
        assert.equal(r.etag, expected.etag);
        assert.equal(r.size, expected.size);
        if (expected.inline) assert.ok(r.inline?.equals(expected.inline), 'inline bytes come with the record');
        else assert.equal(r.inline, undefined);
      }
      const total = await store.auditTotals();
      assert.equal(total.objects - before.objects, mine.size);
      assert.equal(total.bytes - before.bytes, [...mine.values()].reduce((n, r) => n + r.size, 0));
    });

    test('blobInUse follows puts, overwrites and deletes', async () => {
      const acct = freshAccount('inuse');
      await store.putContainer(acct, 'c', {}, T0);
      const v1 = record(acct, 'c', 'o', 1, T0 + 1);
      assert.equal(await store.blobInUse(v1.blobId), false);
      await store.putObject(v1);
      assert.equal(await store.blobInUse(v1.blobId), true);
      const v2 = record(acct, 'c', 'o', 1, T0 + 2);
      await store.putObject(v2);
      assert.equal(await store.blobInUse(v1.blobId), false);
      assert.equal(await store.blobInUse(v2.blobId), true);
      await store.deleteObject(acct, 'c', 'o', T0 + 3);
      assert.equal(await store.blobInUse(v2.blobId), false);
    });
  });
}

/** Container and account counters equal what a full listing shows. */
export async function assertCountsExact(store: MetadataStore, account: string, containers: string[]): Promise<void> {
  let objects = 0;
  let bytes = 0;
  for (const c of containers) {
    const listed = await store.listObjects(account, c, { limit: 1_000_000 });
    const size = listed.reduce((sum, e) => sum + ('subdir' in e ? 0 : e.size), 0);
    const info = await store.getContainer(account, c);
    assert.equal(info?.objectCount, listed.length, `object_count of ${c}`);
    assert.equal(info?.bytesUsed, size, `bytes_used of ${c}`);
    objects += listed.length;
    bytes += size;
  }
  const acct = await store.getAccount(account);
  assert.equal(acct?.objectCount, objects, 'account object_count');
  assert.equal(acct?.bytesUsed, bytes, 'account bytes_used');
  assert.equal(acct?.containerCount, containers.length, 'account container_count');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A source that yields `chunks` then fails, like a client connection reset mid-body. */
function failingSource(chunks: Buffer[], error: Error): Readable {
  return Readable.from((async function* () {
    for (const c of chunks) {
      yield c;
      await new Promise((r) => setImmediate(r));
    }
    throw error;
  })());
}

export function runBlobStoreConformance(name: string, factory: () => Promise<BlobBackend>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let backend: BlobBackend;
    let blobs: BlobStore;
    before(async () => {
      backend = await factory();
      blobs = backend.store;
    });
    after(async () => { await backend.destroy(); });

    /** Runs `fn` and checks the set of stored artifacts is the same before and after. */
    async function leavesNothing(fn: () => Promise<void>): Promise<void> {
      const before = (await backend.artifacts()).sort();
      await fn();
      assert.deepEqual((await backend.artifacts()).sort(), before, 'the failed write left artifacts behind');
    }

    test('write then read: size, MD5, whole and ranged reads, several ranges on one reader', async () => {
      const data = randomBytes(1_000_003);
      const stored = await blobs.write(Readable.from([data.subarray(0, 7), data.subarray(7, 500_000), data.subarray(500_000)]), { maxSize: 10_000_000 });
      // Opaque to callers; a store chooses the format (policy stores prefix their index), never a path.
      assert.match(stored.blobId, /^(\d+\/)?[0-9a-f]{32}$/);
      assert.equal(stored.size, data.length);
      assert.equal(stored.md5, createHash('md5').update(data).digest('hex'));
      const reader = await blobs.open(stored.blobId);
      assert.ok(reader);
      try {
        assert.equal(reader.size, data.length);
        assert.ok((await readAll(reader.stream(0, data.length - 1))).equals(data));
        const [r1, r2, r3] = await Promise.all([
          readAll(reader.stream(0, 0)), readAll(reader.stream(10, 19)), readAll(reader.stream(data.length - 5, data.length - 1)),
        ]);
        assert.ok(r1?.equals(data.subarray(0, 1)));
        assert.ok(r2?.equals(data.subarray(10, 20)));
        assert.ok(r3?.equals(data.subarray(data.length - 5)));
        assert.ok((await readAll(reader.stream(600_000, 999_999))).equals(data.subarray(600_000, 1_000_000)));
      } finally {
        await reader.close();
      }
    });

    test('empty blob, and exact expectedSize', async () => {
      const empty = await blobs.write(Readable.from([]), { maxSize: 10 });
      assert.equal(empty.size, 0);
      assert.equal(empty.md5, 'd41d8cd98f00b204e9800998ecf8427e');
      const exact = await blobs.write(Readable.from([Buffer.from('hello')]), { expectedSize: 5, maxSize: 10 });
      assert.equal(exact.size, 5);
      assert.equal(exact.md5, createHash('md5').update('hello').digest('hex'));
      const emptyReader = await blobs.open(empty.blobId);
      assert.ok(emptyReader);
      assert.equal(emptyReader.size, 0);
      assert.equal((await readAll(emptyReader.stream(0, -1))).length, 0, 'the empty range [0, -1] reads nothing');
      await emptyReader.close();
      const reader = await blobs.open(exact.blobId);
      assert.ok(reader);
      assert.equal((await readAll(reader.stream(3, 2))).length, 0);
      assert.equal((await readAll(reader.stream(0, 4))).toString(), 'hello');
      await reader.close();
    });

    test('every write gets a new blob id', async () => {
      const a = await blobs.write(Readable.from([Buffer.from('same')]), { maxSize: 10 });
      const b = await blobs.write(Readable.from([Buffer.from('same')]), { maxSize: 10 });
      assert.notEqual(a.blobId, b.blobId);
      assert.equal(a.md5, b.md5);
    });

    test('a body shorter than expectedSize → BlobIncompleteError, nothing left behind', async () => {
      await leavesNothing(async () => {
        await assert.rejects(
          blobs.write(Readable.from([Buffer.alloc(100, 1)]), { expectedSize: 150, maxSize: 1000 }),
          (err: unknown) => err instanceof BlobIncompleteError && err.received === 100 && err.expected === 150);
      });
    });

    test('a body longer than expectedSize fails, nothing left behind', async () => {
      await leavesNothing(async () => {
        await assert.rejects(blobs.write(Readable.from([Buffer.alloc(100, 1), Buffer.alloc(100, 2)]), { expectedSize: 150, maxSize: 1000 }));
      });
    });

    test('a chunked body over maxSize → BlobTooLargeError, nothing left behind', async () => {
      await leavesNothing(async () => {
        await assert.rejects(
          blobs.write(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { maxSize: 1000 }),
          (err: unknown) => err instanceof BlobTooLargeError);
      });
      // Exactly maxSize is allowed.
      const ok = await blobs.write(Readable.from([Buffer.alloc(1000)]), { maxSize: 1000 });
      assert.equal(ok.size, 1000);
    });

    test('quarantine (where the store has it): the blob is gone from open, listBlobs and delete, and kept apart', async (t) => {
      if (!blobs.quarantine) return t.skip('this store has no quarantine');
      const kept = await blobs.write(Readable.from([Buffer.from('damaged bytes')]), { maxSize: 100 });
      const other = await blobs.write(Readable.from([Buffer.from('healthy')]), { maxSize: 100 });
      await blobs.quarantine(kept.blobId);
      assert.equal(await blobs.open(kept.blobId), undefined);
      const listed: string[] = [];
      for await (const id of blobs.listBlobs(0)) listed.push(id);
      assert.ok(!listed.includes(kept.blobId) && listed.includes(other.blobId));
      await blobs.delete(kept.blobId);
      await blobs.quarantine(kept.blobId); // already aside: a no-op
      // (Behind the policy router the id is `<policy>/<id>`; the policy's store keeps the bare id.)
      const inner = kept.blobId.split('/').pop() ?? '';
      assert.ok((await backend.artifacts()).some((a) => a.includes('quarantined') && a.includes(inner)), 'the quarantined bytes are kept');
      await blobs.delete(other.blobId);
    });

    test('a source that fails midway rejects with its error and leaves nothing behind', async () => {
      await leavesNothing(async () => {
        const boom = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        await assert.rejects(
          blobs.write(failingSource([randomBytes(300_000), randomBytes(300_000)], boom), { maxSize: 10_000_000 }),
          (err: unknown) => err instanceof Error && (err as NodeJS.ErrnoException).code === 'ECONNRESET');
      });
    });

    test('a range stream destroyed midway leaves its reader (and its descriptor) usable', async () => {
      const bytes = randomBytes(3 * 1024 * 1024);
      const stored = await blobs.write(Readable.from([bytes]), { maxSize: bytes.length });
      const reader = await blobs.open(stored.blobId);
      assert.ok(reader);
      const first = reader.stream(0, bytes.length - 1);
      await new Promise<void>((resolve) => {
        first.once('data', () => { first.destroy(); });
        first.once('close', () => resolve());
      });
      // Whatever the runtime does on destroy, the next range must read the same file.
      assert.ok((await readAll(reader.stream(1000, 1999))).equals(bytes.subarray(1000, 2000)));
      assert.ok((await readAll(reader.stream(bytes.length - 10, bytes.length - 1))).equals(bytes.subarray(bytes.length - 10)));
      await reader.close();
    });

    test('an open reader keeps working after the blob is deleted', async () => {
      const data = randomBytes(300_000);
      const stored = await blobs.write(Readable.from([data]), { maxSize: 1_000_000 });
      const reader = await blobs.open(stored.blobId);
      assert.ok(reader);
      try {
        await blobs.delete(stored.blobId);
        assert.equal(await blobs.open(stored.blobId), undefined, 'a new open after delete finds nothing');
        assert.ok((await readAll(reader.stream(0, data.length - 1))).equals(data));
        assert.ok((await readAll(reader.stream(1000, 1999))).equals(data.subarray(1000, 2000)));
      } finally {
        await reader.close();
      }
      await reader.close(); // closing twice is harmless
    });

    test('open of an unknown blob → undefined; delete of an unknown blob is a no-op', async () => {
      const id = randomBytes(16).toString('hex');
      assert.equal(await blobs.open(id), undefined);
      await blobs.delete(id);
    });

    test('listBlobs honours the age limit; cleanTemporary removes interrupted writes only', async () => {
      const stored = await blobs.write(Readable.from([Buffer.from('x')]), { maxSize: 10 });
      const young: string[] = [];
      for await (const id of blobs.listBlobs(3600)) young.push(id);
      assert.ok(!young.includes(stored.blobId), 'a fresh blob is not listed as older than an hour');
      await new Promise((r) => setTimeout(r, 20));
      const all: string[] = [];
      for await (const id of blobs.listBlobs(0)) all.push(id);
      assert.ok(all.includes(stored.blobId));
      assert.equal(new Set(all).size, all.length, 'no duplicates');

      const before = (await backend.artifacts()).sort();
      await backend.plantTemporary();
      assert.ok((await backend.artifacts()).length > before.length, 'the planted temporary is visible');
      await blobs.cleanTemporary();
      assert.deepEqual((await backend.artifacts()).sort(), before);
      const reader = await blobs.open(stored.blobId);
      assert.ok(reader, 'cleanTemporary keeps finished blobs');
      await reader.close();
    });

    test('concurrent writes of different sizes all land intact', async () => {
      const datas = Array.from({ length: 12 }, (_, i) => randomBytes(1 + i * 40_000));
      const stored = await Promise.all(datas.map((d) => blobs.write(Readable.from([d]), { expectedSize: d.length, maxSize: 10_000_000 })));
      for (const [i, s] of stored.entries()) {
        const d = datas[i] ?? Buffer.alloc(0);
        const reader: BlobReader | undefined = await blobs.open(s.blobId);
        assert.ok(reader);
        assert.ok((await readAll(reader.stream(0, d.length - 1))).equals(d));
        await reader.close();
      }
    });
  });
}

/** The janitor over a metadata store and a blob store of the same backend pair. */
export function runJanitorConformance(name: string, factory: () => Promise<{ meta: MetadataBackend; blobs: BlobBackend }>): void {
  describe(`janitor: ${name}`, () => {
    let metaBackend: MetadataBackend;
    let blobBackend: BlobBackend;
    let meta: MetadataStore;
    let blobs: BlobStore;
    before(async () => {
      const f = await factory();
      metaBackend = f.meta;
      blobBackend = f.blobs;
      meta = await metaBackend.open();
      blobs = blobBackend.store;
    });
    after(async () => {
      await metaBackend.destroy();
      await blobBackend.destroy();
    });

    async function putWithBlob(account: string, container: string, objectName: string, timestamp: number, deleteAt?: number): Promise<ObjectRecord> {
      const stored = await blobs.write(Readable.from([Buffer.from(objectName)]), { maxSize: 1000 });
      const rec = record(account, container, objectName, stored.size, timestamp, { blobId: stored.blobId, etag: stored.md5 });
      if (deleteAt !== undefined) rec.deleteAt = deleteAt;
      assert.equal((await meta.putObject(rec)).result, 'stored');
      return rec;
    }

    test('reapExpired removes expired objects and their blobs, keeps the rest', async () => {
      const acct = freshAccount('reap');
      await meta.putContainer(acct, 'c', {}, T0);
      const now = 1_760_000_000;
      const gone1 = await putWithBlob(acct, 'c', 'gone1', T0 + 1, now - 50);
      const gone2 = await putWithBlob(acct, 'c', 'gone2', T0 + 1, now);
      const stays = await putWithBlob(acct, 'c', 'stays', T0 + 1, now + 50);
      const plain = await putWithBlob(acct, 'c', 'plain', T0 + 1);
      assert.equal(await reapExpired(meta, blobs, now), 2);
      assert.equal(await meta.getObject(acct, 'c', 'gone1'), undefined);
      assert.equal(await meta.getObject(acct, 'c', 'gone2'), undefined);
      assert.equal(await blobs.open(gone1.blobId), undefined);
      assert.equal(await blobs.open(gone2.blobId), undefined);
      assert.deepEqual(await meta.getObject(acct, 'c', 'stays'), stays);
      assert.deepEqual(await meta.getObject(acct, 'c', 'plain'), plain);
      const r = await blobs.open(stays.blobId);
      assert.ok(r);
      await r.close();
      await assertCountsExact(meta, acct, ['c']);
      assert.equal((await meta.getContainer(acct, 'c'))?.objectCount, 2);
      assert.equal(await reapExpired(meta, blobs, now), 0, 'a second pass finds nothing');
    });

    test('reapExpired handles more than one batch', async () => {
      const acct = freshAccount('reapmany');
      await meta.putContainer(acct, 'c', {}, T0);
      const now = 1_755_000_000; // before the first test's "stays" expiry
      for (let i = 0; i < 1201; i++) await meta.putObject(record(acct, 'c', `o${i}`, 1, T0 + 1, { deleteAt: now - 1 - (i % 7) }));
      assert.equal(await reapExpired(meta, blobs, now), 1201);
      assert.equal((await meta.getContainer(acct, 'c'))?.objectCount, 0);
      assert.deepEqual(await meta.listObjects(acct, 'c', { limit: 10 }), []);
    });

    test('sweepOrphans (grace 0) deletes only blobs no record points at', async () => {
      const acct = freshAccount('sweep');
      await meta.putContainer(acct, 'c', {}, T0);
      const kept = await putWithBlob(acct, 'c', 'kept', T0 + 1);
      const orphan = await blobs.write(Readable.from([Buffer.from('orphan')]), { maxSize: 100 });
      const replaced = await putWithBlob(acct, 'c', 'over', T0 + 1);
      await putWithBlob(acct, 'c', 'over', T0 + 2); // replaced.blobId is now an orphan
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await sweepOrphans(meta, blobs, 0), 2);
      assert.equal(await blobs.open(orphan.blobId), undefined);
      assert.equal(await blobs.open(replaced.blobId), undefined);
      for (const id of [kept.blobId, (await meta.getObject(acct, 'c', 'over'))?.blobId ?? '']) {
        const r = await blobs.open(id);
        assert.ok(r, 'a blob in use survives the sweep');
        await r.close();
      }
      // With the default grace period a fresh orphan survives.
      const fresh = await blobs.write(Readable.from([Buffer.from('fresh')]), { maxSize: 100 });
      await sweepOrphans(meta, blobs);
      const r = await blobs.open(fresh.blobId);
      assert.ok(r, 'a young orphan is kept during the grace period');
      await r.close();
    });
  });
}

/**
 * JSON container listings joined from the entries stored with each row (src/storage/sqlite/
 * listing-entries.ts) are the same bytes as listings rendered from the rows' columns, for every
 * listing option, after PUTs, replacements and POSTs, and for rows written before the column existed
 * (rendered from their columns, then filled in when the store next opens).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../src/storage/sqlite/metadata-store.js';
import { renderObjectListing } from '../src/swift/listing-format.js';
import type { ListOptions, Metadata } from '../src/storage/contracts.js';

const ACCOUNT = 'AUTH_entries';
const CONTAINER = 'c';
const NAMES = [
  'a', 'a/b', 'a/b/c', 'a/d', 'ab', 'b', 'caf\u00e9/\u2603', 'd/1', 'd/2', 'd/x/3', 'dd', 'q"uote', 'back\\slash',
  'tab\there', 'del\u007f', '\u{1F600}/smile', 'z/', 'z//y',
];
const PROBES = ['', 'a', 'a/', 'a/b', 'ab', 'b', 'c', 'd', 'd/', 'd/x', 'q', 'z', 'z/', '\u{1F600}', '~'];

let dir: string;
let db: Db;
let store: SqliteMetadataStore;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swiftlet-listing-entries-'));
  db = openDatabase(join(dir, 'swiftlet.db'));
  store = new SqliteMetadataStore(db);
  await store.putContainer(ACCOUNT, CONTAINER, {}, 1);
  let t = 1_700_000_000.12345;
  const put = (name: string, contentType: string, metadata: Metadata = {}, size = name.length) =>
    store.putObject({
      account: ACCOUNT, container: CONTAINER, name, blobId: '', etag: `etag-${name.length}`, size, contentType,
      timestamp: (t += 1.00001), metadata,
    });
  for (const name of NAMES) await put(name, 'application/octet-stream');
  // What listingView changes: a swift_bytes size, an override ETag with an slo_etag, a replaced object.
  await put('a/d', 'application/x-sub;swift_bytes=12345', { 'x-object-sysmeta-container-update-override-etag': 'abc; slo_etag=def' });
  await put('b', 'text/plain;charset=utf-8', {}, 999);
  // A POST changes the content type and the timestamp that the listing shows.
  assert.equal(await store.updateObject(ACCOUNT, CONTAINER, 'ab', {
    metadata: { 'x-object-meta-colour': 'blue' }, contentType: 'image/png', timestamp: (t += 1),
  }), true);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every combination worth checking: each option alone and a deterministic sample of mixes. */
function optionSets(): ListOptions[] {
  const sets: ListOptions[] = [{ limit: 10_000 }, { limit: 0 }, { limit: 1 }, { limit: 10_000, reverse: true }];
  let seed = 7;
  const pick = <T>(xs: readonly T[]): T => xs[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % xs.length] as T;
  for (let i = 0; i < 400; i++) {
    const o: ListOptions = { limit: pick([1, 2, 3, 5, 10_000]) };
    const marker = pick([undefined, ...PROBES]);
    const endMarker = pick([undefined, undefined, ...PROBES]);
    const prefix = pick([undefined, undefined, 'a', 'a/', 'd', 'd/', 'z/', '\u{1F600}']);
    const delimiter = pick([undefined, undefined, '/', 'b']);
    if (marker) o.marker = marker;
    if (endMarker) o.endMarker = endMarker;
    if (prefix) o.prefix = prefix;
    if (delimiter) o.delimiter = delimiter;
    if (pick([false, false, true])) o.reverse = true;
    if (i % 10 === 0) o.path = pick(['', 'a', 'd', 'z']);
    sets.push(o);
  }
  return sets;
}

async function assertSameAsColumns(what: string): Promise<void> {
  for (const options of optionSets()) {
    const stored = await store.renderObjectListing({ account: ACCOUNT, container: CONTAINER, options, format: 'json' });
    const fromColumns = renderObjectListing('json', CONTAINER, await store.listObjects(ACCOUNT, CONTAINER, options));
    assert.equal(Buffer.from(stored.body).toString(), fromColumns.body, `${what}: ${JSON.stringify(options)}`);
    assert.equal(stored.empty, fromColumns.empty, `${what}: ${JSON.stringify(options)}`);
  }
}

const unfilled = () => (db.prepare('SELECT count(*) AS n FROM objects WHERE listing_json IS NULL').get() as { n: number }).n;

test('the stored entries give the bytes the columns give, for every listing option', async () => {
  assert.equal(unfilled(), 0, 'every write stored its entry');
  await assertSameAsColumns('stored');
  const all = JSON.parse(Buffer.from((await store.renderObjectListing({
    account: ACCOUNT, container: CONTAINER, options: { limit: 10_000 }, format: 'json' })).body).toString()) as Record<string, unknown>[];
  assert.deepEqual(all.find((e) => e['name'] === 'ab')?.['content_type'], 'image/png', 'the POST shows');
  assert.deepEqual(all.find((e) => e['name'] === 'a/d'), {
    bytes: 12345, hash: 'abc', name: 'a/d', content_type: 'application/x-sub', last_modified: all.find((e) => e['name'] === 'a/d')?.['last_modified'],
    slo_etag: '"def"',
  });
});

test('rows without a stored entry are rendered from their columns, and filled in when the store opens again', async () => {
  db.prepare("UPDATE objects SET listing_json = NULL WHERE name IN ('a/b', 'ab', 'd/2', 'z//y')").run();
  assert.equal(unfilled(), 4);
  await assertSameAsColumns('partly unfilled');
  db.prepare('UPDATE objects SET listing_json = NULL').run();
  await assertSameAsColumns('unfilled');

  const reopened = new SqliteMetadataStore(openDatabase(join(dir, 'swiftlet.db')));
  try {
    assert.equal(unfilled(), 0, 'opening the store filled every entry');
    await assertSameAsColumns('refilled');
  } finally {
    await reopened.close();
  }
});

/**
 * The storage conformance suite (test/helpers/storage-conformance.ts) against the embedded backends:
 * SQLite metadata and filesystem blobs, on real temporary files. Plus what only SQLite has to prove:
 * several worker processes writing one database file keep every counter exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../src/storage/sqlite/metadata-store.js';
import {
  assertCountsExact, runBlobStoreConformance, runJanitorConformance, runMetadataStoreConformance,
} from './helpers/storage-conformance.js';
import { fsBackend, fsPolicyBackend, sqliteBackend } from './helpers/embedded-backends.js';

const run = promisify(execFile);

runMetadataStoreConformance('sqlite', async () => sqliteBackend());
runBlobStoreConformance('fs', fsBackend);
runBlobStoreConformance('fs, two storage policies', fsPolicyBackend);
runJanitorConformance('sqlite + fs', async () => ({ meta: sqliteBackend(), blobs: await fsBackend() }));
runJanitorConformance('sqlite + fs, two storage policies', async () => ({ meta: sqliteBackend(), blobs: await fsPolicyBackend() }));

test('sqlite: four processes racing on one database file keep counts exact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-conf-mp-'));
  const file = join(dir, 'swiftlet.db');
  const store = new SqliteMetadataStore(openDatabase(file));
  try {
    const account = 'AUTH_multiprocess';
    for (const c of ['c0', 'c1', 'c2']) await store.putContainer(account, c, {}, Date.now() / 1000);
    const writer = resolve(import.meta.dirname, 'helpers/sqlite-writer.js');
    const results = await Promise.all([11, 22, 33, 44].map((seed) =>
      run(process.execPath, [writer, file, account, String(seed), '250'], { timeout: 120_000 })));
    const totals = { stored: 0, stale: 0, deleted: 0, missed: 0 };
    for (const r of results) {
      const done = JSON.parse(r.stdout) as typeof totals;
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += done[k];
    }
    assert.equal(totals.stored + totals.stale + totals.deleted + totals.missed, 1000, 'every operation ran');
    assert.ok(totals.stored > 0 && totals.deleted > 0, JSON.stringify(totals));
    await assertCountsExact(store, account, ['c0', 'c1', 'c2']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: processes opening a brand-new database file at the same moment all migrate and write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-conf-mp-new-'));
  const file = join(dir, 'swiftlet.db');
  try {
    const writer = resolve(import.meta.dirname, 'helpers/sqlite-writer.js');
    const results = await Promise.all([5, 6, 7, 8, 9, 10].map((seed) =>
      run(process.execPath, [writer, file, 'AUTH_fresh', String(seed), '40'], { timeout: 120_000 })));
    let ops = 0;
    for (const r of results) {
      const done = JSON.parse(r.stdout) as Record<string, number>;
      ops += Object.values(done).reduce((a, b) => a + b, 0);
    }
    assert.equal(ops, 240);
    const store = new SqliteMetadataStore(openDatabase(file));
    try {
      await assertCountsExact(store, 'AUTH_fresh', ['c0', 'c1', 'c2']);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * WAL checkpoints on their own thread (checkpointer.ts): what a checkpoint reports must be true of
 * the database file itself, read without its WAL, and overlapping calls share one run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../src/storage/sqlite/metadata-store.js';
import { WalCheckpointer } from '../src/storage/sqlite/checkpointer.js';

interface Scratch { dir: string; file: string; store: SqliteMetadataStore; checkpointer: WalCheckpointer }

async function withStore(run: (s: Scratch) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-checkpoint-'));
  const file = join(dir, 'swiftlet.db');
  const db = openDatabase(file);
  const store = new SqliteMetadataStore(db);
  const checkpointer = new WalCheckpointer(file);
  try {
    await run({ dir, file, store, checkpointer });
  } finally {
    await checkpointer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Objects in the database file alone: a copy of it opened without the WAL that sits beside the original. */
function objectsInDatabaseFile(s: Scratch): number {
  const copy = join(s.dir, 'file-only.db');
  rmSync(copy, { force: true });
  copyFileSync(s.file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM objects').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function putObjects(store: SqliteMetadataStore, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => store.putObject({
    account: 'AUTH_cp', container: 'c', name: `o${i}`, blobId: '', etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 3,
    contentType: 'text/plain', timestamp: 2, metadata: {}, inline: Buffer.from('abc'),
  })));
}

test('a checkpoint moves committed writes into the database file', async () => {
  await withStore(async (s) => {
    await s.store.putContainer('AUTH_cp', 'c', {}, 1);
    await s.checkpointer.checkpoint(); // the schema and the container, so the copy below can be opened
    await putObjects(s.store, 40);
    assert.equal(objectsInDatabaseFile(s), 0, 'committed writes are in the WAL until a checkpoint');
    const result = await s.checkpointer.checkpoint();
    assert.ok(result.walFrames > 0, 'the WAL held the writes');
    assert.equal(result.checkpointedFrames, result.walFrames, 'with no reader in the way, every frame is copied');
    assert.equal(objectsInDatabaseFile(s), 40);
  });
});

test('a call made while a checkpoint runs shares it; the next call runs a new one', async () => {
  await withStore(async (s) => {
    await s.store.putContainer('AUTH_cp', 'c', {}, 1);
    const first = s.checkpointer.checkpoint();
    assert.equal(s.checkpointer.checkpoint(), first);
    await first;
    await putObjects(s.store, 5);
    const second = s.checkpointer.checkpoint();
    assert.notEqual(second, first);
    await second;
    assert.equal(objectsInDatabaseFile(s), 5);
  });
});

test('closing fails the checkpoint in flight; a later call starts the thread again', async () => {
  await withStore(async (s) => {
    await s.store.putContainer('AUTH_cp', 'c', {}, 1);
    const failed = assert.rejects(s.checkpointer.checkpoint(), /checkpointer closed/);
    await s.checkpointer.close();
    await failed;
    await putObjects(s.store, 3);
    await s.checkpointer.checkpoint();
    assert.equal(objectsInDatabaseFile(s), 3);
  });
});

/**
 * WAL upkeep (wal-restart.ts) on a real SQLite file: under a steady stream of object writes, one
 * round of upkeep lets the WAL start over, so that SQLite's own checkpoint never has to run inside
 * a commit on the event loop; and writes held back meanwhile commit, durably, once released.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../src/storage/sqlite/metadata-store.js';
import { WalCheckpointer } from '../src/storage/sqlite/checkpointer.js';
import { checkpointAndRestart, RESTART_AFTER_FRAMES } from '../src/storage/sqlite/wal-restart.js';

interface Scratch { file: string; store: SqliteMetadataStore; checkpointer: WalCheckpointer }

async function withStore(run: (s: Scratch) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-wal-restart-'));
  const file = join(dir, 'swiftlet.db');
  const db = openDatabase(file);
  const store = new SqliteMetadataStore(db);
  const checkpointer = new WalCheckpointer(file);
  try {
    await store.putContainer('AUTH_w', 'c', {}, 1);
    await run({ file, store, checkpointer });
  } finally {
    await checkpointer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const body = Buffer.alloc(4096, 1);
const put = (store: SqliteMetadataStore, name: string) => store.putObject({
  account: 'AUTH_w', container: 'c', name, blobId: '', etag: '620f0b67a91f7f74151bc5be745b7110', size: body.length,
  contentType: 'application/octet-stream', timestamp: 2, metadata: {}, inline: body,
});

/** Objects committed, as another connection sees them. */
function committed(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM objects WHERE account = 'AUTH_w'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test('under a steady stream of writes, one round of upkeep lets the WAL start over', async () => {
  await withStore(async ({ file, store, checkpointer }) => {
    let stop = false;
    let written = 0;
    const stream = Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        await put(store, `w${w}-${i}`);
        written++;
      }
    }));
    try {
      // Plain background checkpoints while the writes go on, until the WAL is long enough to restart.
      let before = await checkpointer.checkpoint();
      for (const deadline = Date.now() + 30_000; before.walFrames < RESTART_AFTER_FRAMES && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 50));
        before = await checkpointer.checkpoint();
      }
      assert.ok(before.walFrames >= RESTART_AFTER_FRAMES, `the WAL reached ${before.walFrames} frames`);
      await checkpointAndRestart({ checkpoint: () => checkpointer.checkpoint(), holdWrites: () => store.holdWrites() });
      const writtenAtRelease = written;
      while (written < writtenAtRelease + 20) await new Promise((r) => setTimeout(r, 5));
      const after = await checkpointer.checkpoint();
      assert.ok(after.walFrames < before.walFrames,
        `the WAL started over: ${after.walFrames} frames after the round, ${before.walFrames} before it`);
    } finally {
      stop = true;
      await stream;
    }
    assert.equal(committed(file), written, 'every acknowledged write is committed');
  });
});

test('writes held back during the catch-up queue, then commit once released', async () => {
  await withStore(async ({ file, store }) => {
    const release = store.holdWrites();
    let done = false;
    const writes = Promise.all([put(store, 'a'), put(store, 'b')]).then(() => { done = true; });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, 'no write is acknowledged while held');
    assert.equal(committed(file), 0, 'nor committed');
    release();
    release(); // a second call changes nothing
    await writes;
    assert.equal(committed(file), 2);
    await put(store, 'c');
    assert.equal(committed(file), 3, 'writes after the release commit as usual');
  });
});

/**
 * ReadBatcher (read-batch.ts): reads asked for in one turn of the event loop share one read
 * transaction, a failing read fails only its caller, and `afterReads` runs only once the readers
 * have gone on with their answers, so the writes those answers lead to can be committed together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/storage/sqlite/database.js';
import { ReadBatcher } from '../src/storage/sqlite/read-batch.js';
import { GroupCommitter } from '../src/storage/sqlite/group-commit.js';

function withDb(run: (db: Db) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-readbatch-'));
  const db = openDatabase(join(dir, 'swiftlet.db'));
  db.exec('CREATE TABLE t (n INTEGER)');
  return run(db).finally(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

test('reads of one turn run in one transaction; a lone read runs without one', async () => {
  await withDb(async (db) => {
    const reads = new ReadBatcher(db);
    const count = db.prepare('SELECT count(*) AS n FROM t');
    const seen = await Promise.all([1, 2, 3].map(() => reads.read(() => ({ inTx: db.inTransaction, n: (count.get() as { n: number }).n }))));
    assert.deepEqual(seen, [{ inTx: true, n: 0 }, { inTx: true, n: 0 }, { inTx: true, n: 0 }]);
    assert.equal(db.inTransaction, false, 'the read transaction ends with the batch');
    assert.deepEqual(await reads.read(() => db.inTransaction), false);
  });
});

test('a read that throws fails its own caller only', async () => {
  await withDb(async (db) => {
    const reads = new ReadBatcher(db);
    const bad = db.prepare('SELECT n FROM t WHERE n = ?');
    const results = await Promise.allSettled([
      reads.read(() => 'first'),
      reads.read(() => bad.get({ wrong: 1 })), // named parameter for a positional one: SQLite refuses
      reads.read(() => 'third'),
    ]);
    assert.equal(results[0]?.status, 'fulfilled');
    assert.equal(results[1]?.status, 'rejected');
    assert.deepEqual(results[2], { status: 'fulfilled', value: 'third' });
    assert.equal(db.inTransaction, false);
  });
});

test('afterReads runs after the readers have acted on their answers, so their writes commit together', async () => {
  await withDb(async (db) => {
    const commits = new GroupCommitter(db);
    const events: string[] = [];
    const reads = new ReadBatcher(db, () => {
      events.push(`afterReads committed ${commits.commitQueued()}`);
    });
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    const total = db.prepare('SELECT count(*) AS n FROM t');
    // Each "request" reads, then (after an await, like a handler) writes.
    const request = async (i: number) => {
      await reads.read(() => i);
      events.push(`write ${i} queued`);
      return commits.submit(() => {
        const before = (total.get() as { n: number }).n;
        insert.run(i);
        return { inTx: db.inTransaction, before };
      });
    };
    const outcomes = await Promise.all([request(1), request(2), request(3)]);
    assert.deepEqual(events, ['write 1 queued', 'write 2 queued', 'write 3 queued', 'afterReads committed 3']);
    assert.deepEqual(outcomes.map((o) => o.before), [0, 1, 2]);
    assert.ok(outcomes.every((o) => o.inTx));
    assert.equal((total.get() as { n: number }).n, 3);
  });
});

/**
 * WalSync, the flush behind every group-committed write: a caller's promise must not settle before
 * a flush that started after the call, and callers beyond the in-flight limit share one flush.
 * Driven on a real file; the assertions are on which promises are shared and in what order they
 * settle, never on speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalSync } from '../src/storage/sqlite/wal-sync.js';

function scratchFile(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-walsync-'));
  const path = join(dir, 'db-wal');
  writeFileSync(path, Buffer.alloc(4096, 1));
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('below the in-flight limit every call starts a flush of its own; beyond it, callers share one', async () => {
  const f = scratchFile();
  try {
    const sync = new WalSync(f.path, 4);
    const own = [sync.sync(), sync.sync(), sync.sync(), sync.sync()];
    assert.equal(new Set(own).size, 4, 'a call made while a flush runs must not ride on it (its frames may be newer)');
    const fifth = sync.sync();
    const sixth = sync.sync();
    assert.equal(fifth, sixth, 'with every slot busy, waiting callers share the next flush');
    assert.ok(!own.includes(fifth));
    await Promise.all([...own, fifth]);
  } finally {
    f.done();
  }
});

test('at the limit, later callers share the next flush, which starts only after one ends', async () => {
  const f = scratchFile();
  try {
    const sync = new WalSync(f.path, 1);
    const order: string[] = [];
    const first = sync.sync().then(() => order.push('first'));
    const second = sync.sync().then(() => order.push('second'));
    const third = sync.sync().then(() => order.push('third'));
    await Promise.all([first, second, third]);
    assert.equal(order[0], 'first', 'the waiting callers settle after the running flush');
    assert.deepEqual(order.slice(1).sort(), ['second', 'third']);
    // Idle again: a new call starts at once and settles.
    await sync.sync();
  } finally {
    f.done();
  }
});

test('a flush that fails rejects its callers (nobody is told a write is durable)', async () => {
  const sync = new WalSync(join(tmpdir(), 'swiftlet-walsync-missing', 'db-wal'), 2);
  await assert.rejects(sync.sync(), /ENOENT/);
});

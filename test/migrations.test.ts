/**
 * Schema migrations of the embedded store that change stored data (not only its shape): a database
 * written by an earlier version opens with the data it should have now. Real SQLite files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/storage/sqlite/database.js';

test('opening a database from before migration 7 drops stored X-Versions-Location / X-History-Location and keeps the rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-migrate-'));
  const file = join(dir, 'swiftlet.db');
  try {
    const old = openDatabase(file);
    const metadata = JSON.stringify({ 'x-versions-location': 'v', 'x-history-location': 'h', 'x-container-read': '.r:*', 'x-container-meta-color': 'red' });
    old.prepare('INSERT INTO accounts (name, created_at, put_timestamp) VALUES (?, 1, 1)').run('AUTH_x');
    old.prepare('INSERT INTO containers (account, name, created_at, put_timestamp, metadata) VALUES (?, ?, 1, 1, ?)').run('AUTH_x', 'c', metadata);
    old.prepare('INSERT INTO containers (account, name, created_at, put_timestamp) VALUES (?, ?, 1, 1)').run('AUTH_x', 'plain');
    old.exec('ALTER TABLE containers DROP COLUMN policy_index'); // added by migration 8
    old.pragma('user_version = 6'); // as an earlier Swiftlet left it
    old.close();

    const db = openDatabase(file);
    const rows = db.prepare('SELECT name, metadata FROM containers ORDER BY name').all() as { name: string; metadata: string }[];
    assert.deepEqual(rows.map((r) => [r.name, JSON.parse(r.metadata) as unknown]), [
      ['c', { 'x-container-read': '.r:*', 'x-container-meta-color': 'red' }],
      ['plain', {}],
    ]);
    assert.equal(db.pragma('user_version', { simple: true }), 10);
    // Containers from before storage policies are policy 0's.
    assert.deepEqual(db.prepare('SELECT DISTINCT policy_index FROM containers').all(), [{ policy_index: 0 }]);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

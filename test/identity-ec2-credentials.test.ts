/** EC2 credentials on the embedded store (a real SQLite file, two handles as two processes would have). */
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEc2CredentialStore } from '../src/identity/ec2-credentials.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { SqliteIdentityStore } from '../src/storage/sqlite/identity-store.js';
import { ec2CredentialConformance } from './helpers/ec2-conformance.js';

test('SqliteEc2CredentialStore keeps, lists, refuses duplicates, deletes, cascades', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-ec2-'));
  const file = join(dir, 'swiftlet.db');
  const db = openDatabase(file);
  const other = openDatabase(file);
  try {
    await ec2CredentialConformance(new SqliteIdentityStore(db), new SqliteEc2CredentialStore(db), new SqliteEc2CredentialStore(other));
  } finally {
    db.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

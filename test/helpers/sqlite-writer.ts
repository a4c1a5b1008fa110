/**
 * A child process for the multi-process storage test: opens the shared SQLite file exactly as a
 * worker does (openDatabase), ensures containers c0..c2, and runs a seeded random mix of puts,
 * overwrites and deletes.
 * argv: <db file> <account> <seed> <operations>. Prints one JSON line with what it did.
 */
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../../src/storage/sqlite/metadata-store.js';

const [file, account, seedText, opsText] = process.argv.slice(2);
if (!file || !account) throw new Error('usage: sqlite-writer <db> <account> <seed> <ops>');
const store = new SqliteMetadataStore(openDatabase(file));
let seed = Number(seedText);
const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
const done = { stored: 0, stale: 0, deleted: 0, missed: 0 };
// Idempotent: every writer makes sure the containers exist (a brand-new file is migrated by whoever comes first).
for (const c of ['c0', 'c1', 'c2']) await store.putContainer(account, c, {}, Date.now() / 1000);
for (let i = 0; i < Number(opsText); i++) {
  const container = `c${rand(3)}`;
  const name = `o${rand(40)}`;
  // Wall-clock timestamps with jitter, so writers of different processes race and some lose.
  const ts = Date.now() / 1000 + (rand(2000) - 1000) / 1e5;
  if (rand(4) === 0) {
    if (await store.deleteObject(account, container, name, ts)) done.deleted++;
    else done.missed++;
  } else {
    const outcome = await store.putObject({
      account, container, name, blobId: randomBytes(16).toString('hex'), etag: 'e', size: 1 + rand(10_000),
      contentType: 'x/y', timestamp: ts, metadata: {},
    });
    if (outcome.result === 'stored') done.stored++;
    else done.stale++;
  }
}
await store.close();
process.stdout.write(`${JSON.stringify(done)}\n`);

/**
 * A child process for the multi-process counts test: opens its own PostgresMetadataStore over the
 * shard URLs (as another node would), makes sure containers c0..c2 exist in every account given,
 * and runs a seeded random mix of puts, overwrites and deletes across them.
 * argv: <shard urls, comma separated> <accounts, comma separated> <seed> <operations>.
 * Prints one JSON line with what it did.
 */
import { randomBytes } from 'node:crypto';
import { PostgresMetadataStore } from '../../src/storage/postgres/metadata-store.js';

const [urls, accountsText, seedText, opsText] = process.argv.slice(2);
if (!urls || !accountsText) throw new Error('usage: pg-writer <urls> <accounts> <seed> <ops>');
const accounts = accountsText.split(',');
const store = await PostgresMetadataStore.open({ shardUrls: urls.split(','), poolSize: 4 });
let seed = Number(seedText);
const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
const done = { stored: 0, stale: 0, deleted: 0, missed: 0 };
for (const account of accounts) for (const c of ['c0', 'c1', 'c2']) await store.putContainer(account, c, {}, Date.now() / 1000);
// A few operations in flight at once per process, as a node serving concurrent requests has.
const ops = Number(opsText);
let next = 0;
async function lane(): Promise<void> {
  while (next < ops) {
    next++;
    const account = accounts[rand(accounts.length)] ?? '';
    const container = `c${rand(3)}`;
    const name = `o${rand(40)}`;
    // Wall-clock timestamps with jitter, so writers of different processes race and some lose.
    const ts = Date.now() / 1000 + (rand(2000) - 1000) / 1e5;
    if (rand(4) === 0) {
      if (await store.deleteObject(account, container, name, ts)) done.deleted++;
      else done.missed++;
    } else {
      const inline = rand(3) === 0;
      const size = 1 + rand(10_000);
      const outcome = await store.putObject({
        account, container, name, blobId: inline ? '' : randomBytes(16).toString('hex'), etag: 'e', size,
        contentType: 'x/y', timestamp: ts, metadata: {}, ...(inline ? { inline: randomBytes(Math.min(size, 64)) } : {}),
      });
      if (outcome.result === 'stored') done.stored++;
      else done.stale++;
    }
  }
}
await Promise.all([lane(), lane(), lane(), lane()]);
await store.close();
process.stdout.write(`${JSON.stringify(done)}\n`);

/**
 * `npm run bench:list-scale [-- --small 10000 --large 1000000]`: listing cost grows with the page,
 * not with the container. Fills two containers of a fresh Swiftlet (the records go straight into its
 * metadata store: a million uploads over HTTP would take most of an hour), then times the same
 * listings of both through the HTTP API: the first page (10 000 and 1 000 names), a page from a
 * marker in the middle, the last page (reverse) and a prefix + delimiter page. Prints medians and
 * the ratio large / small (1.0 = container size does not matter).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loginV1, SwiftClient } from '../src/client/swift-client.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../src/storage/sqlite/metadata-store.js';
import { startSwiftlet } from './swiftlet-process.js';

const name = (i: number) => `dir${String(Math.floor(i / 10)).padStart(6, "0")}/obj-${String(i).padStart(8, "0")}`;

async function fill(store: SqliteMetadataStore, account: string, container: string, count: number): Promise<void> {
  const empty = Buffer.alloc(0);
  const timestamp = Date.now() / 1000;
  for (let start = 0; start < count; start += 2000) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + 2000); i++) {
      batch.push(store.putObject({
        account, container, name: name(i), blobId: '', inline: empty, etag: 'd41d8cd98f00b204e9800998ecf8427e',
        size: 0, contentType: 'application/octet-stream', timestamp, metadata: {},
      }));
    }
    await Promise.all(batch);
  }
}

async function timeMs(op: () => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await op();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { small: { type: 'string', default: '10000' }, large: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '15' }, port: { type: 'string', default: '18495' } },
  });
  const sizes = { small: Number(values.small), large: Number(values.large) };
  const swiftlet = await startSwiftlet(Number(values.port));
  const db = openDatabase(join(swiftlet.dataDir, 'swiftlet.db'));
  const store = new SqliteMetadataStore(db);
  try {
    const creds = await loginV1(`http://127.0.0.1:${values.port}/auth/v1.0`, 'bench:bench', 'bench');
    const client = new SwiftClient(creds);
    const account = decodeURIComponent(creds.storageUrl.split('/').pop() ?? '');
    for (const [label, count] of Object.entries(sizes)) {
      await client.putContainer(label);
      const t = Date.now();
      await fill(store, account, label, count);
      const head = await client.call('HEAD', label);
      console.log(`${label}: ${head.headers['x-container-object-count']} objects (filled in ${((Date.now() - t) / 1000).toFixed(0)} s)`);
    }
    const queries: [string, (count: number) => Record<string, string>][] = [
      ['first page, 10 000 names', () => ({ format: 'json' })],
      ['first page, 1 000 names', () => ({ format: 'json', limit: '1000' })],
      ['1 000 names after a marker in the middle', (n) => ({ format: 'json', limit: '1000', marker: name(Math.floor(n / 2)) })],
      ['last 1 000 names (reverse)', () => ({ format: 'json', limit: '1000', reverse: 'true' })],
      ['prefix + delimiter, 1 000 entries', () => ({ format: 'json', limit: '1000', delimiter: '/', prefix: '' })],
    ];
    console.log(`\n| listing (median of ${values.rounds}) | ${sizes.small} objects | ${sizes.large} objects | large / small |`);
    console.log('|---|---|---|---|');
    for (const [label, query] of queries) {
      const small = await timeMs(() => client.call('GET', 'small', { query: query(sizes.small) }), Number(values.rounds));
      const large = await timeMs(() => client.call('GET', 'large', { query: query(sizes.large) }), Number(values.rounds));
      console.log(`| ${label} | ${small.toFixed(1)} ms | ${large.toFixed(1)} ms | ${(large / small).toFixed(2)} |`);
    }
  } finally {
    await store.close();
    await swiftlet.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:list-scale failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

/**
 * `node dist/test-cluster/bench-list-scale.js [--small 10000] [--large 100000] [--rounds 15]`:
 * listing cost on the PostgreSQL metadata store grows with the page, not with the container.
 * Fills two containers of one account in a fresh database (rows inserted in bulk by SQL, not one
 * putObject each), then times the same listings as `npm run bench:list-scale` does for the embedded
 * store, at the store level (the cluster is not wired into the server yet), plus the first pages
 * rendered as JSON (renderObjectListing, what a container GET costs the store): medians, and the ratio
 * large / small (1.0 = container size does not matter). Needs the servers of
 * scripts/postgres/start.sh (or SWIFTLET_TEST_PG_URLS).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { ListOptions } from '../src/storage/contracts.js';
import { PostgresMetadataStore } from '../src/storage/postgres/metadata-store.js';
import { shardOf } from '../src/storage/postgres/shards.js';
import { freshDatabases } from './helpers/postgres.js';

const name = (i: number) => `dir${String(Math.floor(i / 10)).padStart(6, '0')}/obj-${String(i).padStart(8, '0')}`;

async function fill(url: string, account: string, container: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [a, c] = [Buffer.from(account), Buffer.from(container)];
    await client.query(
      `INSERT INTO objects (account, container, name, blob_id, etag, size, content_type, timestamp, metadata, inline_data, listing_json)
       SELECT $1, $2, convert_to(n, 'UTF8'), '', 'd41d8cd98f00b204e9800998ecf8427e', 0, 'application/octet-stream', $3, '{}', ''::bytea,
              '{"bytes": 0, "hash": "d41d8cd98f00b204e9800998ecf8427e", "name": "' || n
                || '", "content_type": "application/octet-stream", "last_modified": "2026-12-07T12:00:00.000000"}'
       FROM (SELECT 'dir' || lpad((i / 10)::text, 6, '0') || '/obj-' || lpad(i::text, 8, '0') AS n
             FROM generate_series(0, $4 - 1) AS i) names`, [a, c, Date.now() / 1000, count]);
    await client.query(
      `INSERT INTO container_stats (account, container, slot, object_count, bytes_used) VALUES ($1, $2, 0, $3, 0)
       ON CONFLICT (account, container, slot) DO UPDATE SET object_count = container_stats.object_count + EXCLUDED.object_count`,
      [a, c, count]);
    await client.query('ANALYZE objects');
  } finally {
    await client.end();
  }
}

async function timeMs(op: () => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await op();
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { small: { type: 'string', default: '10000' }, large: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '15' } },
  });
  const sizes = { small: Number(values.small), large: Number(values.large) };
  const { urls, drop } = await freshDatabases('bench');
  const store = await PostgresMetadataStore.open({ shardUrls: urls });
  try {
    const account = 'AUTH_bench';
    const url = urls[shardOf(account, urls.length)] ?? '';
    for (const [label, count] of Object.entries(sizes)) {
      await store.putContainer(account, label, {}, Date.now() / 1000);
      const t = Date.now();
      await fill(url, account, label, count);
      console.log(`${label}: ${(await store.getContainer(account, label))?.objectCount} objects (filled in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
    const queries: [string, (count: number) => ListOptions][] = [
      ['first page, 10 000 names', () => ({ limit: 10_000 })],
      ['first page, 1 000 names', () => ({ limit: 1000 })],
      ['1 000 names after a marker in the middle', (n) => ({ limit: 1000, marker: name(Math.floor(n / 2)) })],
      ['last 1 000 names (reverse)', () => ({ limit: 1000, reverse: true })],
      ['prefix + delimiter, 1 000 entries', () => ({ limit: 1000, delimiter: '/', prefix: '' })],
    ];
    console.log(`\n| listing, store level (median of ${values.rounds}) | ${sizes.small} objects | ${sizes.large} objects | large / small |`);
    console.log('|---|---|---|---|');
    for (const [label, query] of queries) {
      const small = await timeMs(() => store.listObjects(account, 'small', query(sizes.small)), Number(values.rounds));
      const large = await timeMs(() => store.listObjects(account, 'large', query(sizes.large)), Number(values.rounds));
      console.log(`| ${label} | ${small.toFixed(1)} ms | ${large.toFixed(1)} ms | ${(large / small).toFixed(2)} |`);
    }
    // What a JSON container GET costs the store: the page's stored entries joined by the server.
    for (const [label, query] of queries.slice(0, 2)) {
      const render = (container: string, n: number) => () =>
        store.renderObjectListing({ account, container, options: query(n), format: 'json' });
      const small = await timeMs(render('small', sizes.small), Number(values.rounds));
      const large = await timeMs(render('large', sizes.large), Number(values.rounds));
      console.log(`| ${label}, rendered as JSON | ${small.toFixed(1)} ms | ${large.toFixed(1)} ms | ${(large / small).toFixed(2)} |`);
    }
  } finally {
    await store.close();
    await drop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench-list-scale failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

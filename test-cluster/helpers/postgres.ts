/**
 * Real PostgreSQL servers for the cluster tier: the shard servers named by SWIFTLET_TEST_PG_URLS
 * (comma separated; default the two that scripts/postgres/start.sh starts), and a fresh database
 * on each of them per test backend, so runs never see each other's rows. Databases are dropped
 * (WITH (FORCE)) when the backend is destroyed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MetadataStore } from '../../src/storage/contracts.js';
import { PostgresMetadataStore } from '../../src/storage/postgres/metadata-store.js';
import type { PostgresOptions } from '../../src/storage/postgres/shards.js';
import type { MetadataBackend } from '../../test/helpers/storage-conformance.js';

export const DEFAULT_PG_URLS = 'postgres://postgres@127.0.0.1:54329/postgres,postgres://postgres@127.0.0.1:54330/postgres';

/** The shard servers' admin URLs (each to a database that exists, `postgres` by default). */
export function serverUrls(): string[] {
  const urls = (process.env.SWIFTLET_TEST_PG_URLS ?? DEFAULT_PG_URLS).split(',').map((u) => u.trim()).filter(Boolean);
  if (urls.length < 2) throw new Error('SWIFTLET_TEST_PG_URLS must name at least two servers (two shards)');
  return urls;
}

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new empty database on every shard server; returns the shard URLs and a function dropping them. */
export async function freshDatabases(tag: string): Promise<{ urls: string[]; drop: () => Promise<void> }> {
  const name = `swiftlet_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const servers = serverUrls();
  for (const server of servers) await admin(server, (c) => c.query(`CREATE DATABASE ${name}`));
  return {
    urls: servers.map((s) => withDatabase(s, name)),
    async drop() {
      for (const server of servers) await admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A MetadataBackend (for the conformance suite) over a fresh database on each shard server. */
export async function postgresBackend(tag: string): Promise<MetadataBackend> {
  const { urls, drop } = await freshDatabases(tag);
  // The suite checks semantics, not crash safety: commits do not wait for their WAL flush, so its
  // thousands of one-row transactions take seconds. The multi-process and failure tests keep the
  // servers' durable settings.
  for (const url of urls) await admin(url, (c) => c.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = off`));
  const open: MetadataStore[] = [];
  return {
    async open() {
      const store = await PostgresMetadataStore.open({ shardUrls: urls });
      open.push(store);
      return store;
    },
    async destroy() {
      for (const s of open) await s.close().catch(() => undefined);
      await drop();
    },
  };
}

/** A store over fresh databases; `close` closes it and drops them (dropped too if opening fails). */
export async function freshStore(tag: string, options: Omit<PostgresOptions, 'shardUrls'> = {}): Promise<{
  store: PostgresMetadataStore; urls: string[]; close: () => Promise<void>;
}> {
  const { urls, drop } = await freshDatabases(tag);
  let store: PostgresMetadataStore;
  try {
    store = await PostgresMetadataStore.open({ shardUrls: urls, ...options });
  } catch (err) {
    await drop();
    throw err;
  }
  return { store, urls, async close() { await store.close(); await drop(); } };
}

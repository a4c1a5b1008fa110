/**
 * The PostgreSQL servers behind the cluster's metadata, one `pg.Pool` per shard, and which shard an
 * account lives on.
 *
 * Placement: the shard of an account is the first 8 bytes of SHA-256 of its name (UTF-8), read as a
 * big-endian unsigned 64-bit integer, modulo the number of shards. It depends only on the name and
 * the shard count, so every node computes the same placement with no lookup; the order of the shard
 * URLs is part of the placement and must never change. Changing the number of shards moves most
 * accounts, so adding a shard means copying the accounts whose shard changes (see docs/scaling.md).
 *
 * Every query runs under a timeout: connecting (connectTimeoutMs, which also bounds the wait for a
 * free pooled connection), a statement on the server (statement_timeout) and the reply on the client
 * (query_timeout, for a server that stopped answering without closing the socket). A failure that
 * means the server is not there becomes a MetadataUnavailableError (errors.ts), never a hang.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { CustomTypesConfig, Pool, PoolClient, QueryResultRow } from 'pg';
import { isRetryable, isUnavailable, MetadataUnavailableError } from './errors.js';
import { countPgRetry, countPgTransaction, metricsOn, observePgCommit, observePgStatement, type PgDatabase } from '../../observe/meters.js';

export interface PostgresOptions {
  /** One connection URL per shard (postgres://user@host:port/database); their order is the placement. */
  shardUrls: readonly string[];
  /** Connections per shard in this process (default 10). */
  poolSize?: number;
  /** Connecting, or waiting for a free pooled connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** One statement, on the server and on the client (default 15 000 ms). */
  statementTimeoutMs?: number;
  /** Which database these are, for the metrics' `database` label (default 'metadata'). */
  database?: PgDatabase;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Counters and sizes are bigint columns; node-postgres returns those as strings. They stay far below
 * 2^53 (a byte count of 9 PB), so they are read as numbers, as the SQLite store returns them.
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if ((oid === INT8_OID || oid === NUMERIC_OID) && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as unknown as CustomTypesConfig;

/** The shard index of `account` among `count` shards (see the module comment). */
export function shardOf(account: string, count: number): number {
  if (count === 1) return 0;
  const digest = createHash('sha256').update(account, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

/** How many times a transaction that hit a deadlock or a serialization failure is run again. */
const RETRIES = 5;

export class Shards {
  private readonly pools: Pool[];
  private readonly statementNames = new Map<string, string>();
  readonly database: PgDatabase;

  constructor(options: PostgresOptions) {
    this.database = options.database ?? 'metadata';
    if (options.shardUrls.length === 0) throw new Error('PostgreSQL metadata store: at least one shard URL is required');
    const statementTimeout = options.statementTimeoutMs ?? 15_000;
    this.pools = options.shardUrls.map((url, shard) => {
      const pool = new pg.Pool({
        connectionString: url,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
        statement_timeout: statementTimeout,
        // Client side: a little longer, so the server's own timeout (a clean error) normally fires first.
        query_timeout: statementTimeout + 1_000,
        idle_in_transaction_session_timeout: statementTimeout * 2,
        keepAlive: true,
        idleTimeoutMillis: 30_000,
        application_name: `swiftlet-shard${shard}`,
        types: TYPES,
      });
      // An idle connection whose server went away is reported here; without a listener it would
      // crash the process. The next query reconnects (or fails with MetadataUnavailableError).
      pool.on('error', () => undefined);
      return pool;
    });
  }

  get count(): number {
    return this.pools.length;
  }

  shardOf(account: string): number {
    return shardOf(account, this.pools.length);
  }

  private pool(shard: number): Pool {
    const pool = this.pools[shard];
    if (!pool) throw new Error(`no shard ${shard}`);
    return pool;
  }

  /** One statement on one shard (its own transaction), run again after a deadlock (it rolled back whole). */
  async query<R extends QueryResultRow>(shard: number, text: string, values: unknown[] = []): Promise<R[]> {
    return this.statement(shard, async (pool) => (await pool.query<R>({ name: this.statementName(text), text, values })).rows);
  }

  /** One statement on one shard, rows as arrays (no object per row). */
  async queryArrays<R extends unknown[]>(shard: number, text: string, values: unknown[] = []): Promise<R[]> {
    return this.statement(shard, async (pool) =>
      (await pool.query<R>({ name: this.statementName(text), text, values, rowMode: 'array' })).rows);
  }

  /**
   * Statements run by name: each connection parses and plans one the first time it runs it, then
   * only binds and executes (a listing's page queries, the path lookups). The store's SQL is a
   * fixed set of texts (a listing has a handful of shapes), so the map stays small.
   */
  private statementName(text: string): string {
    let name = this.statementNames.get(text);
    if (name === undefined) {
      name = `swiftlet_${this.statementNames.size}`;
      this.statementNames.set(text, name);
    }
    return name;
  }

  private async statement<T>(shard: number, run: (pool: Pool) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const started = metricsOn() ? performance.now() : 0;
      try {
        const result = await run(this.pool(shard));
        if (started) observePgStatement(this.database, shard, (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        if (isRetryable(err) && attempt < RETRIES) {
          countPgRetry(this.database, shard);
          continue;
        }
        throw translate(shard, err);
      }
    }
  }

  /** The same statement on every shard at once, all rows together in shard order. */
  async queryAll<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[][]> {
    return Promise.all(this.pools.map((_, shard) => this.query<R>(shard, text, values)));
  }

  /**
   * Runs `work` in one READ COMMITTED transaction on one shard, committed when it resolves and rolled
   * back when it throws; run again (from the start) after a deadlock or a serialization failure.
   */
  async transaction<T>(shard: number, work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let client: PoolClient;
      try {
        client = await this.pool(shard).connect();
      } catch (err) {
        throw translate(shard, err);
      }
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(new Tx(client, shard, this.database));
        // The COMMIT alone is timed: it is where PostgreSQL waits for its WAL flush (the embedded
        // store's swiftlet_wal_flush_seconds is the same wait).
        const committing = metricsOn() ? performance.now() : 0;
        await client.query('COMMIT');
        if (committing) observePgCommit(this.database, shard, (performance.now() - committing) / 1000);
        countPgTransaction(this.database, shard, 'commit');
        return result;
      } catch (err) {
        countPgTransaction(this.database, shard, 'rollback');
        if (isUnavailable(err)) broken = err instanceof Error ? err : new Error(String(err));
        else await client.query('ROLLBACK').catch((e: unknown) => { broken = e instanceof Error ? e : new Error(String(e)); });
        if (!broken && isRetryable(err) && attempt < RETRIES) {
          countPgRetry(this.database, shard);
          continue;
        }
        throw translate(shard, err);
      } finally {
        // A connection that failed is destroyed rather than handed to the next caller.
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.end().catch(() => undefined)));
  }
}

/** A transaction's connection: the same query helpers, bound to one client. */
export class Tx {
  constructor(private readonly client: PoolClient, readonly shard: number, private readonly database: PgDatabase = 'metadata') {}

  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const started = metricsOn() ? performance.now() : 0;
    const { rows } = await this.client.query<R>(text, values);
    if (started) observePgStatement(this.database, this.shard, (performance.now() - started) / 1000);
    return rows;
  }
}

function translate(shard: number, err: unknown): unknown {
  return isUnavailable(err) && !(err instanceof MetadataUnavailableError) ? new MetadataUnavailableError(shard, err) : err;
}

/**
 * The meters storage and identity code report to (group commits, WAL flushes, PostgreSQL
 * statements and transactions, token caches, Keystone). Without prom-client in the import: the code reporting here loads in every process
 * (CLI, image service) and pays nothing but one check while metrics are off.
 */
import type { Counter, Histogram } from 'prom-client';

export interface RequestMeters {
  requests: Counter<'method' | 'resource' | 'status'>;
  duration: Histogram<'method' | 'resource'>;
  received: Counter<'method' | 'resource'>;
  sent: Counter<'method' | 'resource'>;
  commitBatch: Histogram;
  walFlush: Histogram;
  tokenHits: Counter.Internal;
  tokenMisses: Counter.Internal;
  keystoneSeconds: Histogram;
  keystoneErrors: Counter;
  pgStatement: Histogram<'database' | 'shard'>;
  pgCommit: Histogram<'database' | 'shard'>;
  pgTransactions: Counter<'database' | 'shard' | 'result'>;
  pgRetries: Counter<'database' | 'shard'>;
}

/** The cluster backend's PostgreSQL databases, as the `database` label names them. */
export type PgDatabase = 'metadata' | 'identity';

let active: RequestMeters | undefined;

/** PostgreSQL meters' children per database and shard (a statement is the hot path: no label hashing per call). */
interface PgChildren {
  statement: ReturnType<Histogram['labels']>;
  commit: ReturnType<Histogram['labels']>;
  committed: Counter.Internal;
  rolledBack: Counter.Internal;
  retries: Counter.Internal;
}
const pgChildren = new Map<string, PgChildren>();

function pg(database: PgDatabase, shard: number): PgChildren | undefined {
  if (!active) return undefined;
  const key = `${database}/${shard}`;
  let c = pgChildren.get(key);
  if (!c) {
    const s = String(shard);
    c = {
      statement: active.pgStatement.labels(database, s), commit: active.pgCommit.labels(database, s),
      committed: active.pgTransactions.labels(database, s, 'commit'), rolledBack: active.pgTransactions.labels(database, s, 'rollback'),
      retries: active.pgRetries.labels(database, s),
    };
    pgChildren.set(key, c);
  }
  return c;
}

/** Called once by metrics.ts when `[metrics] listen` is set. */
export function setMeters(meters: RequestMeters): void {
  active = meters;
  pgChildren.clear();
}

/** One group commit: how many writes it carried. */
export function countCommitBatch(size: number): void {
  active?.commitBatch.observe(size);
}

/** Whether the meters are on (callers skip timing work when not). */
export function metricsOn(): boolean {
  return active !== undefined;
}

export function observeWalFlush(seconds: number): void {
  active?.walFlush.observe(seconds);
}

/** One statement sent to PostgreSQL (alone, or inside a transaction), its round trip. */
export function observePgStatement(database: PgDatabase, shard: number, seconds: number): void {
  pg(database, shard)?.statement.observe(seconds);
}

/** The COMMIT of an explicit transaction: PostgreSQL's WAL flush and the round trip. */
export function observePgCommit(database: PgDatabase, shard: number, seconds: number): void {
  pg(database, shard)?.commit.observe(seconds);
}

export function countPgTransaction(database: PgDatabase, shard: number, result: 'commit' | 'rollback'): void {
  const c = pg(database, shard);
  if (c) (result === 'commit' ? c.committed : c.rolledBack).inc();
}

/** A statement or transaction run again after a deadlock or a serialization failure. */
export function countPgRetry(database: PgDatabase, shard: number): void {
  pg(database, shard)?.retries.inc();
}

export function countTokenCache(hit: boolean): void {
  if (active) (hit ? active.tokenHits : active.tokenMisses).inc();
}

export function observeKeystone(seconds: number, failed: boolean): void {
  if (!active) return;
  active.keystoneSeconds.observe(seconds);
  if (failed) active.keystoneErrors.inc();
}

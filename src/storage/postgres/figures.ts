/**
 * The store-wide figures the metrics report (observe/store-metrics.ts) and the orphan census asks
 * for, each asked of every shard and added up. The totals scan every container's stats rows, so
 * the metrics read them on a timer (`[metrics] store_interval`), not at each scrape.
 */
import type { UsageTotal } from '../contracts.js';
import type { Shards } from './shards.js';

/**
 * Per account prefix (the name up to and with its first `_`; empty when it has none) and policy:
 * containers, and their objects and bytes summed over the stats slots. The prefix is cut from the
 * bytea name in SQL (0x5f is `_`; position 0, none, cuts nothing).
 */
const USAGE_TOTALS = `
  SELECT substring(c.account FROM 1 FOR position('\\x5f'::bytea IN c.account)) AS prefix, c.policy_index,
         count(*) AS containers, COALESCE(sum(s.objects), 0)::bigint AS objects, COALESCE(sum(s.bytes), 0)::bigint AS bytes
  FROM containers c
  LEFT JOIN (SELECT account, container, sum(object_count) AS objects, sum(bytes_used) AS bytes
             FROM container_stats GROUP BY account, container) s ON s.account = c.account AND s.container = c.name
  GROUP BY 1, 2`;

export async function usageTotals(shards: Shards): Promise<UsageTotal[]> {
  const perShard = await shards.queryAll<{ prefix: Buffer; policy_index: number; containers: number; objects: number; bytes: number }>(USAGE_TOTALS);
  const sum = new Map<string, UsageTotal>();
  for (const r of perShard.flat()) {
    const prefix = r.prefix.toString('utf8');
    const key = `${r.policy_index}/${prefix}`;
    const t = sum.get(key) ?? { prefix, policyIndex: r.policy_index, containers: 0, objects: 0, bytes: 0 };
    t.containers += Number(r.containers);
    t.objects += Number(r.objects);
    t.bytes += Number(r.bytes);
    sum.set(key, t);
  }
  return [...sum.values()];
}

/** Objects past their delete-at, up to `cap` (each shard counts up to `cap` through its delete_at index). */
export async function expiredBacklog(shards: Shards, now: number, cap: number): Promise<number> {
  const perShard = await shards.queryAll<{ n: number }>(
    'SELECT count(*) AS n FROM (SELECT 1 FROM objects WHERE delete_at IS NOT NULL AND delete_at <= $1 LIMIT $2) e', [now, cap]);
  return Math.min(cap, perShard.flat().reduce((n, r) => n + Number(r.n), 0));
}

/** Which of `blobIds` some object points at: one indexed statement per shard for the whole batch. */
export async function blobsInUse(shards: Shards, blobIds: readonly string[]): Promise<Set<string>> {
  const ids = blobIds.filter((id) => id !== '');
  if (ids.length === 0) return new Set();
  const perShard = await shards.queryAll<{ blob_id: string }>(
    "SELECT DISTINCT blob_id FROM objects WHERE blob_id = ANY($1::text[]) AND blob_id <> ''", [ids]);
  return new Set(perShard.flat().map((r) => r.blob_id));
}

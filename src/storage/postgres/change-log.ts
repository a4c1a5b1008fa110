/**
 * Container sync's change log on PostgreSQL: the rows the trigger of migration 4 (schema.ts)
 * writes on the container's shard, and the sync points. Seqs come from a sequence, taken while the
 * writing transaction is still open, so a lower seq can commit after a higher one is visible. The
 * horizon is therefore read under the log's advisory lock taken exclusively: every transaction
 * that took a seq before holds the lock shared until it commits, so once the lock is ours, all
 * seqs issued so far are committed (or gone), and any later one will be higher.
 */
import { TOMBSTONE_SECONDS, type ContainerChangeLog, type ContainerInfo, type ObjectChange, type SyncPoint } from '../contracts.js';
import { CONTAINER_COLUMNS, CONTAINER_STATS_JOIN, nameBytes, toContainer, type ContainerRow } from './rows.js';
import { SYNC_LOG_LOCK } from './schema.js';
import type { Shards } from './shards.js';

export class PostgresChangeLog implements ContainerChangeLog {
  constructor(private readonly shards: Shards) {}

  async syncedContainers(): Promise<ContainerInfo[]> {
    type Row = [account: Buffer, name: Buffer, ...ContainerRow];
    const perShard = await Promise.all(Array.from({ length: this.shards.count }, (_, shard) => this.shards.queryArrays<Row>(shard,
      `SELECT c.account, c.name, ${CONTAINER_COLUMNS} FROM containers c ${CONTAINER_STATS_JOIN}
       WHERE strpos(c.metadata, '"x-container-sync-to"') > 0`)));
    return perShard.flat()
      .map((r) => toContainer(r[0].toString('utf8'), r[1].toString('utf8'), r.slice(2) as ContainerRow))
      .filter((c) => c.metadata['x-container-sync-to'] !== undefined);
  }

  async changeHorizon(account: string): Promise<number> {
    return this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SYNC_LOG_LOCK]);
      const [row] = await tx.query<{ seq: string }>(
        'SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS seq FROM sync_changes_seq_seq');
      return Number(row?.seq ?? 0);
    });
  }

  async containerChanges(account: string, container: string, afterSeq: number, upToSeq: number, limit: number): Promise<ObjectChange[]> {
    const rows = await this.shards.query<{ seq: string; name: Buffer; timestamp: number; deleted: boolean }>(this.shards.shardOf(account),
      `SELECT seq::text AS seq, name, timestamp, deleted FROM sync_changes
       WHERE account = $1 AND container = $2 AND seq > $3 AND seq <= $4 ORDER BY seq LIMIT $5`,
      [nameBytes(account), nameBytes(container), afterSeq, upToSeq, limit]);
    return rows.map((r) => ({ seq: Number(r.seq), name: r.name.toString('utf8'), timestamp: r.timestamp, deleted: r.deleted }));
  }

  async getSyncPoint(account: string, container: string): Promise<SyncPoint | undefined> {
    const [row] = await this.shards.query<{ sync_to: string; seq: string }>(this.shards.shardOf(account),
      'SELECT sync_to, seq::text AS seq FROM sync_points WHERE account = $1 AND container = $2',
      [nameBytes(account), nameBytes(container)]);
    return row && { syncTo: row.sync_to, seq: Number(row.seq) };
  }

  async setSyncPoint(account: string, container: string, point: SyncPoint): Promise<void> {
    const keys = [nameBytes(account), nameBytes(container)];
    await this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      // Only while the container exists: a point left behind by a deleted container would outlive it.
      const stored = await tx.query(
        `INSERT INTO sync_points (account, container, sync_to, seq)
         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM containers WHERE account = $1 AND name = $2)
         ON CONFLICT (account, container) DO UPDATE SET sync_to = EXCLUDED.sync_to, seq = EXCLUDED.seq RETURNING 1`,
        [...keys, point.syncTo, point.seq]);
      if (stored.length > 0) {
        await tx.query('DELETE FROM sync_changes WHERE account = $1 AND container = $2 AND seq <= $3 AND (NOT deleted OR timestamp < $4)',
          [...keys, point.seq, Date.now() / 1000 - TOMBSTONE_SECONDS]);
      }
    });
  }

  async lastDeletion(account: string, container: string, name: string): Promise<number | undefined> {
    const [row] = await this.shards.query<{ ts: number | null }>(this.shards.shardOf(account),
      'SELECT max(timestamp) AS ts FROM sync_changes WHERE account = $1 AND container = $2 AND name = $3 AND deleted',
      [nameBytes(account), nameBytes(container), nameBytes(name)]);
    return row?.ts ?? undefined;
  }
}

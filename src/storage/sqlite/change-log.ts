/**
 * Container sync's change log on SQLite: the rows the triggers of migration 9 (database.ts) write,
 * and the sync points. Writes are serialised by SQLite's write lock, so every seq below the
 * highest one issued is already visible: that highest one is the horizon.
 */
import { TOMBSTONE_SECONDS, type ContainerChangeLog, type ContainerInfo, type Metadata, type ObjectChange, type SyncPoint } from '../contracts.js';
import type { Db } from './database.js';

interface ContainerRow {
  account: string; name: string; created_at: number; put_timestamp: number;
  object_count: number; bytes_used: number; metadata: string; policy_index: number;
}

export class SqliteChangeLog implements ContainerChangeLog {
  private readonly stmt;
  constructor(private readonly db: Db) {
    this.stmt = {
      synced: db.prepare<[], ContainerRow>(`SELECT * FROM containers WHERE instr(metadata, '"x-container-sync-to"') > 0`),
      horizon: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'sync_changes'"),
      changes: db.prepare<[string, string, number, number, number], { seq: number; name: string; timestamp: number; deleted: number }>(
        `SELECT seq, name, timestamp, deleted FROM sync_changes
         WHERE account = ? AND container = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`),
      getPoint: db.prepare<[string, string], { sync_to: string; seq: number }>(
        'SELECT sync_to, seq FROM sync_points WHERE account = ? AND container = ?'),
      // Only while the container exists: a point left behind by a deleted container would outlive it.
      setPoint: db.prepare<[string, string, string, number, string, string]>(
        `INSERT OR REPLACE INTO sync_points (account, container, sync_to, seq)
         SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM containers WHERE account = ? AND name = ?)`),
      forget: db.prepare<[string, string, number, number]>(
        'DELETE FROM sync_changes WHERE account = ? AND container = ? AND seq <= ? AND (deleted = 0 OR timestamp < ?)'),
      lastDeletion: db.prepare<[string, string, string], { ts: number | null }>(
        'SELECT max(timestamp) AS ts FROM sync_changes WHERE account = ? AND container = ? AND name = ? AND deleted = 1'),
    };
  }

  async syncedContainers(): Promise<ContainerInfo[]> {
    return this.stmt.synced.all().map((r) => ({
      account: r.account, name: r.name, createdAt: r.created_at, putTimestamp: r.put_timestamp,
      objectCount: r.object_count, bytesUsed: r.bytes_used, metadata: JSON.parse(r.metadata) as Metadata,
      policyIndex: r.policy_index,
    })).filter((c) => c.metadata['x-container-sync-to'] !== undefined);
  }

  async changeHorizon(): Promise<number> {
    return this.stmt.horizon.get()?.seq ?? 0;
  }

  async containerChanges(account: string, container: string, afterSeq: number, upToSeq: number, limit: number): Promise<ObjectChange[]> {
    return this.stmt.changes.all(account, container, afterSeq, upToSeq, limit)
      .map((r) => ({ seq: r.seq, name: r.name, timestamp: r.timestamp, deleted: r.deleted !== 0 }));
  }

  async getSyncPoint(account: string, container: string): Promise<SyncPoint | undefined> {
    const r = this.stmt.getPoint.get(account, container);
    return r && { syncTo: r.sync_to, seq: r.seq };
  }

  async setSyncPoint(account: string, container: string, point: SyncPoint): Promise<void> {
    this.db.transaction(() => {
      this.stmt.setPoint.run(account, container, point.syncTo, point.seq, account, container);
      this.stmt.forget.run(account, container, point.seq, Date.now() / 1000 - TOMBSTONE_SECONDS);
    }).immediate();
  }

  async lastDeletion(account: string, container: string, name: string): Promise<number | undefined> {
    return this.stmt.lastDeletion.get(account, container, name)?.ts ?? undefined;
  }
}

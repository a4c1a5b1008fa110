/**
 * MetadataStore on PostgreSQL, sharded by account over one or more servers (shards.ts places an
 * account; schema.ts has the tables). The same semantics as the SQLite store
 * (sqlite/metadata-store.ts): last writer wins by timestamp, counts exact however many processes
 * and nodes write at once (each write moves its counts in its own transaction), small objects'
 * bytes committed with their row. An account's rows all live on its shard, so every operation but
 * the janitor's two (expiredObjects, blobInUse) and the auditor's walk (auditPage, auditTotals), which
 * ask every shard, runs on one server.
 *
 * Node-local state: none beyond the connection pools, so any number of nodes can serve the same data.
 */
import type {
  AccountInfo, ContainerInfo, ContainerListEntry, ListOptions, Listed, ListedObject, Metadata, MetadataStore,
  ObjectChange, ObjectKey, ObjectRecord, PathRecords, PolicyChoice, PolicyStats, PutObjectOutcome, SyncPoint, UsageTotal,
} from '../contracts.js';
import { PolicyConflictError } from '../contracts.js';
import { PostgresChangeLog } from './change-log.js';
import { objectEntryJson, type RenderedListing } from '../../swift/listing-format.js';
import type { ListingRequest } from '../object-listings.js';
import { PostgresListings } from './listings.js';
import {
  ACCOUNT_COLUMNS, ACCOUNT_STATS_JOIN, applyChanges, CONTAINER_COLUMNS, CONTAINER_STATS_JOIN, nameBytes, OBJECT_COLUMNS,
  parseMetadata, toAccount, toContainer, toObject,
  type AccountRow, type ContainerRow, type ObjectRow,
} from './rows.js';
import { bumpContainerCount, DELETE_OBJECT, migrate, statSlot } from './schema.js';
import { Shards, type PostgresOptions } from './shards.js';
import { blobsInUse, expiredBacklog, usageTotals } from './figures.js';

/**
 * The path lookup: account, container and object (with its inline bytes) side by side in one row,
 * NULL where a record is missing; `k` carries the keys so that missing ones join nothing.
 */
const PATH_LOOKUP = `
  SELECT a.name IS NOT NULL, ${ACCOUNT_COLUMNS}, c.name IS NOT NULL, ${CONTAINER_COLUMNS}, o.name IS NOT NULL,
         ${OBJECT_COLUMNS}, o.inline_data
  FROM (SELECT $1::bytea AS an, $2::bytea AS cn, $3::bytea AS obn) k
  LEFT JOIN accounts a ON a.name = k.an
  ${ACCOUNT_STATS_JOIN}
  LEFT JOIN containers c ON k.cn IS NOT NULL AND c.account = k.an AND c.name = k.cn
  ${CONTAINER_STATS_JOIN}
  LEFT JOIN objects o ON k.obn IS NOT NULL AND o.account = k.an AND o.container = k.cn AND o.name = k.obn`;

type PathRow = [boolean, ...AccountRow, boolean, ...ContainerRow, boolean, ...ObjectRow, Buffer | null];

const ACCOUNT_LOOKUP = `SELECT ${ACCOUNT_COLUMNS} FROM accounts a ${ACCOUNT_STATS_JOIN} WHERE a.name = $1`;
const CONTAINER_LOOKUP = `SELECT ${CONTAINER_COLUMNS} FROM containers c ${CONTAINER_STATS_JOIN} WHERE c.account = $1 AND c.name = $2`;
const OBJECT_LOOKUP = `SELECT ${OBJECT_COLUMNS}, o.inline_data FROM objects o WHERE o.account = $1 AND o.container = $2 AND o.name = $3`;
/** Per policy: containers, and their objects and bytes summed over the stats slots. */
const ACCOUNT_POLICY_STATS = `SELECT c.policy_index, count(*), COALESCE(sum(sc.object_count), 0), COALESCE(sum(sc.bytes_used), 0)
  FROM containers c ${CONTAINER_STATS_JOIN} WHERE c.account = $1 GROUP BY c.policy_index ORDER BY c.policy_index`;
const INSERT_ACCOUNT = 'INSERT INTO accounts (name, created_at, put_timestamp) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING RETURNING 1';

export class PostgresMetadataStore implements MetadataStore {
  private readonly listings: PostgresListings;
  /** Container sync's change log and points (change-log.ts). */
  private readonly changes: PostgresChangeLog;

  private constructor(private readonly shards: Shards) {
    this.listings = new PostgresListings(shards);
    this.changes = new PostgresChangeLog(shards);
  }

  /** Connects to every shard and creates or upgrades its schema. */
  static async open(options: PostgresOptions): Promise<PostgresMetadataStore> {
    const shards = new Shards(options);
    try {
      await migrate(shards);
    } catch (err) {
      await shards.close();
      throw err;
    }
    return new PostgresMetadataStore(shards);
  }

  async lookupPath(account: string, container?: string, object?: string): Promise<PathRecords> {
    const objectKey = container === undefined || object === undefined ? null : nameBytes(object);
    const [row] = await this.shards.queryArrays<PathRow>(this.shards.shardOf(account), PATH_LOOKUP,
      [nameBytes(account), container === undefined ? null : nameBytes(container), objectKey]);
    const out: PathRecords = {};
    if (!row) return out;
    if (row[0]) out.account = toAccount(account, row.slice(1, 7) as AccountRow);
    if (row[7] && container !== undefined) out.container = toContainer(account, container, row.slice(8, 14) as ContainerRow);
    if (row[14] && container !== undefined && object !== undefined) {
      out.object = toObject(account, container, object, row.slice(15, 22) as ObjectRow, row[22]);
    }
    return out;
  }

  async getAccount(account: string): Promise<AccountInfo | undefined> {
    const [row] = await this.shards.queryArrays<AccountRow>(this.shards.shardOf(account), ACCOUNT_LOOKUP, [nameBytes(account)]);
    return row && toAccount(account, row);
  }

  async ensureAccount(account: string, timestamp: number): Promise<boolean> {
    const rows = await this.shards.query(this.shards.shardOf(account), INSERT_ACCOUNT, [nameBytes(account), timestamp]);
    return rows.length === 1;
  }

  async updateAccountMetadata(account: string, changes: Metadata, timestamp: number): Promise<void> {
    const key = nameBytes(account);
    await this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      for (;;) {
        await tx.query(INSERT_ACCOUNT, [key, timestamp]);
        const [row] = await tx.query<{ metadata: string }>('SELECT metadata FROM accounts WHERE name = $1 FOR UPDATE', [key]);
        // Gone again: an account delete committed between the two statements.
        if (!row) continue;
        const next = applyChanges(parseMetadata(row.metadata), changes);
        await tx.query('UPDATE accounts SET metadata = $2, put_timestamp = GREATEST(put_timestamp, $3) WHERE name = $1',
          [key, JSON.stringify(next), timestamp]);
        return;
      }
    });
  }

  async deleteAccount(account: string): Promise<{ found: boolean; blobIds: string[] }> {
    const key = nameBytes(account);
    return this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      if ((await tx.query('SELECT 1 FROM accounts WHERE name = $1 FOR UPDATE', [key])).length === 0) return { found: false, blobIds: [] };
      // Locking the containers waits for object writes in flight (they hold them FOR KEY SHARE) and
      // keeps new ones out until this commits.
      await tx.query('SELECT 1 FROM containers WHERE account = $1 FOR UPDATE', [key]);
      const blobs = await tx.query<{ blob_id: string }>('DELETE FROM objects WHERE account = $1 RETURNING blob_id', [key]);
      await tx.query('DELETE FROM container_stats WHERE account = $1', [key]);
      await tx.query('DELETE FROM containers WHERE account = $1', [key]);
      await tx.query('DELETE FROM account_stats WHERE account = $1', [key]);
      await tx.query('DELETE FROM accounts WHERE name = $1', [key]);
      return { found: true, blobIds: blobs.map((r) => r.blob_id).filter((id) => id !== '') };
    });
  }

  listContainers(account: string, options: ListOptions): Promise<Listed<ContainerListEntry>[]> {
    return this.listings.containers(account, options);
  }

  async getContainer(account: string, container: string): Promise<ContainerInfo | undefined> {
    const [row] = await this.shards.queryArrays<ContainerRow>(this.shards.shardOf(account), CONTAINER_LOOKUP,
      [nameBytes(account), nameBytes(container)]);
    return row && toContainer(account, container, row);
  }

  async accountPolicyStats(account: string): Promise<PolicyStats[]> {
    const rows = await this.shards.queryArrays<[number, string, string, string]>(this.shards.shardOf(account), ACCOUNT_POLICY_STATS,
      [nameBytes(account)]);
    return rows.map((r) => ({ policyIndex: r[0], containerCount: Number(r[1]), objectCount: Number(r[2]), bytesUsed: Number(r[3]) }));
  }

  async putContainer(
    account: string, container: string, metadata: Metadata, timestamp: number,
    policy: PolicyChoice = { index: 0, explicit: false },
  ): Promise<boolean> {
    const [accountKey, containerKey] = [nameBytes(account), nameBytes(container)];
    return this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      for (;;) {
        await tx.query(INSERT_ACCOUNT, [accountKey, timestamp]);
        // Held until commit, so an account delete cannot slip in between and strand the container.
        if ((await tx.query('SELECT 1 FROM accounts WHERE name = $1 FOR KEY SHARE', [accountKey])).length === 0) continue;
        const [row] = await tx.query<{ metadata: string; policy_index: number }>(
          'SELECT metadata, policy_index FROM containers WHERE account = $1 AND name = $2 FOR UPDATE', [accountKey, containerKey]);
        if (row) {
          if (policy.explicit && row.policy_index !== policy.index) throw new PolicyConflictError(row.policy_index);
          const next = applyChanges(parseMetadata(row.metadata), metadata);
          await tx.query(
            'UPDATE containers SET metadata = $3, put_timestamp = GREATEST(put_timestamp, $4) WHERE account = $1 AND name = $2',
            [accountKey, containerKey, JSON.stringify(next), timestamp]);
          return false;
        }
        const inserted = await tx.query(
          `INSERT INTO containers (account, name, created_at, put_timestamp, metadata, policy_index) VALUES ($1, $2, $3, $3, $4, $5)
           ON CONFLICT DO NOTHING RETURNING 1`,
          [accountKey, containerKey, timestamp, JSON.stringify(applyChanges({}, metadata)), policy.index]);
        // Not inserted: another writer created it after our SELECT; take the update path.
        if (inserted.length === 0) continue;
        await bumpContainerCount(tx, accountKey, 1, statSlot());
        return true;
      }
    });
  }

  async updateContainerMetadata(account: string, container: string, changes: Metadata, timestamp: number): Promise<boolean> {
    const [accountKey, containerKey] = [nameBytes(account), nameBytes(container)];
    return this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      const [row] = await tx.query<{ metadata: string }>(
        'SELECT metadata FROM containers WHERE account = $1 AND name = $2 FOR UPDATE', [accountKey, containerKey]);
      if (!row) return false;
      const next = applyChanges(parseMetadata(row.metadata), changes);
      await tx.query(
        'UPDATE containers SET metadata = $3, put_timestamp = GREATEST(put_timestamp, $4) WHERE account = $1 AND name = $2',
        [accountKey, containerKey, JSON.stringify(next), timestamp]);
      return true;
    });
  }

  async deleteContainer(account: string, container: string): Promise<'deleted' | 'not_found' | 'not_empty'> {
    const [accountKey, containerKey] = [nameBytes(account), nameBytes(container)];
    return this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      // FOR UPDATE waits for object writes in flight to this container (FOR KEY SHARE) and keeps new ones out.
      const found = await tx.query('SELECT 1 FROM containers WHERE account = $1 AND name = $2 FOR UPDATE', [accountKey, containerKey]);
      if (found.length === 0) return 'not_found' as const;
      const objects = await tx.query('SELECT 1 FROM objects WHERE account = $1 AND container = $2 LIMIT 1', [accountKey, containerKey]);
      if (objects.length > 0) return 'not_empty' as const;
      await tx.query('DELETE FROM container_stats WHERE account = $1 AND container = $2', [accountKey, containerKey]);
      await tx.query('DELETE FROM containers WHERE account = $1 AND name = $2', [accountKey, containerKey]);
      await bumpContainerCount(tx, accountKey, -1, statSlot());
      return 'deleted' as const;
    });
  }

  listObjects(account: string, container: string, options: ListOptions): Promise<Listed<ListedObject>[]> {
    return this.listings.objects(account, container, options);
  }

  /** A container listing's body in the format asked for; a JSON page is joined by the server (listings.ts). */
  renderObjectListing(request: ListingRequest): Promise<RenderedListing> {
    return this.listings.renderObjects(request);
  }

  async getObject(account: string, container: string, name: string): Promise<ObjectRecord | undefined> {
    const [row] = await this.shards.queryArrays<[...ObjectRow, Buffer | null]>(this.shards.shardOf(account), OBJECT_LOOKUP,
      [nameBytes(account), nameBytes(container), nameBytes(name)]);
    return row && toObject(account, container, name, row.slice(0, 7) as ObjectRow, row[7]);
  }

  async putObject(rec: ObjectRecord): Promise<PutObjectOutcome> {
    const [row] = await this.shards.query<{ result: 'stored' | 'stale' | 'no_container'; replaced_blob_id: string | null }>(
      this.shards.shardOf(rec.account),
      'SELECT result, replaced_blob_id FROM swiftlet_put_object($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)',
      [nameBytes(rec.account), nameBytes(rec.container), nameBytes(rec.name), rec.blobId, rec.etag, rec.size,
        rec.contentType, rec.timestamp, rec.deleteAt ?? null, JSON.stringify(rec.metadata), rec.inline ?? null, objectEntryJson(rec), statSlot()]);
    if (!row) throw new Error('swiftlet_put_object returned no row');
    if (row.result !== 'stored') return { result: row.result };
    return row.replaced_blob_id ? { result: 'stored', replacedBlobId: row.replaced_blob_id } : { result: 'stored' };
  }

  async updateObject(
    account: string, container: string, name: string,
    update: { metadata: Metadata; contentType: string; deleteAt?: number; timestamp: number },
  ): Promise<boolean> {
    const keys = [nameBytes(account), nameBytes(container), nameBytes(name)];
    return this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      // The listing entry shows the row's etag and size: read (and lock) them first.
      const [row] = await tx.query<{ etag: string; size: number }>(
        'SELECT etag, size FROM objects WHERE account = $1 AND container = $2 AND name = $3 FOR UPDATE', keys);
      if (!row) return false;
      const entry = objectEntryJson({
        name, etag: row.etag, size: row.size, contentType: update.contentType, timestamp: update.timestamp, metadata: update.metadata,
      });
      await tx.query(
        `UPDATE objects SET metadata = $4, content_type = $5, delete_at = $6, timestamp = $7, listing_json = $8
         WHERE account = $1 AND container = $2 AND name = $3`,
        [...keys, JSON.stringify(update.metadata), update.contentType, update.deleteAt ?? null, update.timestamp, entry]);
      return true;
    });
  }

  async deleteObject(account: string, container: string, name: string, timestamp: number): Promise<ObjectRecord | undefined> {
    const [row] = await this.shards.queryArrays<ObjectRow>(this.shards.shardOf(account), DELETE_OBJECT,
      [nameBytes(account), nameBytes(container), nameBytes(name), timestamp, statSlot()]);
    return row && toObject(account, container, name, row);
  }

  async removeDamagedObject(account: string, container: string, name: string, timestamp: number): Promise<ObjectRecord | undefined> {
    const keys = [nameBytes(account), nameBytes(container), nameBytes(name)];
    return this.shards.transaction(this.shards.shardOf(account), async (tx) => {
      const [row] = await tx.query<Record<string, unknown>>(DELETE_OBJECT, [...keys, timestamp, statSlot()]);
      if (!row) return undefined;
      const old = toObject(account, container, name, Object.values(row) as ObjectRow);
      // The tombstone the sync trigger just wrote: the only deletion of this name at or after the
      // object's own timestamp (an earlier one preceded the write that made this version).
      await tx.query('DELETE FROM sync_changes WHERE account = $1 AND container = $2 AND name = $3 AND deleted AND timestamp >= $4',
        [...keys, old.timestamp]);
      return old;
    });
  }

  async expiredObjects(now: number, limit: number): Promise<ObjectRecord[]> {
    type ExpiredRow = [account: Buffer, container: Buffer, name: Buffer, ...ObjectRow];
    // Oldest first from each shard, then merged: the first `limit` of the union are among them.
    const perShard = await Promise.all(Array.from({ length: this.shards.count }, (_, shard) => this.shards.queryArrays<ExpiredRow>(shard,
      `SELECT o.account, o.container, o.name, ${OBJECT_COLUMNS} FROM objects o
       WHERE o.delete_at IS NOT NULL AND o.delete_at <= $1 ORDER BY o.delete_at LIMIT $2`, [now, limit])));
    return perShard.flat()
      .map((r) => toObject(r[0].toString('utf8'), r[1].toString('utf8'), r[2].toString('utf8'), r.slice(3) as ObjectRow))
      .sort((a, b) => (a.deleteAt ?? 0) - (b.deleteAt ?? 0))
      .slice(0, limit);
  }

  async auditPage(after: ObjectKey | undefined, limit: number): Promise<ObjectRecord[]> {
    type AuditRow = [account: Buffer, container: Buffer, name: Buffer, ...ObjectRow, Buffer | null];
    const from = [nameBytes(after?.account ?? ''), nameBytes(after?.container ?? ''), nameBytes(after?.name ?? '')];
    // The next `limit` keys of each shard, then merged: the first `limit` of the union are among them.
    const perShard = await Promise.all(Array.from({ length: this.shards.count }, (_, shard) => this.shards.queryArrays<AuditRow>(shard,
      `SELECT o.account, o.container, o.name, ${OBJECT_COLUMNS}, o.inline_data FROM objects o
       WHERE (o.account, o.container, o.name) > ($1, $2, $3) ORDER BY o.account, o.container, o.name LIMIT $4`, [...from, limit])));
    const byKey = (a: AuditRow, b: AuditRow) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]) || Buffer.compare(a[2], b[2]);
    return perShard.flat().sort(byKey).slice(0, limit)
      .map((r) => toObject(r[0].toString('utf8'), r[1].toString('utf8'), r[2].toString('utf8'), r.slice(3, 10) as ObjectRow, r[10]));
  }

  async auditTotals(): Promise<{ objects: number; bytes: number }> {
    const perShard = await this.shards.queryAll<{ n: string; b: string | null }>('SELECT count(*) AS n, sum(size) AS b FROM objects');
    return perShard.flat().reduce((t, r) => ({ objects: t.objects + Number(r.n), bytes: t.bytes + Number(r.b ?? 0) }), { objects: 0, bytes: 0 });
  }

  async blobInUse(blobId: string): Promise<boolean> {
    if (blobId === '') return false;
    const perShard = await this.shards.queryAll("SELECT 1 FROM objects WHERE blob_id = $1 AND blob_id <> '' LIMIT 1", [blobId]);
    return perShard.some((rows) => rows.length > 0);
  }

  /** The metrics' figures (figures.ts): a scan of every container's stats, read on a timer. */
  usageTotals(): Promise<UsageTotal[]> {
    return usageTotals(this.shards);
  }

  expiredBacklog(now: number, cap: number): Promise<number> {
    return expiredBacklog(this.shards, now, cap);
  }

  blobsInUse(blobIds: readonly string[]): Promise<Set<string>> {
    return blobsInUse(this.shards, blobIds);
  }

  syncedContainers(): Promise<ContainerInfo[]> {
    return this.changes.syncedContainers();
  }

  changeHorizon(account: string): Promise<number> {
    return this.changes.changeHorizon(account);
  }

  containerChanges(account: string, container: string, afterSeq: number, upToSeq: number, limit: number): Promise<ObjectChange[]> {
    return this.changes.containerChanges(account, container, afterSeq, upToSeq, limit);
  }

  getSyncPoint(account: string, container: string): Promise<SyncPoint | undefined> {
    return this.changes.getSyncPoint(account, container);
  }

  setSyncPoint(account: string, container: string, point: SyncPoint): Promise<void> {
    return this.changes.setSyncPoint(account, container, point);
  }

  lastDeletion(account: string, container: string, name: string): Promise<number | undefined> {
    return this.changes.lastDeletion(account, container, name);
  }

  async close(): Promise<void> {
    await this.shards.close();
  }
}

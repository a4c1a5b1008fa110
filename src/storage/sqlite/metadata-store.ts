/**
 * MetadataStore on SQLite. Every write is one IMMEDIATE transaction that also maintains the container
 * and account totals, so counts stay exact however many worker processes write at once.
 */
import type {
  UsageTotal,
  AccountInfo, ContainerInfo, ContainerListEntry, ListOptions, Listed, ListedObject, Metadata, MetadataStore,
  ObjectChange, ObjectKey, ObjectRecord, PathRecords, PolicyChoice, PolicyStats, PutObjectOutcome, SyncPoint,
} from '../contracts.js';
import { PolicyConflictError } from '../contracts.js';
import { SqliteChangeLog } from './change-log.js';
import type { ListingRequest } from '../object-listings.js';
import type { RenderedListing } from '../../swift/listing-format.js';
import type { Db } from './database.js';
import { GroupCommitter } from './group-commit.js';
import { ReadBatcher } from './read-batch.js';
import { fillListingEntries, listingEntryJson } from './listing-entries.js';
import { ListingQueries } from './listing-queries.js';
import { isDiskFull } from '../insufficient-storage.js';

interface AccountRow {
  name: string; created_at: number; put_timestamp: number;
  container_count: number; object_count: number; bytes_used: number; metadata: string;
}
interface ContainerRow {
  account: string; name: string; created_at: number; put_timestamp: number;
  object_count: number; bytes_used: number; metadata: string; policy_index: number;
}
interface ObjectRow {
  account: string; container: string; name: string; blob_id: string; etag: string; size: number;
  content_type: string; timestamp: number; delete_at: number | null; metadata: string;
  inline_id: number | null;
}
interface ObjectRowWithData extends ObjectRow {
  data: Buffer | null;
}

/** Every object column but the inline bytes (listings and the expirer never need those). */
const OBJECT_COLUMNS = 'account, container, name, blob_id, etag, size, content_type, timestamp, delete_at, metadata, inline_id';

function toObject(r: ObjectRow): ObjectRecord {
  const rec: ObjectRecord = {
    account: r.account, container: r.container, name: r.name, blobId: r.blob_id, etag: r.etag,
    size: r.size, contentType: r.content_type, timestamp: r.timestamp, metadata: JSON.parse(r.metadata) as Metadata,
  };
  if (r.delete_at !== null) rec.deleteAt = r.delete_at;
  return rec;
}

function toObjectWithData(r: ObjectRowWithData): ObjectRecord {
  const rec = toObject(r);
  if (r.data !== null) rec.inline = r.data;
  return rec;
}

function toAccount(r: AccountRow): AccountInfo {
  return {
    name: r.name, createdAt: r.created_at, putTimestamp: r.put_timestamp, containerCount: r.container_count,
    objectCount: r.object_count, bytesUsed: r.bytes_used, metadata: JSON.parse(r.metadata) as Metadata,
  };
}

function toContainer(r: ContainerRow): ContainerInfo {
  return {
    account: r.account, name: r.name, createdAt: r.created_at, putTimestamp: r.put_timestamp,
    objectCount: r.object_count, bytesUsed: r.bytes_used, metadata: JSON.parse(r.metadata) as Metadata,
    policyIndex: r.policy_index,
  };
}

/**
 * The path lookup's row, read as an array (raw): account, container and object columns side by
 * side, NULL where a record is missing. No object with 26 named properties is built per request.
 */
type PathRow = [
  aName: string | null, aCreatedAt: number, aPutTimestamp: number, aContainerCount: number, aObjectCount: number,
  aBytesUsed: number, aMetadata: string,
  cAccount: string | null, cName: string, cCreatedAt: number, cPutTimestamp: number, cObjectCount: number,
  cBytesUsed: number, cMetadata: string, cPolicyIndex: number,
  oAccount: string | null, oContainer: string, oName: string, oBlobId: string, oEtag: string, oSize: number,
  oContentType: string, oTimestamp: number, oDeleteAt: number | null, oMetadata: string, oInlineId: number | null,
  oData: Buffer | null,
];

function pathRecords(r: PathRow): PathRecords {
  const out: PathRecords = {};
  if (r[0] !== null) {
    out.account = {
      name: r[0], createdAt: r[1], putTimestamp: r[2], containerCount: r[3], objectCount: r[4], bytesUsed: r[5],
      metadata: JSON.parse(r[6]) as Metadata,
    };
  }
  if (r[7] !== null) {
    out.container = {
      account: r[7], name: r[8], createdAt: r[9], putTimestamp: r[10], objectCount: r[11], bytesUsed: r[12],
      metadata: JSON.parse(r[13]) as Metadata, policyIndex: r[14],
    };
  }
  if (r[15] !== null) {
    const o: ObjectRecord = {
      account: r[15], container: r[16], name: r[17], blobId: r[18], etag: r[19], size: r[20], contentType: r[21],
      timestamp: r[22], metadata: JSON.parse(r[24]) as Metadata,
    };
    if (r[23] !== null) o.deleteAt = r[23];
    if (r[26] !== null) o.inline = r[26];
    out.object = o;
  }
  return out;
}

/** In PathRow's column order. */
const PATH_LOOKUP = `
  SELECT a.name AS a_name, a.created_at AS a_created_at, a.put_timestamp AS a_put_timestamp,
         a.container_count AS a_container_count, a.object_count AS a_object_count, a.bytes_used AS a_bytes_used,
         a.metadata AS a_metadata,
         c.account AS c_account, c.name AS c_name, c.created_at AS c_created_at, c.put_timestamp AS c_put_timestamp,
         c.object_count AS c_object_count, c.bytes_used AS c_bytes_used, c.metadata AS c_metadata,
         c.policy_index AS c_policy_index,
         o.account AS o_account, o.container AS o_container, o.name AS o_name, o.blob_id AS o_blob_id, o.etag AS o_etag,
         o.size AS o_size, o.content_type AS o_content_type, o.timestamp AS o_timestamp, o.delete_at AS o_delete_at,
         o.metadata AS o_metadata, o.inline_id AS o_inline_id, d.data AS o_data
  FROM (SELECT ? AS an, ? AS cn, ? AS obn) k
  LEFT JOIN accounts a ON a.name = k.an
  LEFT JOIN containers c ON k.cn IS NOT NULL AND c.account = k.an AND c.name = k.cn
  LEFT JOIN objects o ON k.obn IS NOT NULL AND o.account = k.an AND o.container = k.cn AND o.name = k.obn
  LEFT JOIN inline_data d ON d.id = o.inline_id`;

function applyChanges(current: Metadata, changes: Metadata): Metadata {
  const next = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === '') delete next[k];
    else next[k] = v;
  }
  return next;
}

function prepareStatements(db: Db) {
  return {
    lookupPath: db.prepare<[string, string | null, string | null], PathRow>(PATH_LOOKUP).raw(true),
    getAccount: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?'),
    insertAccount: db.prepare<[string, number, number]>(
      'INSERT OR IGNORE INTO accounts (name, created_at, put_timestamp) VALUES (?, ?, ?)'),
    setAccountMeta: db.prepare<[string, number, string]>(
      'UPDATE accounts SET metadata = ?, put_timestamp = max(put_timestamp, ?) WHERE name = ?'),
    getContainer: db.prepare<[string, string], ContainerRow>(
      'SELECT * FROM containers WHERE account = ? AND name = ?'),
    insertContainer: db.prepare<[string, string, number, number, string, number]>(
      'INSERT INTO containers (account, name, created_at, put_timestamp, metadata, policy_index) VALUES (?, ?, ?, ?, ?, ?)'),
    accountPolicyStats: db.prepare<[string], { policy_index: number; containers: number; objects: number; bytes: number }>(
      `SELECT policy_index, count(*) AS containers, sum(object_count) AS objects, sum(bytes_used) AS bytes
       FROM containers WHERE account = ? GROUP BY policy_index ORDER BY policy_index`),
    setContainerMeta: db.prepare<[string, number, string, string]>(
      'UPDATE containers SET metadata = ?, put_timestamp = max(put_timestamp, ?) WHERE account = ? AND name = ?'),
    deleteContainer: db.prepare<[string, string]>('DELETE FROM containers WHERE account = ? AND name = ?'),
    containerHasObjects: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM objects WHERE account = ? AND container = ? LIMIT 1'),
    bumpAccountContainers: db.prepare<[number, string]>(
      'UPDATE accounts SET container_count = container_count + ? WHERE name = ?'),
    bumpContainerObjects: db.prepare<[number, number, string, string]>(
      'UPDATE containers SET object_count = object_count + ?, bytes_used = bytes_used + ? WHERE account = ? AND name = ?'),
    bumpAccountObjects: db.prepare<[number, number, string]>(
      'UPDATE accounts SET object_count = object_count + ?, bytes_used = bytes_used + ? WHERE name = ?'),
    getObjectRow: db.prepare<[string, string, string], ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE account = ? AND container = ? AND name = ?`),
    // One statement, so the record and its inline bytes come from the same snapshot.
    getObjectWithData: db.prepare<[string, string, string], ObjectRowWithData>(
      `SELECT o.*, d.data AS data FROM objects o LEFT JOIN inline_data d ON d.id = o.inline_id
       WHERE o.account = ? AND o.container = ? AND o.name = ?`),
    upsertObject: db.prepare(
      `INSERT OR REPLACE INTO objects (account, container, name, blob_id, etag, size, content_type, timestamp, delete_at, metadata, inline_id, listing_json)
       VALUES (@account, @container, @name, @blob_id, @etag, @size, @content_type, @timestamp, @delete_at, @metadata, @inline_id, @listing_json)`),
    insertInlineData: db.prepare<[Buffer]>('INSERT INTO inline_data (data) VALUES (?)'),
    deleteInlineData: db.prepare<[number]>('DELETE FROM inline_data WHERE id = ?'),
    deleteAccountInlineData: db.prepare<[string]>(
      'DELETE FROM inline_data WHERE id IN (SELECT inline_id FROM objects WHERE account = ? AND inline_id IS NOT NULL)'),
    updateObject: db.prepare<[string, string, number | null, number, string, string, string, string]>(
      `UPDATE objects SET metadata = ?, content_type = ?, delete_at = ?, timestamp = ?, listing_json = ?
       WHERE account = ? AND container = ? AND name = ?`),
    // The row as it was, unless a newer write (a later timestamp) has replaced it since.
    deleteObject: db.prepare<[string, string, string, number], ObjectRow>(
      `DELETE FROM objects WHERE account = ? AND container = ? AND name = ? AND timestamp <= ? RETURNING ${OBJECT_COLUMNS}`),
    expired: db.prepare<[number, number], ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE delete_at IS NOT NULL AND delete_at <= ? ORDER BY delete_at LIMIT ?`),
    // `<> ''` lets SQLite use the partial index of file-backed objects.
    forgetDeletion: db.prepare<[string, string, string, number]>(
      'DELETE FROM sync_changes WHERE account = ? AND container = ? AND name = ? AND deleted = 1 AND timestamp >= ?'),
    blobInUse: db.prepare<[string], { one: number }>("SELECT 1 AS one FROM objects WHERE blob_id = ? AND blob_id <> '' LIMIT 1"),
    // Row values compare as the primary key orders, so each page is a range scan of it.
    auditPage: db.prepare<[string, string, string, number], ObjectRowWithData>(
      `SELECT o.*, d.data AS data FROM objects o LEFT JOIN inline_data d ON d.id = o.inline_id
       WHERE (o.account, o.container, o.name) > (?, ?, ?) ORDER BY o.account, o.container, o.name LIMIT ?`),
    totals: db.prepare<[], { n: number; b: number | null }>('SELECT count(*) AS n, sum(size) AS b FROM objects'),
    usageTotals: db.prepare<[], { prefix: string; policy_index: number; containers: number; objects: number | null; bytes: number | null }>(
      `SELECT substr(account, 1, instr(account, '_')) AS prefix, policy_index, count(*) AS containers,
              sum(object_count) AS objects, sum(bytes_used) AS bytes
       FROM containers GROUP BY 1, 2`),
    expiredBacklog: db.prepare<[number, number], { n: number }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM objects WHERE delete_at IS NOT NULL AND delete_at <= ? LIMIT ?)'),
    accountBlobs: db.prepare<[string], { blob_id: string }>("SELECT blob_id FROM objects WHERE account = ? AND blob_id <> ''"),
  };
}

export class SqliteMetadataStore implements MetadataStore {
  private readonly stmt: ReturnType<typeof prepareStatements>;
  /** Object writes (the hot path) share commits; see group-commit.ts. */
  private readonly commits: GroupCommitter;
  /** Every request's path lookup: those of one event-loop turn share a read transaction (read-batch.ts). */
  private readonly pathReads: ReadBatcher;
  /** Listing SQL, shared with the listing threads. */
  private readonly listings: ListingQueries;
  /** Container sync's change log and points (change-log.ts). */
  private readonly changes: SqliteChangeLog;
  constructor(private readonly db: Db) {
    this.changes = new SqliteChangeLog(db);
    this.stmt = prepareStatements(db);
    this.commits = new GroupCommitter(db);
    this.pathReads = new ReadBatcher(db, () => this.commits.commitQueued());
    this.listings = new ListingQueries(db);
    try {
      fillListingEntries(db);
    } catch (err) {
      // A full disk must not keep the store from opening: listings render unfilled rows from their columns.
      if (!isDiskFull(err)) throw err;
      console.error(`warning: listing entries not filled in, the disk is full (retried at the next start): ${(err as Error).message}`);
    }
  }

  /** Holds object writes back until the returned function is called (GroupCommitter.hold). */
  holdWrites(): () => void {
    return this.commits.hold();
  }

  lookupPath(account: string, container?: string, object?: string): Promise<PathRecords> {
    // Every request passes here, so this is where finished flushes are answered soonest.
    this.commits.settleFlushed();
    return this.pathReads.read(() => {
      const row = this.stmt.lookupPath.get(account, container ?? null, container === undefined ? null : object ?? null);
      return row ? pathRecords(row) : {};
    });
  }

  async getAccount(account: string): Promise<AccountInfo | undefined> {
    const r = this.stmt.getAccount.get(account);
    return r ? toAccount(r) : undefined;
  }

  async ensureAccount(account: string, timestamp: number): Promise<boolean> {
    return this.stmt.insertAccount.run(account, timestamp, timestamp).changes === 1;
  }

  async updateAccountMetadata(account: string, changes: Metadata, timestamp: number): Promise<void> {
    this.db.transaction(() => {
      this.stmt.insertAccount.run(account, timestamp, timestamp);
      const row = this.stmt.getAccount.get(account);
      const next = applyChanges(JSON.parse(row?.metadata ?? '{}') as Metadata, changes);
      this.stmt.setAccountMeta.run(JSON.stringify(next), timestamp, account);
    }).immediate();
  }

  async deleteAccount(account: string): Promise<{ found: boolean; blobIds: string[] }> {
    return this.db.transaction(() => {
      if (!this.stmt.getAccount.get(account)) return { found: false, blobIds: [] };
      const blobIds = this.stmt.accountBlobs.all(account).map((r) => r.blob_id);
      this.stmt.deleteAccountInlineData.run(account);
      this.db.prepare('DELETE FROM objects WHERE account = ?').run(account);
      this.db.prepare('DELETE FROM containers WHERE account = ?').run(account);
      this.db.prepare('DELETE FROM accounts WHERE name = ?').run(account);
      return { found: true, blobIds };
    }).immediate();
  }

  async listContainers(account: string, options: ListOptions): Promise<Listed<ContainerListEntry>[]> {
    return this.listings.containers(account, options);
  }

  async getContainer(account: string, container: string): Promise<ContainerInfo | undefined> {
    const r = this.stmt.getContainer.get(account, container);
    return r ? toContainer(r) : undefined;
  }

  async accountPolicyStats(account: string): Promise<PolicyStats[]> {
    return this.stmt.accountPolicyStats.all(account).map((r) => ({
      policyIndex: r.policy_index, containerCount: r.containers, objectCount: r.objects, bytesUsed: r.bytes,
    }));
  }

  async putContainer(
    account: string, container: string, metadata: Metadata, timestamp: number,
    policy: PolicyChoice = { index: 0, explicit: false },
  ): Promise<boolean> {
    return this.db.transaction(() => {
      this.stmt.insertAccount.run(account, timestamp, timestamp);
      const row = this.stmt.getContainer.get(account, container);
      if (row) {
        if (policy.explicit && row.policy_index !== policy.index) throw new PolicyConflictError(row.policy_index);
        const next = applyChanges(JSON.parse(row.metadata) as Metadata, metadata);
        this.stmt.setContainerMeta.run(JSON.stringify(next), timestamp, account, container);
        return false;
      }
      this.stmt.insertContainer.run(account, container, timestamp, timestamp, JSON.stringify(applyChanges({}, metadata)), policy.index);
      this.stmt.bumpAccountContainers.run(1, account);
      return true;
    }).immediate();
  }

  async updateContainerMetadata(account: string, container: string, changes: Metadata, timestamp: number): Promise<boolean> {
    return this.db.transaction(() => {
      const row = this.stmt.getContainer.get(account, container);
      if (!row) return false;
      const next = applyChanges(JSON.parse(row.metadata) as Metadata, changes);
      this.stmt.setContainerMeta.run(JSON.stringify(next), timestamp, account, container);
      return true;
    }).immediate();
  }

  async deleteContainer(account: string, container: string): Promise<'deleted' | 'not_found' | 'not_empty'> {
    return this.db.transaction(() => {
      if (!this.stmt.getContainer.get(account, container)) return 'not_found' as const;
      if (this.stmt.containerHasObjects.get(account, container)) return 'not_empty' as const;
      this.stmt.deleteContainer.run(account, container);
      this.stmt.bumpAccountContainers.run(-1, account);
      return 'deleted' as const;
    }).immediate();
  }

  async listObjects(account: string, container: string, options: ListOptions): Promise<Listed<ListedObject>[]> {
    return this.listings.objects(account, container, options);
  }

  /** A container listing rendered on this thread (the listing threads render with the same queries). */
  renderObjectListing(request: ListingRequest): Promise<RenderedListing> {
    return this.listings.renderObjects(request);
  }

  async getObject(account: string, container: string, name: string): Promise<ObjectRecord | undefined> {
    const r = this.stmt.getObjectWithData.get(account, container, name);
    return r ? toObjectWithData(r) : undefined;
  }

  async putObject(rec: ObjectRecord): Promise<PutObjectOutcome> {
    return this.commits.submit((): PutObjectOutcome => {
      if (!this.stmt.getContainer.get(rec.account, rec.container)) return { result: 'no_container' };
      const old = this.stmt.getObjectRow.get(rec.account, rec.container, rec.name);
      if (old && old.timestamp >= rec.timestamp) return { result: 'stale' };
      if (old?.inline_id != null) this.stmt.deleteInlineData.run(old.inline_id);
      const inlineId = rec.inline === undefined ? null : Number(this.stmt.insertInlineData.run(rec.inline).lastInsertRowid);
      this.stmt.upsertObject.run({
        account: rec.account, container: rec.container, name: rec.name, blob_id: rec.blobId, etag: rec.etag,
        size: rec.size, content_type: rec.contentType, timestamp: rec.timestamp, delete_at: rec.deleteAt ?? null,
        metadata: JSON.stringify(rec.metadata), inline_id: inlineId, listing_json: listingEntryJson(rec),
      });
      const countDelta = old ? 0 : 1;
      const bytesDelta = rec.size - (old?.size ?? 0);
      this.stmt.bumpContainerObjects.run(countDelta, bytesDelta, rec.account, rec.container);
      this.stmt.bumpAccountObjects.run(countDelta, bytesDelta, rec.account);
      return old && old.blob_id !== '' ? { result: 'stored', replacedBlobId: old.blob_id } : { result: 'stored' };
    });
  }

  async updateObject(
    account: string, container: string, name: string,
    update: { metadata: Metadata; contentType: string; deleteAt?: number; timestamp: number },
  ): Promise<boolean> {
    return this.db.transaction(() => {
      const row = this.stmt.getObjectRow.get(account, container, name);
      if (!row) return false;
      const entry = listingEntryJson({
        name, etag: row.etag, size: row.size, contentType: update.contentType, timestamp: update.timestamp, metadata: update.metadata,
      });
      this.stmt.updateObject.run(
        JSON.stringify(update.metadata), update.contentType, update.deleteAt ?? null, update.timestamp, entry,
        account, container, name);
      return true;
    }).immediate();
  }

  async deleteObject(account: string, container: string, name: string, timestamp: number): Promise<ObjectRecord | undefined> {
    return this.commits.submit(() => this.deleteRow(account, container, name, timestamp));
  }

  async removeDamagedObject(account: string, container: string, name: string, timestamp: number): Promise<ObjectRecord | undefined> {
    return this.commits.submit(() => {
      const old = this.deleteRow(account, container, name, timestamp);
      // The tombstone the sync trigger just wrote is the only deletion of this name at or after the
      // object's own timestamp (an earlier one preceded the write that made this version).
      if (old) this.stmt.forgetDeletion.run(account, container, name, old.timestamp);
      return old;
    });
  }

  /** Inside a write transaction: the row's delete with its counts. */
  private deleteRow(account: string, container: string, name: string, timestamp: number): ObjectRecord | undefined {
    const old = this.stmt.deleteObject.get(account, container, name, timestamp);
    if (!old) return undefined;
    if (old.inline_id !== null) this.stmt.deleteInlineData.run(old.inline_id);
    this.stmt.bumpContainerObjects.run(-1, -old.size, account, container);
    this.stmt.bumpAccountObjects.run(-1, -old.size, account);
    return toObject(old);
  }

  async expiredObjects(now: number, limit: number): Promise<ObjectRecord[]> {
    return this.stmt.expired.all(now, limit).map(toObject);
  }

  async blobInUse(blobId: string): Promise<boolean> {
    return this.stmt.blobInUse.get(blobId) !== undefined;
  }

  syncedContainers(): Promise<ContainerInfo[]> {
    return this.changes.syncedContainers();
  }

  changeHorizon(): Promise<number> {
    // Pending group-committed writes are in the open transaction already; their seqs count as visible
    // here, and the daemon's reads of them go through this same connection.
    return this.changes.changeHorizon();
  }

  containerChanges(account: string, container: string, afterSeq: number, upToSeq: number, limit: number): Promise<ObjectChange[]> {
    return this.changes.containerChanges(account, container, afterSeq, upToSeq, limit);
  }

  getSyncPoint(account: string, container: string): Promise<SyncPoint | undefined> {
    return this.changes.getSyncPoint(account, container);
  }

  async setSyncPoint(account: string, container: string, point: SyncPoint): Promise<void> {
    // Queued object writes commit first: the point must never be durable before the changes it covers.
    this.commits.commitQueued();
    return this.changes.setSyncPoint(account, container, point);
  }

  lastDeletion(account: string, container: string, name: string): Promise<number | undefined> {
    return this.changes.lastDeletion(account, container, name);
  }

  async auditPage(after: ObjectKey | undefined, limit: number): Promise<ObjectRecord[]> {
    return this.stmt.auditPage.all(after?.account ?? '', after?.container ?? '', after?.name ?? '', limit).map(toObjectWithData);
  }

  async auditTotals(): Promise<{ objects: number; bytes: number }> {
    const r = this.stmt.totals.get();
    return { objects: r?.n ?? 0, bytes: r?.b ?? 0 };
  }

  async usageTotals(): Promise<UsageTotal[]> {
    return this.stmt.usageTotals.all().map((r) => ({
      prefix: r.prefix, policyIndex: r.policy_index, containers: r.containers, objects: r.objects ?? 0, bytes: r.bytes ?? 0,
    }));
  }

  async expiredBacklog(now: number, cap: number): Promise<number> {
    return this.stmt.expiredBacklog.get(now, cap)?.n ?? 0;
  }

  async close(): Promise<void> {
    await this.commits.close();
    this.db.close();
  }
}

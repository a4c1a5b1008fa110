/**
 * Storage contracts. Controllers talk only to these two interfaces; every backend (SQLite + filesystem
 * today, PostgreSQL + S3 later) implements them and must pass the shared conformance suite:
 * `runMetadataStoreConformance` / `runBlobStoreConformance` / `runJanitorConformance` in
 * `test/helpers/storage-conformance.ts`, called with the backend's factory (see
 * `test/storage-conformance.test.ts` for SQLite + filesystem).
 *
 * Names are compared bytewise in UTF-8 (Swift's listing order). Timestamps are Swift timestamps in
 * seconds (see swift/timestamp.ts). Metadata maps are lower-case header name → value.
 */
import type { Readable } from 'node:stream';

export type Metadata = Record<string, string>;

export interface AccountInfo {
  name: string;
  createdAt: number;
  putTimestamp: number;
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
  /** x-account-meta-*, x-account-access-control and other persisted headers. */
  metadata: Metadata;
}

export interface ContainerInfo {
  account: string;
  name: string;
  createdAt: number;
  putTimestamp: number;
  objectCount: number;
  bytesUsed: number;
  metadata: Metadata;
  /** The storage policy's index, chosen when the container is created (see `PolicyChoice`). */
  policyIndex: number;
}

/**
 * The policy a container PUT asks for. `index` is used when the container is created (or re-created
 * after a delete); when the client named it (`explicit`), an existing container in another policy
 * is a conflict (`PolicyConflictError`), as Swift's container server answers 409.
 */
export interface PolicyChoice {
  index: number;
  explicit: boolean;
}

export class PolicyConflictError extends Error {
  constructor(readonly existingIndex: number) {
    super(`the container exists with storage policy index ${existingIndex}`);
  }
}

/** The store's figures for one account prefix in one storage policy (MetadataStore.usageTotals). */
export interface UsageTotal {
  prefix: string;
  policyIndex: number;
  containers: number;
  objects: number;
  bytes: number;
}

/** An account's figures in one storage policy (Swift's X-Account-Storage-Policy-<name>-*). */
export interface PolicyStats {
  policyIndex: number;
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
}

export interface ObjectRecord {
  account: string;
  container: string;
  name: string;
  /** The blob holding the bytes; '' when the bytes are inline (see `inline`). */
  blobId: string;
  /**
   * Small objects' bytes, kept in the metadata store itself and made durable by the same commit as
   * the record. Set on writes and returned by `getObject`; listings and `expiredObjects` omit it.
   */
  inline?: Buffer;
  etag: string;
  size: number;
  contentType: string;
  timestamp: number;
  /** Unix seconds, or undefined when the object never expires. */
  deleteAt?: number;
  /** x-object-meta-*, content-disposition, content-encoding, x-object-manifest … */
  metadata: Metadata;
}

/** Where an object record sits: the auditor's position in its walk. */
export type ObjectKey = Pick<ObjectRecord, 'account' | 'container' | 'name'>;

/** What a container listing shows of an object: no blob, no expiry, never the bytes. */
export type ListedObject = Pick<ObjectRecord, 'name' | 'etag' | 'size' | 'contentType' | 'timestamp' | 'metadata'>;

export interface ListOptions {
  limit: number;
  marker?: string;
  endMarker?: string;
  prefix?: string;
  delimiter?: string;
  reverse?: boolean;
  /** Swift's `path` query: only direct children of this pseudo-directory. */
  path?: string;
  /** Leave out names in the reserved namespace (starting with NUL), as Swift's listings do for clients. */
  hideReserved?: boolean;
}

export interface ContainerListEntry {
  name: string;
  objectCount: number;
  bytesUsed: number;
  lastModified: number;
}

export type Listed<T> = T | { subdir: string };

/** The blob a record's bytes live in, or undefined when they are inline in the metadata store. */
export function blobOf(rec: ObjectRecord): string | undefined {
  return rec.blobId === '' ? undefined : rec.blobId;
}

/** Result of an object write: the blob the write replaced (to delete), or that it lost to a newer one. */
export type PutObjectOutcome =
  | { result: 'stored'; replacedBlobId?: string }
  | { result: 'stale' }
  | { result: 'no_container' };

/** The records along one request path, as `lookupPath` reads them. */
export interface PathRecords {
  account?: AccountInfo;
  container?: ContainerInfo;
  object?: ObjectRecord;
}

/**
 * One change of an object in a container whose `X-Container-Sync-To` was set when it happened
 * (container sync's change log, as Swift's container rows with their ROWIDs): `seq` grows with
 * every change of the store (per PostgreSQL shard), deletions included.
 */
export interface ObjectChange {
  seq: number;
  name: string;
  /** The object's timestamp (a PUT or POST), or when it was deleted. */
  timestamp: number;
  deleted: boolean;
}

/** How far container sync got in one container, kept by the store so it survives restarts. */
export interface SyncPoint {
  /** The X-Container-Sync-To this point belongs to: a new target starts over from the beginning. */
  syncTo: string;
  /** Every change up to this seq has been pushed. */
  seq: number;
}

/** What the container sync daemon needs of the store (implemented by every MetadataStore). */
export interface ContainerChangeLog {
  /** Every container with X-Container-Sync-To set. */
  syncedContainers(): Promise<ContainerInfo[]>;
  /**
   * The highest seq below which every change of this container is committed and visible (none can
   * still appear below it), 0 when it has none: where a first full pass over the container starts.
   */
  changeHorizon(account: string, container: string): Promise<number>;
  /** Changes after `afterSeq` up to `upToSeq` (a horizon), oldest first, at most `limit`. */
  containerChanges(account: string, container: string, afterSeq: number, upToSeq: number, limit: number): Promise<ObjectChange[]>;
  getSyncPoint(account: string, container: string): Promise<SyncPoint | undefined>;
  /**
   * Records the point and forgets the container's changes up to it (they are pushed), but for
   * deletions younger than `TOMBSTONE_SECONDS`: those stay as tombstones (see `lastDeletion`).
   */
  setSyncPoint(account: string, container: string, point: SyncPoint): Promise<void>;
  /**
   * When the object was last deleted, as far as the log remembers (a synced container's deletions
   * of the last TOMBSTONE_SECONDS), or undefined. A synced PUT older than this is refused, as
   * Swift's tombstones refuse it, so a push crossing a delete on the way cannot bring it back.
   */
  lastDeletion(account: string, container: string, name: string): Promise<number | undefined>;
}

/** How long a synced container remembers a deletion (Swift's reclaim_age, a week). */
export const TOMBSTONE_SECONDS = 7 * 86400;

export interface MetadataStore extends ContainerChangeLog {
  /**
   * The account, container (when given) and object (when given) records of a path, read together in
   * one snapshot: what a request needs before it acts (ACL facts, then the object), in one round trip.
   */
  lookupPath(account: string, container?: string, object?: string): Promise<PathRecords>;
  getAccount(account: string): Promise<AccountInfo | undefined>;
  /** Creates the account when missing (auto-create on first write); returns whether it was created. */
  ensureAccount(account: string, timestamp: number): Promise<boolean>;
  /** Applies metadata: a value of '' removes the key. Creates the account when missing. */
  updateAccountMetadata(account: string, changes: Metadata, timestamp: number): Promise<void>;
  /** Deletes an account record with all its containers' records; returns the blob ids to delete (inline bytes go with the records). */
  deleteAccount(account: string): Promise<{ found: boolean; blobIds: string[] }>;
  listContainers(account: string, options: ListOptions): Promise<Listed<ContainerListEntry>[]>;
  /** Containers, objects and bytes of an account per storage policy that has containers in it, by index. */
  accountPolicyStats(account: string): Promise<PolicyStats[]>;

  getContainer(account: string, container: string): Promise<ContainerInfo | undefined>;
  /**
   * Creates (true) or updates metadata of an existing container (false); throws `PolicyConflictError`
   * when `policy` is explicit and the existing container has another. No `policy`: index 0, not explicit.
   */
  putContainer(account: string, container: string, metadata: Metadata, timestamp: number, policy?: PolicyChoice): Promise<boolean>;
  /** Returns false when the container does not exist. A value of '' removes the key. */
  updateContainerMetadata(account: string, container: string, changes: Metadata, timestamp: number): Promise<boolean>;
  deleteContainer(account: string, container: string): Promise<'deleted' | 'not_found' | 'not_empty'>;
  listObjects(account: string, container: string, options: ListOptions): Promise<Listed<ListedObject>[]>;

  getObject(account: string, container: string, name: string): Promise<ObjectRecord | undefined>;
  /**
   * Stores the record if its timestamp is newer than the current one (last writer wins). Inline bytes
   * (`inline`, with `blobId` '') are committed with the record; `replacedBlobId` is only ever a real blob.
   */
  putObject(record: ObjectRecord): Promise<PutObjectOutcome>;
  /** Replaces metadata / content-type / delete-at of an existing object; false when missing. */
  updateObject(
    account: string, container: string, name: string,
    update: { metadata: Metadata; contentType: string; deleteAt?: number; timestamp: number },
  ): Promise<boolean>;
  /** Removes the object (and its inline bytes) if it is not newer than `timestamp`; returns the removed record. */
  deleteObject(account: string, container: string, name: string, timestamp: number): Promise<ObjectRecord | undefined>;
  /**
   * Removes a damaged object as deleteObject does, in the same transaction forgetting the deletion
   * container sync would log for it: damage here is no client's delete, so a synced copy elsewhere
   * must neither be deleted by it nor refused when it is pushed back (storage/integrity/quarantine.ts).
   */
  removeDamagedObject(account: string, container: string, name: string, timestamp: number): Promise<ObjectRecord | undefined>;
  /** Objects whose delete-at has passed, oldest first. */
  expiredObjects(now: number, limit: number): Promise<ObjectRecord[]>;
  /** Whether some object record still points at this blob (used by the orphan sweeper). */
  blobInUse(blobId: string): Promise<boolean>;
  /**
   * Every object record with its inline bytes, a page at a time in (account, container, name) order,
   * starting after `after`: what the auditor walks (storage/integrity/auditor.ts). Optional: a store
   * without it is not audited in the background (GETs still verify what they send).
   */
  auditPage?(after: ObjectKey | undefined, limit: number): Promise<ObjectRecord[]>;
  /** Objects and bytes in the whole store: the 100 % of `swiftlet audit`'s progress bar. */
  auditTotals?(): Promise<{ objects: number; bytes: number }>;
  /**
   * Containers, objects and bytes of the whole store by account prefix (the account name up to and
   * with its first `_`, e.g. `AUTH_`; '' when it has none) and storage policy: the metrics' gauges,
   * read on each scrape. Optional: a store without it exposes none.
   */
  usageTotals?(): Promise<UsageTotal[]>;
  /** Objects past their delete-at that the expirer has not removed yet, counted up to `cap`. Optional, for metrics. */
  expiredBacklog?(now: number, cap: number): Promise<number>;
  /** Which of `blobIds` some object points at, in one go (the orphan census); where missing, blobInUse is asked per blob. */
  blobsInUse?(blobIds: readonly string[]): Promise<Set<string>>;

  close(): Promise<void>;
}

export interface StoredBlob {
  blobId: string;
  size: number;
  /** Hex MD5 of the bytes, computed while writing. */
  md5: string;
}

export interface BlobReader {
  size: number;
  /** Bytes [start, end] inclusive (end = start - 1 is an empty stream); the reader stays usable for several ranges. */
  stream(start: number, end: number): Readable;
  close(): Promise<void>;
}

export interface BlobWriteOptions {
  /** Exact length announced by the client; the write fails when the body is shorter or longer. */
  expectedSize?: number;
  /** Upper bound for chunked bodies. */
  maxSize: number;
  /** The storage policy whose store keeps the bytes (the container's); absent: the default's. */
  policy?: number;
}

export class BlobTooLargeError extends Error {
  constructor() { super('blob exceeds the maximum size'); }
}
export class BlobIncompleteError extends Error {
  constructor(readonly received: number, readonly expected: number) {
    super(`body ended after ${received} of ${expected} bytes`);
  }
}

export interface BlobStore {
  /**
   * Streams `source` to durable storage while computing its MD5. Resolves only when the bytes are
   * on stable storage (fsynced); a failure leaves nothing behind.
   */
  write(source: Readable, options: BlobWriteOptions): Promise<StoredBlob>;
  /** Opens a blob for reading; the reader keeps working even if the blob is deleted meanwhile. */
  open(blobId: string): Promise<BlobReader | undefined>;
  delete(blobId: string): Promise<void>;
  /** Blob ids older than `olderThanSeconds`, for the orphan sweeper. */
  listBlobs(olderThanSeconds: number): AsyncIterable<string>;
  /** Removes temporary files left by interrupted writes (call when no write is in flight). */
  cleanTemporary(): Promise<void>;
  /**
   * Moves a damaged blob aside for the operator (Swift's quarantine) instead of deleting it; its id
   * is then unknown to `open`, `listBlobs` and `delete`. Optional: where missing, a damaged blob no
   * record points at any more is left to the orphan sweeper.
   */
  quarantine?(blobId: string): Promise<void>;
}

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

export interface MetadataStore {
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

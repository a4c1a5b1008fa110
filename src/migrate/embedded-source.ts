/**
 * The embedded data directory `swiftlet migrate` copies from, opened read-only: the SQLite database
 * with `readonly` (no migration, no listing-entry backfill, no checkpoint), object bytes through the
 * FsBlobStore's reader. Nothing here writes to the source.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { AccountInfo, ContainerInfo, Metadata, ObjectRecord } from '../storage/contracts.js';
import type { StoragePolicyConfig } from '../config/schema.js';
import type { BlobStore } from '../storage/contracts.js';
import { FsBlobStore } from '../storage/fs/blob-store.js';
import { policyDirectory } from '../storage/fs/policy-dirs.js';
import { PolicyBlobStores } from '../storage/policy-blobs.js';
import { SqliteAppCredentialStore } from '../identity/app-credentials.js';
import { SqliteIdentityStore } from '../storage/sqlite/identity-store.js';
import type { Db } from '../storage/sqlite/database.js';

interface AccountRow { name: string; created_at: number; put_timestamp: number; metadata: string }
interface ContainerRow { account: string; name: string; created_at: number; put_timestamp: number; metadata: string; policy_index: number }
interface ObjectRow {
  name: string; blob_id: string; etag: string; size: number; content_type: string;
  timestamp: number; delete_at: number | null; metadata: string; data: Buffer | null;
}

/** Per-container totals and the (name, etag) pairs, as the verification compares them. */
export interface ContainerTotals { count: number; bytes: number; etags: Map<string, string> }

const PAGE = 500;

export class EmbeddedSource {
  readonly identity: SqliteIdentityStore;
  readonly appCreds: SqliteAppCredentialStore;

  private constructor(private readonly db: Db, readonly blobs: BlobStore, private readonly createdFiles: string[]) {
    this.identity = new SqliteIdentityStore(db);
    this.appCreds = new SqliteAppCredentialStore(db);
  }

  /**
   * `policies`: the destination's, which name the same indexes; each policy's files are read from
   * where the embedded server keeps them (its `path`, or the default directory under `dataDir`).
   */
  static async open(dataDir: string, policies: readonly StoragePolicyConfig[] = []): Promise<EmbeddedSource> {
    const root = resolve(dataDir);
    const file = join(root, 'swiftlet.db');
    if (!existsSync(file)) throw new Error(`${file}: no embedded database there`);
    if (!existsSync(join(root, 'blobs'))) throw new Error(`${root}/blobs: no blob directory there`);
    // Even a read-only connection to a WAL database creates the -wal and -shm files when they are
    // missing (a cleanly stopped server leaves neither); close() removes those it created.
    const createdFiles = [`${file}-wal`, `${file}-shm`].filter((f) => !existsSync(f));
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    return new EmbeddedSource(db, await openSourceBlobs(root, policies), createdFiles);
  }

  accounts(): AccountInfo[] {
    return this.db.prepare<[], AccountRow>('SELECT name, created_at, put_timestamp, metadata FROM accounts ORDER BY name').all()
      .map((r) => ({ name: r.name, createdAt: r.created_at, putTimestamp: r.put_timestamp, containerCount: 0, objectCount: 0, bytesUsed: 0, metadata: JSON.parse(r.metadata) as Metadata }));
  }

  containers(account: string): ContainerInfo[] {
    // A store from before storage policies has no policy column: all its containers are policy 0's.
    const hasPolicies = this.db.prepare<[], { name: string }>('PRAGMA table_info(containers)').all().some((c) => c.name === 'policy_index');
    const policy = hasPolicies ? 'policy_index' : '0 AS policy_index';
    return this.db.prepare<[string], ContainerRow>(`SELECT account, name, created_at, put_timestamp, metadata, ${policy} FROM containers WHERE account = ? ORDER BY name`).all(account)
      .map((r) => ({
        account: r.account, name: r.name, createdAt: r.created_at, putTimestamp: r.put_timestamp, objectCount: 0, bytesUsed: 0,
        metadata: JSON.parse(r.metadata) as Metadata, policyIndex: r.policy_index,
      }));
  }

  /** The object records of a container with their inline bytes, a page at a time (name order). */
  *objects(account: string, container: string): Generator<ObjectRecord[]> {
    const page = this.db.prepare<[string, string, string], ObjectRow>(
      `SELECT o.name, o.blob_id, o.etag, o.size, o.content_type, o.timestamp, o.delete_at, o.metadata, d.data
       FROM objects o LEFT JOIN inline_data d ON d.id = o.inline_id
       WHERE o.account = ? AND o.container = ? AND o.name > ? ORDER BY o.name LIMIT ${PAGE}`);
    let marker = '';
    for (;;) {
      const rows = page.all(account, container, marker);
      if (rows.length === 0) return;
      yield rows.map((r) => {
        const rec: ObjectRecord = {
          account, container, name: r.name, blobId: r.blob_id, etag: r.etag, size: r.size,
          contentType: r.content_type, timestamp: r.timestamp, metadata: JSON.parse(r.metadata) as Metadata,
        };
        if (r.delete_at !== null) rec.deleteAt = r.delete_at;
        if (r.data !== null) rec.inline = r.data;
        return rec;
      });
      marker = rows[rows.length - 1]?.name ?? marker;
      if (rows.length < PAGE) return;
    }
  }

  /** Objects and bytes in the whole store (the progress bar's 100 %). */
  totals(): { objects: number; bytes: number } {
    const r = this.db.prepare<[], { n: number; b: number | null }>('SELECT count(*) AS n, sum(size) AS b FROM objects').get();
    return { objects: r?.n ?? 0, bytes: r?.b ?? 0 };
  }

  containerTotals(account: string, container: string): ContainerTotals {
    const etags = new Map<string, string>();
    let bytes = 0;
    for (const r of this.db.prepare<[string, string], { name: string; etag: string; size: number }>(
      'SELECT name, etag, size FROM objects WHERE account = ? AND container = ?').iterate(account, container)) {
      etags.set(r.name, r.etag);
      bytes += r.size;
    }
    return { count: etags.size, bytes, etags };
  }

  close(): void {
    this.db.close();
    // Only while the log is empty: a non-empty one would mean a server wrote meanwhile.
    const wal = this.createdFiles.find((f) => f.endsWith('-wal'));
    if (wal && existsSync(wal) && statSync(wal).size > 0) return;
    for (const f of this.createdFiles) rmSync(f, { force: true });
  }
}

/** The source's blob stores: policy 0 in the data directory, each other policy where it exists (nothing is created). */
async function openSourceBlobs(root: string, policies: readonly StoragePolicyConfig[]): Promise<BlobStore> {
  const zero = policies.find((p) => p.index === 0) ?? { index: 0, path: '' };
  const stores = new Map<number, BlobStore>([[0, await FsBlobStore.open(policyDirectory(root, zero))]]);
  for (const p of policies) {
    const dir = policyDirectory(root, p);
    if (p.index !== 0 && existsSync(join(dir, 'blobs'))) stores.set(p.index, await FsBlobStore.open(dir));
  }
  return stores.size === 1 ? (stores.get(0) as BlobStore) : new PolicyBlobStores(stores, 0);
}

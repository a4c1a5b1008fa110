/**
 * The storage conformance suite against the real S3 service of the cluster tier (Ceph RGW started by
 * scripts/ceph/start.sh): the S3 blob store alone, and the janitor over it with SQLite metadata.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../src/storage/sqlite/metadata-store.js';
import type { MetadataStore } from '../src/storage/contracts.js';
import { runBlobStoreConformance, runJanitorConformance, type MetadataBackend } from '../test/helpers/storage-conformance.js';
import { s3Backend } from './helpers/s3-backend.js';

function sqliteBackend(): MetadataBackend {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-cluster-sqlite-'));
  const open: MetadataStore[] = [];
  return {
    async open() {
      const db = openDatabase(join(dir, 'swiftlet.db'));
      db.pragma('synchronous = NORMAL');
      const store = new SqliteMetadataStore(db);
      open.push(store);
      return store;
    },
    async destroy() {
      for (const s of open) await s.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runBlobStoreConformance('s3 (Ceph RGW)', () => s3Backend());
runJanitorConformance('sqlite + s3 (Ceph RGW)', async () => ({ meta: sqliteBackend(), blobs: await s3Backend() }));

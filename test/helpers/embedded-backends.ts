/**
 * The embedded backends as the conformance suite (storage-conformance.ts) takes them: SQLite
 * metadata and filesystem blobs on real temporary files. Used by the embedded conformance test and
 * by the cluster tier, which pairs them with the PostgreSQL or S3 store.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/storage/fs/blob-store.js';
import { PolicyBlobStores } from '../../src/storage/policy-blobs.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteMetadataStore } from '../../src/storage/sqlite/metadata-store.js';
import type { MetadataStore } from '../../src/storage/contracts.js';
import type { BlobBackend, MetadataBackend } from './storage-conformance.js';

export function sqliteBackend(): MetadataBackend {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-conf-sqlite-'));
  const file = join(dir, 'swiftlet.db');
  const open: MetadataStore[] = [];
  return {
    async open() {
      const db = openDatabase(file);
      // The suite checks semantics, not crash safety: skip the per-commit fsync so 20k single-row
      // transactions take seconds, not minutes. The multi-process test keeps the real settings.
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

export async function fsBackend(): Promise<BlobBackend> {
  const root = mkdtempSync(join(tmpdir(), 'swiftlet-conf-fs-'));
  const store = await FsBlobStore.open(root);
  return {
    store,
    async artifacts() {
      const out = readdirSync(join(root, 'tmp')).map((n) => `tmp/${n}`);
      for (const fan of readdirSync(join(root, 'blobs'))) {
        for (const n of readdirSync(join(root, 'blobs', fan))) out.push(`blobs/${fan}/${n}`);
      }
      const quarantined = join(root, 'quarantined', 'objects');
      if (existsSync(quarantined)) for (const n of readdirSync(quarantined)) out.push(`quarantined/objects/${n}`);
      return out;
    },
    async plantTemporary() {
      writeFileSync(join(root, 'tmp', 'f'.repeat(32)), 'half an upload');
    },
    async destroy() { rmSync(root, { recursive: true, force: true }); },
  };
}

/**
 * Two policies' file stores behind the policy router, the default being policy 1, so every blob id
 * the suite sees is a policy-qualified one and every call goes through the router.
 */
export async function fsPolicyBackend(): Promise<BlobBackend> {
  const zero = await fsBackend();
  const one = await fsBackend();
  return {
    store: new PolicyBlobStores(new Map([[0, zero.store], [1, one.store]]), 1),
    async artifacts() { return [...(await zero.artifacts()).map((a) => `0:${a}`), ...(await one.artifacts()).map((a) => `1:${a}`)]; },
    async plantTemporary() { await one.plantTemporary(); },
    async destroy() { await zero.destroy(); await one.destroy(); },
  };
}

/**
 * Background upkeep, run by one process: reaps expired objects (X-Delete-At) and deletes blobs that
 * no object record points at (left by a crash between the blob's rename and the metadata commit, or
 * by an overwrite whose old blob was not yet unlinked).
 */
import { blobOf, type BlobStore, type MetadataStore } from './contracts.js';

/** Blobs younger than this are never swept: their upload may still be committing. */
const ORPHAN_GRACE_SECONDS = 3600;

export async function reapExpired(meta: MetadataStore, blobs: BlobStore, now: number): Promise<number> {
  let reaped = 0;
  for (;;) {
    const batch = await meta.expiredObjects(now, 500);
    if (batch.length === 0) return reaped;
    for (const rec of batch) {
      const removed = await meta.deleteObject(rec.account, rec.container, rec.name, rec.timestamp);
      if (removed) {
        const blobId = blobOf(removed);
        if (blobId !== undefined) await blobs.delete(blobId);
        reaped++;
      }
    }
    if (batch.length < 500) return reaped;
  }
}

export async function sweepOrphans(meta: MetadataStore, blobs: BlobStore, graceSeconds = ORPHAN_GRACE_SECONDS): Promise<number> {
  let swept = 0;
  for await (const blobId of blobs.listBlobs(graceSeconds)) {
    if (!(await meta.blobInUse(blobId))) {
      await blobs.delete(blobId);
      swept++;
    }
  }
  return swept;
}

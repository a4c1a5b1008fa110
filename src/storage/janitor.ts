/**
 * Background upkeep, run by one process: reaps expired objects (X-Delete-At) and deletes blobs that
 * no object record points at (left by a crash between the blob's rename and the metadata commit, or
 * by an overwrite whose old blob was not yet unlinked).
 */
import { blobOf, type BlobStore, type MetadataStore } from './contracts.js';
import { splitPolicyBlobId } from './policy-blobs.js';

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

/** Blob ids asked about per metadata query in a census. */
const CENSUS_BATCH = 500;

/**
 * The sweeper's backlog: blobs no object record points at, by storage policy index, whatever their
 * age (the sweeper deletes those older than its grace; a young one may also be an upload whose
 * record is about to commit). Walks every blob, so it runs on a timer (`[metrics]
 * orphan_census_interval`), by the process holding the jobs' lease. Deletes nothing.
 */
export async function countOrphans(meta: MetadataStore, blobs: BlobStore): Promise<Map<number, number>> {
  const orphans = new Map<number, number>();
  const settle = async (ids: string[]) => {
    const used = meta.blobsInUse
      ? await meta.blobsInUse(ids)
      : new Set((await Promise.all(ids.map(async (id) => ((await meta.blobInUse(id)) ? id : '')))).filter((id) => id !== ''));
    for (const id of ids) {
      if (used.has(id)) continue;
      const { policy } = splitPolicyBlobId(id);
      orphans.set(policy, (orphans.get(policy) ?? 0) + 1);
    }
  };
  let batch: string[] = [];
  for await (const blobId of blobs.listBlobs(0)) {
    batch.push(blobId);
    if (batch.length === CENSUS_BATCH) {
      await settle(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await settle(batch);
  return orphans;
}

/**
 * Taking a damaged object out of service, as Swift's quarantine does: its blob is moved aside for
 * the operator (BlobStore.quarantine) and its record deleted as a delete does (but leaving no
 * container-sync tombstone), so the next GET answers 404 and the container's and account's counts
 * and bytes drop with the listing.
 * Unlike Swift (whose container listing keeps the object until a replicator restores it from another
 * copy), there is no other copy here: the object is gone, and the log line says which it was.
 */
import { Readable } from 'node:stream';
import { blobOf, type BlobStore, type MetadataStore, type ObjectRecord } from '../contracts.js';
import { integrityCounters } from './counters.js';

export type Damage = 'damaged' | 'missing';

/**
 * Whether the store still holds exactly this version of the object. An object overwritten or deleted
 * since `rec` was read has a new blob (or none): its old blob being gone is no damage.
 */
export async function stillCurrent(meta: MetadataStore, rec: ObjectRecord): Promise<boolean> {
  const now = await meta.getObject(rec.account, rec.container, rec.name);
  return now !== undefined && now.timestamp === rec.timestamp && now.blobId === rec.blobId && now.etag === rec.etag;
}

/** Quarantines `rec` if it is still the stored version; true when it was taken out of service. */
export async function quarantineObject(
  meta: MetadataStore, blobs: BlobStore, rec: ObjectRecord, damage: Damage, detail: string,
  log: (line: string) => void = (line) => console.error(line),
): Promise<boolean> {
  if (!(await stillCurrent(meta, rec))) return false;
  // The delete applies only to a record not newer than this one: a write that lands meanwhile wins.
  // Not a client's delete: container sync must not carry it to a healthy copy elsewhere.
  const removed = await meta.removeDamagedObject(rec.account, rec.container, rec.name, rec.timestamp);
  if (!removed) return false;
  let blobId = blobOf(removed);
  if (blobId !== undefined && damage === 'damaged' && blobs.quarantine) await blobs.quarantine(blobId);
  // Inline bytes went with the record: what was read is kept aside in a blob of its own.
  if (blobId === undefined && rec.inline !== undefined && blobs.quarantine) blobId = await keepAside(blobs, rec.inline, blobs.quarantine.bind(blobs));
  integrityCounters.quarantined++;
  const where = rec.blobId === '' ? `inline bytes${blobId === undefined ? '' : `, kept as blob ${blobId}`}` : `blob ${rec.blobId}`;
  log(`quarantined ${rec.account}/${rec.container}/${rec.name} (${where}, etag ${rec.etag}, ${rec.size} bytes): ${damage}: ${detail}`);
  return true;
}

async function keepAside(blobs: BlobStore, bytes: Buffer, quarantine: (blobId: string) => Promise<void>): Promise<string | undefined> {
  try {
    const stored = await blobs.write(Readable.from([bytes]), { expectedSize: bytes.length, maxSize: bytes.length });
    await quarantine(stored.blobId);
    return stored.blobId;
  } catch (err) {
    console.error('quarantine: could not keep the damaged inline bytes aside:', err);
    return undefined;
  }
}

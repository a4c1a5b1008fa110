/**
 * The storage part of `swiftlet migrate`: accounts, containers (reserved names included: object
 * versioning's `\u0000versions\u0000…` containers are ordinary rows here) and objects. A blob is
 * streamed from the source's file into the S3 service, never held whole; inline bytes stay inline.
 *
 * Resuming needs no checkpoint: an object the destination already holds with the same timestamp and
 * etag is skipped, so a rerun after a kill moves only what the killed run had not committed. A blob
 * the killed run had uploaded without its row is an orphan, which the cluster's sweeper reaps.
 */
import { createHash } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import type { BlobStore, MetadataStore, ObjectRecord } from '../storage/contracts.js';
import type { EmbeddedSource } from './embedded-source.js';
import type { Progress } from './progress.js';

/** Objects copied at once: enough to keep the S3 service and PostgreSQL busy, little memory each. */
const PARALLEL = 4;

export interface ObjectCopyCounts { accounts: number; containers: number; failed: string[] }

export async function copyObjects(
  source: EmbeddedSource, dest: { meta: MetadataStore; blobs: BlobStore }, progress: Progress,
): Promise<ObjectCopyCounts> {
  const counts: ObjectCopyCounts = { accounts: 0, containers: 0, failed: [] };
  for (const account of source.accounts()) {
    await dest.meta.ensureAccount(account.name, account.createdAt);
    await dest.meta.updateAccountMetadata(account.name, account.metadata, account.putTimestamp);
    counts.accounts++;
    for (const container of source.containers(account.name)) {
      await dest.meta.putContainer(account.name, container.name, container.metadata, container.putTimestamp, { index: container.policyIndex, explicit: false });
      counts.containers++;
      for (const page of source.objects(account.name, container.name)) {
        let next = 0;
        const worker = async () => {
          while (next < page.length) {
            const rec = page[next++];
            if (!rec) return;
            const streamed = { bytes: 0 };
            try {
              const copied = await copyObject(source, dest, rec, container.policyIndex, (n) => { streamed.bytes += n; progress.streamed(n); });
              progress.object(rec.size, copied, streamed.bytes);
            } catch (err) {
              // A failed object's bytes were not copied: taken back out of the progress.
              progress.streamed(-streamed.bytes);
              counts.failed.push(`${rec.account}/${rec.container}/${rec.name}: ${err instanceof Error ? err.message : String(err)}`);
            }
          }
        };
        await Promise.all(Array.from({ length: PARALLEL }, worker));
      }
    }
  }
  return counts;
}

/** Copies one object unless the destination already has it (or something newer); true when copied. */
async function copyObject(
  source: EmbeddedSource, dest: { meta: MetadataStore; blobs: BlobStore }, rec: ObjectRecord, policy: number,
  onBytes: (n: number) => void,
): Promise<boolean> {
  const there = await dest.meta.getObject(rec.account, rec.container, rec.name);
  if (there && (there.timestamp > rec.timestamp || (there.timestamp === rec.timestamp && there.etag === rec.etag))) return false;
  if (rec.blobId === '') {
    checkMd5(rec, createHash('md5').update(rec.inline ?? Buffer.alloc(0)).digest('hex'));
    return settle(dest, await dest.meta.putObject(rec));
  }
  const reader = await source.blobs.open(rec.blobId);
  if (!reader) throw new Error(`blob ${rec.blobId} missing from the source`);
  let stored;
  try {
    const counter = new Transform({ transform(chunk: Buffer, _encoding, done) { onBytes(chunk.length); done(null, chunk); } });
    // pipeline, not pipe: a read error destroys the counter too, so the write fails instead of waiting.
    stored = await dest.blobs.write(pipeline(reader.stream(0, rec.size - 1), counter, () => undefined), { expectedSize: rec.size, maxSize: rec.size, policy });
  } finally {
    await reader.close();
  }
  try {
    checkMd5(rec, stored.md5);
  } catch (err) {
    await dest.blobs.delete(stored.blobId);
    throw err;
  }
  const outcome = await dest.meta.putObject({ ...rec, blobId: stored.blobId });
  if (outcome.result !== 'stored') await dest.blobs.delete(stored.blobId);
  return settle(dest, outcome);
}

/**
 * The bytes read from the source against the etag recorded when they were written (the MD5 of the
 * stored bytes, manifests included): a damaged source file is reported, not copied.
 */
function checkMd5(rec: ObjectRecord, md5: string): void {
  if (md5 !== rec.etag) throw new Error(`the source bytes' MD5 ${md5} is not the recorded etag ${rec.etag}; not copied`);
}

async function settle(dest: { blobs: BlobStore }, outcome: Awaited<ReturnType<MetadataStore['putObject']>>): Promise<boolean> {
  if (outcome.result === 'no_container') throw new Error('container missing in the destination');
  if (outcome.result === 'stored' && outcome.replacedBlobId) await dest.blobs.delete(outcome.replacedBlobId);
  return outcome.result === 'stored';
}

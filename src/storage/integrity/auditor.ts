/**
 * The object auditor (Swift's object-auditor): walks every object record of a metadata store, reads
 * its bytes (inline, or its blob from the blob store that holds it) at no more than a configured byte
 * rate, and checks them against the record: the blob is there, has the recorded size, and its MD5 is
 * the etag. A damaged or missing object is reported and, unless asked not to, quarantined
 * (quarantine.ts), so that it answers 404 and the listings and counts agree.
 *
 * The walk goes through `MetadataStore.auditPage` (the records in key order) and asks `blobsFor` for
 * each record's blob store, so it assumes no single blob directory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { blobOf, type BlobStore, type MetadataStore, type ObjectKey, type ObjectRecord } from '../contracts.js';
import { md5OnEventLoop, md5OnThread, OFFLOAD_MIN_BYTES } from '../fs/md5-offload.js';
import { integrityCounters } from './counters.js';
import { inlineMatchesEtag, md5Etag } from './md5-check.js';
import { quarantineObject, stillCurrent, type Damage } from './quarantine.js';

const PAGE = 200;
const MD5_OF_EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';

export interface AuditSummary {
  /** Records looked at, and the bytes read for them. */
  objects: number;
  bytes: number;
  damaged: number;
  missing: number;
  quarantined: number;
  /** Records whose etag is not an MD5 (nothing to check the bytes against): only their size and presence were checked. */
  unverifiable: number;
}

export interface AuditOptions {
  /** Bytes read per second at most (0: no limit). */
  bytesPerSecond: number;
  /** Take damaged and missing objects out of service (false: only report them). */
  quarantine: boolean;
  /** Stops the pass early (server shutdown). */
  signal?: AbortSignal;
  /** Called as bytes are read and after each object, for a progress display. */
  onProgress?: (summary: AuditSummary) => void;
  /** Told of every damaged or missing object found. */
  onFinding?: (rec: ObjectRecord, damage: Damage, detail: string) => void;
  /** Where findings and quarantines are logged (default: stderr). */
  log?: (line: string) => void;
}

/** Spreads reads out so that they average at most `rate` bytes per second since the pass began. */
class Throttle {
  private spent = 0;
  private readonly started = Date.now();
  constructor(private readonly rate: number, private readonly signal?: AbortSignal) {}

  async spend(bytes: number): Promise<void> {
    if (this.rate <= 0) return;
    this.spent += bytes;
    const wait = this.started + (this.spent / this.rate) * 1000 - Date.now();
    if (wait > 0) await sleep(wait, undefined, this.signal ? { signal: this.signal } : {});
  }
}

type Verdict = { ok: true } | { ok: false; damage: Damage; detail: string };

/** One pass over every object of `meta`. Throws if the store cannot be walked (no `auditPage`). */
export async function auditPass(meta: MetadataStore, blobsFor: (rec: ObjectRecord) => BlobStore, options: AuditOptions): Promise<AuditSummary> {
  if (!meta.auditPage) throw new Error('this metadata store cannot be walked by the auditor');
  const summary: AuditSummary = { objects: 0, bytes: 0, damaged: 0, missing: 0, quarantined: 0, unverifiable: 0 };
  const throttle = new Throttle(options.bytesPerSecond, options.signal);
  const log = options.log ?? ((line: string) => console.error(line));
  const read = (n: number) => {
    summary.bytes += n;
    integrityCounters.auditedBytes += n;
    options.onProgress?.(summary);
    return throttle.spend(n);
  };
  let after: ObjectKey | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await meta.auditPage(after, PAGE);
    for (const rec of page) {
      options.signal?.throwIfAborted();
      const blobs = blobsFor(rec);
      let verdict: Verdict;
      try {
        verdict = await checkObject(rec, blobs, read);
      } catch (err) {
        // A read that failed (an I/O error, the store unreachable) proves nothing about the bytes.
        options.signal?.throwIfAborted();
        log(`auditor: ${rec.account}/${rec.container}/${rec.name}: could not be checked: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      summary.objects++;
      integrityCounters.auditedObjects++;
      if (md5Etag(rec) === undefined) summary.unverifiable++;
      // A record overwritten or deleted while it was being read lost its old blob legitimately.
      if (!verdict.ok && await stillCurrent(meta, rec)) {
        if (verdict.damage === 'damaged') { summary.damaged++; integrityCounters.auditDamaged++; } else { summary.missing++; integrityCounters.auditMissing++; }
        log(`auditor: ${rec.account}/${rec.container}/${rec.name}: ${verdict.damage}: ${verdict.detail}`);
        options.onFinding?.(rec, verdict.damage, verdict.detail);
        if (options.quarantine && await quarantineObject(meta, blobs, rec, verdict.damage, verdict.detail, log)) summary.quarantined++;
      }
      options.onProgress?.(summary);
    }
    const last = page[page.length - 1];
    if (page.length < PAGE || !last) break;
    after = { account: last.account, container: last.container, name: last.name };
  }
  integrityCounters.auditPasses++;
  integrityCounters.lastPassEndedAt = Date.now();
  return summary;
}

async function checkObject(rec: ObjectRecord, blobs: BlobStore, read: (n: number) => Promise<void>): Promise<Verdict> {
  const blobId = blobOf(rec);
  if (blobId === undefined) {
    const bytes = rec.inline ?? Buffer.alloc(0);
    await read(bytes.length);
    return inlineMatchesEtag(rec, bytes) ? { ok: true } : { ok: false, damage: 'damaged', detail: `inline bytes (${bytes.length} of ${rec.size}) do not match the etag` };
  }
  const reader = await blobs.open(blobId);
  if (!reader) return { ok: false, damage: 'missing', detail: `blob ${blobId} is gone` };
  try {
    if (reader.size !== rec.size) return { ok: false, damage: 'damaged', detail: `blob ${blobId} holds ${reader.size} bytes, the record ${rec.size}` };
    const expected = md5Etag(rec);
    if (expected === undefined || rec.size === 0) {
      return expected === undefined || expected === MD5_OF_EMPTY ? { ok: true } : { ok: false, damage: 'damaged', detail: `an empty blob ${blobId} with etag ${expected}` };
    }
    const hash = rec.size >= OFFLOAD_MIN_BYTES ? md5OnThread() : md5OnEventLoop();
    let finished = false;
    try {
      for await (const chunk of reader.stream(0, rec.size - 1)) {
        const buf = chunk as Buffer;
        await hash.update(buf);
        await read(buf.length);
      }
      finished = true;
      const hex = await hash.digest();
      return hex === expected ? { ok: true } : { ok: false, damage: 'damaged', detail: `MD5 of blob ${blobId} is ${hex}, the etag ${expected}` };
    } finally {
      if (!finished) hash.abandon();
    }
  } finally {
    await reader.close();
  }
}

/**
 * The auditor as a background job of `swiftlet serve`: one pass, then `interval` seconds of rest,
 * then the next (as Swift's object-auditor), never two passes at once. In a cluster only the node
 * that `leads()` walks the store; the others check again after each interval.
 */
import type { BlobStore, MetadataStore, ObjectRecord } from '../contracts.js';
import { auditPass } from './auditor.js';

export interface AuditorSchedule {
  meta: MetadataStore;
  blobsFor: (rec: ObjectRecord) => BlobStore;
  intervalSeconds: number;
  bytesPerSecond: number;
  leads: () => Promise<boolean>;
}

/** Starts the job; the function returned stops it (a pass under way ends at its next read). */
export function startAuditor(s: AuditorSchedule): () => void {
  const stop = new AbortController();
  if (!s.meta.auditPage) {
    console.error('auditor: this metadata store cannot be walked; no background audit (GETs still verify what they send)');
    return () => undefined;
  }
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    timer = setTimeout(() => { void run(); }, s.intervalSeconds * 1000);
    timer.unref();
  };
  const run = async () => {
    try {
      if (await s.leads()) {
        const started = Date.now();
        const r = await auditPass(s.meta, s.blobsFor, { bytesPerSecond: s.bytesPerSecond, quarantine: true, signal: stop.signal });
        console.log(`auditor: pass done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${r.objects} objects, ${r.bytes} bytes, ` +
          `${r.damaged} damaged, ${r.missing} missing, ${r.quarantined} quarantined`);
      }
    } catch (err) {
      if (!stop.signal.aborted) console.error('auditor: pass failed:', err);
    }
    if (!stop.signal.aborted) next();
  };
  next();
  return () => {
    stop.abort();
    if (timer) clearTimeout(timer);
  };
}

/**
 * What the integrity checks have found since the process started: read by `swiftlet audit`'s
 * summary and the log, and meant for a metrics module to export as they are (counters only grow).
 */
export interface IntegrityCounters {
  /** Whole-object GETs whose bytes were verified against their MD5 while being sent. */
  getsVerified: number;
  /** GETs cut because the bytes did not match (or the blob was missing or short). */
  getsDamaged: number;
  /** Objects and bytes the auditor has checked. */
  auditedObjects: number;
  auditedBytes: number;
  /** What the auditor found: bytes not matching their record, and records whose blob is gone. */
  auditDamaged: number;
  auditMissing: number;
  /** Objects removed from service (record deleted, blob moved aside), by GETs and the auditor alike. */
  quarantined: number;
  /** Completed audit passes, and when the last one ended (Unix ms; 0: none yet). */
  auditPasses: number;
  lastPassEndedAt: number;
}

export const integrityCounters: IntegrityCounters = {
  getsVerified: 0, getsDamaged: 0, auditedObjects: 0, auditedBytes: 0, auditDamaged: 0, auditMissing: 0,
  quarantined: 0, auditPasses: 0, lastPassEndedAt: 0,
};

/**
 * `swiftlet images audit`: compares the image database with the bytes in the SERVICE_* accounts,
 * using only the read-only credential (a `<PREFIX>_reader_roles` role, docs/auth-rules.md D6).
 *
 * Findings:
 *   missing            an active image whose object (or large-object manifest) is absent
 *   missing_segments   a segmented image with fewer (or more) segments than it was stored with
 *   size_mismatch      an active image whose object size (sum of its segments' sizes) differs from the record
 *   checksum_mismatch  an active image whose object MD5 (ETag) differs from the record's checksum; for a
 *                      segmented image, the MD5 of its segments' ETags differs from the manifest's recorded ETag
 *   stuck_saving       an image in `saving` for longer than --stale-after seconds (default 3600)
 *   orphan             an object in an image container, or a group of segments `<id>/…` in the
 *                      segment container, with no live record expecting bytes (no record at all,
 *                      or a deleted/queued/killed one)
 *
 * Segmented images (larger than a segment) keep a zero-byte manifest object in the image container
 * and their segments in the segment container under `<image id>/`; their size and ETag are checked
 * from the segments' listing against the record (segment count, total size, ETag of the manifest).
 *
 * --repair changes only the image database, never the object store (the audit holds no write
 * credential): `missing`, `missing_segments` and `stuck_saving` images are marked `killed` (their bytes are gone or never
 * completed, so no download could succeed; Glance's meaning of killed). Mismatches are *not* repaired:
 * either side may be the wrong one and killing the image would hide evidence; an operator decides.
 * Orphans are reported with their account and path for an operator to delete with a write credential.
 *
 * Exit status: 0 when nothing is wrong (or everything found was repaired), 1 when findings remain,
 * 2 when the audit could not run (credential refused, store unreachable).
 *
 * Scope: the accounts of the projects that own at least one image record (deleted ones included);
 * the object API has no way to enumerate every SERVICE_* account.
 */
import { createHash } from 'node:crypto';
import { ImageDb, type ImageRow } from './db.js';
import { ImageStore, type ObjectListing } from './store.js';

export type FindingKind = 'missing' | 'missing_segments' | 'size_mismatch' | 'checksum_mismatch' | 'stuck_saving' | 'orphan';

export interface Finding {
  kind: FindingKind;
  account: string;
  object: string;
  image_id: string | null;
  image_status: string | null;
  detail: string;
  repaired: boolean;
}

export interface AuditReport {
  clean: boolean;
  accounts: number;
  images: number;
  objects: number;
  findings: Finding[];
}

/**
 * One run of the audit as recorded in the image database (the last few are kept) and answered by
 * GET /v2/audit/latest: the report's figures and findings, or `error` when it could not run.
 */
export interface AuditRun extends AuditReport {
  started_at: string;
  finished_at: string;
  repair: boolean;
  stale_after: number;
  /** Why the audit could not run (credential refused, store unreachable); null when it ran. */
  error: string | null;
}

/** How far an audit is: told after each account (the unit of work: its two listings and its images' checks). */
export interface AuditProgress {
  accounts: number;
  totalAccounts: number;
  images: number;
  totalImages: number;
  objects: number;
  findings: number;
}

export async function audit(db: ImageDb, store: ImageStore, options: { repair: boolean; staleAfter: number; onProgress?: (p: AuditProgress) => void }): Promise<AuditReport> {
  const rows = db.all(true);
  const byId = new Map<string, ImageRow>(rows.map((r) => [r.id, r]));
  const owners = [...new Set(rows.map((r) => r.owner))].sort();
  const container = store.options.container;
  const findings: Finding[] = [];
  let objects = 0;
  let accountsDone = 0;
  let imagesDone = 0;
  const now = Date.now() / 1000;
  for (const owner of owners) {
    const account = store.account(owner);
    const listing = new Map<string, ObjectListing>((await store.list(owner)).map((o) => [o.name, o]));
    // Segments grouped by image id (`<id>/00000001`…), in name order.
    const segments = new Map<string, ObjectListing[]>();
    for (const o of await store.list(owner, 'segments')) {
      const slash = o.name.indexOf('/');
      const key = slash < 0 ? o.name : o.name.slice(0, slash);
      segments.set(key, [...(segments.get(key) ?? []), o]);
    }
    objects += listing.size;
    const segPath = (id: string) => `${store.options.segmentContainer}/${id}/`;
    for (const img of rows.filter((r) => r.owner === owner)) {
      const path = `${container}/${img.id}`;
      const base = { account, object: path, image_id: img.id, image_status: img.status, repaired: false };
      if (img.status === 'active' || img.status === 'deactivated') {
        const o = listing.get(img.id);
        if (!o) {
          findings.push({ ...base, kind: 'missing', detail: `no object; the record says ${img.size ?? '?'} bytes, md5 ${img.checksum ?? '?'}` });
        } else if (img.segments > 0) {
          const segs = segments.get(img.id) ?? [];
          const segBase = { ...base, object: segPath(img.id) };
          const bytes = segs.reduce((n, x) => n + x.bytes, 0);
          if (segs.length !== img.segments) findings.push({ ...segBase, kind: 'missing_segments', detail: `${segs.length} segment(s) found, ${img.segments} stored` });
          if (bytes !== img.size) findings.push({ ...segBase, kind: 'size_mismatch', detail: `segments hold ${bytes} bytes, the record ${img.size ?? 'null'}` });
          const etag = createHash('md5').update(segs.map((x) => x.hash).join('')).digest('hex');
          if (etag !== img.manifest_etag) findings.push({ ...segBase, kind: 'checksum_mismatch', detail: `segments' ETag ${etag}, the manifest was stored with ${img.manifest_etag ?? 'null'}` });
        } else {
          if (o.bytes !== img.size) findings.push({ ...base, kind: 'size_mismatch', detail: `object has ${o.bytes} bytes, the record ${img.size ?? 'null'}` });
          if (o.hash !== img.checksum) findings.push({ ...base, kind: 'checksum_mismatch', detail: `object md5 ${o.hash}, the record ${img.checksum ?? 'null'}` });
        }
      } else if (img.status === 'saving' && now - img.status_changed > options.staleAfter) {
        findings.push({ ...base, kind: 'stuck_saving', detail: `saving for ${Math.round(now - img.status_changed)} s` });
      }
    }
    const live = (img: ImageRow | undefined) => img !== undefined && img.owner === owner && (img.status === 'active' || img.status === 'deactivated' || img.status === 'saving');
    for (const [id, segs] of segments) {
      const img = byId.get(id);
      if (live(img) && (img?.segments !== 0 || img.status === 'saving')) continue;
      findings.push({
        kind: 'orphan', account, object: segPath(id), image_id: img ? img.id : null, image_status: img ? img.status : null,
        detail: `${segs.length} segment(s), ${segs.reduce((n, x) => n + x.bytes, 0)} bytes, ${img ? `kept for an image that is ${img.status}${img.segments === 0 ? ' and not segmented' : ''}` : 'no image record'}`,
        repaired: false,
      });
    }
    for (const o of listing.values()) {
      const img = byId.get(o.name);
      if (img && img.owner === owner && (img.status === 'active' || img.status === 'deactivated' || img.status === 'saving')) continue;
      findings.push({
        kind: 'orphan', account, object: `${container}/${o.name}`, image_id: img ? img.id : null, image_status: img ? img.status : null,
        detail: img ? `${o.bytes} bytes kept for an image that is ${img.status}${img.owner !== owner ? ` and owned by ${img.owner}` : ''}` : `${o.bytes} bytes, no image record`,
        repaired: false,
      });
    }
    accountsDone++;
    imagesDone += rows.filter((r) => r.owner === owner).length;
    options.onProgress?.({ accounts: accountsDone, totalAccounts: owners.length, images: imagesDone, totalImages: rows.length, objects, findings: findings.length });
  }
  if (options.repair) {
    for (const f of findings) {
      if ((f.kind === 'missing' || f.kind === 'missing_segments' || f.kind === 'stuck_saving') && f.image_id) {
        f.repaired = db.transition(f.image_id, f.kind === 'stuck_saving' ? ['saving'] : ['active', 'deactivated'], 'killed');
        if (f.repaired) f.detail += '; marked killed';
      }
    }
  }
  return { clean: findings.every((f) => f.repaired), accounts: owners.length, images: rows.filter((r) => r.status !== 'deleted').length, objects, findings };
}

export function formatReport(r: AuditReport): string[] {
  const lines = [`audited ${r.images} image(s), ${r.objects} object(s) in ${r.accounts} account(s)`];
  if (r.findings.length === 0) {
    lines.push('clean: every active image has its bytes, no orphans, nothing stuck');
    return lines;
  }
  const cols = ['kind', 'account', 'object', 'status', 'repaired', 'detail'] as const;
  const cells = r.findings.map((f) => ({ kind: f.kind, account: f.account, object: f.object, status: f.image_status ?? '-', repaired: f.repaired ? 'yes' : 'no', detail: f.detail }));
  const width = cols.map((c) => Math.max(c.length, ...cells.map((x) => x[c].length)));
  const line = (v: string[]) => v.map((x, i) => x.padEnd(width[i] ?? 0)).join('  ').trimEnd();
  lines.push(line([...cols]), line(width.map((w) => '-'.repeat(w))));
  for (const x of cells) lines.push(line(cols.map((c) => x[c])));
  lines.push(r.clean ? 'everything found was repaired' : `${r.findings.filter((f) => !f.repaired).length} problem(s) remain`);
  return lines;
}

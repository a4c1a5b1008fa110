/**
 * Image records in their own SQLite database (never Swiftlet's): images, tags and custom properties
 * (as JSON), and members. Deleted images keep a row with status `deleted` so that the audit can tell
 * leftover bytes of a deleted image from bytes nobody ever recorded.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Visibility = 'private' | 'shared' | 'community' | 'public';
export type ImageStatus = 'queued' | 'saving' | 'active' | 'deactivated' | 'killed' | 'deleted';
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

export interface ImageRow {
  id: string;
  name: string | null;
  owner: string;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  size: number | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  tags: string[];
  properties: Record<string, string>;
  created_at: string;
  updated_at: string;
  /** Epoch seconds of the last status change (the audit's "stuck in saving"). */
  status_changed: number;
  /** Hidden from default listings (Glance's `os_hidden`). */
  os_hidden: boolean;
  /**
   * 0: the bytes are one object. N > 0: a static large object whose manifest is the image object and
   * whose N segments live in the segments container under `<image id>/`.
   */
  segments: number;
  /** For a segmented image: the manifest's ETag (MD5 of the segments' ETags). */
  manifest_etag: string | null;
  /** For a segmented image: the size of every segment but the last. */
  segment_bytes: number;
}

export interface MemberRow {
  image_id: string;
  member_id: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
}

interface RawImage {
  id: string; name: string | null; owner: string; status: string; visibility: string; protected: number;
  checksum: string | null; os_hash_algo: string | null; os_hash_value: string | null; size: number | null;
  disk_format: string | null; container_format: string | null; min_disk: number; min_ram: number;
  tags: string; properties: string; created_at: string; updated_at: string; status_changed: number;
  os_hidden?: number; segments?: number; manifest_etag?: string | null; segment_bytes?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY,
  name TEXT,
  owner TEXT NOT NULL,
  status TEXT NOT NULL,
  visibility TEXT NOT NULL,
  protected INTEGER NOT NULL DEFAULT 0,
  checksum TEXT,
  os_hash_algo TEXT,
  os_hash_value TEXT,
  size INTEGER,
  disk_format TEXT,
  container_format TEXT,
  min_disk INTEGER NOT NULL DEFAULT 0,
  min_ram INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '[]',
  properties TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  status_changed REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS images_owner ON images(owner);
CREATE TABLE IF NOT EXISTS members (
  image_id TEXT NOT NULL REFERENCES images(id),
  member_id TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (image_id, member_id)
);
CREATE INDEX IF NOT EXISTS members_member ON members(member_id);
-- The last runs of swiftlet images audit (their JSON report), for GET /v2/audit/latest.
CREATE TABLE IF NOT EXISTS audit_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  finished_at TEXT NOT NULL,
  run TEXT NOT NULL
);
`;

/** Audit runs kept in audit_runs (older ones are dropped when one is recorded). */
const AUDIT_RUNS_KEPT = 20;

/** Columns added after the first release; added to older databases on open. */
const ADDED_COLUMNS: [string, string][] = [
  ['os_hidden', 'INTEGER NOT NULL DEFAULT 0'],
  ['segments', 'INTEGER NOT NULL DEFAULT 0'],
  ['manifest_etag', 'TEXT'],
  ['segment_bytes', 'INTEGER NOT NULL DEFAULT 0'],
];

export type SortKey = 'name' | 'status' | 'container_format' | 'disk_format' | 'size' | 'id' | 'created_at' | 'updated_at' | 'visibility' | 'owner';
export const SORT_KEYS: readonly SortKey[] = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at', 'visibility', 'owner'];

/**
 * A listing as Glance does it, entirely in SQL: what the caller may see (visibility, membership),
 * filters, sort keys (ties broken by id), keyset paging after a marker image, and a limit.
 */
export interface ListQuery {
  projectId: string;
  admin: boolean;
  /** null: Glance's default (no visibility filter). */
  visibility: Visibility | 'all' | null;
  memberStatus: MemberStatus | 'all';
  /** Glance lists hidden images only when asked (`os_hidden=true`). */
  hidden: boolean;
  /** Exact matches on core columns. */
  equals: { column: 'name' | 'status' | 'owner' | 'disk_format' | 'container_format' | 'protected' | 'id'; value: string | number }[];
  /** Every tag must be present. */
  tags: string[];
  /** Custom properties that must have exactly these values. */
  properties: [string, string][];
  sizeMin?: number;
  sizeMax?: number;
  sort: { key: SortKey; dir: 'asc' | 'desc' }[];
  marker?: ImageRow;
  limit: number;
}

/** The SQL expression a sort key orders by: never NULL, so that keyset comparisons are total. */
function sortExpr(key: SortKey): string {
  if (key === 'size') return 'COALESCE(i.size, -1)';
  if (key === 'name' || key === 'container_format' || key === 'disk_format') return `COALESCE(i.${key}, '')`;
  return `i.${key}`;
}

function sortValue(img: ImageRow, key: SortKey): string | number {
  const v = img[key];
  if (key === 'size') return (v as number | null) ?? -1;
  return (v as string | null) ?? '';
}

/** Glance's timestamps: `2026-11-28T00:00:00Z`. */
export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toRow(r: RawImage): ImageRow {
  return {
    ...r,
    status: r.status as ImageStatus,
    visibility: r.visibility as Visibility,
    protected: r.protected === 1,
    os_hidden: r.os_hidden === 1,
    segments: r.segments ?? 0,
    manifest_etag: r.manifest_etag ?? null,
    segment_bytes: r.segment_bytes ?? 0,
    tags: JSON.parse(r.tags) as string[],
    properties: JSON.parse(r.properties) as Record<string, string>,
  };
}

export class ImageDb {
  private readonly db: Database.Database;

  constructor(path: string, readonly: boolean = false) {
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { readonly, fileMustExist: readonly });
    if (!readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
      const have = new Set((this.db.prepare('PRAGMA table_info(images)').all() as { name: string }[]).map((c) => c.name));
      for (const [name, type] of ADDED_COLUMNS) if (!have.has(name)) this.db.exec(`ALTER TABLE images ADD COLUMN ${name} ${type}`);
    }
    this.db.pragma('busy_timeout = 5000');
  }

  close(): void {
    this.db.close();
  }

  /** Records one audit run (any JSON-serialisable summary) and drops all but the last few. */
  recordAudit(finishedAt: string, run: unknown): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO audit_runs (finished_at, run) VALUES (?, ?)').run(finishedAt, JSON.stringify(run));
      this.db.prepare('DELETE FROM audit_runs WHERE id <= (SELECT max(id) FROM audit_runs) - ?').run(AUDIT_RUNS_KEPT);
    })();
  }

  /** The last recorded audit run, as recorded; undefined before the first. */
  latestAudit(): unknown {
    const r = this.db.prepare('SELECT run FROM audit_runs ORDER BY id DESC LIMIT 1').get() as { run: string } | undefined;
    return r ? JSON.parse(r.run) as unknown : undefined;
  }

  get(id: string): ImageRow | undefined {
    const r = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as RawImage | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Every image that is not deleted, plus deleted ones when asked (the audit). */
  all(includeDeleted = false): ImageRow[] {
    const rows = this.db.prepare(`SELECT * FROM images ${includeDeleted ? '' : "WHERE status != 'deleted'"} ORDER BY owner, id`).all() as RawImage[];
    return rows.map(toRow);
  }

  insert(img: ImageRow): void {
    this.db.prepare(`INSERT INTO images (id, name, owner, status, visibility, protected, checksum, os_hash_algo, os_hash_value, size,
      disk_format, container_format, min_disk, min_ram, tags, properties, created_at, updated_at, status_changed, os_hidden, segments, manifest_etag, segment_bytes)
      VALUES (@id, @name, @owner, @status, @visibility, @protected, @checksum, @os_hash_algo, @os_hash_value, @size,
      @disk_format, @container_format, @min_disk, @min_ram, @tags, @properties, @created_at, @updated_at, @status_changed, @os_hidden, @segments, @manifest_etag, @segment_bytes)`)
      .run({ ...img, protected: img.protected ? 1 : 0, os_hidden: img.os_hidden ? 1 : 0, tags: JSON.stringify(img.tags), properties: JSON.stringify(img.properties) });
  }

  /** One page of a listing (see ListQuery); everything happens in SQLite. */
  list(q: ListQuery): ImageRow[] {
    const where: string[] = ["i.status != 'deleted'"];
    const args: Record<string, string | number> = { project: q.projectId };
    const admin = q.admin ? 1 : 0;
    const vis = q.visibility;
    // Which images the caller may list (Glance's defaults: community images only when asked for,
    // shared ones when owned or when this project's membership has the requested status).
    const community = vis === 'community' || vis === 'all' ? '1' : `(i.owner = @project${admin && vis === null ? ' OR 1' : ''})`;
    const memberOk = q.memberStatus === 'all' ? 'm.status IS NOT NULL' : 'm.status = @memberStatus';
    if (q.memberStatus !== 'all') args.memberStatus = q.memberStatus;
    where.push(`(i.visibility = 'public'
      OR (i.visibility = 'community' AND ${community})
      OR (i.visibility = 'shared' AND (${admin} OR i.owner = @project OR ${memberOk}))
      OR (i.visibility = 'private' AND (${admin} OR i.owner = @project)))`);
    if (vis !== null && vis !== 'all') { where.push('i.visibility = @visibility'); args.visibility = vis; }
    where.push(`i.os_hidden = ${q.hidden ? 1 : 0}`);
    q.equals.forEach((f, n) => { where.push(`i.${f.column} = @eq${n}`); args[`eq${n}`] = f.value; });
    q.tags.forEach((t, n) => { where.push(`EXISTS (SELECT 1 FROM json_each(i.tags) WHERE json_each.value = @tag${n})`); args[`tag${n}`] = t; });
    q.properties.forEach(([k, v], n) => {
      where.push(`EXISTS (SELECT 1 FROM json_each(i.properties) p WHERE p.key = @pkey${n} AND p.value = @pval${n})`);
      args[`pkey${n}`] = k;
      args[`pval${n}`] = v;
    });
    if (q.sizeMin !== undefined) { where.push('i.size >= @sizeMin'); args.sizeMin = q.sizeMin; }
    if (q.sizeMax !== undefined) { where.push('i.size <= @sizeMax'); args.sizeMax = q.sizeMax; }
    const keys = [...q.sort];
    if (!keys.some((k) => k.key === 'id')) keys.push({ key: 'id', dir: keys[keys.length - 1]?.dir ?? 'desc' });
    if (q.marker) {
      // Keyset paging: rows strictly after the marker in the sort order.
      const alternatives = keys.map((k, i) => {
        const parts = keys.slice(0, i).map((e, j) => `${sortExpr(e.key)} = @mk${j}`);
        parts.push(`${sortExpr(k.key)} ${k.dir === 'asc' ? '>' : '<'} @mk${i}`);
        return `(${parts.join(' AND ')})`;
      });
      where.push(`(${alternatives.join(' OR ')})`);
      keys.forEach((k, i) => { args[`mk${i}`] = sortValue(q.marker as ImageRow, k.key); });
    }
    args.limit = q.limit;
    const sql = `SELECT i.* FROM images i LEFT JOIN members m ON m.image_id = i.id AND m.member_id = @project
      WHERE ${where.join(' AND ')}
      ORDER BY ${keys.map((k) => `${sortExpr(k.key)} ${k.dir.toUpperCase()}`).join(', ')}
      LIMIT @limit`;
    return (this.db.prepare(sql).all(args) as RawImage[]).map(toRow);
  }

  /** Writes the editable fields of `img` (not status or data fields). */
  update(img: ImageRow): void {
    this.db.prepare(`UPDATE images SET name = @name, visibility = @visibility, protected = @protected, disk_format = @disk_format,
      container_format = @container_format, min_disk = @min_disk, min_ram = @min_ram, tags = @tags, properties = @properties,
      os_hidden = @os_hidden, updated_at = @updated_at WHERE id = @id`)
      .run({
        id: img.id, name: img.name, visibility: img.visibility, protected: img.protected ? 1 : 0, os_hidden: img.os_hidden ? 1 : 0, disk_format: img.disk_format,
        container_format: img.container_format, min_disk: img.min_disk, min_ram: img.min_ram, tags: JSON.stringify(img.tags),
        properties: JSON.stringify(img.properties), updated_at: isoNow(),
      });
  }

  /** Compare-and-set of the status; false when the image was not in one of `from`. */
  transition(id: string, from: ImageStatus[], to: ImageStatus, data: { checksum?: string; os_hash_algo?: string; os_hash_value?: string; size?: number; segments?: number; manifest_etag?: string; segment_bytes?: number } = {}): boolean {
    const placeholders = from.map(() => '?').join(', ');
    const sets = ['status = ?', 'updated_at = ?', 'status_changed = ?'];
    const values: (string | number)[] = [to, isoNow(), Date.now() / 1000];
    for (const [k, v] of Object.entries(data)) {
      if (v === undefined) continue;
      sets.push(`${k} = ?`);
      values.push(v);
    }
    const r = this.db.prepare(`UPDATE images SET ${sets.join(', ')} WHERE id = ? AND status IN (${placeholders})`).run(...values, id, ...from);
    return r.changes === 1;
  }

  members(imageId: string): MemberRow[] {
    return this.db.prepare('SELECT * FROM members WHERE image_id = ? ORDER BY created_at, member_id').all(imageId) as MemberRow[];
  }

  member(imageId: string, memberId: string): MemberRow | undefined {
    return this.db.prepare('SELECT * FROM members WHERE image_id = ? AND member_id = ?').get(imageId, memberId) as MemberRow | undefined;
  }

  /** image id → this project's membership status, for listing. */
  membershipsOf(memberId: string): Map<string, MemberStatus> {
    const rows = this.db.prepare('SELECT image_id, status FROM members WHERE member_id = ?').all(memberId) as { image_id: string; status: MemberStatus }[];
    return new Map(rows.map((r) => [r.image_id, r.status]));
  }

  addMember(imageId: string, memberId: string): MemberRow {
    const now = isoNow();
    const row: MemberRow = { image_id: imageId, member_id: memberId, status: 'pending', created_at: now, updated_at: now };
    this.db.prepare('INSERT INTO members (image_id, member_id, status, created_at, updated_at) VALUES (@image_id, @member_id, @status, @created_at, @updated_at)').run(row);
    return row;
  }

  setMemberStatus(imageId: string, memberId: string, status: MemberStatus): void {
    this.db.prepare('UPDATE members SET status = ?, updated_at = ? WHERE image_id = ? AND member_id = ?').run(status, isoNow(), imageId, memberId);
  }

  removeMember(imageId: string, memberId: string): void {
    this.db.prepare('DELETE FROM members WHERE image_id = ? AND member_id = ?').run(imageId, memberId);
  }
}

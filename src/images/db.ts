/**
 * Image records in their own SQLite database (never Swiftlet's): images, tags and custom properties
 * (as JSON), and members. Deleted images keep a row with status `deleted` so that the audit can tell
 * leftover bytes of a deleted image from bytes nobody ever recorded.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Visibility = 'private' | 'shared' | 'community' | 'public';
export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted';
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
`;

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
    }
    this.db.pragma('busy_timeout = 5000');
  }

  close(): void {
    this.db.close();
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
      disk_format, container_format, min_disk, min_ram, tags, properties, created_at, updated_at, status_changed)
      VALUES (@id, @name, @owner, @status, @visibility, @protected, @checksum, @os_hash_algo, @os_hash_value, @size,
      @disk_format, @container_format, @min_disk, @min_ram, @tags, @properties, @created_at, @updated_at, @status_changed)`)
      .run({ ...img, protected: img.protected ? 1 : 0, tags: JSON.stringify(img.tags), properties: JSON.stringify(img.properties) });
  }

  /** Writes the editable fields of `img` (not status or data fields). */
  update(img: ImageRow): void {
    this.db.prepare(`UPDATE images SET name = @name, visibility = @visibility, protected = @protected, disk_format = @disk_format,
      container_format = @container_format, min_disk = @min_disk, min_ram = @min_ram, tags = @tags, properties = @properties,
      updated_at = @updated_at WHERE id = @id`)
      .run({
        id: img.id, name: img.name, visibility: img.visibility, protected: img.protected ? 1 : 0, disk_format: img.disk_format,
        container_format: img.container_format, min_disk: img.min_disk, min_ram: img.min_ram, tags: JSON.stringify(img.tags),
        properties: JSON.stringify(img.properties), updated_at: isoNow(),
      });
  }

  /** Compare-and-set of the status; false when the image was not in one of `from`. */
  transition(id: string, from: ImageStatus[], to: ImageStatus, data: { checksum?: string; os_hash_algo?: string; os_hash_value?: string; size?: number } = {}): boolean {
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

/**
 * The SQL of account and container listings, shared by the metadata store and the listing threads
 * (listing-threads.ts), which run the same queries on read-only connections of their own.
 */
import type { Statement } from 'better-sqlite3';
import type { ContainerListEntry, ListOptions, Listed, ListedObject, Metadata } from '../contracts.js';
import { listEntries, undelimitedPage, type PageQuery } from '../listing.js';
import type { ListingRequest } from '../object-listings.js';
import { objectEntryJson, renderObjectListing, subdirJson, type RenderedListing } from '../../swift/listing-format.js';
import type { Db } from './database.js';

/**
 * The object columns a listing shows (its account and container are known), in ListedRow's order.
 * Only these: a page holds up to 10 000 rows, and every column read is one more string per row.
 */
const LISTED_OBJECT_COLUMNS = 'name, etag, size, content_type, timestamp, metadata';
type ListedRow = [name: string, etag: string, size: number, contentType: string, timestamp: number, metadata: string];

function listedObject(r: ListedRow): ListedObject {
  return {
    name: r[0], etag: r[1], size: r[2], contentType: r[3], timestamp: r[4],
    // Most objects have no metadata: a page of thousands of rows skips the parse for those.
    metadata: r[5] === '{}' ? {} : JSON.parse(r[5]) as Metadata,
  };
}

/** A row's name and its stored JSON entry (listing-entries.ts); null for a row not yet filled in. */
type StoredEntryRow = [name: string, listingJson: string | null];
/** A page without delimiter joined by SQLite: how many rows, how many had an entry, and the joined entries. */
type JoinedPageRow = [rows: number, stored: number, joined: Buffer | null];

const OPEN_BRACKET = Buffer.from('[');
const CLOSE_BRACKET = Buffer.from(']');

interface ListedContainerRow { name: string; object_count: number; bytes_used: number; put_timestamp: number }

/** Range conditions on `name` for a page query; names are compared bytewise (BINARY collation). */
function rangeSql(q: PageQuery, args: unknown[]): string {
  let sql = '';
  if (q.gt !== undefined) { sql += ' AND name > ?'; args.push(q.gt); }
  if (q.gte !== undefined) { sql += ' AND name >= ?'; args.push(q.gte); }
  if (q.lt !== undefined) { sql += ' AND name < ?'; args.push(q.lt); }
  sql += ` ORDER BY name ${q.reverse ? 'DESC' : 'ASC'} LIMIT ?`;
  args.push(q.limit);
  return sql;
}

export class ListingQueries {
  /** Statements prepared once per shape (a handful: which bounds are set, and the order). */
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {}

  private cached<Row>(sql: string): Statement<unknown[], Row> {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare<unknown[]>(sql);
      this.statements.set(sql, st);
    }
    return st as Statement<unknown[], Row>;
  }

  objects(account: string, container: string, options: ListOptions): Promise<Listed<ListedObject>[]> {
    return listEntries(options, async (q) => {
      const args: unknown[] = [account, container];
      // Account and container are the caller's: not read back as two more strings per row. Rows come
      // as arrays (raw): no object with named properties is built per row only to be copied.
      const rows = this.cached<ListedRow>(
        `SELECT ${LISTED_OBJECT_COLUMNS} FROM objects WHERE account = ? AND container = ?${rangeSql(q, args)}`).raw(true).all(...args) as unknown as ListedRow[];
      return rows.map(listedObject);
    });
  }

  /** A container listing's body in the format asked for; JSON is joined from the stored entries. */
  async renderObjects({ account, container, options, format }: ListingRequest): Promise<RenderedListing> {
    if (format !== 'json') return renderObjectListing(format, container, await this.objects(account, container, options));
    const single = undelimitedPage(options);
    if (single) {
      const joined = this.joinedPage(account, container, single);
      if (joined) return joined;
    }
    const entries = await listEntries(options, async (q) => this.storedEntries(account, container, q));
    let out = '[';
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Listed<{ name: string; json: string }>;
      if (i > 0) out += ', ';
      out += 'subdir' in e ? subdirJson(e.subdir) : e.json;
    }
    return { body: `${out}]`, empty: entries.length === 0 };
  }

  /**
   * A page without delimiter as one string joined by SQLite, with no string per row on this side;
   * undefined when a row of it has no stored entry. The rows reach group_concat in the subquery's
   * order: SQLite does not flatten a subquery with a LIMIT into an aggregate (asking group_concat to
   * sort again would cost a sort for nothing).
   */
  private joinedPage(account: string, container: string, q: PageQuery): RenderedListing | undefined {
    if (q.limit <= 0) return { body: '[]', empty: true };
    const args: unknown[] = [account, container];
    const [rows, stored, joined] = this.cached<JoinedPageRow>(
      `SELECT count(*), count(listing_json), CAST(group_concat(listing_json, ', ') AS BLOB) FROM
       (SELECT listing_json FROM objects WHERE account = ? AND container = ?${rangeSql(q, args)})`).raw(true).get(...args) as unknown as JoinedPageRow;
    if (stored !== rows) return undefined;
    if (rows === 0 || joined === null) return { body: '[]', empty: true };
    return { body: Buffer.concat([OPEN_BRACKET, joined, CLOSE_BRACKET]), empty: false };
  }

  /** A page of names with their stored JSON entries; an entry not stored yet is rendered from its row. */
  private storedEntries(account: string, container: string, q: PageQuery): { name: string; json: string }[] {
    const args: unknown[] = [account, container];
    const rows = this.cached<StoredEntryRow>(
      `SELECT name, listing_json FROM objects WHERE account = ? AND container = ?${rangeSql(q, args)}`).raw(true).all(...args) as unknown as StoredEntryRow[];
    const entries: { name: string; json: string }[] = [];
    for (const [name, stored] of rows) {
      const json = stored ?? this.renderedEntry(account, container, name);
      if (json !== undefined) entries.push({ name, json });
    }
    return entries;
  }

  /** Undefined if the row went in the meantime (another process, when no transaction holds a snapshot). */
  private renderedEntry(account: string, container: string, name: string): string | undefined {
    const row = this.cached<ListedRow>(
      `SELECT ${LISTED_OBJECT_COLUMNS} FROM objects WHERE account = ? AND container = ? AND name = ?`).raw(true).get(account, container, name) as unknown as ListedRow | undefined;
    return row && objectEntryJson(listedObject(row));
  }

  containers(account: string, options: ListOptions): Promise<Listed<ContainerListEntry>[]> {
    return listEntries(options, async (q) => {
      const args: unknown[] = [account];
      const rows = this.cached<ListedContainerRow>(
        `SELECT name, object_count, bytes_used, put_timestamp FROM containers WHERE account = ?${rangeSql(q, args)}`).all(...args);
      return rows.map((r) => ({
        name: r.name, objectCount: r.object_count, bytesUsed: r.bytes_used, lastModified: r.put_timestamp,
      }));
    });
  }
}

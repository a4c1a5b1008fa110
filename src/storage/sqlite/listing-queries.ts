/**
 * The SQL of account and container listings, shared by the metadata store and the listing threads
 * (listing-threads.ts), which run the same queries on read-only connections of their own.
 */
import type { Statement } from 'better-sqlite3';
import type { ContainerListEntry, ListOptions, Listed, ListedObject, Metadata } from '../contracts.js';
import { listEntries, type PageQuery } from '../listing.js';
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

/**
 * Account and container listings on PostgreSQL. listing.ts does Swift's walk (markers, prefix,
 * delimiter, path, reverse); each page it asks for is one range scan of a primary key, (account,
 * name) for containers and (account, container, name) for objects, so a page costs O(page) rows
 * however large the container.
 *
 * A delimiter listing of objects is the exception: listing.ts reads a page, skips the names inside
 * each pseudo-directory after its first, and seeks past a directory a page ends in. In-process that
 * is cheap; here each page is a round trip and every skipped row crosses the wire (1 000 entries of
 * ten-name directories: ~10 000 rows). So its pages come from swiftlet_list_delimited (schema.ts),
 * which returns exactly the rows the walk keeps, seeking past each directory in the index on the
 * server: the page listing.ts receives is the one it would have read, minus rows it would skip.
 */
import type { ContainerListEntry, ListOptions, Listed, ListedObject } from '../contracts.js';
import { listEntries, undelimitedPage, type PageQuery } from '../listing.js';
import type { ListingRequest } from '../object-listings.js';
import { renderObjectListing, type RenderedListing } from '../../swift/listing-format.js';
import { boundBytes, CONTAINER_STATS_JOIN, nameBytes, parseMetadata } from './rows.js';
import type { Shards } from './shards.js';

/** Range conditions on `column` for a page query, with placeholders numbered after `args`. */
function rangeSql(column: string, q: PageQuery, args: unknown[]): string {
  let sql = '';
  if (q.gt !== undefined) { args.push(boundBytes(q.gt)); sql += ` AND ${column} > $${args.length}`; }
  if (q.gte !== undefined) { args.push(boundBytes(q.gte)); sql += ` AND ${column} >= $${args.length}`; }
  if (q.lt !== undefined) { args.push(boundBytes(q.lt)); sql += ` AND ${column} < $${args.length}`; }
  args.push(q.limit);
  return `${sql} ORDER BY ${column} ${q.reverse ? 'DESC' : 'ASC'} LIMIT $${args.length}`;
}

const NO_BYTES = Buffer.alloc(0);
/** Above every stored name: no UTF-8 byte is 0xFF. */
const ABOVE_ALL = Buffer.from([0xff]);
const ZERO = Buffer.from([0]);

/** A page's bounds as swiftlet_list_delimited takes them: inclusive low, exclusive high. */
function delimitedBounds(q: PageQuery): [Buffer, Buffer] {
  // The least name above X is X followed by a zero byte.
  let lo = q.gte !== undefined ? boundBytes(q.gte) : NO_BYTES;
  if (q.gt !== undefined) {
    const above = Buffer.concat([boundBytes(q.gt), ZERO]);
    if (Buffer.compare(above, lo) > 0) lo = above;
  }
  return [lo, q.lt !== undefined ? boundBytes(q.lt) : ABOVE_ALL];
}

/** The fewest rows a page of a delimiter or path walk reads (see objects()). */
const WALK_PAGE = 256;

/**
 * A listed name, as text when it can be (the common case; decoding hex bytea into a Buffer and then
 * a string costs about as much again as the rest of the row), as bytes when it holds a NUL, which
 * text cannot (Swift's reserved names). Names are stored as valid UTF-8 (they come from JS strings).
 */
const NAME_AS_TEXT = `CASE WHEN position('\\x00'::bytea IN name) = 0 THEN convert_from(name, 'UTF8') END,
  CASE WHEN position('\\x00'::bytea IN name) > 0 THEN name END`;

type ListedRow = [nameText: string | null, nameBytes: Buffer | null, etag: string, size: number, contentType: string,
  timestamp: number, metadata: string];
type ListedContainerRow = [nameText: string | null, nameBytes: Buffer | null, objectCount: number, bytesUsed: number,
  putTimestamp: number];

export class PostgresListings {
  constructor(private readonly shards: Shards) {}

  objects(account: string, container: string, options: ListOptions): Promise<Listed<ListedObject>[]> {
    const shard = this.shards.shardOf(account);
    const accountKey = nameBytes(account);
    const containerKey = nameBytes(container);
    const walk = Boolean(options.delimiter) || options.path !== undefined;
    // A delimiter listing (not a path one: its quirk needs the rows inside directories) reads its
    // pages through swiftlet_list_delimited, which leaves out what the walk would skip.
    const delimiter = options.delimiter && options.path === undefined ? Buffer.from(options.delimiter, 'utf8') : undefined;
    const prefixBytes = Buffer.byteLength(options.prefix ?? '', 'utf8');
    return listEntries(options, async (q) => {
      const args: unknown[] = [accountKey, containerKey];
      // listing.ts walks a delimiter listing in small pages (32 rows, then doubling), seeking past
      // each pseudo-directory a page ends in: cheap in-process, but here each page is a round trip
      // (~0.3-1 ms, the cost of a few hundred rows). So a walk reads at least WALK_PAGE rows per
      // query; the walk uses what it needs of a longer page and stops at its own limit.
      if (walk && q.limit < WALK_PAGE) q = { ...q, limit: WALK_PAGE };
      let sql: string;
      if (delimiter !== undefined) {
        // Every row this returns becomes an entry (one more at most: a directory equal to the
        // marker), so one round trip can bring the whole listing.
        if (q.limit <= options.limit) q = { ...q, limit: options.limit + 1 };
        args.push(...delimitedBounds(q), q.reverse, q.limit, prefixBytes, delimiter);
        sql = `SELECT ${NAME_AS_TEXT.replaceAll('name', 'r_name')}, r_etag, r_size, r_content_type, r_timestamp, r_metadata
          FROM swiftlet_list_delimited($1, $2, $3, $4, $5, $6, $7, $8)`;
      } else {
        sql = `SELECT ${NAME_AS_TEXT}, etag, size, content_type, timestamp, metadata FROM objects
          WHERE account = $1 AND container = $2${rangeSql('name', q, args)}`;
      }
      const rows = await this.shards.queryArrays<ListedRow>(shard, sql, args);
      return rows.map((r) => ({
        name: r[0] ?? r[1]?.toString('utf8') ?? '', etag: r[2], size: r[3], contentType: r[4], timestamp: r[5], metadata: parseMetadata(r[6]),
      }));
    });
  }

  /**
   * A container listing's body. A JSON page without delimiter or path (what clients mostly ask for)
   * is the rows' stored entries joined by the server into one string: no row crosses the wire on
   * its own and none is parsed here. Anything else, or a page with a row written without an entry,
   * is rendered from the listed rows.
   */
  async renderObjects({ account, container, options, format }: ListingRequest): Promise<RenderedListing> {
    const single = format === 'json' ? undelimitedPage(options) : undefined;
    if (single) {
      if (single.limit <= 0) return { body: '[]', empty: true };
      const args: unknown[] = [nameBytes(account), nameBytes(container)];
      const range = rangeSql('name', single, args);
      const [row] = await this.shards.queryArrays<[rows: number, stored: number, joined: string | null]>(this.shards.shardOf(account),
        `SELECT count(*)::integer, count(listing_json)::integer, string_agg(listing_json, ', ' ORDER BY name ${single.reverse ? 'DESC' : 'ASC'})
         FROM (SELECT name, listing_json FROM objects WHERE account = $1 AND container = $2${range}) page`, args);
      if (row && row[0] === row[1]) return row[0] === 0 ? { body: '[]', empty: true } : { body: `[${row[2] ?? ''}]`, empty: false };
    }
    return renderObjectListing(format, container, await this.objects(account, container, options));
  }

  containers(account: string, options: ListOptions): Promise<Listed<ContainerListEntry>[]> {
    const shard = this.shards.shardOf(account);
    const accountKey = nameBytes(account);
    return listEntries(options, async (q) => {
      const args: unknown[] = [accountKey];
      const sql = `SELECT ${NAME_AS_TEXT.replaceAll('name', 'c.name')}, COALESCE(sc.object_count, 0)::bigint, COALESCE(sc.bytes_used, 0)::bigint, c.put_timestamp
        FROM containers c ${CONTAINER_STATS_JOIN} WHERE c.account = $1${rangeSql('c.name', q, args)}`;
      const rows = await this.shards.queryArrays<ListedContainerRow>(shard, sql, args);
      return rows.map((r) => ({
        name: r[0] ?? r[1]?.toString('utf8') ?? '', objectCount: r[2], bytesUsed: r[3], lastModified: r[4],
      }));
    });
  }
}

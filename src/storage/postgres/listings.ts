/**
 * Account and container listings on PostgreSQL. listing.ts does Swift's walk (markers, prefix,
 * delimiter, path, reverse); each page it asks for is one range scan of a primary key, (account,
 * name) for containers and (account, container, name) for objects, so a page costs O(page) rows
 * however large the container.
 */
import type { ContainerListEntry, ListOptions, Listed, ListedObject } from '../contracts.js';
import { listEntries, type PageQuery } from '../listing.js';
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

type ListedRow = [name: Buffer, etag: string, size: number, contentType: string, timestamp: number, metadata: string];
type ListedContainerRow = [name: Buffer, objectCount: number, bytesUsed: number, putTimestamp: number];

export class PostgresListings {
  constructor(private readonly shards: Shards) {}

  objects(account: string, container: string, options: ListOptions): Promise<Listed<ListedObject>[]> {
    const shard = this.shards.shardOf(account);
    const accountKey = nameBytes(account);
    const containerKey = nameBytes(container);
    return listEntries(options, async (q) => {
      const args: unknown[] = [accountKey, containerKey];
      const sql = `SELECT name, etag, size, content_type, timestamp, metadata FROM objects
        WHERE account = $1 AND container = $2${rangeSql('name', q, args)}`;
      const rows = await this.shards.queryArrays<ListedRow>(shard, sql, args);
      return rows.map((r) => ({
        name: r[0].toString('utf8'), etag: r[1], size: r[2], contentType: r[3], timestamp: r[4], metadata: parseMetadata(r[5]),
      }));
    });
  }

  containers(account: string, options: ListOptions): Promise<Listed<ContainerListEntry>[]> {
    const shard = this.shards.shardOf(account);
    const accountKey = nameBytes(account);
    return listEntries(options, async (q) => {
      const args: unknown[] = [accountKey];
      const sql = `SELECT c.name, COALESCE(sc.object_count, 0)::bigint, COALESCE(sc.bytes_used, 0)::bigint, c.put_timestamp
        FROM containers c ${CONTAINER_STATS_JOIN} WHERE c.account = $1${rangeSql('c.name', q, args)}`;
      const rows = await this.shards.queryArrays<ListedContainerRow>(shard, sql, args);
      return rows.map((r) => ({ name: r[0].toString('utf8'), objectCount: r[1], bytesUsed: r[2], lastModified: r[3] }));
    });
  }
}

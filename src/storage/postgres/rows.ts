/**
 * How names and rows cross between the contracts' types and the PostgreSQL schema (schema.ts):
 * names as their UTF-8 bytes, metadata as JSON text, counts summed over their stats slots.
 */
import type { AccountInfo, ContainerInfo, Metadata, ObjectRecord } from '../contracts.js';

/** A stored name's bytes. */
export function nameBytes(name: string): Buffer {
  return Buffer.from(name, 'utf8');
}

/**
 * A listing bound's bytes. Bounds are computed (listing.ts moves a prefix's last code point up by
 * one), and the one after U+D7FF is a lone surrogate, which Buffer.from would turn into U+FFFD's
 * bytes, far above the names it must bound. Encoded as its 3-byte form (ED A0 80) instead, it sorts
 * right after every name starting with U+D7FF (ED 9F BF) and before U+E000 (EE 80 80).
 */
/** With the u flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function boundBytes(bound: string): Buffer {
  if (!LONE_SURROGATE.test(bound)) return Buffer.from(bound, 'utf8');
  const parts: Buffer[] = [];
  for (const ch of bound) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) parts.push(Buffer.from([0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]));
    else parts.push(Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}

export function parseMetadata(json: string): Metadata {
  return json === '{}' ? {} : JSON.parse(json) as Metadata;
}

/** Applies header changes: a value of '' removes the key. */
export function applyChanges(current: Metadata, changes: Metadata): Metadata {
  const next = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === '') delete next[k];
    else next[k] = v;
  }
  return next;
}

/** The account columns with their summed stats, for `FROM accounts a` (see ACCOUNT_STATS_JOIN). */
export const ACCOUNT_COLUMNS = `a.created_at, a.put_timestamp, COALESCE(sa.container_count, 0)::bigint,
  COALESCE(sa.object_count, 0)::bigint, COALESCE(sa.bytes_used, 0)::bigint, a.metadata`;
export const ACCOUNT_STATS_JOIN = `LEFT JOIN LATERAL (SELECT sum(container_count) AS container_count,
  sum(object_count) AS object_count, sum(bytes_used) AS bytes_used FROM account_stats WHERE account = a.name) sa ON true`;
export type AccountRow = [createdAt: number, putTimestamp: number, containerCount: number, objectCount: number, bytesUsed: number, metadata: string];

export function toAccount(name: string, r: AccountRow): AccountInfo {
  return {
    name, createdAt: r[0], putTimestamp: r[1], containerCount: r[2], objectCount: r[3], bytesUsed: r[4],
    metadata: parseMetadata(r[5]),
  };
}

/** The container columns with their summed stats, for `FROM containers c` (see CONTAINER_STATS_JOIN). */
export const CONTAINER_COLUMNS = `c.created_at, c.put_timestamp, COALESCE(sc.object_count, 0)::bigint,
  COALESCE(sc.bytes_used, 0)::bigint, c.metadata, c.policy_index`;
export const CONTAINER_STATS_JOIN = `LEFT JOIN LATERAL (SELECT sum(object_count) AS object_count,
  sum(bytes_used) AS bytes_used FROM container_stats WHERE account = c.account AND container = c.name) sc ON true`;
export type ContainerRow = [createdAt: number, putTimestamp: number, objectCount: number, bytesUsed: number, metadata: string,
  policyIndex: number];

export function toContainer(account: string, name: string, r: ContainerRow): ContainerInfo {
  return {
    account, name, createdAt: r[0], putTimestamp: r[1], objectCount: r[2], bytesUsed: r[3],
    metadata: parseMetadata(r[4]), policyIndex: r[5],
  };
}

/** An object's columns but its name and place, in ObjectRow's order; `o.` qualified. */
export const OBJECT_COLUMNS = 'o.blob_id, o.etag, o.size, o.content_type, o.timestamp, o.delete_at, o.metadata';
export type ObjectRow = [blobId: string, etag: string, size: number, contentType: string, timestamp: number,
  deleteAt: number | null, metadata: string];

export function toObject(account: string, container: string, name: string, r: ObjectRow, inline?: Buffer | null): ObjectRecord {
  const rec: ObjectRecord = {
    account, container, name, blobId: r[0], etag: r[1], size: r[2], contentType: r[3], timestamp: r[4],
    metadata: parseMetadata(r[6]),
  };
  if (r[5] !== null) rec.deleteAt = r[5];
  if (inline !== undefined && inline !== null) rec.inline = inline;
  return rec;
}

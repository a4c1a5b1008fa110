/**
 * ListObjects (v1: marker) and ListObjectsV2 (continuation token, start-after, fetch-owner) from
 * the container's JSON listing, asked for one entry more than max-keys to know whether it is
 * truncated, as s3api does. `encoding-type=url` quotes keys and prefixes.
 */
import type { SwiftResponse } from '../http/response.js';
import { pyQuote } from '../swift/quote.js';
import { ownerXml } from './bucket.js';
import { S3Error } from './errors.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { bodyBytes } from './swift-call.js';
import { DELETE_MARKER_CONTENT_TYPE } from './versioning.js';
import { isoTime, xmlElement, xmlRoot } from './xml-write.js';

const MAX_KEYS = 1000;

interface Entry { name?: string; subdir?: string; hash?: string; bytes?: number; last_modified?: string }

/** Swift's listing time `2026-12-07T19:32:48.123456` → S3's `2026-12-07T19:32:49.000Z` (isoTime's rounding). */
export function s3Time(swift: string | undefined): string {
  if (!swift) return '';
  const whole = Date.parse(`${swift.slice(0, 19)}Z`) / 1000;
  if (Number.isNaN(whole)) return '';
  const fraction = /\.(\d+)/.exec(swift)?.[1] ?? '';
  return isoTime(/[1-9]/.test(fraction) ? whole + 1 : whole);
}

/** The S3 ETag of a listed object: a multipart upload's `<md5>-<parts>` when recorded, else the MD5. */
export function listedEtag(hash: string | undefined): string {
  const h = hash ?? '';
  const s3 = /;\s*s3_etag=([^;]+)/.exec(h);
  return `"${s3 ? s3[1] : h.split(';')[0]}"`;
}

function maxKeys(op: S3Operation): number {
  const raw = op.ctx.query.get('max-keys');
  if (raw === null) return MAX_KEYS;
  if (!/^\d+$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: raw });
  return Math.min(Number(raw), MAX_KEYS);
}

/** `encoding-type` (only `url`: keys and prefixes quoted as s3api quotes them) and the quoting it asks for. */
function keyEncoding(op: S3Operation): { encoding: string | null; enc: (s: string) => string } {
  const encoding = op.ctx.query.get('encoding-type');
  if (encoding !== null && encoding !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encoding });
  return { encoding, enc: (s) => (encoding === 'url' ? pyQuote(s) : s) };
}

/**
 * One page of the bucket's container listing: `limit` + 1 entries asked for, to know whether it
 * is truncated, as s3api does; with max-keys 0 only a HEAD, so a missing bucket is still NoSuchBucket.
 */
async function listingPage<T extends Entry>(op: S3Operation, query: Record<string, string>, limit: number): Promise<{ page: T[]; truncated: boolean }> {
  if (limit === 0) {
    const head = await op.swift.call('HEAD', op.bucket, undefined);
    if (!ok(head)) throw swiftFailure(head, 'HEAD', op.bucket, undefined);
    return { page: [], truncated: false };
  }
  const res = await op.swift.call('GET', op.bucket, undefined, { query });
  if (!ok(res)) throw swiftFailure(res, 'GET', op.bucket, undefined);
  const text = (await bodyBytes(res)).toString('utf8');
  const entries = (res.status === 204 || text === '' ? [] : JSON.parse(text)) as T[];
  return { page: entries.slice(0, limit), truncated: entries.length > limit };
}

export async function listObjects(op: S3Operation): Promise<SwiftResponse> {
  const q = op.ctx.query;
  const v2 = q.get('list-type') === '2';
  if (q.has('list-type') && !v2) throw new S3Error('InvalidArgument', 'Invalid List Type specified', { ArgumentName: 'list-type', ArgumentValue: q.get('list-type') ?? '' });
  const { encoding, enc } = keyEncoding(op);
  const limit = maxKeys(op);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  let marker = '';
  const token = q.get('continuation-token');
  if (v2) {
    if (token !== null) {
      // An empty token (a first page asked for with one) starts at the beginning, as s3api decodes it.
      marker = Buffer.from(token, 'base64').toString('utf8');
      if (Buffer.from(marker, 'utf8').toString('base64') !== token) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
    } else marker = q.get('start-after') ?? '';
  } else marker = q.get('marker') ?? '';

  const query: Record<string, string> = { format: 'json', limit: String(limit + 1) };
  if (prefix) query['prefix'] = prefix;
  if (delimiter) query['delimiter'] = delimiter;
  if (marker) query['marker'] = marker;
  const { page, truncated } = await listingPage<Entry>(op, query, limit);
  const last = page[page.length - 1];
  const lastName = last ? (last.name ?? last.subdir ?? '') : '';

  const out: string[] = [xmlElement('Name', op.bucket), xmlElement('Prefix', enc(prefix))];
  if (v2) {
    if (token !== null) out.push(xmlElement('ContinuationToken', token));
    if (q.has('start-after')) out.push(xmlElement('StartAfter', enc(q.get('start-after') ?? '')));
    if (truncated) out.push(xmlElement('NextContinuationToken', Buffer.from(lastName, 'utf8').toString('base64')));
    out.push(xmlElement('KeyCount', String(page.length)));
  } else {
    out.push(xmlElement('Marker', enc(marker)));
    if (truncated && delimiter) out.push(xmlElement('NextMarker', enc(lastName)));
  }
  out.push(xmlElement('MaxKeys', String(limit)));
  if (delimiter) out.push(xmlElement('Delimiter', enc(delimiter)));
  if (encoding === 'url') out.push(xmlElement('EncodingType', 'url'));
  out.push(xmlElement('IsTruncated', truncated ? 'true' : 'false'));
  const withOwner = !v2 || q.get('fetch-owner') === 'true';
  for (const e of page) {
    if (e.subdir !== undefined) continue;
    out.push(xmlElement('Contents', [
      xmlElement('Key', enc(e.name ?? '')), xmlElement('LastModified', s3Time(e.last_modified)), xmlElement('ETag', listedEtag(e.hash)),
      xmlElement('Size', String(e.bytes ?? 0)), ...(withOwner ? [ownerXml(op)] : []), xmlElement('StorageClass', 'STANDARD'),
    ]));
  }
  for (const e of page) {
    if (e.subdir !== undefined) out.push(xmlElement('CommonPrefixes', [xmlElement('Prefix', enc(e.subdir))]));
  }
  return xmlResponse(200, xmlRoot('ListBucketResult', out));
}


interface VersionEntry extends Entry { version_id?: string; is_latest?: boolean; content_type?: string }

/**
 * ListObjectVersions (`GET /<bucket>?versions`) from the container's `?versions` listing, as s3api
 * builds it: every version with its id (`null` for an object written while versioning was off),
 * whether it is the latest, and delete markers; `key-marker` and `version-id-marker` page it.
 */
export async function listObjectVersions(op: S3Operation): Promise<SwiftResponse> {
  const q = op.ctx.query;
  const { encoding, enc } = keyEncoding(op);
  const limit = maxKeys(op);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker');
  const versionMarker = q.get('version-id-marker');
  const query: Record<string, string> = { format: 'json', limit: String(limit + 1), versions: '' };
  if (prefix) query['prefix'] = prefix;
  if (delimiter) query['delimiter'] = delimiter;
  if (keyMarker !== null) {
    query['marker'] = keyMarker;
    if (versionMarker !== null) {
      if (versionMarker !== 'null' && !/^\d+(\.\d+)?$/.test(versionMarker)) {
        throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'version-id-marker', ArgumentValue: versionMarker });
      }
      query['version_marker'] = versionMarker;
    }
  } else if (versionMarker !== null) {
    throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', { ArgumentName: 'version-id-marker', ArgumentValue: versionMarker });
  }
  const { page, truncated } = await listingPage<VersionEntry>(op, query, limit);
  const last = page[page.length - 1];
  const out: string[] = [
    xmlElement('Name', op.bucket), xmlElement('Prefix', enc(prefix)), xmlElement('KeyMarker', enc(keyMarker ?? '')),
    xmlElement('VersionIdMarker', versionMarker ?? ''),
  ];
  if (truncated && last) {
    out.push(xmlElement('NextKeyMarker', last.subdir ?? last.name ?? ''));
    out.push(xmlElement('NextVersionIdMarker', last.subdir !== undefined ? 'null' : last.version_id ?? 'null'));
  }
  out.push(xmlElement('MaxKeys', String(limit)));
  // Present whenever asked for, even empty (s3api's versions listing; the object listings omit an empty one).
  if (q.has('delimiter')) out.push(xmlElement('Delimiter', enc(delimiter)));
  if (encoding === 'url') out.push(xmlElement('EncodingType', 'url'));
  out.push(xmlElement('IsTruncated', truncated ? 'true' : 'false'));
  for (const e of page) {
    if (e.subdir !== undefined) {
      out.push(xmlElement('CommonPrefixes', [xmlElement('Prefix', enc(e.subdir))]));
      continue;
    }
    const marker = e.content_type === DELETE_MARKER_CONTENT_TYPE;
    out.push(xmlElement(marker ? 'DeleteMarker' : 'Version', [
      xmlElement('Key', enc(e.name ?? '')), xmlElement('VersionId', e.version_id ?? 'null'),
      xmlElement('IsLatest', e.is_latest === false ? 'false' : 'true'), xmlElement('LastModified', s3Time(e.last_modified)),
      ...(marker ? [] : [xmlElement('ETag', listedEtag(e.hash)), xmlElement('Size', String(e.bytes ?? 0))]),
      ownerXml(op),
      ...(marker ? [] : [xmlElement('StorageClass', 'STANDARD')]),
    ]));
  }
  return xmlResponse(200, xmlRoot('ListVersionsResult', out));
}

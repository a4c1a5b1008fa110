/**
 * AWS Signature Version 2 for S3: `Authorization: AWS <key>:<signature>` and presigned URLs
 * (`AWSAccessKeyId`, `Signature`, `Expires`). The string to sign is the method, Content-MD5,
 * Content-Type, the date (or the expiry), the `x-amz-*` headers and the resource with its
 * sub-resources, signed with HMAC-SHA1.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestContext } from '../http/context.js';
import { S3Error } from './errors.js';
import { headerValues } from './raw-headers.js';
import { rawQueryPairs } from './uri-encode.js';

export interface V2Auth {
  version: 2;
  presigned: boolean;
  accessKey: string;
  signature: string;
  /** Header auth: the request time (seconds). */
  time?: number;
  /** Presigned: the expiry (seconds since the epoch), and as sent. */
  expires?: number;
  expiresRaw?: string;
}

/** The query parameters that are part of the signed resource. */
const SUB_RESOURCES = new Set([
  'acl', 'cors', 'delete', 'lifecycle', 'location', 'logging', 'notification', 'partNumber', 'policy', 'requestPayment',
  'restore', 'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'response-content-language',
  'response-content-type', 'response-expires',
]);

export function parseV2Header(ctx: RequestContext, header: string): V2Auth {
  const cred = header.slice(4).trim();
  const colon = cred.lastIndexOf(':');
  if (colon <= 0) throw new S3Error('AccessDenied', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature');
  const dateValue = ctx.headers['x-amz-date'] ?? ctx.headers['date'];
  const t = dateValue === undefined ? NaN : Date.parse(dateValue);
  if (Number.isNaN(t)) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  return { version: 2, presigned: false, accessKey: cred.slice(0, colon), signature: cred.slice(colon + 1), time: t / 1000 };
}

export function parseV2Query(ctx: RequestContext): V2Auth {
  const key = ctx.query.get('AWSAccessKeyId') ?? '';
  const signature = ctx.query.get('Signature') ?? '';
  const expiresRaw = ctx.query.get('Expires');
  // A float, as s3api reads it; anything else is refused.
  if (expiresRaw === null || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(expiresRaw)) throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  return { version: 2, presigned: true, accessKey: key, signature, expires: Number(expiresRaw), expiresRaw };
}

/**
 * The signed resource: `/<bucket>` for a virtual-host request, then the path as sent, then the
 * sub-resources present, sorted, with their (decoded) values.
 */
function canonicalResource(ctx: RequestContext, hostBucket: string | undefined, path = (hostBucket !== undefined ? `/${hostBucket}` : '') + ctx.rawPath): string {
  const subs = rawQueryPairs(ctx.rawQuery ?? ctx.query.toString()).filter(([k]) => SUB_RESOURCES.has(k));
  subs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const query = subs.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  return query === '' ? path : `${path}?${query}`;
}

/**
 * The resources a client may have signed: the one above, and for a path-style request naming a
 * bucket alone (`/<bucket>`), the same bucket's resource as a virtual-host request signs it
 * (`/<bucket>/`), which is what botocore signs for presigned bucket URLs. Both name the same bucket.
 */
function canonicalResources(ctx: RequestContext, hostBucket: string | undefined): string[] {
  const resources = [canonicalResource(ctx, hostBucket)];
  if (hostBucket === undefined && /^\/[^/]+$/.test(ctx.rawPath)) resources.push(canonicalResource(ctx, undefined, `${ctx.rawPath}/`));
  return resources;
}

export function v2StringToSign(ctx: RequestContext, auth: V2Auth, hostBucket: string | undefined, resource = canonicalResource(ctx, hostBucket)): string {
  const h = ctx.headers;
  const sent = headerValues(ctx);
  const amz = [...sent.keys()].filter((k) => k.startsWith('x-amz-')).sort()
    .map((k) => `${k}:${(sent.get(k) ?? []).map((v) => v.trim()).join(',')}\n`).join('');
  // With an x-amz-date header the Date line is empty (the x-amz-date line carries the time).
  const date = auth.presigned ? (auth.expiresRaw ?? String(auth.expires)) : h['x-amz-date'] !== undefined ? '' : (h['date'] ?? '');
  return `${ctx.method}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${date}\n${amz}${resource}`;
}

/** Every string the client may have signed (one per resource form of canonicalResources). */
export function v2StringsToSign(ctx: RequestContext, auth: V2Auth, hostBucket: string | undefined): string[] {
  return canonicalResources(ctx, hostBucket).map((resource) => v2StringToSign(ctx, auth, hostBucket, resource));
}

/** Whether `signature` (base64) is the secret's HMAC-SHA1 over `toSign`. */
export function v2SignatureMatches(secret: string, toSign: string, signature: string): boolean {
  const expected = createHmac('sha1', secret).update(toSign, 'utf8').digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

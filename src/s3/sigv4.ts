/**
 * AWS Signature Version 4 for S3: the `Authorization: AWS4-HMAC-SHA256 …` header and the presigned
 * query (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…`). Parsing finds the access key and
 * the request time; `verify` recomputes the signature with the secret. What the payload must hash
 * to (`x-amz-content-sha256`) is reported to the caller, which checks it while the body streams.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestContext } from '../http/context.js';
import { S3Error } from './errors.js';
import { headerValues } from './raw-headers.js';
import { awsUriEncode, rawQueryPairs } from './uri-encode.js';

export const V4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const EMPTY_SHA256 = createHash('sha256').digest('hex');
/** Presigned URLs live at most a week, as S3's. */
const MAX_PRESIGNED_EXPIRES = 604800;

export interface V4Scope {
  date: string;
  region: string;
  service: string;
}

export interface V4Auth {
  version: 4;
  presigned: boolean;
  accessKey: string;
  scope: V4Scope;
  /** `YYYYMMDDTHHMMSSZ` as signed. */
  amzDate: string;
  /** The request time, seconds since the epoch. */
  time: number;
  /** Presigned: seconds the URL stays valid after `time`. */
  expires?: number;
  signedHeaders: string[];
  signature: string;
  /** What the string to sign commits the payload to: a SHA-256 hex, UNSIGNED-PAYLOAD or the streaming marker. */
  payloadHash: string;
}

export function scopeString(s: V4Scope): string {
  return `${s.date}/${s.region}/${s.service}/aws4_request`;
}

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function signingKey(secret: string, scope: V4Scope): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, scope.date), scope.region), scope.service), 'aws4_request');
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `20261207T193248Z` → seconds; undefined when not in that form. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(t) ? undefined : t / 1000;
}

function parseCredential(value: string, malformed: (msg: string) => S3Error): { accessKey: string; scope: V4Scope } {
  // The access key may itself hold `/`? Not S3's; tempauth-style keys hold `:` only.
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') throw malformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  const [accessKey = '', date = '', region = '', service = ''] = parts;
  if (!/^\d{8}$/.test(date)) throw malformed(`Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${date}".`);
  if (service !== 's3') throw malformed(`The authorization header is malformed; incorrect service "${service}". This endpoint belongs to "s3".`);
  return { accessKey, scope: { date, region, service } };
}

/** Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export function parseV4Header(ctx: RequestContext, header: string): V4Auth {
  const malformed = (msg: string) => new S3Error('AuthorizationHeaderMalformed', msg);
  const fields = new Map<string, string>();
  for (const part of header.slice(V4_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signed === undefined || signature === undefined) {
    throw malformed('The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  const { accessKey, scope } = parseCredential(credential, malformed);
  const amzDate = ctx.headers['x-amz-date'];
  const time = amzDate !== undefined ? parseAmzDate(amzDate) : dateHeaderTime(ctx.headers['date']);
  if (time === undefined) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const dateStamp = amzDate ?? new Date(time * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '');
  if (!dateStamp.startsWith(scope.date)) {
    throw malformed(`Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${dateStamp.slice(0, 8)}".`);
  }
  const payloadHash = ctx.headers['x-amz-content-sha256'];
  if (payloadHash === undefined) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (payloadHash !== UNSIGNED_PAYLOAD && payloadHash !== STREAMING_PAYLOAD && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw new S3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash });
  }
  const signedHeaders = signed.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  return { version: 4, presigned: false, accessKey, scope, amzDate: dateStamp, time, signedHeaders, signature, payloadHash };
}

/** Parses a presigned URL's `X-Amz-*` query parameters. */
export function parseV4Query(ctx: RequestContext): V4Auth {
  const q = ctx.query;
  const bad = (msg: string) => new S3Error('AuthorizationQueryParametersError', msg);
  if (q.get('X-Amz-Algorithm') !== V4_ALGORITHM) throw bad('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const credential = q.get('X-Amz-Credential');
  const amzDate = q.get('X-Amz-Date');
  const expiresRaw = q.get('X-Amz-Expires');
  const signed = q.get('X-Amz-SignedHeaders');
  const signature = q.get('X-Amz-Signature');
  if (credential === null || amzDate === null || expiresRaw === null || signed === null || signature === null) {
    throw bad('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  const { accessKey, scope } = parseCredential(credential, bad);
  const time = parseAmzDate(amzDate);
  if (time === undefined) throw bad('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  if (!amzDate.startsWith(scope.date)) throw bad(`Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  // As s3api reads it (Python's int()): signed, and anything from 2^63 on is not a number either.
  const expiresText = expiresRaw.trim();
  if (!/^[-+]?\d+$/.test(expiresText)) throw bad('X-Amz-Expires should be a number');
  const expires = Number(expiresText);
  if (expires < 0) throw bad('X-Amz-Expires must be non-negative');
  if (BigInt(expiresText) >= 2n ** 63n) throw bad('X-Amz-Expires should be a number');
  if (expires > MAX_PRESIGNED_EXPIRES) {
    throw bad(`X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${MAX_PRESIGNED_EXPIRES} seconds`);
  }
  const signedHeaders = signed.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const payloadHash = ctx.headers['x-amz-content-sha256'] ?? UNSIGNED_PAYLOAD;
  return { version: 4, presigned: true, accessKey, scope, amzDate, time, expires, signedHeaders, signature, payloadHash };
}

function dateHeaderTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t / 1000;
}

function canonicalQuery(ctx: RequestContext, presigned: boolean): string {
  const pairs = rawQueryPairs(ctx.rawQuery ?? ctx.query.toString())
    .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [awsUriEncode(k), awsUriEncode(v)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Each signed header as sent: values with their whitespace runs folded, repeats joined by commas. */
function canonicalHeaders(ctx: RequestContext, names: readonly string[]): string {
  const sent = headerValues(ctx);
  return names.map((n) => `${n}:${(sent.get(n) ?? ['']).map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`).join('');
}

/**
 * The path forms a client may have signed: the path as S3 encodes it (each byte but unreserved ones
 * and `/`), and the path exactly as sent. Both name the same decoded path.
 */
function canonicalUris(ctx: RequestContext): string[] {
  const encoded = awsUriEncode(ctx.path, true);
  return encoded === ctx.rawPath ? [encoded] : [encoded, ctx.rawPath];
}

export function stringToSign(auth: V4Auth, canonicalRequest: string): string {
  return `${V4_ALGORITHM}\n${auth.amzDate}\n${scopeString(auth.scope)}\n${sha256Hex(canonicalRequest)}`;
}

/**
 * The strings to sign this request may have been signed over: one per canonical URI form (see
 * canonicalUris). None when `host` is not among the signed headers (S3 requires it signed).
 */
export function v4StringsToSign(ctx: RequestContext, auth: V4Auth): string[] {
  if (!auth.signedHeaders.includes('host')) return [];
  const query = canonicalQuery(ctx, auth.presigned);
  const headers = canonicalHeaders(ctx, auth.signedHeaders);
  const payload = auth.presigned && ctx.headers['x-amz-content-sha256'] === undefined ? UNSIGNED_PAYLOAD : auth.payloadHash;
  return canonicalUris(ctx).map((uri) => stringToSign(auth, [ctx.method, uri, query, headers, auth.signedHeaders.join(';'), payload].join('\n')));
}

/** Whether `signature` is the secret's over `toSign`. */
export function v4SignatureMatches(secret: string, scope: V4Scope, toSign: string, signature: string): boolean {
  const expected = createHmac('sha256', signingKey(secret, scope)).update(toSign).digest('hex');
  return safeEqualHex(expected, signature.toLowerCase());
}

/** Whether the signature is the secret's over this request. */
export function verifyV4(ctx: RequestContext, auth: V4Auth, secret: string): boolean {
  return v4StringsToSign(ctx, auth).some((toSign) => v4SignatureMatches(secret, auth.scope, toSign, auth.signature));
}

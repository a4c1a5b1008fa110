/**
 * Object operations: PutObject, GetObject, HeadObject and DeleteObject (CopyObject is copy.ts), as
 * Swift requests on the caller's own account. `x-amz-meta-*` are stored as `X-Object-Meta-*`;
 * ranges and date conditionals are Swift's own (the same controller code), ETag conditionals are
 * held against the S3 ETag (conditions.ts); `versionId` names one version (object versioning's
 * `version-id`, as s3api maps it).
 */
import type { Readable } from 'node:stream';
import type { RequestContext } from '../http/context.js';
import type { SwiftResponse } from '../http/response.js';
import { applyEtagConditions, splitConditions } from './conditions.js';
import { S3Error } from './errors.js';
import { headerValues } from './raw-headers.js';
import { ok, swiftFailure, type S3Operation } from './operation.js';
import { PayloadError } from './payload.js';
import { bodyBytes, dropBody, header } from './swift-call.js';
import { bucketVersioning, DELETE_MARKER_CONTENT_TYPE, noSuchVersion } from './versioning.js';

/** Headers an object keeps as they are, in both directions. */
const PASSED = ['content-type', 'content-disposition', 'content-encoding', 'cache-control', 'expires', 'content-language', 'x-robots-tag'];
const MAX_KEY_BYTES = 1024;

export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error('KeyTooLongError', 'Your key is too long.');
}

/** What S3 (and s3api) ignores in a user metadata name. */
const IGNORED_META_NAME = /[ "),/;<=>?@[\\\]{}]/;

/**
 * User metadata as s3api stores it: `x-amz-meta-<name>` → `x-object-meta-<name>`, names as the
 * client sent them, `_` kept apart from `-` as `=5f` (Swift's header names cannot tell them apart;
 * s3ObjectHeaders turns it back), repeated headers joined; names S3 ignores are dropped.
 */
function userMetadata(ctx: RequestContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of headerValues(ctx)) {
    if (!name.startsWith('x-amz-meta-') || IGNORED_META_NAME.test(name)) continue;
    const swiftName = `x-object-meta-${name.slice('x-amz-meta-'.length).replaceAll('_', '=5f')}`;
    out[swiftName] = out[swiftName] === undefined ? values.join(',') : `${out[swiftName]},${values.join(',')}`;
  }
  return out;
}

/** The Swift headers of an object write: passed headers and user metadata (`x-amz-meta-*` → `x-object-meta-*`). */
export function objectWriteHeaders(ctx: RequestContext): Record<string, string> {
  const h = ctx.headers;
  const out: Record<string, string> = {};
  for (const name of PASSED) {
    const v = h[name];
    if (v !== undefined) out[name] = v;
  }
  // aws-chunked is the transfer's framing, not the object's encoding.
  const encoding = out['content-encoding']?.split(',').map((e) => e.trim()).filter((e) => e !== '' && e !== 'aws-chunked').join(',');
  if (encoding) out['content-encoding'] = encoding;
  else delete out['content-encoding'];
  Object.assign(out, userMetadata(ctx));
  const storageClass = h['x-amz-storage-class'];
  if (storageClass !== undefined && storageClass !== 'STANDARD') throw new S3Error('InvalidStorageClass', 'The storage class you specified is not valid');
  return out;
}

/** Content-MD5 (base64) → the ETag Swift checks the body against. */
function md5Etag(h: Record<string, string>): string | undefined {
  const v = h['content-md5'];
  if (v === undefined) return undefined;
  const raw = Buffer.from(v, 'base64');
  if (raw.length !== 16 || raw.toString('base64') !== v.trim()) throw new S3Error('InvalidDigest');
  return raw.toString('hex');
}

/** The S3 view of a Swift object answer's headers. */
export function s3ObjectHeaders(res: SwiftResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    const v = Array.isArray(value) ? value.join(',') : value;
    if (name.startsWith('x-object-meta-')) out[`x-amz-meta-${name.slice('x-object-meta-'.length).replaceAll('=5f', '_')}`] = v;
    else if (PASSED.includes(name) || ['content-length', 'content-range', 'last-modified', 'accept-ranges'].includes(name)) out[name] = v;
  }
  // Which version was read or written (object versioning), and a copy's source version.
  const version = header(res, 'x-object-version-id');
  if (version !== undefined) out['x-amz-version-id'] = version;
  const copiedFrom = header(res, 'x-copied-from-version-id');
  if (copiedFrom !== undefined) out['x-amz-copy-source-version-id'] = copiedFrom;
  const s3Etag = header(res, 'x-object-sysmeta-s3api-etag');
  const etag = s3Etag ?? header(res, 'etag');
  if (etag !== undefined) out['etag'] = etag.startsWith('"') ? etag : `"${etag}"`;
  return out;
}

/** Sends the body to Swift; a failed payload check is the client's S3 error, whatever Swift made of it. */
async function putWithBody(op: S3Operation, headers: Record<string, string>, body: Readable, container = op.bucket, object = op.key): Promise<SwiftResponse> {
  let payloadError: PayloadError | undefined;
  body.on('error', (err) => { if (err instanceof PayloadError) payloadError = err; });
  const res = await op.swift.call('PUT', container, object, { headers, body });
  if (payloadError) {
    dropBody(res);
    throw payloadError.s3;
  }
  return res;
}

export async function putObject(op: S3Operation): Promise<SwiftResponse> {
  checkKey(op.key);
  const headers = objectWriteHeaders(op.ctx);
  const etag = md5Etag(op.ctx.headers);
  if (etag !== undefined) headers['etag'] = etag;
  if (op.session.contentLength !== undefined) headers['content-length'] = op.session.contentLength;
  else if (op.ctx.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
  else throw new S3Error('MissingContentLength');
  const res = await putWithBody(op, headers, op.session.body());
  if (!ok(res)) throw swiftFailure(res, 'PUT', op.bucket, op.key);
  dropBody(res);
  return { status: 200, headers: writeAnswerHeaders(res), body: '' };
}

/**
 * What s3api answers to an object or part PUT: Swift's answer's headers as S3 sees them (quoted
 * ETag, Last-Modified, the version written, swob's default content type) and no body.
 */
export function writeAnswerHeaders(res: SwiftResponse): Record<string, string> {
  const out: Record<string, string> = { etag: `"${header(res, 'etag') ?? ''}"`, 'content-type': 'text/html; charset=UTF-8', 'content-length': '0' };
  const modified = header(res, 'last-modified');
  if (modified !== undefined) out['last-modified'] = modified;
  const version = header(res, 'x-object-version-id');
  if (version !== undefined) out['x-amz-version-id'] = version;
  return out;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type', 'response-content-language': 'content-language', 'response-expires': 'expires',
  'response-cache-control': 'cache-control', 'response-content-disposition': 'content-disposition', 'response-content-encoding': 'content-encoding',
};

/**
 * `?versionId` as s3api takes it on GET, HEAD and DELETE: Swift's `version-id`; an id other than
 * `null` in a bucket never versioned names nothing (undefined: no versionId asked for).
 */
async function versionQuery(op: S3Operation): Promise<{ versionId?: string; neverVersioned: boolean }> {
  const versionId = op.ctx.query.get('versionId');
  if (versionId === null) return { neverVersioned: false };
  if (versionId === 'null') return { versionId, neverVersioned: false };
  return { versionId, neverVersioned: !(await bucketVersioning(op)).everVersioned };
}

export async function getObject(op: S3Operation, head: boolean): Promise<SwiftResponse> {
  const { send: headers, etag: etagConditions } = splitConditions(op.ctx.headers);
  // Swift's HEAD ignores Range; the range is applied to the whole object's HEAD below, as s3api does.
  if (head) delete headers['range'];
  const { versionId, neverVersioned } = await versionQuery(op);
  if (neverVersioned) throw noSuchVersion(op.key, versionId ?? '');
  const query: Record<string, string> = versionId !== undefined ? { 'version-id': versionId } : {};
  const res = await op.swift.call(head ? 'HEAD' : 'GET', op.bucket, op.key, { headers, query });
  if (res.status === 304 || (ok(res) && applyEtagConditions(res, etagConditions) === 'not-modified')) {
    dropBody(res);
    const { 'content-range': _range, ...unchanged } = s3ObjectHeaders(res);
    return { status: 304, headers: { ...unchanged, 'content-length': '0' } };
  }
  if (!ok(res)) {
    if (res.status === 404) {
      // NoSuchKey only when the bucket exists (s3api's not_found_handler).
      const bucket = await op.swift.call('HEAD', op.bucket, undefined);
      dropBody(bucket);
      if (bucket.status === 404) throw swiftFailure(res, 'HEAD', op.bucket, undefined);
    }
    throw swiftFailure(res, head ? 'HEAD' : 'GET', op.bucket, op.key);
  }
  const out = s3ObjectHeaders(res);
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = op.ctx.query.get(param);
    if (v !== null) out[name] = v;
  }
  const result: SwiftResponse = { status: res.status, headers: out };
  if (res.body !== undefined) result.body = res.body;
  const range = op.ctx.headers['range'];
  return head && range !== undefined ? headRange(range, result) : result;
}

/**
 * A HEAD with Range answers what the GET would (s3api's _gen_head_range_resp): one satisfiable
 * range is a 206 with its Content-Range and length; none satisfiable is InvalidRange; a Range that
 * does not parse, or several ranges, leave the whole object's answer as it is.
 */
export function headRange(range: string, res: SwiftResponse): SwiftResponse {
  const length = Number(res.headers['content-length']);
  const m = /^bytes=(.*)$/.exec(range.trim());
  if (!m || !Number.isInteger(length)) return res;
  const wanted: [number | undefined, number | undefined][] = [];
  for (const spec of (m[1] ?? '').split(',')) {
    const r = /^\s*(\d*)-(\d*)\s*$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return res;
    const start = r[1] === '' ? undefined : Number(r[1]);
    const end = r[2] === '' ? undefined : Number(r[2]);
    if (start !== undefined && end !== undefined && end < start) return res;
    wanted.push([start, end]);
  }
  const satisfiable: [number, number][] = [];
  for (const [start, end] of wanted) {
    if (start === undefined) {
      if (end !== undefined && end > 0 && length > 0) satisfiable.push([Math.max(0, length - end), length]);
    } else if (start < length) {
      satisfiable.push([start, Math.min(end ?? length - 1, length - 1) + 1]);
    }
  }
  if (satisfiable.length === 0) throw new S3Error('InvalidRange');
  const [only] = satisfiable;
  if (satisfiable.length > 1 || only === undefined) return res;
  return {
    ...res, status: 206,
    headers: { ...res.headers, 'content-range': `bytes ${only[0]}-${only[1] - 1}/${length}`, 'content-length': String(only[1] - only[0]) },
  };
}

/**
 * DeleteObject as s3api: a large object's manifest goes with its segments (the parts of a multipart
 * upload; a versioned current object is a link, whose versions keep theirs); a version is deleted
 * with `version-id`, and when that was the current one, the newest older version (unless a delete
 * marker comes first) becomes current again. A missing key is 204.
 */
export async function deleteObject(op: S3Operation, requested?: string): Promise<SwiftResponse> {
  const { versionId, neverVersioned } = requested === undefined ? await versionQuery(op) : { versionId: requested, neverVersioned: requested !== 'null' && !(await bucketVersioning(op)).everVersioned };
  if (neverVersioned) return { status: 204, headers: { 'x-amz-version-id': versionId ?? '' }, body: '' };
  const versionParams: Record<string, string> = versionId !== undefined ? { 'version-id': versionId, symlink: 'get' } : {};
  const probe = await op.swift.call('HEAD', op.bucket, op.key, { query: { symlink: 'get', ...versionParams } });
  dropBody(probe);
  if (!ok(probe) && probe.status !== 404) throw swiftFailure(probe, 'HEAD', op.bucket, op.key);
  const isSlo = ok(probe) && header(probe, 'x-static-large-object')?.toLowerCase() === 'true';
  const query: Record<string, string> = { ...(isSlo ? { 'multipart-manifest': 'delete' } : {}), ...versionParams };
  const res = await op.swift.call('DELETE', op.bucket, op.key, { query });
  dropBody(res);
  if (res.status === 404) {
    const bucket = await op.swift.call('HEAD', op.bucket, undefined);
    dropBody(bucket);
    if (bucket.status === 404) throw swiftFailure(bucket, 'DELETE', op.bucket, undefined);
    return { status: 204, headers: {}, body: '' };
  }
  if (!ok(res)) throw swiftFailure(res, 'DELETE', op.bucket, op.key);
  const out: Record<string, string> = {};
  const version = header(res, 'x-object-version-id');
  if (version !== undefined) out['x-amz-version-id'] = version;
  if (versionId !== undefined && header(res, 'x-object-current-version-id') === 'null') await restoreOnDelete(op);
  return { status: 204, headers: out, body: '' };
}

/**
 * The current version was deleted: the newest remaining version becomes current, unless the newest
 * is a delete marker (s3api's _restore_on_delete). Only this key's versions count, and an object
 * that is still there (written while versioning was off) stays as it is.
 */
async function restoreOnDelete(op: S3Operation): Promise<void> {
  const current = await op.swift.call('HEAD', op.bucket, op.key, { query: { symlink: 'get' } });
  dropBody(current);
  if (current.status !== 404) return;
  const listed = await op.swift.call('GET', op.bucket, undefined, { query: { format: 'json', prefix: op.key, versions: '' } });
  if (!ok(listed) || listed.status === 204) { dropBody(listed); return; }
  const entries = JSON.parse((await bodyBytes(listed)).toString('utf8')) as { name: string; version_id?: string; content_type?: string }[];
  for (const e of entries) {
    if (e.name !== op.key) continue;
    if (e.content_type === DELETE_MARKER_CONTENT_TYPE || e.version_id === undefined) return;
    const restored = await op.swift.call('PUT', op.bucket, op.key, { query: { 'version-id': e.version_id }, headers: { 'content-length': '0' } });
    dropBody(restored);
    if (ok(restored)) return;
    if (restored.status !== 412) throw swiftFailure(restored, 'PUT', op.bucket, op.key);
  }
}

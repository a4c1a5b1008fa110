/**
 * Object operations: PutObject, GetObject, HeadObject, DeleteObject and CopyObject, each one Swift
 * request on the caller's own account. `x-amz-meta-*` are stored as `X-Object-Meta-*`; ranges and
 * conditionals are Swift's own (the same controller code); a copy is Swift's server-side copy with
 * `X-Copy-From` naming a bucket of the same account (a copy source cannot name another account).
 */
import type { Readable } from 'node:stream';
import type { SwiftResponse } from '../http/response.js';
import { S3Error } from './errors.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { PayloadError } from './payload.js';
import { dropBody, header } from './swift-call.js';
import { validBucketName } from './target.js';
import { lenientUnquote } from './uri-encode.js';
import { isoTime, xmlElement, xmlRoot } from './xml-write.js';

/** Headers an object keeps as they are, in both directions. */
const PASSED = ['content-type', 'content-disposition', 'content-encoding', 'cache-control', 'expires', 'content-language', 'x-robots-tag'];
const MAX_KEY_BYTES = 1024;

export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error('KeyTooLongError', 'Your key is too long.');
}

/** The Swift headers of an object write: passed headers and `x-amz-meta-*` → `x-object-meta-*`. */
export function objectWriteHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED) {
    const v = h[name];
    if (v !== undefined) out[name] = v;
  }
  // aws-chunked is the transfer's framing, not the object's encoding.
  const encoding = out['content-encoding']?.split(',').map((e) => e.trim()).filter((e) => e !== '' && e !== 'aws-chunked').join(',');
  if (encoding) out['content-encoding'] = encoding;
  else delete out['content-encoding'];
  for (const [name, v] of Object.entries(h)) {
    if (name.startsWith('x-amz-meta-')) out[`x-object-meta-${name.slice('x-amz-meta-'.length)}`] = v;
  }
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
    if (name.startsWith('x-object-meta-')) out[`x-amz-meta-${name.slice('x-object-meta-'.length)}`] = v;
    else if (PASSED.includes(name) || ['content-length', 'content-range', 'last-modified', 'accept-ranges'].includes(name)) out[name] = v;
  }
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
  const headers = objectWriteHeaders(op.ctx.headers);
  const etag = md5Etag(op.ctx.headers);
  if (etag !== undefined) headers['etag'] = etag;
  if (op.session.contentLength !== undefined) headers['content-length'] = op.session.contentLength;
  else if (op.ctx.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
  else throw new S3Error('MissingContentLength');
  const res = await putWithBody(op, headers, op.session.body());
  if (!ok(res)) throw swiftFailure(res, 'PUT', op.bucket, op.key);
  dropBody(res);
  return { status: 200, headers: { etag: `"${header(res, 'etag') ?? ''}"`, 'content-length': '0' }, body: '' };
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type', 'response-content-language': 'content-language', 'response-expires': 'expires',
  'response-cache-control': 'cache-control', 'response-content-disposition': 'content-disposition', 'response-content-encoding': 'content-encoding',
};

export async function getObject(op: S3Operation, head: boolean): Promise<SwiftResponse> {
  const headers: Record<string, string> = {};
  for (const name of ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    const v = op.ctx.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  const res = await op.swift.call(head ? 'HEAD' : 'GET', op.bucket, op.key, { headers });
  if (res.status === 304) {
    dropBody(res);
    return { status: 304, headers: s3ObjectHeaders(res) };
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
  return result;
}

export async function deleteObject(op: S3Operation): Promise<SwiftResponse> {
  // A large object's manifest goes with its segments (s3api deletes multipart uploads' parts).
  const probe = await op.swift.call('HEAD', op.bucket, op.key, { query: { 'multipart-manifest': 'get' } });
  dropBody(probe);
  if (probe.status === 404) {
    const bucket = await op.swift.call('HEAD', op.bucket, undefined);
    dropBody(bucket);
    if (bucket.status === 404) throw swiftFailure(bucket, 'DELETE', op.bucket, undefined);
    return { status: 204, headers: {}, body: '' };
  }
  const isSlo = header(probe, 'x-static-large-object')?.toLowerCase() === 'true';
  const res = await op.swift.call('DELETE', op.bucket, op.key, isSlo ? { query: { 'multipart-manifest': 'delete' } } : {});
  dropBody(res);
  if (!ok(res) && res.status !== 404) throw swiftFailure(res, 'DELETE', op.bucket, op.key);
  return { status: 204, headers: {}, body: '' };
}

/** `x-amz-copy-source`: `[/]<bucket>/<key>` (URL-encoded or not, unquoted as s3api does), optionally `?versionId=null`. */
export function parseCopySource(raw: string): { bucket: string; key: string } {
  const noVersion = raw.replace(/\?versionId=null$/, '');
  if (noVersion.includes('?')) throw new S3Error('NotImplemented', 'Copying a version is not implemented.');
  const decoded = lenientUnquote(noVersion);
  const path = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
  }
  const bucket = path.slice(0, slash);
  if (!validBucketName(bucket)) throw new S3Error('InvalidBucketName', undefined, { BucketName: bucket });
  return { bucket, key: path.slice(slash + 1) };
}

/** The copy source's conditions (`x-amz-copy-source-if-*`) as Swift's conditional headers of the source GET. */
export function copySourceConditions(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    const v = h[`x-amz-copy-source-${c}`];
    if (v !== undefined) out[c] = v;
  }
  return out;
}

export async function copyObject(op: S3Operation): Promise<SwiftResponse> {
  checkKey(op.key);
  const source = parseCopySource(op.ctx.headers['x-amz-copy-source'] ?? '');
  const directive = op.ctx.headers['x-amz-metadata-directive'] ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  if (directive === 'COPY' && source.bucket === op.bucket && source.key === op.key) {
    throw new S3Error('InvalidRequest', 'This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
  }
  // The source's conditions are checked on a HEAD first: Swift's copy would apply them to the destination.
  const conditions = copySourceConditions(op.ctx.headers);
  if (Object.keys(conditions).length > 0) {
    const probe = await op.swift.call('HEAD', source.bucket, source.key, { headers: conditions });
    dropBody(probe);
    if (probe.status === 304) throw new S3Error('PreconditionFailed');
    if (!ok(probe)) throw swiftFailure(probe, 'HEAD', source.bucket, source.key);
  }
  const headers: Record<string, string> = {
    'x-copy-from': `/${encodeURIComponent(source.bucket)}/${source.key.split('/').map(encodeURIComponent).join('/')}`,
    'content-length': '0',
  };
  if (directive === 'REPLACE') {
    Object.assign(headers, objectWriteHeaders(op.ctx.headers));
    // Swift's copy keeps the source's metadata unless told to take only the request's.
    headers['x-fresh-metadata'] = 'true';
  }
  const res = await op.swift.call('PUT', op.bucket, op.key, { headers });
  if (!ok(res)) {
    if (res.status === 404) {
      const bucket = await op.swift.call('HEAD', op.bucket, undefined);
      dropBody(bucket);
      if (bucket.status === 404) throw swiftFailure(bucket, 'PUT', op.bucket, undefined);
      throw new S3Error('NoSuchKey', undefined, { Key: source.key });
    }
    throw swiftFailure(res, 'PUT', op.bucket, op.key);
  }
  dropBody(res);
  const lastModified = Date.parse(header(res, 'last-modified') ?? '') / 1000;
  return xmlResponse(200, xmlRoot('CopyObjectResult', [
    xmlElement('LastModified', isoTime(Number.isNaN(lastModified) ? Date.now() / 1000 : lastModified)),
    xmlElement('ETag', `"${header(res, 'etag') ?? ''}"`),
  ]));
}

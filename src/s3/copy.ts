/**
 * CopyObject (PUT with `x-amz-copy-source`), as s3api does it: the source, in a bucket of the same
 * account and optionally one version of it (`?versionId=`), is checked first with a HEAD carrying
 * the `x-amz-copy-source-if-*` conditions, then copied by Swift's server-side copy (`X-Copy-From`,
 * `version-id` naming the source's version). The source parsing and conditions serve UploadPartCopy too.
 */
import type { SwiftResponse } from '../http/response.js';
import { S3Error } from './errors.js';
import { checkKey, objectWriteHeaders, s3ObjectHeaders } from './object.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { dropBody, header } from './swift-call.js';
import { validBucketName } from './target.js';
import { lenientUnquote } from './uri-encode.js';
import { isoTime, xmlElement, xmlRoot } from './xml-write.js';

export interface CopySource {
  bucket: string;
  key: string;
  /** `?versionId=` of the source: Swift's `version-id`. */
  versionId?: string;
}

/**
 * `x-amz-copy-source`: `[/]<bucket>/<key>` (URL-encoded or not, unquoted as s3api does), then
 * optionally `?versionId=<id>` and nothing else (any other parameter is InvalidArgument, as s3api).
 */
export function parseCopySource(raw: string): CopySource {
  const q = raw.indexOf('?');
  const decoded = lenientUnquote(q === -1 ? raw : raw.slice(0, q));
  const path = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
  }
  const bucket = path.slice(0, slash);
  const source: CopySource = { bucket, key: path.slice(slash + 1) };
  // Python's parse_qsl with blank values kept: `a&b=` is two parameters, an empty string none.
  const params = q === -1 ? [] : raw.slice(q + 1).split(/[&;]/).filter((p) => p !== '');
  if (params.length > 0) {
    const [name, ...rest] = (params[0] ?? '').split('=');
    if (params.length > 1 || name !== 'versionId') {
      throw new S3Error('InvalidArgument', 'Unsupported copy source parameter.', { ArgumentName: 'X-Amz-Copy-Source', ArgumentValue: raw });
    }
    source.versionId = lenientUnquote(rest.join('=').replace(/\+/g, ' '));
  }
  if (!validBucketName(bucket)) throw new S3Error('InvalidBucketName', undefined, { BucketName: bucket });
  return source;
}

/** The copy source's conditions (`x-amz-copy-source-if-*`) as Swift's conditional headers of the source read. */
export function copySourceConditions(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    const v = h[`x-amz-copy-source-${c}`];
    if (v !== undefined) out[c] = v;
  }
  return out;
}

/** The source's version as Swift's query parameter, for its HEAD, GET or the copy. */
export function versionParams(source: CopySource): Record<string, string> {
  return source.versionId !== undefined ? { 'version-id': source.versionId } : {};
}

/**
 * s3api's check_copy_source: the source's HEAD with the copy-source conditions (a 304 is
 * PreconditionFailed; Swift's copy would apply them to the destination); a missing source is
 * NoSuchKey, or NoSuchBucket when its bucket is missing.
 */
export async function checkCopySource(op: S3Operation, source: CopySource): Promise<void> {
  const probe = await op.swift.call('HEAD', source.bucket, source.key, { headers: copySourceConditions(op.ctx.headers), query: versionParams(source) });
  dropBody(probe);
  if (probe.status === 304) throw new S3Error('PreconditionFailed');
  if (ok(probe)) return;
  if (probe.status === 404) {
    const bucket = await op.swift.call('HEAD', source.bucket, undefined);
    dropBody(bucket);
    if (bucket.status === 404) throw swiftFailure(bucket, 'HEAD', source.bucket, undefined);
    throw new S3Error('NoSuchKey', undefined, { Key: source.key });
  }
  throw swiftFailure(probe, 'HEAD', source.bucket, source.key);
}

export async function copyObject(op: S3Operation): Promise<SwiftResponse> {
  checkKey(op.key);
  if (op.ctx.headers['x-amz-copy-source-range'] !== undefined) {
    throw new S3Error('InvalidArgument', 'Illegal copy header', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: op.ctx.headers['x-amz-copy-source-range'] });
  }
  const source = parseCopySource(op.ctx.headers['x-amz-copy-source'] ?? '');
  const directive = op.ctx.headers['x-amz-metadata-directive'] ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  await checkCopySource(op, source);
  // Copying a version over the current object restores it; copying the object onto itself unchanged is refused.
  if (directive === 'COPY' && source.bucket === op.bucket && source.key === op.key && source.versionId === undefined) {
    throw new S3Error('InvalidRequest', 'This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
  }
  const headers: Record<string, string> = {
    'x-copy-from': `/${encodeURIComponent(source.bucket)}/${source.key.split('/').map(encodeURIComponent).join('/')}`,
    'content-length': '0',
  };
  if (directive === 'REPLACE') {
    Object.assign(headers, objectWriteHeaders(op.ctx));
    // Swift's copy keeps the source's metadata unless told to take only the request's.
    headers['x-fresh-metadata'] = 'true';
  }
  const res = await op.swift.call('PUT', op.bucket, op.key, { headers, query: versionParams(source) });
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
  const versions: Record<string, string> = {};
  const answered = s3ObjectHeaders(res);
  for (const name of ['x-amz-version-id', 'x-amz-copy-source-version-id']) {
    const v = answered[name];
    if (v !== undefined) versions[name] = v;
  }
  return xmlResponse(200, xmlRoot('CopyObjectResult', [
    xmlElement('LastModified', isoTime(Number.isNaN(lastModified) ? Date.now() / 1000 : lastModified)),
    xmlElement('ETag', `"${header(res, 'etag') ?? ''}"`),
  ]), versions);
}

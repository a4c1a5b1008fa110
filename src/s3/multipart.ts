/**
 * Multipart uploads, stored as Swift's s3api stores them: an upload is a marker object
 * `<key>/<upload id>` in the `<bucket>+segments` container (holding the content type and metadata
 * given at initiation), its parts are `<key>/<upload id>/<part number>` beside it, and completing
 * it writes an SLO manifest at `<bucket>/<key>` over the parts, whose S3 ETag (`<md5 of the parts'
 * MD5s>-<count>`) is kept as sysmeta. Abort deletes the parts and the marker.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { SwiftResponse } from '../http/response.js';
import { SEGMENTS_SUFFIX, ownerXml } from './bucket.js';
import { listUploads } from './multipart-list.js';
import { S3Error } from './errors.js';
import { s3Time } from './listing.js';
import { copySourceConditions, parseCopySource, versionParams } from './copy.js';
import { checkKey, objectWriteHeaders, writeAnswerHeaders } from './object.js';
import { isoTime } from './xml-write.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { PayloadError } from './payload.js';
import { bodyBytes, dropBody, header } from './swift-call.js';
import { OVERRIDE_ETAG } from '../swift/listing-format.js';
import { pyQuote } from '../swift/quote.js';
import { parseXmlBody, readSmallBody } from './xml-body.js';
import { childText, childrenNamed } from './xml-parse.js';
import { xmlElement, xmlRoot } from './xml-write.js';

export const S3_ETAG_SYSMETA = 'x-object-sysmeta-s3api-etag';
/** Which upload wrote the object (s3api's sysmeta): a retried complete of it succeeds again. */
const S3_UPLOAD_ID_SYSMETA = 'x-object-sysmeta-s3api-upload-id';
const MAX_LISTED = 1000;

interface Listed { name: string; hash: string; bytes: number; last_modified: string; content_type?: string }

function segments(op: S3Operation): string {
  return op.bucket + SEGMENTS_SUFFIX;
}

/** Upload ids never look like a part number (they start with a letter), so markers and parts are told apart. */
function newUploadId(): string {
  return `u${randomBytes(18).toString('base64url')}`;
}

export async function listSegments(op: S3Operation, prefix: string, marker = '', limit = 10000): Promise<Listed[]> {
  const query: Record<string, string> = { format: 'json', prefix, limit: String(limit) };
  if (marker) query['marker'] = marker;
  const res = await op.swift.call('GET', segments(op), undefined, { query });
  if (res.status === 404) { dropBody(res); return []; }
  if (!ok(res)) throw swiftFailure(res, 'GET', op.bucket, undefined);
  const text = (await bodyBytes(res)).toString('utf8');
  return (res.status === 204 || text === '' ? [] : JSON.parse(text)) as Listed[];
}

export async function requireBucket(op: S3Operation): Promise<void> {
  const res = await op.swift.call('HEAD', op.bucket, undefined);
  dropBody(res);
  if (!ok(res)) throw swiftFailure(res, 'HEAD', op.bucket, undefined);
}

/** The upload's marker object, or NoSuchUpload. */
async function requireUpload(op: S3Operation, uploadId: string): Promise<SwiftResponse> {
  if (!/^u[A-Za-z0-9_-]+$/.test(uploadId)) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  const res = await op.swift.call('HEAD', segments(op), `${op.key}/${uploadId}`);
  dropBody(res);
  if (res.status === 404) {
    await requireBucket(op);
    throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  }
  if (!ok(res)) throw swiftFailure(res, 'HEAD', op.bucket, op.key);
  return res;
}

async function initiate(op: S3Operation): Promise<SwiftResponse> {
  checkKey(op.key);
  await requireBucket(op);
  const made = await op.swift.call('PUT', segments(op), undefined, { headers: { 'content-length': '0' } });
  dropBody(made);
  if (!ok(made)) throw swiftFailure(made, 'PUT', op.bucket, undefined);
  const uploadId = newUploadId();
  const headers: Record<string, string> = { ...objectWriteHeaders(op.ctx), 'content-length': '0' };
  if (headers['content-type'] === undefined) headers['content-type'] = 'application/octet-stream';
  const res = await op.swift.call('PUT', segments(op), `${op.key}/${uploadId}`, { headers, body: Readable.from([]) });
  dropBody(res);
  if (!ok(res)) throw swiftFailure(res, 'PUT', op.bucket, op.key);
  return xmlResponse(200, xmlRoot('InitiateMultipartUploadResult', [
    xmlElement('Bucket', op.bucket), xmlElement('Key', op.key), xmlElement('UploadId', uploadId),
  ]));
}

function partNumber(op: S3Operation): number {
  const raw = op.ctx.query.get('partNumber') ?? '';
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= op.config.max_upload_part_num)) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${op.config.max_upload_part_num}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: raw });
  }
  return n;
}

async function uploadPart(op: S3Operation, uploadId: string): Promise<SwiftResponse> {
  const n = partNumber(op);
  await requireUpload(op, uploadId);
  if (op.ctx.headers['x-amz-copy-source'] !== undefined) return uploadPartCopy(op, uploadId, n);
  const headers: Record<string, string> = {};
  const md5 = op.ctx.headers['content-md5'];
  if (md5 !== undefined) {
    const raw = Buffer.from(md5, 'base64');
    if (raw.length !== 16) throw new S3Error('InvalidDigest');
    headers['etag'] = raw.toString('hex');
  }
  if (op.session.contentLength !== undefined) headers['content-length'] = op.session.contentLength;
  else if (op.ctx.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
  else throw new S3Error('MissingContentLength');
  const body = op.session.body();
  let payloadError: PayloadError | undefined;
  body.on('error', (err) => { if (err instanceof PayloadError) payloadError = err; });
  const res = await op.swift.call('PUT', segments(op), `${op.key}/${uploadId}/${n}`, { headers, body });
  if (payloadError) { dropBody(res); throw payloadError.s3; }
  if (!ok(res)) throw swiftFailure(res, 'PUT', op.bucket, op.key);
  dropBody(res);
  return { status: 200, headers: writeAnswerHeaders(res), body: '' };
}

/**
 * UploadPartCopy: the part's bytes are read from an object of the same account (a range of it with
 * `x-amz-copy-source-range: bytes=a-b`) and streamed into the part, as two sub-requests each
 * authorised on its own.
 */
async function uploadPartCopy(op: S3Operation, uploadId: string, n: number): Promise<SwiftResponse> {
  const source = parseCopySource(op.ctx.headers['x-amz-copy-source'] ?? '');
  const headers = copySourceConditions(op.ctx.headers);
  const range = op.ctx.headers['x-amz-copy-source-range'];
  if (range !== undefined) {
    if (!/^bytes=\d+-\d+$/.test(range.trim())) throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: range });
    headers['range'] = range.trim();
  }
  const got = await op.swift.call('GET', source.bucket, source.key, { headers, query: versionParams(source) });
  if (got.status === 304) { dropBody(got); throw new S3Error('PreconditionFailed'); }
  if (!ok(got)) {
    if (got.status === 416) { dropBody(got); throw new S3Error('InvalidRange'); }
    throw swiftFailure(got, 'GET', source.bucket, source.key);
  }
  if (range !== undefined && got.status !== 206) { dropBody(got); throw new S3Error('InvalidRange'); }
  const length = header(got, 'content-length');
  const body = got.body instanceof Readable ? got.body : Readable.from([typeof got.body === 'string' ? Buffer.from(got.body) : got.body ?? Buffer.alloc(0)]);
  const res = await op.swift.call('PUT', segments(op), `${op.key}/${uploadId}/${n}`, { headers: length !== undefined ? { 'content-length': length } : { 'transfer-encoding': 'chunked' }, body });
  if (!ok(res)) throw swiftFailure(res, 'PUT', op.bucket, op.key);
  dropBody(res);
  const modified = Date.parse(header(res, 'last-modified') ?? '') / 1000;
  return xmlResponse(200, xmlRoot('CopyPartResult', [
    xmlElement('LastModified', isoTime(Number.isNaN(modified) ? Date.now() / 1000 : modified)), xmlElement('ETag', `"${header(res, 'etag') ?? ''}"`),
  ]));
}

/** The parts uploaded so far, by part number. */
async function parts(op: S3Operation, uploadId: string): Promise<Map<number, Listed>> {
  const prefix = `${op.key}/${uploadId}/`;
  const out = new Map<number, Listed>();
  let marker = '';
  for (;;) {
    const page = await listSegments(op, prefix, marker);
    for (const e of page) {
      const rest = e.name.slice(prefix.length);
      if (/^\d+$/.test(rest)) out.set(Number(rest), e);
    }
    if (page.length < 10000) return out;
    marker = page[page.length - 1]?.name ?? '';
  }
}

async function listParts(op: S3Operation, uploadId: string): Promise<SwiftResponse> {
  await requireUpload(op, uploadId);
  const q = op.ctx.query;
  const maxRaw = q.get('max-parts') ?? String(MAX_LISTED);
  const markerRaw = q.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(maxRaw)) throw new S3Error('InvalidArgument', 'Provided max-parts not an integer or within integer range', { ArgumentName: 'max-parts', ArgumentValue: maxRaw });
  if (!/^\d+$/.test(markerRaw)) throw new S3Error('InvalidArgument', 'Provided part-number-marker not an integer or within integer range', { ArgumentName: 'part-number-marker', ArgumentValue: markerRaw });
  const max = Math.min(Number(maxRaw), MAX_LISTED);
  const marker = Number(markerRaw);
  const all = [...(await parts(op, uploadId)).entries()].filter(([n]) => n > marker).sort((a, b) => a[0] - b[0]);
  const page = all.slice(0, max);
  const truncated = all.length > max;
  const out = [
    xmlElement('Bucket', op.bucket), xmlElement('Key', op.key), xmlElement('UploadId', uploadId),
    ownerXml(op).replace(/^<Owner>/, '<Initiator>').replace(/<\/Owner>$/, '</Initiator>'), ownerXml(op),
    xmlElement('StorageClass', 'STANDARD'), xmlElement('PartNumberMarker', String(marker)),
    xmlElement('NextPartNumberMarker', String(page[page.length - 1]?.[0] ?? marker)), xmlElement('MaxParts', String(max)),
    xmlElement('IsTruncated', truncated ? 'true' : 'false'),
    ...page.map(([n, e]) => xmlElement('Part', [
      xmlElement('PartNumber', String(n)), xmlElement('LastModified', s3Time(e.last_modified)),
      xmlElement('ETag', `"${e.hash}"`), xmlElement('Size', String(e.bytes)),
    ])),
  ];
  return xmlResponse(200, xmlRoot('ListPartsResult', out));
}

/**
 * A complete retried after it succeeded (its marker gone, the object written by this upload) is
 * answered as before when it names the same parts, as s3api does: the S3 ETag of the parts asked
 * for is the object's.
 */
async function completedBefore(op: S3Operation, uploadId: string): Promise<SwiftResponse | undefined> {
  const res = await op.swift.call('HEAD', op.bucket, op.key);
  dropBody(res);
  return ok(res) && header(res, S3_UPLOAD_ID_SYSMETA) === uploadId ? res : undefined;
}

async function complete(op: S3Operation, uploadId: string): Promise<SwiftResponse> {
  let marker: SwiftResponse;
  let completed: SwiftResponse | undefined;
  try {
    marker = await requireUpload(op, uploadId);
  } catch (err) {
    if (!(err instanceof S3Error) || err.code !== 'NoSuchUpload') throw err;
    completed = await completedBefore(op, uploadId);
    if (completed === undefined) throw err;
    marker = completed;
  }
  const doc = parseXmlBody(await readSmallBody(op.session, 2 * 1024 * 1024), 'CompleteMultipartUpload');
  const wanted = childrenNamed(doc, 'Part').map((p) => {
    const n = childText(p, 'PartNumber');
    const etag = childText(p, 'ETag');
    if (n === undefined || etag === undefined || !/^\d+$/.test(n.trim())) throw new S3Error('MalformedXML');
    return { n: Number(n.trim()), etag: etag.trim().replace(/^"(.*)"$/, '$1').toLowerCase() };
  });
  if (wanted.length === 0) throw new S3Error('MalformedXML');
  if (completed !== undefined) {
    const md5s = createHash('md5');
    for (const w of wanted) md5s.update(Buffer.from(w.etag, 'hex'));
    const again = `${md5s.digest('hex')}-${wanted.length}`;
    if (header(completed, S3_ETAG_SYSMETA) !== again) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
    return completeAnswer(op, again);
  }
  const have = await parts(op, uploadId);
  let previous = 0;
  const manifest: { path: string; etag: string; size_bytes: number }[] = [];
  const md5s = createHash('md5');
  for (const w of wanted) {
    if (w.n <= previous) throw new S3Error('InvalidPartOrder', undefined, { UploadId: uploadId });
    previous = w.n;
  }
  for (const [i, w] of wanted.entries()) {
    const part = have.get(w.n);
    if (!part || part.hash !== w.etag) throw new S3Error('InvalidPart', undefined, { UploadId: uploadId, PartNumber: String(w.n), ETag: w.etag });
    if (i < wanted.length - 1 && part.bytes < op.config.min_segment_size) {
      throw new S3Error('EntityTooSmall', undefined, { ProposedSize: String(part.bytes), MinSizeAllowed: String(op.config.min_segment_size) });
    }
    manifest.push({ path: `/${segments(op)}/${op.key}/${uploadId}/${w.n}`, etag: part.hash, size_bytes: part.bytes });
    md5s.update(Buffer.from(part.hash, 'hex'));
  }
  const s3Etag = `${md5s.digest('hex')}-${manifest.length}`;
  // The listing shows the S3 ETag too (s3api's `s3_etag` parameter of the listing override; SLO sets its value).
  const headers: Record<string, string> = { [S3_ETAG_SYSMETA]: s3Etag, [S3_UPLOAD_ID_SYSMETA]: uploadId, [OVERRIDE_ETAG]: `; s3_etag=${s3Etag}` };
  for (const [name, value] of Object.entries(marker.headers)) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v === undefined) continue;
    if (name.startsWith('x-object-meta-') || ['content-type', 'content-disposition', 'content-encoding', 'cache-control', 'expires', 'content-language'].includes(name)) headers[name] = v;
  }
  const body = Buffer.from(JSON.stringify(manifest), 'utf8');
  headers['content-length'] = String(body.length);
  const res = await op.swift.call('PUT', op.bucket, op.key, { headers, query: { 'multipart-manifest': 'put' }, body: Readable.from([body]) });
  if (!ok(res)) {
    const text = (await bodyBytes(res)).toString('utf8');
    if (res.status === 400) throw new S3Error('InvalidPart', text.slice(0, 200) || undefined);
    throw swiftFailure(res, 'PUT', op.bucket, op.key);
  }
  dropBody(res);
  // The parts are the object's segments now; only the marker goes.
  dropBody(await op.swift.call('DELETE', segments(op), `${op.key}/${uploadId}`));
  return completeAnswer(op, s3Etag);
}

function completeAnswer(op: S3Operation, s3Etag: string): SwiftResponse {
  return xmlResponse(200, xmlRoot('CompleteMultipartUploadResult', [
    xmlElement('Location', completedLocation(op)), xmlElement('Bucket', op.bucket),
    xmlElement('Key', op.key), xmlElement('ETag', `"${s3Etag}"`),
  ]));
}

/**
 * The completed object's URL as s3api writes it: scheme, host and the first port of the Host header
 * (boto's SigV4 signer may send `host:port:port`), then the request's path, quoted.
 */
function completedLocation(op: S3Operation): string {
  const scheme = op.ctx.origin.slice(0, op.ctx.origin.indexOf('://'));
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?/.exec(op.ctx.headers['host'] ?? '');
  const host = (m?.[1] ?? '').toLowerCase();
  const port = m?.[2];
  return `${scheme}://${host}${port !== undefined ? `:${port}` : ''}${pyQuote(op.ctx.path)}`;
}

async function abort(op: S3Operation, uploadId: string): Promise<SwiftResponse> {
  await requireUpload(op, uploadId);
  for (const n of (await parts(op, uploadId)).keys()) dropBody(await op.swift.call('DELETE', segments(op), `${op.key}/${uploadId}/${n}`));
  dropBody(await op.swift.call('DELETE', segments(op), `${op.key}/${uploadId}`));
  // s3api's answer is a bare 204 with swob's default content type.
  return { status: 204, headers: { 'content-type': 'text/html; charset=UTF-8', 'content-length': '0' }, body: '' };
}

export async function multipartOperation(op: S3Operation): Promise<SwiftResponse> {
  const { method, query } = op.ctx;
  const uploadId = query.get('uploadId');
  if (op.key === '') {
    if (method === 'GET' && query.has('uploads')) return listUploads(op);
    throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'BUCKET' });
  }
  if (uploadId === null) {
    if (method === 'POST' && query.has('uploads')) return initiate(op);
    throw new S3Error('InvalidRequest', 'A multipart request needs an uploadId.');
  }
  switch (method) {
    case 'PUT': return uploadPart(op, uploadId);
    case 'GET': return listParts(op, uploadId);
    case 'POST': return complete(op, uploadId);
    case 'DELETE': return abort(op, uploadId);
    default: throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'OBJECT' });
  }
}

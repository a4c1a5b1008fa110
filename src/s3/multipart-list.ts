/**
 * ListMultipartUploads (`GET /<bucket>?uploads`) as s3api answers it: the upload markers in
 * `<bucket>+segments` (not the parts), from `key-marker` (past all of that key's uploads) or
 * `key-marker` + `upload-id-marker`, with prefix, delimiter (common prefixes per page, as s3api)
 * and `encoding-type=url` for keys. s3api's own quirks are kept, since its clients see them: the
 * answer is truncated once max-uploads uploads were found, and the next markers are set only when
 * the page holds more than one upload.
 */
import type { SwiftResponse } from '../http/response.js';
import { pyQuote } from '../swift/quote.js';
import { ownerXml } from './bucket.js';
import { S3Error } from './errors.js';
import { s3Time } from './listing.js';
import { listSegments, requireBucket } from './multipart.js';
import { xmlResponse, type S3Operation } from './operation.js';
import { xmlElement, xmlRoot } from './xml-write.js';

const MAX_UPLOADS = 1000;
const MAX_32BIT_INT = 2147483647;
const UPLOAD_ID = /^u[A-Za-z0-9_-]+$/;

interface Upload { key: string; id: string; time: string }

/** s3api's get_validated_param: a non-negative 32-bit integer, capped at `limit`. */
export function validatedParam(op: S3Operation, name: string, fallback: number, limit: number): number {
  const raw = op.ctx.query.get(name);
  if (raw === null) return fallback;
  if (!/^\s*[-+]?\d+\s*$/.test(raw) || Number(raw) > MAX_32BIT_INT) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: raw });
  }
  const n = Number(raw);
  if (n < 0) throw new S3Error('InvalidArgument', `Argument ${name} must be an integer between 0 and ${MAX_32BIT_INT}`, { ArgumentName: name, ArgumentValue: raw });
  return Math.min(n, limit);
}

export async function listUploads(op: S3Operation): Promise<SwiftResponse> {
  await requireBucket(op);
  const q = op.ctx.query;
  const encoding = q.get('encoding-type');
  if (encoding !== null && encoding !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encoding });
  const keyMarker = q.get('key-marker') ?? '';
  const idMarker = q.get('upload-id-marker') ?? '';
  const max = validatedParam(op, 'max-uploads', MAX_UPLOADS, MAX_UPLOADS);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter');
  // Upload ids sort before `~`: `<key>/~` is past every upload of that key.
  let marker = keyMarker && idMarker ? `${keyMarker}/${idMarker}` : keyMarker ? `${keyMarker}/~` : '';
  const uploads: Upload[] = [];
  const prefixes: string[] = [];
  while (uploads.length < max) {
    const page = await listSegments(op, prefix, marker);
    if (page.length === 0) break;
    const found: Upload[] = [];
    for (const e of page) {
      const slash = e.name.lastIndexOf('/');
      const id = e.name.slice(slash + 1);
      if (slash > 0 && UPLOAD_ID.test(id)) found.push({ key: e.name.slice(0, slash), id, time: e.last_modified });
    }
    if (delimiter !== null) {
      const common = new Set<string>();
      for (const u of found) {
        const end = u.key.indexOf(delimiter, prefix.length);
        if (end >= 0) common.add(u.key.slice(0, end + delimiter.length));
        else uploads.push(u);
      }
      prefixes.push(...[...common].sort());
    } else uploads.push(...found);
    marker = page[page.length - 1]?.name ?? '';
  }
  const truncated = uploads.length >= max;
  const shown = uploads.slice(0, max);
  const last = shown.length > 1 ? shown[shown.length - 1] : undefined;
  const enc = (s: string) => (encoding === 'url' ? pyQuote(s) : s);
  const owner = ownerXml(op);
  const out = [
    xmlElement('Bucket', op.bucket), xmlElement('KeyMarker', keyMarker), xmlElement('UploadIdMarker', idMarker),
    xmlElement('NextKeyMarker', last?.key ?? ''), xmlElement('NextUploadIdMarker', last?.id ?? ''),
    ...(delimiter !== null ? [xmlElement('Delimiter', delimiter)] : []),
    ...(q.has('prefix') ? [xmlElement('Prefix', prefix)] : []),
    xmlElement('MaxUploads', String(max)),
    ...(encoding !== null ? [xmlElement('EncodingType', encoding)] : []),
    xmlElement('IsTruncated', truncated ? 'true' : 'false'),
    ...shown.map((u) => xmlElement('Upload', [
      xmlElement('Key', enc(u.key)), xmlElement('UploadId', u.id),
      owner.replace(/^<Owner>/, '<Initiator>').replace(/<\/Owner>$/, '</Initiator>'), owner,
      xmlElement('StorageClass', 'STANDARD'), xmlElement('Initiated', s3Time(u.time)),
    ])),
    ...prefixes.map((p) => xmlElement('CommonPrefixes', [xmlElement('Prefix', p)])),
  ];
  return xmlResponse(200, xmlRoot('ListMultipartUploadsResult', out));
}

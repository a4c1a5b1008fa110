/**
 * Bucket operations, a bucket being a container of the caller's own account: ListBuckets,
 * CreateBucket (PUT, with an optional CreateBucketConfiguration naming the configured location),
 * HeadBucket, DeleteBucket (its `+segments` container too, as s3api) and GetBucketLocation.
 */
import type { SwiftResponse } from '../http/response.js';
import { cannedAclHeaders } from './acl.js';
import { S3Error } from './errors.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { bodyBytes, dropBody } from './swift-call.js';
import { validBucketName } from './target.js';
import { parseXmlBody, readSmallBody } from './xml-body.js';
import { childText } from './xml-parse.js';
import { xmlElement, xmlEscape, xmlRoot } from './xml-write.js';

/** S3 lists no creation date for Swift containers; s3api answers a fixed one (s3cmd needs one). */
const CREATION_DATE = '2009-02-03T16:45:09.000Z';
export const SEGMENTS_SUFFIX = '+segments';

export function ownerId(op: S3Operation): string {
  const id = op.session.identity;
  return `${id.projectName ?? id.projectId ?? ''}:${id.userName}`;
}

export function ownerXml(op: S3Operation): string {
  const id = ownerId(op);
  return xmlElement('Owner', [xmlElement('ID', id), xmlElement('DisplayName', id)]);
}

export async function listBuckets(op: S3Operation): Promise<SwiftResponse> {
  const res = await op.swift.call('GET', undefined, undefined, { query: { format: 'json' } });
  if (!ok(res)) throw swiftFailure(res, 'GET', undefined, undefined);
  const text = (await bodyBytes(res)).toString('utf8');
  const entries = (res.status === 204 || text === '' ? [] : JSON.parse(text)) as { name: string }[];
  const buckets = entries.filter((c) => validBucketName(c.name))
    .map((c) => xmlElement('Bucket', [xmlElement('Name', c.name), xmlElement('CreationDate', CREATION_DATE)]));
  return xmlResponse(200, xmlRoot('ListAllMyBucketsResult', [ownerXml(op), xmlElement('Buckets', buckets)]));
}

export async function createBucket(op: S3Operation): Promise<SwiftResponse> {
  if (!validBucketName(op.bucket)) throw new S3Error('InvalidBucketName', undefined, { BucketName: op.bucket });
  const body = await readSmallBody(op.session, 64 * 1024);
  if (body.length > 0) {
    const config = parseXmlBody(body, 'CreateBucketConfiguration');
    const location = childText(config, 'LocationConstraint');
    if (location !== undefined && location !== op.config.location) {
      throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', { LocationConstraint: location });
    }
  }
  const acl = op.ctx.headers['x-amz-acl'];
  const aclHeaders = acl === undefined ? {} : cannedAclHeaders(acl);
  const res = await op.swift.call('PUT', op.bucket, undefined, { headers: { 'content-length': '0', ...aclHeaders } });
  if (res.status === 202) {
    dropBody(res);
    throw new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: op.bucket });
  }
  if (!ok(res)) throw swiftFailure(res, 'PUT', op.bucket, undefined);
  dropBody(res);
  return { status: 200, headers: { location: `/${op.bucket}`, 'content-length': '0' }, body: '' };
}

export async function headBucket(op: S3Operation): Promise<SwiftResponse> {
  const res = await op.swift.call('HEAD', op.bucket, undefined);
  if (!ok(res)) throw swiftFailure(res, 'HEAD', op.bucket, undefined);
  dropBody(res);
  return { status: 200, headers: { 'content-type': 'application/xml', 'content-length': '0' }, body: '' };
}

export async function deleteBucket(op: S3Operation): Promise<SwiftResponse> {
  // As s3api: a bucket with objects is not empty; otherwise what `<bucket>+segments` holds (parts of
  // uploads never completed, left-overs) goes first, then that container, then the bucket.
  const head = await op.swift.call('HEAD', op.bucket, undefined);
  dropBody(head);
  if (!ok(head)) throw swiftFailure(head, 'HEAD', op.bucket, undefined);
  if (Number(head.headers['x-container-object-count'] ?? 0) > 0) throw new S3Error('BucketNotEmpty', undefined, { BucketName: op.bucket });
  await deleteSegmentsContainer(op);
  const res = await op.swift.call('DELETE', op.bucket, undefined);
  if (!ok(res)) throw swiftFailure(res, 'DELETE', op.bucket, undefined);
  dropBody(res);
  return { status: 204, headers: {}, body: '' };
}

/** Empties and deletes `<bucket>+segments` (absent: nothing to do); a failure is a 503, as s3api answers. */
async function deleteSegmentsContainer(op: S3Operation): Promise<void> {
  const container = op.bucket + SEGMENTS_SUFFIX;
  let marker = '';
  for (;;) {
    const page = await op.swift.call('GET', container, undefined, { query: { format: 'json', marker } });
    if (page.status === 404) { dropBody(page); return; }
    if (!ok(page)) throw new S3Error('ServiceUnavailable');
    const text = page.status === 204 ? '' : (await bodyBytes(page)).toString('utf8');
    const names = (text === '' ? [] : JSON.parse(text) as { name: string }[]).map((e) => e.name);
    if (page.status === 204) dropBody(page);
    if (names.length === 0) break;
    for (const name of names) {
      const gone = await op.swift.call('DELETE', container, name);
      dropBody(gone);
      if (!ok(gone) && gone.status !== 404) throw new S3Error('ServiceUnavailable');
    }
    marker = names[names.length - 1] ?? '';
  }
  const res = await op.swift.call('DELETE', container, undefined);
  dropBody(res);
  if (!ok(res) && res.status !== 404) throw new S3Error('ServiceUnavailable');
}

export async function bucketLocation(op: S3Operation): Promise<SwiftResponse> {
  await headBucket(op);
  // us-east-1 is S3's "no constraint": an empty element.
  const location = op.config.location === 'us-east-1' ? '' : op.config.location;
  return xmlResponse(200, xmlRoot('LocationConstraint', []).replace('></LocationConstraint>', `>${xmlEscape(location)}</LocationConstraint>`));
}

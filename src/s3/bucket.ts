/**
 * Bucket operations, a bucket being a container of the caller's own account: ListBuckets,
 * CreateBucket (PUT, with an optional CreateBucketConfiguration naming the configured location),
 * HeadBucket, DeleteBucket (its `+segments` container too, as s3api) and GetBucketLocation.
 */
import type { SwiftResponse } from '../http/response.js';
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
  const body = await readSmallBody(op.session.body(), 64 * 1024);
  if (body.length > 0) {
    const config = parseXmlBody(body, 'CreateBucketConfiguration');
    const location = childText(config, 'LocationConstraint');
    if (location !== undefined && location !== op.config.location) {
      throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', { LocationConstraint: location });
    }
  }
  const acl = op.ctx.headers['x-amz-acl'];
  if (acl !== undefined && acl !== 'private') throw new S3Error('NotImplemented', 'Canned ACLs other than private are not implemented yet.');
  const res = await op.swift.call('PUT', op.bucket, undefined, { headers: { 'content-length': '0' } });
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
  // Uploads in progress keep their parts in `<bucket>+segments`: the bucket is not empty then.
  const segments = await op.swift.call('GET', op.bucket + SEGMENTS_SUFFIX, undefined, { query: { format: 'json', limit: '1' } });
  if (ok(segments) && segments.status !== 204) {
    const listed = JSON.parse((await bodyBytes(segments)).toString('utf8') || '[]') as unknown[];
    if (listed.length > 0) throw new S3Error('BucketNotEmpty', undefined, { BucketName: op.bucket });
  } else dropBody(segments);
  const res = await op.swift.call('DELETE', op.bucket, undefined);
  if (!ok(res)) throw swiftFailure(res, 'DELETE', op.bucket, undefined);
  dropBody(res);
  if (segments.status !== 404) dropBody(await op.swift.call('DELETE', op.bucket + SEGMENTS_SUFFIX, undefined));
  return { status: 204, headers: {}, body: '' };
}

export async function bucketLocation(op: S3Operation): Promise<SwiftResponse> {
  await headBucket(op);
  // us-east-1 is S3's "no constraint": an empty element.
  const location = op.config.location === 'us-east-1' ? '' : op.config.location;
  return xmlResponse(200, xmlRoot('LocationConstraint', []).replace('></LocationConstraint>', `>${xmlEscape(location)}</LocationConstraint>`));
}

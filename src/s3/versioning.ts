/**
 * Bucket versioning as Swift 2.30's s3api maps it onto Swift's object versioning (the
 * `X-Versions-Enabled` API): PutBucketVersioning is a container POST with `X-Versions-Enabled`
 * (Enabled: true, Suspended: false), GetBucketVersioning reads the container's versioning sysmeta
 * (never set: no Status; else Enabled or Suspended). Object versions are named by Swift's
 * `?version-id` (object.ts); this module also says whether a bucket has ever been versioned, which
 * decides, as in s3api, that a versionId of a never-versioned bucket names nothing.
 */
import type { SwiftResponse } from '../http/response.js';
import { S3Error } from './errors.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { dropBody, header } from './swift-call.js';
import { parseXmlBody, readSmallBody } from './xml-body.js';
import { childText } from './xml-parse.js';
import { xmlElement, xmlRoot } from './xml-write.js';

/** s3api's limit on a PutBucketVersioning body. */
const MAX_BODY = 10240;
const SYSMETA_ENABLED = 'x-container-sysmeta-versions-enabled';
const SYSMETA_CONTAINER = 'x-container-sysmeta-versions-container';
/** Object versioning's delete marker, as a `?versions` listing shows it. */
export const DELETE_MARKER_CONTENT_TYPE = 'application/x-deleted;swift_versions_deleted=1';
const TRUE_VALUES = new Set(['true', '1', 'yes', 'on', 't', 'y']);

interface BucketVersioning {
  /** The flag as last set (true/false); undefined when never set. */
  enabled: boolean | undefined;
  /** Whether versioning was ever enabled (the container has a versions container). */
  everVersioned: boolean;
}

/** The bucket's versioning state, from a container HEAD (sub-requests see sysmeta). */
export async function bucketVersioning(op: S3Operation): Promise<BucketVersioning> {
  const res = await op.swift.call('HEAD', op.bucket, undefined);
  dropBody(res);
  if (!ok(res)) throw swiftFailure(res, 'HEAD', op.bucket, undefined);
  const flag = header(res, SYSMETA_ENABLED);
  return {
    enabled: flag === undefined || flag === '' ? undefined : TRUE_VALUES.has(flag.toLowerCase()),
    everVersioned: (header(res, SYSMETA_CONTAINER) ?? '') !== '',
  };
}

export async function getBucketVersioning(op: S3Operation): Promise<SwiftResponse> {
  const { enabled } = await bucketVersioning(op);
  const status = enabled === undefined ? [] : [xmlElement('Status', enabled ? 'Enabled' : 'Suspended')];
  return xmlResponse(200, xmlRoot('VersioningConfiguration', status));
}

export async function putBucketVersioning(op: S3Operation): Promise<SwiftResponse> {
  const doc = parseXmlBody(await readSmallBody(op.session, MAX_BODY), 'VersioningConfiguration');
  const status = childText(doc, 'Status');
  if (status !== 'Enabled' && status !== 'Suspended') throw new S3Error('MalformedXML');
  // Object versioning makes (or keeps) the versions container itself.
  const res = await op.swift.call('POST', op.bucket, undefined, { headers: { 'x-versions-enabled': status === 'Enabled' ? 'true' : 'false' } });
  if (!ok(res)) throw swiftFailure(res, 'POST', op.bucket, undefined);
  dropBody(res);
  return { status: 200, headers: { 'content-length': '0' }, body: '' };
}

export function noSuchVersion(key: string, versionId: string): S3Error {
  return new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
}

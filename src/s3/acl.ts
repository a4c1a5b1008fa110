/**
 * S3 ACLs as Swift's s3api offers them without its `s3_acl` option: Swift's container ACLs are
 * the only ACLs there are, so
 * - a canned ACL (`x-amz-acl` on CreateBucket or PutBucketAcl, or the same expressed as an
 *   AccessControlPolicy body) becomes X-Container-Read / X-Container-Write (`public-read` is
 *   `.r:*,.rlistings`; `private` clears both);
 * - GetBucketAcl / GetObjectAcl answer the owner's FULL_CONTROL, plus AllUsers READ / WRITE when the
 *   container's ACLs let anyone (no Referer) read / write;
 * - object ACLs cannot be set (NotImplemented), as in s3api.
 */
import type { SwiftResponse } from '../http/response.js';
import { parseAcl, referrerAllowed } from '../auth/acl.js';
import { ownerId } from './bucket.js';
import { S3Error } from './errors.js';
import { ok, swiftFailure, xmlResponse, type S3Operation } from './operation.js';
import { dropBody } from './swift-call.js';
import { parseXmlBody, readSmallBody } from './xml-body.js';
import { childrenNamed, type XmlNode } from './xml-parse.js';
import { xmlElement, xmlRoot } from './xml-write.js';

const MAX_ACL_BODY = 200 * 1024;
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

const PRIVATE = { 'x-container-read': '.', 'x-container-write': '.' };
const CANNED: Record<string, Record<string, string>> = {
  private: PRIVATE,
  'public-read': { 'x-container-read': '.r:*,.rlistings' },
  // Swift has no public write without public read.
  'public-read-write': { 'x-container-read': '.r:*,.rlistings', 'x-container-write': '.r:*' },
  // No per-object ACLs in Swift: best effort, as s3api.
  'bucket-owner-full-control': PRIVATE,
  'bucket-owner-read': PRIVATE,
};

/** The container headers a canned ACL stands for; S3's errors for the ones Swift cannot express. */
export function cannedAclHeaders(acl: string): Record<string, string> {
  if (acl === 'authenticated-read' || acl === 'log-delivery-write') throw new S3Error('NotImplemented');
  const headers = CANNED[acl];
  if (!headers) throw new S3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: acl });
  return headers;
}

/** The canned ACL an AccessControlPolicy body amounts to (as s3api reads grants), or MalformedACLError. */
function cannedFromPolicy(policy: XmlNode): string {
  let acl = 'unknown';
  for (const list of childrenNamed(policy, 'AccessControlList')) {
    for (const grant of childrenNamed(list, 'Grant')) {
      const permission = childrenNamed(grant, 'Permission')[0]?.text;
      const grantee = childrenNamed(grant, 'Grantee')[0];
      // (The parser drops attributes: a Group grantee is told by its URI, a CanonicalUser by its ID.)
      const group = grantee !== undefined && childrenNamed(grantee, 'URI').length > 0;
      const user = grantee !== undefined && childrenNamed(grantee, 'ID').length > 0;
      if (permission === 'FULL_CONTROL' && user && acl !== 'public-read' && acl !== 'public-read-write') acl = 'private';
      else if (permission === 'READ' && group && acl !== 'public-read-write') acl = 'public-read';
      else if (permission === 'WRITE' && group) acl = 'public-read-write';
      else acl = 'unsupported';
    }
  }
  if (!(acl in CANNED)) throw new S3Error('MalformedACLError');
  return acl;
}

function grant(grantee: string[], type: 'CanonicalUser' | 'Group', permission: string): string {
  return `<Grant><Grantee xmlns:xsi="${XSI}" xsi:type="${type}">${grantee.join('')}</Grantee>${xmlElement('Permission', permission)}</Grant>`;
}

/** GetBucketAcl and GetObjectAcl. */
export async function getAcl(op: S3Operation, key: string | undefined): Promise<SwiftResponse> {
  const res = await op.swift.call('HEAD', op.bucket, key);
  dropBody(res);
  if (!ok(res)) throw swiftFailure(res, 'HEAD', op.bucket, key);
  const owner = ownerId(op);
  const grants = [grant([xmlElement('ID', owner), xmlElement('DisplayName', owner)], 'CanonicalUser', 'FULL_CONTROL')];
  const anyone = (header: string) => referrerAllowed(undefined, parseAcl(String(res.headers[header] ?? '')).referrers);
  if (anyone('x-container-read')) grants.push(grant([xmlElement('URI', ALL_USERS)], 'Group', 'READ'));
  if (anyone('x-container-write')) grants.push(grant([xmlElement('URI', ALL_USERS)], 'Group', 'WRITE'));
  return xmlResponse(200, xmlRoot('AccessControlPolicy', [
    xmlElement('Owner', [xmlElement('ID', owner), xmlElement('DisplayName', owner)]),
    xmlElement('AccessControlList', grants),
  ]));
}

/** PutBucketAcl (a canned header or a policy body, not both); PutObjectAcl is NotImplemented, as in s3api. */
export async function putAcl(op: S3Operation, key: string | undefined): Promise<SwiftResponse> {
  if (key !== undefined) throw new S3Error('NotImplemented');
  const body = await readSmallBody(op.session, MAX_ACL_BODY);
  const header = op.ctx.headers['x-amz-acl'];
  if (header !== undefined && body.length > 0) throw new S3Error('UnexpectedContent');
  if (header === undefined && body.length === 0) throw new S3Error('MissingSecurityHeader', undefined, { MissingHeaderName: 'x-amz-acl' });
  const canned = header ?? cannedFromPolicy(parseXmlBody(body, 'AccessControlPolicy'));
  const res = await op.swift.call('POST', op.bucket, undefined, { headers: cannedAclHeaders(canned) });
  dropBody(res);
  if (!ok(res)) throw swiftFailure(res, 'POST', op.bucket, undefined);
  return { status: 200, headers: { location: op.bucket, 'content-length': '0' }, body: '' };
}

/**
 * The S3 API on the Swift listener (Swift's s3api): a request carrying S3 authentication is
 * authenticated here (signature, time, payload), given the one identity its access key stands for
 * (never a service token, so never a SERVICE_ account's data), and served by S3 operations that act
 * on the caller's own account through Swift sub-requests, authorised by the Swift API's policy.
 * Every other request goes on to the Swift API unchanged. Errors are S3's XML.
 */
import type { PolicyConfig } from '../auth/policy-config.js';
import type { S3Config } from '../config/schema.js';
import type { RequestContext } from '../http/context.js';
import type { Handler, Middleware } from '../http/pipeline.js';
import type { SwiftResponse } from '../http/response.js';
import { authenticateS3, isS3Request } from './authenticate.js';
import { bucketLocation, createBucket, deleteBucket, headBucket, listBuckets } from './bucket.js';
import type { S3Authority } from './authority.js';
import { isS3Error, S3Error, s3ErrorResponse } from './errors.js';
import { listObjects, listObjectVersions } from './listing.js';
import { getAcl, putAcl } from './acl.js';
import { deleteObjects } from './multi-delete.js';
import { multipartOperation } from './multipart.js';
import { copyObject } from './copy.js';
import { deleteObject, getObject, putObject } from './object.js';
import { getBucketVersioning, putBucketVersioning } from './versioning.js';
import type { S3Operation } from './operation.js';
import { checkRequestHeaders } from './request-checks.js';
import { SwiftApi } from './swift-call.js';
import { parseS3Target, validBucketName } from './target.js';

export interface S3Deps {
  config: S3Config;
  policy: PolicyConfig;
  /** Who checks signatures: the built-in identity's secrets, or Keystone's /v3/s3tokens. */
  authority: S3Authority;
  /** The Swift API below authentication, where S3 operations' sub-requests go. */
  below: () => Handler;
}

/** Bucket sub-resources s3api serves that this one does not yet: NotImplemented rather than a wrong answer. */
const UNIMPLEMENTED_BUCKET = ['cors', 'lifecycle', 'logging', 'notification', 'policy', 'replication', 'requestPayment', 'tagging', 'website', 'object-lock', 'encryption', 'accelerate', 'inventory', 'analytics', 'metrics', 'ownershipControls', 'publicAccessBlock', 'intelligent-tiering'];
const UNIMPLEMENTED_OBJECT = ['tagging', 'torrent', 'restore', 'retention', 'legal-hold', 'select', 'attributes'];

function requestId(ctx: RequestContext): string {
  return ctx.transId;
}

async function bucketOperation(op: S3Operation): Promise<SwiftResponse> {
  const { method, query } = op.ctx;
  const sub = UNIMPLEMENTED_BUCKET.find((s) => query.has(s));
  if (sub !== undefined) throw new S3Error('NotImplemented', `The ${sub} sub-resource is not implemented yet.`);
  if (query.has('acl')) return aclOperation(op, undefined);
  if (query.has('versioning')) {
    if (method === 'GET') return getBucketVersioning(op);
    if (method === 'PUT') return putBucketVersioning(op);
    throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'VERSIONING' });
  }
  if (query.has('versions')) {
    if (method !== 'GET') throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'BUCKET' });
    return listObjectVersions(op);
  }
  if (query.has('uploads')) return multipartOperation(op);
  if (method === 'GET' && query.has('location')) return bucketLocation(op);
  if (method === 'POST' && query.has('delete')) return deleteObjects(op);
  switch (method) {
    case 'GET': return listObjects(op);
    case 'HEAD': return headBucket(op);
    case 'PUT': return createBucket(op);
    case 'DELETE': return deleteBucket(op);
    default: throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'BUCKET' });
  }
}

function aclOperation(op: S3Operation, key: string | undefined): Promise<SwiftResponse> {
  if (op.ctx.method === 'GET') return getAcl(op, key);
  if (op.ctx.method === 'PUT') return putAcl(op, key);
  throw new S3Error('MethodNotAllowed', undefined, { Method: op.ctx.method, ResourceType: 'ACL' });
}

async function objectOperation(op: S3Operation): Promise<SwiftResponse> {
  const { method, query, headers } = op.ctx;
  const sub = UNIMPLEMENTED_OBJECT.find((s) => query.has(s));
  if (sub !== undefined) throw new S3Error('NotImplemented', `The ${sub} sub-resource is not implemented yet.`);
  if (query.has('acl')) return aclOperation(op, op.key);
  if (query.has('uploadId') || query.has('uploads')) return multipartOperation(op);
  switch (method) {
    case 'GET': return getObject(op, false);
    case 'HEAD': return getObject(op, true);
    case 'PUT': return headers['x-amz-copy-source'] !== undefined ? copyObject(op) : putObject(op);
    case 'DELETE': return deleteObject(op);
    default: throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'OBJECT' });
  }
}

export function s3Api(deps: S3Deps): Middleware {
  const domains = deps.config.storage_domain.split(',').map((d) => d.trim().toLowerCase()).filter((d) => d !== '');
  const firstPrefix = deps.policy.prefixes[0] ?? '';
  return async (ctx, next) => {
    if (!deps.config.enabled || !isS3Request(ctx)) return next(ctx);
    const id = requestId(ctx);
    let res: SwiftResponse;
    let authenticated = false;
    try {
      const target = parseS3Target(ctx, domains);
      const session = await authenticateS3(ctx, deps.authority, deps.config.allowable_clock_skew, target.hostBucket);
      // The S3 identity is the only one: tokens the client sent along are not looked at.
      ctx.identity = session.identity;
      authenticated = true;
      const account = firstPrefix + (session.identity.projectId ?? '');
      checkRequestHeaders(ctx.method, ctx.headers);
      const op: S3Operation = {
        ctx, session, swift: new SwiftApi(ctx, deps.below(), account), config: deps.config,
        bucket: target.bucket ?? '', key: target.key ?? '', requestId: id,
      };
      if (target.bucket === undefined) {
        if (ctx.method !== 'GET') throw new S3Error('MethodNotAllowed', undefined, { Method: ctx.method, ResourceType: 'SERVICE' });
        res = await listBuckets(op);
      } else if (!validBucketName(target.bucket)) {
        throw new S3Error('InvalidBucketName', undefined, { BucketName: target.bucket });
      } else {
        res = target.key === undefined ? await bucketOperation(op) : await objectOperation(op);
      }
    } catch (err) {
      if (!isS3Error(err)) {
        console.error(`${id}: S3 request failed`, err);
        res = s3ErrorResponse(new S3Error('InternalError'), id);
      } else {
        res = s3ErrorResponse(err, id);
        // An authenticated client refused before its body was read (a document over the limit) gets
        // the error once it has sent the body, as from Swift's server; a stranger's is not read.
        if (authenticated) res.drainBody = true;
      }
    }
    res.headers['x-amz-request-id'] = id;
    res.headers['x-amz-id-2'] = id;
    return res;
  };
}

/** What every S3 operation gets, and how Swift's answers become S3's errors (s3api's code map). */
import type { RequestContext } from '../http/context.js';
import type { SwiftResponse } from '../http/response.js';
import type { S3Config } from '../config/schema.js';
import type { S3Session } from './authenticate.js';
import { S3Error } from './errors.js';
import { dropBody, type SwiftApi } from './swift-call.js';

export interface S3Operation {
  ctx: RequestContext;
  session: S3Session;
  swift: SwiftApi;
  config: S3Config;
  bucket: string;
  key: string;
  requestId: string;
}

/** The S3 error for a failed Swift answer on a bucket (container) or an object. */
export function swiftFailure(res: SwiftResponse, method: string, bucket: string | undefined, key: string | undefined): S3Error {
  dropBody(res);
  const s = res.status;
  if (s === 401 || s === 403) return new S3Error('AccessDenied');
  if (s === 404) {
    if (key !== undefined) return method === 'PUT' ? new S3Error('NoSuchBucket', undefined, { BucketName: bucket ?? '' }) : new S3Error('NoSuchKey', undefined, { Key: key });
    return new S3Error('NoSuchBucket', undefined, { BucketName: bucket ?? '' });
  }
  if (s === 409 && key === undefined && method === 'DELETE') return new S3Error('BucketNotEmpty', undefined, { BucketName: bucket ?? '' });
  if (s === 411) return new S3Error('MissingContentLength');
  if (s === 412) return new S3Error('PreconditionFailed');
  if (s === 413) return new S3Error('EntityTooLarge');
  if (s === 416) return new S3Error('InvalidRange');
  if (s === 422) return new S3Error('BadDigest');
  if (s === 408 || s === 499) return new S3Error('IncompleteBody', 'Your socket connection to the server was not read from or written to within the timeout period.');
  if (s === 507 || s === 503) return new S3Error('ServiceUnavailable');
  if (s === 400) return new S3Error('InvalidArgument', 'Invalid argument');
  return new S3Error('InternalError');
}

export function ok(res: SwiftResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

export function xmlResponse(status: number, body: string, headers: Record<string, string> = {}): SwiftResponse {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body };
}

/**
 * An S3 request with a method no S3 operation has (`GETPUT`): s3api answers 405 MethodNotAllowed
 * as S3's XML, naming the method and the resource type, before any signature check (nothing is
 * read or done). Node's HTTP parser refuses such a method before any handler runs, so the edge asks
 * this, with the request line and headers it parsed itself (src/http/client-errors.ts); requests
 * that are not S3's get Swift's 405.
 */
import { decodePath } from '../http/context.js';
import type { S3Config } from '../config/schema.js';
import type { RawAnswer } from '../http/client-errors.js';
import { isS3Request } from './authenticate.js';
import { S3Error, s3ErrorResponse } from './errors.js';
import { parseS3Target } from './target.js';

export function s3UnknownMethod(config: S3Config): (method: string, target: string, headers: Record<string, string>, requestId: string) => RawAnswer | undefined {
  const domains = config.storage_domain.split(',').map((d) => d.trim().toLowerCase()).filter((d) => d !== '');
  return (method, target, headers, requestId) => {
    const q = target.indexOf('?');
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    if (!config.enabled || !isS3Request({ headers, query })) return undefined;
    const path = decodePath(q === -1 ? target : target.slice(0, q)) ?? '/';
    const where = parseS3Target({ headers, path }, domains);
    const resourceType = where.bucket === undefined ? 'SERVICE' : where.key === undefined ? 'BUCKET' : 'OBJECT';
    const res = s3ErrorResponse(new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: resourceType }), requestId);
    return { status: `${res.status} Method Not Allowed`, headers: { 'Content-Type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': requestId }, body: String(res.body) };
  };
}

/**
 * If-Match and If-None-Match of a GET or HEAD, held against the object's S3 ETag, as s3api has
 * Swift do it (X-Backend-Etag-Is-At pointing at the s3api ETag sysmeta): a multipart upload's
 * `<md5>-<n>` matches, its Swift ETag does not; an object without that sysmeta is matched on its
 * Swift ETag, and `<etag>-N` (how listings show an SLO made through Swift) also matches `<etag>`.
 * The date conditions stay with Swift; each is left out when its ETag partner is present, as
 * RFC 7232 ignores it then.
 */
import type { SwiftResponse } from '../http/response.js';
import { S3Error } from './errors.js';
import { dropBody, header } from './swift-call.js';

export interface EtagConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

const SENT = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

/** The headers of the Swift read, and the ETag conditions kept back to check on its answer. */
export function splitConditions(h: Record<string, string>): { send: Record<string, string>; etag: EtagConditions } {
  const send: Record<string, string> = {};
  for (const name of SENT) {
    const v = h[name];
    if (v !== undefined) send[name] = v;
  }
  const etag: EtagConditions = {};
  if (send['if-match'] !== undefined) {
    etag.ifMatch = send['if-match'];
    delete send['if-match'];
    delete send['if-unmodified-since'];
  }
  if (send['if-none-match'] !== undefined) {
    etag.ifNoneMatch = send['if-none-match'];
    delete send['if-none-match'];
    delete send['if-modified-since'];
  }
  return { send, etag };
}

function normalize(tag: string): string {
  const t = tag.trim().replace(/^W\//, '');
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function matches(list: string, etag: string): boolean {
  return list.split(',').some((raw) => {
    const v = normalize(raw);
    return v === '*' || v === etag || (v.endsWith('-N') && v.slice(0, -2) === etag);
  });
}

/**
 * Applies the kept-back conditions to Swift's answer (200, 206 or 304): If-Match failing is
 * PreconditionFailed; If-None-Match matching is a 304 (its body dropped).
 */
export function applyEtagConditions(res: SwiftResponse, conditions: EtagConditions): 'ok' | 'not-modified' {
  if (conditions.ifMatch === undefined && conditions.ifNoneMatch === undefined) return 'ok';
  const etag = normalize(header(res, 'x-object-sysmeta-s3api-etag') ?? header(res, 'etag') ?? '');
  if (conditions.ifMatch !== undefined && !matches(conditions.ifMatch, etag)) {
    dropBody(res);
    throw new S3Error('PreconditionFailed');
  }
  if (conditions.ifNoneMatch !== undefined && matches(conditions.ifNoneMatch, etag)) {
    dropBody(res);
    return 'not-modified';
  }
  return 'ok';
}

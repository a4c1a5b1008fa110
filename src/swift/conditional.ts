/**
 * Conditional GET/HEAD/PUT as Swift evaluates them: If-Match / If-None-Match against the ETag
 * (quotes ignored, `*` matches any existing object), then If-Modified-Since / If-Unmodified-Since
 * against Last-Modified (whole seconds).
 */
import { parseHttpDate } from './timestamp.js';

function etagList(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter((t) => t !== '');
}

export function etagMatches(header: string, etag: string | undefined): boolean {
  const tags = etagList(header);
  if (tags.includes('*')) return etag !== undefined;
  return etag !== undefined && tags.includes(etag);
}

/** 304, 412 or undefined (go ahead) for a read of an object with this ETag and timestamp. */
export function evaluateConditions(
  headers: Record<string, string>, etag: string, timestamp: number, method: string,
): 304 | 412 | undefined {
  const lastModified = Math.ceil(timestamp);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined && !etagMatches(ifMatch, etag)) return 412;
  const ifNoneMatch = headers['if-none-match'];
  const isRead = method === 'GET' || method === 'HEAD';
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) return isRead ? 304 : 412;
  const ims = headers['if-modified-since'];
  if (ims !== undefined && ifNoneMatch === undefined && isRead) {
    const since = parseHttpDate(ims);
    if (since !== undefined && lastModified <= since) return 304;
  }
  const ius = headers['if-unmodified-since'];
  if (ius !== undefined) {
    const since = parseHttpDate(ius);
    if (since !== undefined && lastModified > since) return 412;
  }
  return undefined;
}

/**
 * Dynamic Large Objects, as Swift's dlo middleware: an object with `X-Object-Manifest: <container>/<prefix>`
 * reads as the concatenation of the objects listed under that prefix (container listing order). The
 * listing and every segment are sub-requests authorised again for the caller (docs/auth-rules.md D10). ETag is the
 * quoted MD5 of the segments' ETags, Content-Length their total (both only when one listing page
 * holds every segment); one byte range is honoured across segments; `?multipart-manifest=get` reads
 * the manifest object itself.
 */
import type { RequestContext } from '../../http/context.js';
import { decodePath } from '../../http/context.js';
import { SwiftError } from '../../http/errors.js';
import type { Handler, Middleware } from '../../http/pipeline.js';
import type { HeaderMap, SwiftResponse } from '../../http/response.js';
import { defaultErrorBody } from '../../http/status.js';
import { parseTarget } from '../../controllers/router.js';
import { createHash } from 'node:crypto';
import { evaluateConditions } from '../../swift/conditional.js';
import { rangesFor } from '../../swift/ranges.js';
import {
  discard, headerValue, normalizeEtag, readBody, SegmentedBody, SegmentError, subrequest, type Piece,
} from './segments.js';

interface ListingEntry { name: string; bytes: number; hash: string }

/** Swift's _validate_x_object_manifest_header. */
function checkManifestHeader(value: string): void {
  const slash = value.indexOf('/');
  const container = slash === -1 ? '' : value.slice(0, slash);
  const prefix = slash === -1 ? '' : value.slice(slash + 1);
  if (!container || !prefix || value.includes('?') || value.includes('&') || prefix.startsWith('/')) {
    throw new SwiftError('BadManifestHeader');
  }
}

/** Number of byte-range specs in a syntactically valid Range header. */
function rangeSpecCount(header: string): number {
  return header.replace(/ /g, '').slice('bytes='.length).split(',').length;
}

/** The Swift timestamp of a response (X-Timestamp), for If-Modified-Since and friends. */
export function responseTimestamp(headers: HeaderMap): number {
  const ts = Number(headerValue(headers, 'x-timestamp'));
  return Number.isFinite(ts) ? ts : 0;
}

/** swob's conditional response for a large object: 304 / 412, or undefined to send it. */
export function conditionalResponse(ctx: RequestContext, headers: HeaderMap, etag: string | undefined): SwiftResponse | undefined {
  const verdict = evaluateConditions(ctx.headers, etag ?? '', responseTimestamp(headers), ctx.method);
  if (verdict === 304) return { status: 304, headers: { ...headers, 'content-length': '0' } };
  if (verdict === 412) {
    const { 'accept-ranges': _dropped, ...rest } = headers;
    return { status: 412, headers: { ...rest, 'content-type': 'text/html; charset=UTF-8', 'content-length': '0' }, body: '' };
  }
  return undefined;
}

export function dloMiddleware(below: () => Handler, listingLimit: () => number): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target || target.object === undefined || target.container === undefined) return next(ctx);
    if (ctx.method === 'PUT' || ctx.method === 'POST') {
      // POST sets X-Object-Manifest as PUT does, so it is checked the same way (Swift 2.30 checks
      // only PUT, and a POSTed `container` without a prefix then broke every GET of the object).
      const manifest = ctx.headers['x-object-manifest'];
      if (manifest !== undefined) checkManifestHeader(manifest);
      return next(ctx);
    }
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.query.get('multipart-manifest') === 'get') return next(ctx);
    let res = await next(ctx);
    if (headerValue(res.headers, 'x-object-manifest') === undefined) return res;
    discard(res);
    if (res.status === 206 || res.status === 416) {
      // Swift's object server ignores a Range on a manifest (X-Backend-Ignore-Range-If-Metadata-Present):
      // read the manifest's headers again as if no Range had been sent.
      const { range: _range, ...headers } = ctx.headers;
      res = await below()({ ...ctx, method: 'HEAD', headers, query: new URLSearchParams({ 'multipart-manifest': 'get' }), internal: true });
      const again = headerValue(res.headers, 'x-object-manifest');
      if (again === undefined) return res;
    }
    const value = decodePath(headerValue(res.headers, 'x-object-manifest') ?? '') ?? '';
    const slash = value.indexOf('/');
    if (slash === -1) return res;
    return dloResponse(ctx, below(), target.version, target.account, value.slice(0, slash), value.slice(slash + 1), res.headers, listingLimit());
  };
}

async function listSegments(
  ctx: RequestContext, below: Handler, version: string, account: string, container: string, prefix: string, marker?: string,
): Promise<{ error: SwiftResponse } | { entries: ListingEntry[] }> {
  const query: Record<string, string> = { prefix, format: 'json' };
  if (marker !== undefined) query['marker'] = marker;
  const res = await below(subrequest(ctx, 'GET', `/${version}/${account}/${container}`, query));
  if (res.status < 200 || res.status > 299) {
    if (ctx.method === 'HEAD') {
      discard(res);
      res.body = '';
    }
    return { error: res };
  }
  const body = await readBody(res);
  const entries = (body.length ? JSON.parse(body.toString('utf8')) : []) as (ListingEntry | { subdir: string })[];
  return { entries: entries.filter((e): e is ListingEntry => 'name' in e) };
}

async function dloResponse(
  ctx: RequestContext, below: Handler, version: string, account: string, container: string, prefix: string,
  manifestHeaders: HeaderMap, limit: number,
): Promise<SwiftResponse> {
  const listed = await listSegments(ctx, below, version, account, container, prefix);
  if ('error' in listed) return listed.error;
  const segments = listed.entries;
  const complete = segments.length < limit;
  const firstPageBytes = segments.reduce((n, s) => n + Number(s.bytes), 0);

  let range: [number, number] | undefined; // inclusive
  let rangeLength: number | undefined; // the length Content-Range names
  const rangeHeader = ctx.headers['range'];
  const parsed = rangeHeader !== undefined ? rangesFor(rangeHeader, Number.MAX_SAFE_INTEGER) : undefined;
  if (rangeHeader !== undefined && parsed !== undefined && rangeSpecCount(rangeHeader) === 1) {
    // Swift can only tell whether a range is satisfiable from a complete listing, or when the range
    // ends within the first page; otherwise the Range is ignored and the whole object sent.
    const spec = /^bytes=(\d*)-(\d*)$/i.exec(rangeHeader.replace(/ /g, ''));
    const end = spec && spec[1] !== '' && spec[2] !== '' ? Number(spec[2]) + 1 : Infinity;
    if (complete || end < firstPageBytes) {
      const ranges = rangesFor(rangeHeader, firstPageBytes) ?? [];
      const satisfiable = ranges[0];
      if (!satisfiable) {
        const headers: Record<string, string> = { 'accept-ranges': 'bytes', 'content-type': 'text/html; charset=UTF-8' };
        if (complete) headers['content-range'] = `bytes */${firstPageBytes}`;
        return { status: 416, headers, body: defaultErrorBody(416) };
      }
      range = [satisfiable[0], satisfiable[1] - 1];
      rangeLength = firstPageBytes;
    }
  }

  const headers: HeaderMap = {};
  for (const [k, v] of Object.entries(manifestHeaders)) {
    if (k !== 'content-length' && k !== 'content-range') headers[k] = v;
  }
  let total: number | undefined;
  if (complete) {
    total = firstPageBytes;
    const md5 = createHash('md5');
    for (const s of segments) md5.update(normalizeEtag(s.hash) ?? '');
    headers['etag'] = `"${md5.digest('hex')}"`;
  }
  const conditional = conditionalResponse(ctx, headers, normalizeEtag(headerValue(headers, 'etag')));
  if (conditional) return conditional;

  // swob applies a Range only to a body: a HEAD answers 200 with the whole length.
  if (ctx.method === 'HEAD' && range) {
    range = undefined;
    if (rangeLength !== undefined && total === undefined) headers['content-length'] = String(rangeLength);
  }
  const status = range ? 206 : 200;
  if (range) {
    headers['content-range'] = `bytes ${range[0]}-${range[1]}/${String(rangeLength)}`;
    headers['content-length'] = String(range[1] - range[0] + 1);
  } else if (total !== undefined) {
    headers['content-length'] = String(total);
  }
  if (ctx.method === 'HEAD') return { status, headers };

  const expected = range ? range[1] - range[0] + 1 : total;
  const pieces = segmentPieces(ctx, below, version, account, container, prefix, segments, limit, range);
  const body = new SegmentedBody(ctx, below, pieces, expected);
  const failed = await body.validateFirstSegment();
  if (failed) {
    body.close();
    return failed;
  }
  return { status, headers, body: body.stream() };
}

/** Swift's _segment_listing_iterator: the pieces a (ranged) read needs, fetching more listing pages as it goes. */
async function* segmentPieces(
  ctx: RequestContext, below: Handler, version: string, account: string, container: string, prefix: string,
  firstPage: ListingEntry[], limit: number, range: [number, number] | undefined,
): AsyncGenerator<Piece> {
  let first = range ? range[0] : 0;
  let last = range ? range[1] : Infinity;
  let segments = firstPage;
  for (;;) {
    for (const seg of segments) {
      const length = Number(seg.bytes);
      if (first >= length) {
        first = Math.max(first - length, -1);
        last = Math.max(last - length, -1);
        continue;
      }
      if (last < 0) return;
      const piece: Piece = { path: `/${version}/${account}/${container}/${seg.name}` };
      if (first > 0) piece.first = first;
      if (last < length - 1) piece.last = last;
      yield piece;
      first = Math.max(first - length, -1);
      last = Math.max(last - length, -1);
    }
    if (segments.length < limit || last < 0) return;
    const marker = segments[segments.length - 1]?.name ?? '';
    const listed = await listSegments(ctx, below, version, account, container, prefix, marker);
    if ('error' in listed) {
      discard(listed.error);
      throw new SegmentError(`got ${listed.error.status} listing container /${account}/${container}`);
    }
    segments = listed.entries;
  }
}

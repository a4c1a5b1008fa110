/**
 * What DLO and SLO share: sub-requests made on the user's behalf (they re-enter the pipeline below
 * authentication and are authorised again, docs/auth-rules.md D10) and the segmented body, Swift's
 * SegmentedIterable: segments are fetched one after another and streamed, each checked against what
 * the manifest or listing promised (status, ETag, size, MD5 of the bytes). A failure before the first
 * byte is an error response (409, or 503 for a server error); a failure later ends the body early, so
 * the client sees a cut connection rather than wrong bytes.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RequestContext } from '../../http/context.js';
import type { Handler } from '../../http/pipeline.js';
import type { HeaderMap, SwiftResponse } from '../../http/response.js';
import { defaultErrorBody } from '../../http/status.js';

/** A segment or manifest is not what it should be (Swift's SegmentError / ListingIterError). */
export class SegmentError extends Error {}

/** A segment answered with a server error: 503 before the body starts (Swift's HTTPServiceUnavailable). */
export class SegmentUnavailable extends Error {}

export const TRUE_VALUES = /^(true|1|yes|on|t|y)$/i;

/** `/v1/a/c/o` (decoded) → the percent-encoded form of a raw path. */
export function encodePath(path: string): string {
  return path.split('/').map((p) => encodeURIComponent(p)).join('/');
}

/** One header value as a string (first of a repeated header). */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : v;
}

/** An ETag without quotes (Swift's normalize_etag). */
export function normalizeEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const t = etag.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
}

/** `application/octet-stream;swift_bytes=12` → `application/octet-stream` (Swift's clean_content_type). */
export function cleanContentType(value: string): string {
  const i = value.lastIndexOf(';');
  if (i !== -1 && value.slice(i + 1).trimStart().startsWith('swift_bytes=')) return value.slice(0, i);
  return value;
}

/**
 * Ends a body stream we are done with. A blob body is an fs.ReadStream over a descriptor the blob
 * reader owns: destroying it would close that descriptor, and the reader closes it again on 'close'
 * (a double close that can hit a descriptor just reused by the next segment's open, and whose EBADF
 * rejection is unhandled). Detach the descriptor first so that only the reader closes it, once.
 */
export function release(stream: Readable): void {
  const s = stream as Readable & { fd?: unknown };
  if (typeof s.fd === 'number') s.fd = null;
  stream.destroy();
}

/** Drops a response body we will not send (closing the blob reader behind it). */
export function discard(res: SwiftResponse): void {
  if (res.body instanceof Readable) release(res.body);
}

/**
 * Whether a request that must have no body (a symlink, a version made current again) sends one:
 * a Content-Length other than 0, or, when chunked, any byte read from it.
 */
export async function sendsBody(ctx: RequestContext): Promise<boolean> {
  const length = ctx.headers['content-length'];
  if (length !== undefined) return length.trim() !== '0';
  let any = false;
  for await (const chunk of ctx.body()) if ((chunk as Buffer).length > 0) any = true;
  return any;
}

/** Reads a (small) response body fully: manifests and listings, never object data. */
export async function readBody(res: SwiftResponse, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const body = res.body;
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      n += b.length;
      if (n > limit) throw new SegmentError('body too large');
      chunks.push(b);
    }
  } finally {
    release(body);
  }
  return Buffer.concat(chunks);
}

/** The headers a sub-request carries: the caller's credentials (and Referer, for referrer ACLs). */
const CREDENTIALS = ['x-auth-token', 'x-service-token', 'referer'];

/**
 * A sub-request for the same user: enters the pipeline below authentication with the caller's
 * identity and is authorised again by the router like any request.
 */
export function subrequest(
  ctx: RequestContext, method: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {},
): RequestContext {
  const h: Record<string, string> = {};
  for (const name of CREDENTIALS) {
    const v = ctx.headers[name];
    if (v !== undefined) h[name] = v;
  }
  Object.assign(h, headers);
  return {
    ...ctx,
    method,
    path,
    rawPath: encodePath(path),
    query: new URLSearchParams(query),
    headers: h,
    internal: true,
    body: () => Readable.from([]),
    bodyTaken: () => true,
  };
}

/** An object-backed piece of a large object: bytes [first, last] (inclusive) of the object at `path`. */
export interface ObjectPiece {
  /** Decoded `/v1/<account>/<container>/<object>`. */
  path: string;
  first?: number;
  last?: number;
  /** What the manifest recorded (SLO); the segment must still have it. */
  etag?: string;
  size?: number;
}

/** Inline bytes of an SLO `data` segment. */
export interface DataPiece { data: Buffer }

export type Piece = ObjectPiece | DataPiece;

function isData(p: Piece): p is DataPiece {
  return 'data' in p;
}

interface OpenSegment { piece: ObjectPiece; res: SwiftResponse; ranged: boolean }

/**
 * Swift's SegmentedIterable: `pieces` is consumed lazily (listings and sub-manifests are fetched as
 * the body goes), `expectedLength` (when known) is enforced.
 */
export class SegmentedBody {
  private readonly iterator: AsyncIterator<Piece>;
  private firstPiece: Piece | undefined;
  private firstOpen: OpenSegment | undefined;
  private firstDone = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly below: Handler,
    pieces: AsyncIterable<Piece>,
    private readonly expectedLength: number | undefined,
  ) {
    this.iterator = pieces[Symbol.asyncIterator]();
  }

  /**
   * Fetches the first segment before any header is sent. Returns the error response to send instead
   * (409 Conflict for a missing or changed segment, 503 for a server error), or undefined.
   */
  async validateFirstSegment(): Promise<SwiftResponse | undefined> {
    try {
      const next = await this.iterator.next();
      this.firstDone = true;
      if (next.done) return undefined;
      this.firstPiece = next.value;
      if (!isData(next.value)) this.firstOpen = await this.open(next.value);
      return undefined;
    } catch (err) {
      if (err instanceof SegmentUnavailable) {
        return { status: 503, headers: { 'content-type': 'text/plain' }, body: defaultErrorBody(503) };
      }
      if (err instanceof SegmentError) {
        return { status: 409, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: defaultErrorBody(409) };
      }
      throw err;
    }
  }

  private async open(piece: ObjectPiece): Promise<OpenSegment> {
    const headers: Record<string, string> = {};
    const first = piece.first ?? 0;
    const toEnd = piece.last === undefined || (piece.size !== undefined && piece.last === piece.size - 1);
    const ranged = first !== 0 || !toEnd;
    if (ranged) headers['range'] = `bytes=${first}-${toEnd ? '' : String(piece.last)}`;
    const res = await this.below(subrequest(this.ctx, 'GET', piece.path, { 'multipart-manifest': 'get' }, headers));
    if (res.status < 200 || res.status > 299) {
      discard(res);
      if (res.status >= 500) throw new SegmentUnavailable(`${res.status} while retrieving ${piece.path}`);
      throw new SegmentError(`got ${res.status} while retrieving ${piece.path}`);
    }
    const etag = normalizeEtag(headerValue(res.headers, 'etag'));
    const length = Number(headerValue(res.headers, 'content-length'));
    if ((piece.etag && etag !== piece.etag) || (piece.size && length !== piece.size && !ranged)) {
      discard(res);
      throw new SegmentError(`segment no longer valid: ${piece.path}`);
    }
    return { piece, res, ranged };
  }

  private async *segmentBytes(open: OpenSegment): AsyncGenerator<Buffer> {
    const { res, ranged } = open;
    const etag = normalizeEtag(headerValue(res.headers, 'etag'));
    const expected = Number(headerValue(res.headers, 'content-length'));
    const hash = etag && !ranged ? createHash('md5') : undefined;
    let n = 0;
    const body = res.body;
    const source: AsyncIterable<unknown> | Iterable<unknown> = body instanceof Readable ? body.iterator({ destroyOnReturn: false })
      : [typeof body === 'string' ? Buffer.from(body, 'utf8') : body ?? Buffer.alloc(0)];
    try {
      for await (const chunk of source) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        if (b.length === 0) continue;
        hash?.update(b);
        n += b.length;
        yield b;
      }
    } finally {
      if (body instanceof Readable) release(body);
    }
    if (hash) {
      if (n !== expected) throw new SegmentError(`bad response length for ${open.piece.path}`);
      if (hash.digest('hex') !== etag) throw new SegmentError(`bad MD5 checksum for ${open.piece.path}`);
    }
  }

  private async *pieceBytes(): AsyncGenerator<Buffer> {
    if (!this.firstDone) {
      const err = await this.validateFirstSegment();
      if (err) throw new SegmentError(`first segment failed with ${err.status}`);
    }
    const first = this.firstPiece;
    this.firstPiece = undefined;
    if (first !== undefined) {
      if (isData(first)) {
        if (first.data.length > 0) yield first.data;
      } else if (this.firstOpen) {
        yield* this.segmentBytes(this.firstOpen);
      }
    }
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) return;
      const piece = next.value;
      if (isData(piece)) {
        if (piece.data.length > 0) yield piece.data;
        continue;
      }
      yield* this.segmentBytes(await this.open(piece));
    }
  }

  /** The bytes, counted against the expected length: too many or too few ends the stream with an error. */
  async *bytes(): AsyncGenerator<Buffer> {
    let left = this.expectedLength;
    try {
      for await (const chunk of this.pieceBytes()) {
        if (left === undefined) {
          yield chunk;
        } else if (left >= chunk.length) {
          left -= chunk.length;
          yield chunk;
        } else {
          if (left > 0) yield chunk.subarray(0, left);
          throw new SegmentError('too many bytes for the large object');
        }
      }
    } finally {
      if (this.firstOpen) discard(this.firstOpen.res);
    }
    if (left) throw new SegmentError(`expected another ${left} bytes`);
  }

  stream(): Readable {
    return Readable.from(this.bytes(), { objectMode: false });
  }

  /** Closes what was opened when the body will not be sent after all (HEAD, errors). */
  close(): void {
    if (this.firstOpen) discard(this.firstOpen.res);
    void this.iterator.return?.();
  }
}

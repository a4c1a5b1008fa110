import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { Identity } from '../auth/identity.js';

/** Everything a middleware or controller knows about one request. Header names are lower-case. */
export interface RequestContext {
  method: string;
  /** The path as sent, still percent-encoded, without the query string. */
  rawPath: string;
  /** The decoded path (valid UTF-8, checked at the edge). */
  path: string;
  query: URLSearchParams;
  /** The query string as sent (without `?`), for signatures computed over it (S3). */
  rawQuery?: string;
  headers: Record<string, string>;
  /**
   * The client's headers as sent (Node's rawHeaders: name, value, name, value…, names as the client
   * wrote them, `_` kept, repeats apart): S3 signs them so, and keeps `x-amz-meta-a_b` apart from
   * `x-amz-meta-a-b` (s3api reads eventlet's raw headers the same way). Only on the client's own request.
   */
  rawHeaders?: readonly string[];
  transId: string;
  /** "scheme://host[:port]" as the client addressed us, for storage URLs. */
  origin: string;
  /** Set by authentication; absent for anonymous requests. */
  identity?: Identity;
  /** True for sub-requests made by features (copy); they skip authentication but not authorization. */
  internal: boolean;
  /** The client's IP address as the socket reports it (for `temp_url_ip_range`). */
  remoteAddress: string;
  /**
   * Set by a middleware that authorised the request itself, for authorisation to allow this account
   * (or only this container) and nothing else, tokens ignored: tempurl for a request signed with a
   * valid temporary URL, versioned writes for its own archive copies (which the account's owner
   * configured). Sub-requests (DLO/SLO segments, symlink targets) inherit it.
   */
  grantScope?: GrantScope;
  /**
   * The client's `X-Timestamp`, which the gatekeeper takes out of the headers (Swift's gatekeeper
   * shunts it aside the same way); only a container-sync request with a valid signature gets it back.
   */
  inboundTimestamp?: string;
  /** The timestamp a validly signed container-sync PUT or DELETE carries: the write keeps the source's time. */
  syncTimestamp?: number;
  /**
   * Lookups made while serving this request (account and container records), so that authorization,
   * features and controllers do not read the same record several times. Shared with sub-requests.
   */
  memo: Map<string, Promise<unknown>>;
  /**
   * Set when the access log is on (src/observe): who made this request (Swift's `swift.source`, e.g.
   * `SLO` for a segment read; absent for the client's own request) and what its log line needs that
   * the context does not otherwise carry. Sub-requests get their own, made by the middleware that issues them.
   */
  log?: LogNote;
  /** The request body; reading it sends `100 Continue` first when the client asked for it. */
  body(): Readable;
  /** Whether the body stream was ever handed out (an unread body means the connection must close). */
  bodyTaken(): boolean;
}

export interface LogNote {
  /** The client's protocol (`HTTP/1.1`): sub-requests log their client's, as Swift copies SERVER_PROTOCOL. */
  protocol: string;
  /** Swift's `swift.source`: the middleware that made this sub-request; absent for a client request. */
  source?: string;
  /** The storage policy of the container addressed, once its record was read (Swift's policy_index field). */
  policyIndex?: number;
}

export interface GrantScope {
  account: string;
  /** Present when a container's key signed the URL. */
  container?: string;
}

/** `tx<21 hex>-<10 hex of unix time>`, as Swift's transaction ids. */
export function newTransId(): string {
  const time = Math.floor(Date.now() / 1000).toString(16).padStart(10, '0');
  return `tx${randomHex(11).slice(0, 21)}-${time}`;
}

/** Random hex from a pooled buffer: ids need uniqueness, not secrecy, and randomBytes per request is costly. */
let pool = Buffer.alloc(0);
let poolOffset = 0;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const out = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

/**
 * Strictly decodes percent-escapes into UTF-8; undefined when the bytes are not valid UTF-8 or hold
 * NUL. `allowReserved` lets NUL through, for paths into the reserved namespace that only features
 * build (swift/reserved-names.ts), never for what a client sent.
 */
export function decodePath(raw: string, allowReserved = false): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charCodeAt(i);
    if (ch === 0x25 /* % */ && i + 2 < raw.length && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch < 0x100) {
      // Node hands request lines and header values over as latin1: each char is one byte.
      bytes.push(ch);
    } else {
      for (const b of Buffer.from(raw[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  const buf = Buffer.from(bytes);
  if (!allowReserved && buf.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return undefined;
  }
}

export function makeContext(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): RequestContext {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    // Swift reads headers through WSGI, where `X-Meta_Name` and `X-Meta-Name` are the same CGI
    // variable (HTTP_X_META_NAME): an underscore in a header name is a dash.
    const raw = (req.rawHeaders[i] ?? '').toLowerCase();
    const name = raw.includes('_') ? raw.replaceAll('_', '-') : raw;
    const value = req.rawHeaders[i + 1] ?? '';
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  let taken = false;
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath,
    path: decodePath(rawPath) ?? '\u0000',
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers,
    rawHeaders: req.rawHeaders,
    transId: newTransId(),
    origin: `${tls ? 'https' : 'http'}://${headers['host'] ?? '127.0.0.1'}`,
    internal: false,
    remoteAddress: req.socket.remoteAddress ?? '',
    memo: new Map(),
    body() {
      if (!taken && expectsContinue) res.writeContinue();
      taken = true;
      return req;
    },
    bodyTaken: () => taken,
  };
}

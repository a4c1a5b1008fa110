/**
 * Temporary URLs (Swift's tempurl middleware): a request to an object carrying `temp_url_sig` and
 * `temp_url_expires` is allowed without a token when the signature was made with one of the keys
 * the account (`X-Account-Meta-Temp-URL-Key[-2]`) or the object's container
 * (`X-Container-Meta-Temp-URL-Key[-2]`) holds. Only owners can set or see those keys (docs/auth-rules.md R4.2).
 *
 * - An account key grants that account, a container key only that container: the scope goes on the
 *   request (`grantScope`) and authorisation allows nothing outside it, sub-requests included
 *   (a DLO's segments in another container answer 401 to a container key).
 * - A signature binds the method (a HEAD is allowed by a GET, HEAD, PUT or POST signature), the
 *   expiry, the path or, with `temp_url_prefix`, every object under a prefix, and optionally the
 *   client's address range (`temp_url_ip_range`).
 * - Anything wrong answers 401 "Temp URL invalid", never a fallback to other credentials.
 * - What the URL's holder may send and see is narrowed as Swift narrows it: no X-Object-Manifest
 *   or X-Symlink-Target on writes (they could point at data the URL does not grant), no query
 *   parameters but the tempurl ones, and no X-Object-Meta-* in answers except X-Object-Meta-Public-*.
 *   (X-Timestamp, Swift's other removed header, never gets past the gatekeeper here.)
 * - A successful GET or HEAD names the download (Content-Disposition: `filename`, `inline`, the
 *   object's own, or attachment under the object's name) and says when the URL expires (Expires).
 */
import type { RequestContext, GrantScope } from '../../http/context.js';
import { SwiftError } from '../../http/errors.js';
import type { Middleware } from '../../http/pipeline.js';
import type { HeaderMap, SwiftResponse } from '../../http/response.js';
import type { MetadataStore } from '../../storage/contracts.js';
import { memoAccount, memoContainer, prefetchPathOnce } from '../../storage/request-memo.js';
import { headerToText } from '../../swift/headers.js';
import { pyRepr } from '../../swift/pyjson.js';
import { pyQuote } from '../../swift/quote.js';
import { httpDate } from '../../swift/timestamp.js';
import { inIpRange, parseIpRange } from './ip-range.js';
import { ALLOWED_DIGESTS, DEPRECATED_DIGESTS, parseExpires, parseSignature, sameSignature, sign } from './signature.js';

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
/** On writes these would let the URL's holder point the object at data the URL does not grant. */
const DISALLOWED_ON_WRITE = ['x-object-manifest', 'x-symlink-target'];
/** A HEAD may use a signature made for any of these. */
const HEAD_SIGNED_AS = ['HEAD', 'GET', 'POST', 'PUT'];

/** What /info publishes under `tempurl` (Swift's defaults). */
export const TEMPURL_INFO = {
  methods: METHODS,
  incoming_remove_headers: ['x-timestamp'],
  incoming_allow_headers: [],
  outgoing_remove_headers: ['x-object-meta-*'],
  outgoing_allow_headers: ['x-object-meta-public-*'],
  allowed_digests: [...ALLOWED_DIGESTS],
  deprecated_digests: [...DEPRECATED_DIGESTS],
};

export interface SignedKey {
  key: string;
  scope: GrantScope;
}

/**
 * The Temp-URL keys that may sign requests into `container` of `account`: the account's, then the
 * container's (Swift's get_tempurl_keys_from_metadata), each with the scope it grants. Form POST
 * signs with the same keys.
 */
export async function tempUrlKeys(ctx: RequestContext, meta: MetadataStore, account: string, container: string): Promise<SignedKey[]> {
  return [
    ...keysOf((await memoAccount(ctx, meta, account))?.metadata, 'x-account-meta', { account }),
    ...keysOf((await memoContainer(ctx, meta, account, container))?.metadata, 'x-container-meta', { account, container }),
  ];
}

/** `/v1/<account>/<container>/<object>` as Swift's split_path(path, 4, 4, True); undefined for any other path. */
function objectPathParts(path: string): { account: string; container: string; object: string } | undefined {
  const m = /^\/([^/]+)\/([^/]+)\/([^/]+)\/(.*)$/s.exec(path);
  if (!m || m[1] !== 'v1' || !(m[4] ?? '').replace(/^\/+|\/+$/g, '')) return undefined;
  return { account: m[2] ?? '', container: m[3] ?? '', object: m[4] ?? '' };
}

function keysOf(metadata: Record<string, string> | undefined, prefix: string, scope: GrantScope): SignedKey[] {
  const keys: SignedKey[] = [];
  for (const name of [`${prefix}-temp-url-key`, `${prefix}-temp-url-key-2`]) {
    const stored = metadata?.[name];
    // An empty key would be a secret anyone knows. Stored as sent (UTF-8 bytes as latin1 chars).
    if (stored) keys.push({ key: headerToText(stored), scope });
  }
  return keys;
}

/** `type; filename="…"; filename*=UTF-8''…` (RFC 6266), quoted as Swift quotes it. */
function disposition(type: string, filename: string): string {
  return `${type}; filename="${pyQuote(filename, ' /')}"; filename*=UTF-8''${pyQuote(filename, '')}`;
}

/** Swift's tempurl answers its own 401s with realm "unknown" (checked against Swift 2.30.1), not the account's. */
function invalid(ctx: RequestContext): SwiftError {
  const challenge = { 'WWW-Authenticate': 'Swift realm="unknown"' };
  return ctx.method === 'HEAD' ? new SwiftError('Unauthorized', {}, challenge) : new SwiftError('TempUrlInvalid', {}, challenge);
}

export function tempUrl(meta: MetadataStore): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'OPTIONS') return next(ctx);
    const sigParam = ctx.query.get('temp_url_sig');
    const expiresParam = ctx.query.get('temp_url_expires');
    if (sigParam === null && expiresParam === null) return next(ctx);

    const expires = expiresParam === null ? undefined : parseExpires(expiresParam);
    if (!sigParam || expires === undefined || expires < Date.now() / 1000) throw invalid(ctx);
    const signature = parseSignature(sigParam);
    const parts = METHODS.includes(ctx.method) ? objectPathParts(ctx.path) : undefined;
    if (!signature || !parts) throw invalid(ctx);

    const ipRangeParam = ctx.query.get('temp_url_ip_range') ?? undefined;
    if (ipRangeParam) {
      const range = parseIpRange(ipRangeParam);
      if (!range || !inIpRange(range, ctx.remoteAddress)) throw invalid(ctx);
    }

    const { account, container, object } = parts;
    // The same one read the router makes for this request (it reuses it), not two reads more.
    await prefetchPathOnce(ctx, meta, account, container, ctx.method === 'GET' || ctx.method === 'HEAD' ? object : undefined);
    const keys = await tempUrlKeys(ctx, meta, account, container);
    if (keys.length === 0) throw invalid(ctx);

    const prefix = ctx.query.get('temp_url_prefix') ?? undefined;
    if (prefix !== undefined && !object.startsWith(prefix)) throw invalid(ctx);
    const signedPath = prefix === undefined ? `/v1/${account}/${container}/${object}` : `prefix:/v1/${account}/${container}/${prefix}`;
    const methods = ctx.method === 'HEAD' ? HEAD_SIGNED_AS : [ctx.method];
    let scope: GrantScope | undefined;
    for (const method of methods) {
      for (const { key, scope: keyScope } of keys) {
        if (sameSignature(signature.hex, sign(key, signature.digest, method, expires, signedPath, ipRangeParam))) {
          scope = keyScope;
          break;
        }
      }
      if (scope) break;
    }
    if (!scope) throw invalid(ctx);

    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      for (const name of DISALLOWED_ON_WRITE) {
        if (ctx.headers[name] !== undefined) {
          throw new SwiftError('TempUrlHeaderNotAllowed', { header: pyRepr(name.replace(/\b[a-z]/g, (c) => c.toUpperCase())) });
        }
      }
    }

    const filename = ctx.query.get('filename') ?? undefined;
    const inline = ctx.query.has('inline');
    const kept = new URLSearchParams({ temp_url_sig: signature.hex, temp_url_expires: String(expires) });
    if (prefix !== undefined) kept.set('temp_url_prefix', prefix);
    if (filename) kept.set('filename', filename);
    ctx.query = kept;
    ctx.grantScope = scope;

    const res = await next(ctx);
    removeMetadataHeaders(res.headers);
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && res.status >= 200 && res.status < 300) {
      namedDownload(res, ctx.path, { filename, inline });
      res.headers['expires'] = httpDate(expires);
    }
    return res;
  };
}

/** Object metadata stays private to the account, except what its owner marked public. */
function removeMetadataHeaders(headers: HeaderMap): void {
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-object-meta-') && !name.startsWith('x-object-meta-public-')) delete headers[name];
  }
}

/** Content-Disposition: the URL's `inline` or `filename`, else the object's own, else attachment as the object's name. */
function namedDownload(res: SwiftResponse, path: string, asked: { filename: string | undefined; inline: boolean }): void {
  const stored = res.headers['content-disposition'];
  let value: string;
  if (asked.inline) value = asked.filename ? disposition('inline', asked.filename) : 'inline';
  else if (asked.filename) value = disposition('attachment', asked.filename);
  else if (stored !== undefined) value = Array.isArray(stored) ? stored.join(', ') : stored;
  else value = disposition('attachment', path.replace(/\/+$/, '').split('/').pop() ?? '');
  res.headers['content-disposition'] = value.replace(/\n/g, '%0A');
}

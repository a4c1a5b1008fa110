/**
 * Server-side copy, as Swift's copy middleware: `COPY` with `Destination` (and `Destination-Account`)
 * becomes a PUT of the destination with `X-Copy-From`; a PUT with `X-Copy-From` reads the source
 * through a sub-request (authorised as a GET of the source) and streams it into the destination PUT
 * (authorised as a PUT of the destination). Nothing is authorised once for both (docs/auth-rules.md D10, K1).
 */
import { Readable } from 'node:stream';
import { SwiftError } from '../../http/errors.js';
import type { RequestContext } from '../../http/context.js';
import type { Handler, Middleware } from '../../http/pipeline.js';
import type { SwiftResponse } from '../../http/response.js';
import { parseTarget } from '../../controllers/router.js';
import { decodePath } from '../../http/context.js';

/** `<container>/<object>` (leading slash allowed, URL-encoded) → [container, object]. */
function splitCopyPath(value: string, header: string): [string, string] {
  const decoded = decodePath(value.trim());
  if (decoded === undefined) throw new SwiftError('InvalidUtf8');
  const path = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new SwiftError('BadCopyPath', { header });
  return [path.slice(0, slash), path.slice(slash + 1)];
}

function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/%2F/gi, '/');
}

const USER_META = /^x-object-meta-|^(content-disposition|content-encoding|x-object-manifest|cache-control|content-language|expires|x-robots-tag|x-delete-at)$/;

export function copyMiddleware(below: () => Handler): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target || target.object === undefined) return next(ctx);
    if (ctx.method === 'COPY') return copyToDestination(ctx, target.account, target.container ?? '', target.object, below(), next);
    if (ctx.method === 'PUT' && ctx.headers['x-copy-from'] !== undefined) {
      return putFromSource(ctx, target.account, below(), next);
    }
    return next(ctx);
  };
}

async function copyToDestination(
  ctx: RequestContext, account: string, container: string, object: string, below: Handler, next: Handler,
): Promise<SwiftResponse> {
  const destination = ctx.headers['destination'];
  if (!destination) throw new SwiftError('CopyDestinationRequired');
  const [dstContainer, dstObject] = splitCopyPath(destination, 'Destination');
  const dstAccountRaw = ctx.headers['destination-account'];
  const dstAccount = dstAccountRaw !== undefined ? decodePath(dstAccountRaw.trim()) : account;
  if (!dstAccount) throw new SwiftError('InvalidUtf8');
  const headers = { ...ctx.headers };
  delete headers['destination'];
  delete headers['destination-account'];
  headers['x-copy-from'] = `${encodeSegment(container)}/${encodeSegment(object)}`;
  headers['x-copy-from-account'] = account;
  headers['content-length'] = '0';
  delete headers['transfer-encoding'];
  const path = `/${'v1'}/${dstAccount}/${dstContainer}/${dstObject}`;
  // The rewritten request is a PUT with X-Copy-From: it goes through the same copy path as one.
  return putFromSource({ ...ctx, method: 'PUT', path, rawPath: path, headers }, dstAccount, below, next);
}

async function putFromSource(ctx: RequestContext, dstAccount: string, below: Handler, next: Handler): Promise<SwiftResponse> {
  const contentLength = ctx.headers['content-length'];
  if (contentLength !== undefined && contentLength.trim() !== '0') throw new SwiftError('CopyFromNotAllowedWithBody');
  const [srcContainer, srcObject] = splitCopyPath(ctx.headers['x-copy-from'] ?? '', 'X-Copy-From');
  const srcAccountRaw = ctx.headers['x-copy-from-account'];
  const srcAccount = srcAccountRaw !== undefined ? decodePath(srcAccountRaw.trim()) : dstAccount;
  if (!srcAccount) throw new SwiftError('InvalidUtf8');

  const srcPath = `/v1/${srcAccount}/${srcContainer}/${srcObject}`;
  const srcHeaders: Record<string, string> = {};
  for (const h of ['x-auth-token', 'x-service-token', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    const v = ctx.headers[h];
    if (v !== undefined) srcHeaders[h] = v;
  }
  // `?multipart-manifest=get` copies a large object's manifest instead of its contents (SLO in its put format).
  const manifestCopy = ctx.query.get('multipart-manifest') === 'get';
  const srcQuery = new URLSearchParams(manifestCopy ? { 'multipart-manifest': 'get', format: 'raw' } : {});
  // `?symlink=get` copies a symlink itself (its X-Symlink-Target* headers make the copy a link too).
  if (ctx.query.get('symlink') === 'get') srcQuery.set('symlink', 'get');
  // `?version-id` names a version of the source (object versioning), never of the copy.
  const sourceVersion = ctx.query.get('version-id');
  if (sourceVersion !== null) srcQuery.set('version-id', sourceVersion);
  const source = await below({
    ...ctx, method: 'GET', path: srcPath, rawPath: srcPath, headers: srcHeaders, query: srcQuery, internal: true,
    body: () => Readable.from([]), bodyTaken: () => true,
  });
  if (source.status !== 200 && source.status !== 206) {
    if (source.body instanceof Readable) source.body.destroy();
    return source;
  }
  const sourceBody = source.body instanceof Readable ? source.body : Readable.from([source.body ?? '']);
  const sh = source.headers;
  const fresh = /^(true|1|yes|on|t|y)$/i.test(ctx.headers['x-fresh-metadata'] ?? '');
  const headers: Record<string, string> = {};
  if (!fresh) {
    for (const [k, v] of Object.entries(sh)) {
      if ((USER_META.test(k) || k.startsWith('x-symlink-target')) && k !== 'x-delete-at' && k !== 'x-object-manifest') headers[k] = String(v);
    }
  }
  for (const [k, v] of Object.entries(ctx.headers)) {
    if (k === 'x-copy-from' || k === 'x-copy-from-account' || k === 'x-fresh-metadata') continue;
    headers[k] = v;
  }
  headers['content-length'] = String(sh['content-length'] ?? '0');
  delete headers['transfer-encoding'];
  delete headers['etag'];
  if (!ctx.headers['content-type'] || fresh && !ctx.headers['content-type']) headers['content-type'] = String(sh['content-type'] ?? '');
  const query = new URLSearchParams(ctx.query);
  query.delete('version-id');
  if (manifestCopy) {
    query.delete('multipart-manifest');
    if (sh['x-static-large-object'] !== undefined) query.set('multipart-manifest', 'put');
    else if (sh['x-object-manifest'] !== undefined) headers['x-object-manifest'] = String(sh['x-object-manifest']);
  }
  const result = await next({
    ...ctx, headers, query, body: () => sourceBody, bodyTaken: () => true,
  });
  if (result.status === 201) {
    result.headers['x-copied-from'] = `${encodeSegment(srcContainer)}/${encodeSegment(srcObject)}`;
    result.headers['x-copied-from-account'] = encodeSegment(srcAccount);
    if (sh['last-modified'] !== undefined) result.headers['x-copied-from-last-modified'] = String(sh['last-modified']);
    if (sh['x-object-version-id'] !== undefined) result.headers['x-copied-from-version-id'] = String(sh['x-object-version-id']);
    // As Swift's copy middleware: the answer shows the copy's user metadata (the source's, kept unless
    // X-Fresh-Metadata, with the request's on top) and the request's X-Delete-At, so a client needs
    // no HEAD to see what it made.
    for (const [k, v] of Object.entries(headers)) if (k.startsWith('x-object-meta-') || k === 'x-delete-at') result.headers[k] = v;
  } else {
    sourceBody.destroy();
  }
  return result;
}

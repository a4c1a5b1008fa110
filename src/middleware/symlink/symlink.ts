/**
 * Symlinks (Swift's symlink middleware): a zero-byte object PUT with `X-Symlink-Target: <container>/<object>`
 * (and optionally `X-Symlink-Target-Account`) points at another object.
 * - GET and HEAD of a symlink answer with the target (followed up to SYMLOOP_MAX links deep, then 409),
 *   with `Content-Location` naming it; `?symlink=get` answers with the link itself and its
 *   `X-Symlink-Target*` headers.
 * - Every hop is authorised as the caller (D10): a link grants nothing its target does not.
 * - A static link (`X-Symlink-Target-Etag`) must match its target's ETag when made (409 otherwise,
 *   or when the target is missing) and whenever it is followed; it records the target's size.
 * - POST updates the link's own metadata and answers 307 with the target in `Location`.
 * - JSON container listings show `symlink_path` (and `symlink_etag`, `symlink_bytes` for static
 *   links); this middleware stores that in the container-update override ETag, which
 *   swift/listing-format.ts renders.
 * DELETE removes the link, never its target; COPY and X-Copy-From copy the target unless the
 * source is read with `?symlink=get`.
 */
import { parseTarget } from '../../controllers/router.js';
import type { Target } from '../../controllers/services.js';
import { decodePath, type RequestContext } from '../../http/context.js';
import { SwiftError } from '../../http/errors.js';
import { responseOf, type Handler, type Middleware } from '../../http/pipeline.js';
import type { SwiftResponse } from '../../http/response.js';
import type { MetadataStore } from '../../storage/contracts.js';
import { OVERRIDE_ETAG } from '../../swift/listing-format.js';
import { pyRepr } from '../../swift/pyjson.js';
import { pyQuote } from '../../swift/quote.js';
import { ALLOW_RESERVED_NAMES } from '../../swift/reserved-names.js';
import { discard, headerValue, normalizeEtag, sendsBody, subrequest } from '../dlo/segments.js';
import { SYSMETA_ETAG as SLO_ETAG, SYSMETA_SIZE as SLO_SIZE } from '../slo/slo.js';

export const SYMLOOP_MAX = 2;
export const SYMLINK_INFO = { symloop_max: SYMLOOP_MAX, static_links: true };

const MD5_OF_EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';
/** Client headers and the sysmeta that stores each (values stay URL-quoted, as sent). */
const LINK_HEADERS = [
  ['x-symlink-target', 'x-object-sysmeta-symlink-target'],
  ['x-symlink-target-account', 'x-object-sysmeta-symlink-target-account'],
  ['x-symlink-target-etag', 'x-object-sysmeta-symlink-target-etag'],
  ['x-symlink-target-bytes', 'x-object-sysmeta-symlink-target-bytes'],
] as const;
const TARGET = 'x-object-sysmeta-symlink-target';
const TARGET_ACCOUNT = 'x-object-sysmeta-symlink-target-account';
const TARGET_ETAG = 'x-object-sysmeta-symlink-target-etag';
const TARGET_BYTES = 'x-object-sysmeta-symlink-target-bytes';
/**
 * A link a feature made into the reserved namespace (object versioning's link to the current
 * version). Clients cannot make one (their targets may not hold NUL) nor address its target, so
 * the hop to it is granted that one container, as Swift pre-authorises it; hops beyond are the caller's.
 */
const ALLOW_RESERVED = 'x-object-sysmeta-allow-reserved-names';
/** A hop that does not count towards SYMLOOP_MAX (a versioned object is a link to its version). */
const SYMLOOP_EXTEND = 'x-object-sysmeta-symloop-extend';

/**
 * The stored headers of a static link from an object of `account` to `<container>/<object>` in
 * the reserved namespace, whose target was just written with `etag` and `bytes` (so it is not
 * checked again). Object versioning writes these below this middleware. `override` is the
 * listing ETag the object's own PUT asked for (an SLO's carries its slo_etag).
 */
export function reservedLinkHeaders(
  account: string, container: string, object: string, etag: string, bytes: number, override = MD5_OF_EMPTY,
): Record<string, string> {
  const target = pyQuote(`${container}/${object}`);
  const base = override.split(';').filter((p) => !/^\s*symlink_/.test(p)).join(';');
  return {
    [TARGET]: target,
    [TARGET_ETAG]: etag,
    [TARGET_BYTES]: String(bytes),
    [ALLOW_RESERVED]: 'true',
    [SYMLOOP_EXTEND]: 'true',
    [OVERRIDE_ETAG]: `${base}; symlink_target=${target}; symlink_target_account=${pyQuote(account)}; ` +
      `symlink_target_etag=${etag}; symlink_target_bytes=${bytes}`,
  };
}

/** A 409 naming, when one was reached, the link target at fault (Content-Location). */
function linkConflict(code: 'SymlinkEtagsDiffer' | 'SymlinkEtagMismatch' | 'SymlinkTargetMissing', location: string | undefined, params: Record<string, string> = {}): SwiftError {
  return new SwiftError(code, params, location === undefined ? {} : { 'Content-Location': location });
}

/**
 * `objects` is the handler below this middleware (the router): links are followed there, so that a
 * hop is not itself taken for a new request whose links start counting again.
 */
export function symlinkMiddleware(meta: MetadataStore, objects: () => Handler): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target || target.container === undefined || target.object === undefined) return next(ctx);
    switch (ctx.method) {
      case 'GET':
      case 'HEAD':
        if (ctx.query.get('symlink') === 'get') return linkItself(await next(ctx));
        return follow(ctx, await firstHop(ctx, next, objects()), objects());
      case 'PUT':
        if (ctx.headers['x-symlink-target'] === undefined) return next(ctx);
        await prepareLink(ctx, target, objects());
        return next(ctx);
      case 'POST':
        if (ctx.headers['x-symlink-target'] !== undefined) throw new SwiftError('SymlinkPostTarget');
        return postToLink(ctx, target, next, meta);
      default:
        return next(ctx);
    }
  };
}

/**
 * The X-Symlink-Target* headers a client PUT would carry to make the link stored in `metadata`
 * (none for a plain object): what `?symlink=get` shows, and what container sync sends so the
 * remote copy is a link too, as Swift's sync daemon does by reading with `symlink=get`.
 */
export function symlinkClientHeaders(metadata: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [client, sysmeta] of LINK_HEADERS) {
    const v = metadata[sysmeta];
    if (v !== undefined) out[client] = v;
  }
  return out;
}

/** `?symlink=get`: the link as stored, its sysmeta shown as X-Symlink-Target* headers. */
function linkItself(res: SwiftResponse): SwiftResponse {
  for (const [client, sysmeta] of LINK_HEADERS) {
    const v = res.headers[sysmeta];
    if (v === undefined) continue;
    res.headers[client] = v;
    delete res.headers[sysmeta];
  }
  return res;
}

/**
 * The request as sent. A Range cannot apply to a zero-byte link (416): when one comes back, the
 * object is read again without it, as Swift's object server ignores a Range on a symlink.
 */
async function firstHop(ctx: RequestContext, next: Handler, objects: Handler): Promise<SwiftResponse> {
  const res = await next(ctx);
  if (res.status !== 416) return res;
  const { range: _range, ...headers } = ctx.headers;
  const again = await responseOf(objects, { ...ctx, method: 'HEAD', headers, internal: true });
  if (headerValue(again.headers, TARGET) === undefined) return res;
  discard(res);
  return again;
}

/** The path a link points at, URL-quoted as stored (`/v1/<account>/<container>/<object>`). */
function linkPath(res: SwiftResponse, version: string, account: string): string | undefined {
  const target = headerValue(res.headers, TARGET);
  if (target === undefined) return undefined;
  const targetAccount = headerValue(res.headers, TARGET_ACCOUNT) ?? pyQuote(account);
  return `/${version}/${targetAccount}/${target.replace(/^\/+/, '')}`;
}

/**
 * A hop to `path` (quoted), authorised as the caller, with the caller's method and headers; a hop
 * into the reserved namespace (`reserved`) is granted its one container instead.
 */
function hop(ctx: RequestContext, method: string, quotedPath: string, objects: Handler, reserved: boolean): Promise<SwiftResponse> {
  const path = decodePath(quotedPath, reserved) ?? '\u0000';
  if (!reserved) return responseOf(objects, { ...ctx, method, path, rawPath: quotedPath, internal: true });
  const target = parseTarget(path);
  const grantScope = target?.container !== undefined ? { account: target.account, container: target.container } : undefined;
  if (!grantScope) throw new SwiftError('SymlinkTargetPath');
  return responseOf(objects, {
    ...ctx, method, path, rawPath: quotedPath, internal: true, grantScope,
    headers: { ...ctx.headers, [ALLOW_RESERVED_NAMES]: 'true' },
  });
}

interface FollowOptions {
  /** False when checking a new static link's target: only static links on the way are followed. */
  softLinks: boolean;
  /** The ETag the object reached must have (a static link's). */
  expectedEtag?: string;
  /** The path named in Content-Location when the first answer is already a hop's. */
  lastPath?: string;
}

/** Follows links from `first` (the answer for the requested object) until an object that is not a link. */
async function follow(ctx: RequestContext, first: SwiftResponse, objects: Handler, options: FollowOptions = { softLinks: true }): Promise<SwiftResponse> {
  const { softLinks } = options;
  let res = first;
  // Almost every object is not a link: answer it as it is before parsing anything.
  if (res.headers[TARGET] === undefined && options.expectedEtag === undefined && options.lastPath === undefined) return res;
  let current = parseTarget(ctx.path);
  let expectedEtag = options.expectedEtag;
  let lastPath = options.lastPath;
  let hops = 0;
  for (;;) {
    const path = current ? linkPath(res, current.version, current.account) : undefined;
    const linkEtag = headerValue(res.headers, TARGET_ETAG);
    if (path === undefined || !(linkEtag !== undefined || softLinks)) break;
    discard(res);
    const found = linkEtag ?? headerValue(res.headers, 'etag');
    if (expectedEtag !== undefined && expectedEtag !== found) throw linkConflict('SymlinkEtagsDiffer', lastPath);
    if (hops >= SYMLOOP_MAX) throw new SwiftError('SymlinkLoop', { max: SYMLOOP_MAX });
    if (headerValue(res.headers, SYMLOOP_EXTEND) !== 'true') hops++;
    const reserved = headerValue(res.headers, ALLOW_RESERVED) === 'true';
    lastPath = path;
    expectedEtag = linkEtag;
    res = await hop(ctx, ctx.method, path, objects, reserved);
    current = parseTarget(decodePath(path, reserved) ?? '');
  }
  const finalEtag = headerValue(res.headers, 'etag');
  if (finalEtag && expectedEtag !== undefined && normalizeEtag(finalEtag) !== expectedEtag) {
    discard(res);
    throw linkConflict('SymlinkEtagMismatch', lastPath, { found: pyRepr(finalEtag), expected: pyRepr(expectedEtag) });
  }
  if (lastPath !== undefined) res.headers['content-location'] = lastPath;
  return res;
}

/** Validates a symlink PUT and turns its headers into the sysmeta and override ETag that store it. */
async function prepareLink(ctx: RequestContext, target: Target, objects: Handler): Promise<void> {
  if (await sendsBody(ctx)) throw new SwiftError('SymlinkBody');
  const raw = decodePath(ctx.headers['x-symlink-target'] ?? '');
  if (raw === undefined) throw new SwiftError('SymlinkTargetPath');
  if (raw.startsWith('/')) throw new SwiftError('SymlinkTargetFormat');
  const slash = raw.indexOf('/');
  const container = slash === -1 ? '' : raw.slice(0, slash);
  const object = slash === -1 ? '' : raw.slice(slash + 1);
  if (!container || !object) throw new SwiftError('SymlinkTargetPath');
  const h = ctx.headers;
  h['x-symlink-target'] = pyQuote(`${container}/${object}`);
  let account = target.account;
  const accountHeader = h['x-symlink-target-account'];
  if (accountHeader !== undefined) {
    account = decodePath(accountHeader) ?? '';
    if (!account) throw new SwiftError('SymlinkAccountEmpty');
    if (account.includes('/')) throw new SwiftError('SymlinkAccountSlash');
    h['x-symlink-target-account'] = pyQuote(account);
  }
  if (account === target.account && container === target.container && object === target.object) throw new SwiftError('SymlinkSelf');
  const etag = normalizeEtag(h['x-symlink-target-etag']);
  if (etag && /[;"\\]/.test(etag)) throw new SwiftError('SymlinkBadEtag');
  if (!etag && !h['content-type']) h['content-type'] = 'application/symlink';

  const checked = etag ? await staticTarget(ctx, `/${target.version}/${pyQuote(account)}/${h['x-symlink-target']}`, etag, objects) : undefined;
  // A static link to a large object carries its listing extras (slo_etag) forward.
  // A link copied from another (an archived version) brings its old symlink parameters: drop them.
  const base = (h[OVERRIDE_ETAG] ?? checked?.override ?? MD5_OF_EMPTY).split(';').filter((p) => !/^\s*symlink_/.test(p)).join(';');
  const override = [base, `symlink_target=${h['x-symlink-target']}`];
  // Always recorded, so that a listing rendered from the row alone can name the target's account.
  override.push(`symlink_target_account=${h['x-symlink-target-account'] ?? pyQuote(target.account)}`);
  if (etag && checked) {
    h[TARGET_ETAG] = etag;
    h[TARGET_BYTES] = checked.bytes;
    if (!h['content-type']) h['content-type'] = checked.contentType;
    override.push(`symlink_target_etag=${etag}`, `symlink_target_bytes=${checked.bytes}`);
  }
  delete h['x-symlink-target-etag'];
  for (const [client, sysmeta] of LINK_HEADERS.slice(0, 2)) {
    const v = h[client];
    if (v === undefined) continue;
    h[sysmeta] = v;
    delete h[client];
  }
  h[OVERRIDE_ETAG] = override.join('; ');
}

/** A chunked body with no Content-Length: read it; a link may not have one. */

/** The target of a new static link: it must exist and carry `etag` (static links on the way are followed). */
async function staticTarget(
  ctx: RequestContext, targetPath: string, etag: string, objects: Handler,
): Promise<{ bytes: string; contentType: string; override?: string }> {
  const head = subrequest(ctx, 'HEAD', decodePath(targetPath) ?? '\u0000');
  const res = await follow(head, await responseOf(objects, head), objects, { softLinks: false, expectedEtag: etag, lastPath: targetPath });
  if (res.status === 404) throw linkConflict('SymlinkTargetMissing', targetPath);
  if (res.status < 200 || res.status > 299) {
    discard(res);
    throw new SwiftError(res.status === 401 ? 'Unauthorized' : res.status === 403 ? 'Forbidden' : 'Unavailable');
  }
  const bytes = headerValue(res.headers, SLO_SIZE) ?? headerValue(res.headers, 'content-length') ?? '0';
  const contentType = headerValue(res.headers, 'content-type') ?? 'application/octet-stream';
  const targetOverride = headerValue(res.headers, OVERRIDE_ETAG);
  const sloEtag = headerValue(res.headers, SLO_ETAG);
  if (targetOverride !== undefined && targetOverride.includes(';')) {
    return { bytes, contentType, override: `${MD5_OF_EMPTY};${targetOverride.slice(targetOverride.indexOf(';') + 1)}` };
  }
  return sloEtag !== undefined ? { bytes, contentType, override: `${MD5_OF_EMPTY}; slo_etag=${sloEtag}` } : { bytes, contentType };
}

/** POST updates the link's own metadata; the answer says where the target is (307). */
async function postToLink(ctx: RequestContext, target: Target, next: Handler, meta: MetadataStore): Promise<SwiftResponse> {
  const res = await next(ctx);
  if (res.status < 200 || res.status > 299) return res;
  const rec = await meta.getObject(target.account, target.container ?? '', target.object ?? '');
  const linkTarget = rec?.metadata[TARGET];
  if (!rec || linkTarget === undefined) return res;
  discard(res);
  const headers: Record<string, string> = {
    location: `/${target.version}/${rec.metadata[TARGET_ACCOUNT] ?? pyQuote(target.account)}/${linkTarget}`,
    'content-type': 'text/html; charset=UTF-8',
  };
  const etag = rec.metadata[TARGET_ETAG];
  if (etag !== undefined) headers['x-symlink-target-etag'] = etag;
  return {
    status: 307, headers,
    body: 'The requested POST was applied to a symlink. POST directly to the target to apply requested metadata.',
  };
}

/**
 * `/v1/...` requests: split the path, ask the policy (pure) for a verdict, then hand the request to
 * the account, container or object controller. Authorization happens before any lookup, so a
 * missing resource gives 401/403 to strangers and 404 only to those allowed to know.
 */
import { authorizeRequest } from '../auth/authorize-request.js';
import type { PolicyConfig } from '../auth/policy-config.js';
import type { RequestContext } from '../http/context.js';
import { isSwiftError, SwiftError } from '../http/errors.js';
import type { Handler } from '../http/pipeline.js';
import { errorResponse, type SwiftResponse } from '../http/response.js';
import { shardingOnRead, shardingOnWrite } from '../middleware/reseller-request/sharding.js';
import type { Metadata } from '../storage/contracts.js';
import { accountController } from './account.js';
import { containerController } from './container.js';
import { objectController } from './object.js';
import type { Access, Services, Target } from './services.js';
import { prefetchPathOnce } from '../storage/request-memo.js';

/** `/v1/<account>[/<container>[/<object>]]`, or undefined when the path is not an API path (404). */
export function parseTarget(path: string): Target | undefined {
  const m = /^\/(v1(?:\.0)?)\/([^/]+)(?:\/([^/]+)(?:\/(.+))?)?\/?$/s.exec(path);
  if (!m) return undefined;
  const target: Target = { version: m[1] ?? 'v1', account: m[2] ?? '' };
  if (m[3] !== undefined) target.container = m[3];
  if (m[4] !== undefined) target.object = m[4];
  return target;
}

const ALLOW = {
  account: 'DELETE, GET, HEAD, OPTIONS, POST, PUT',
  container: 'DELETE, GET, HEAD, OPTIONS, POST, PUT',
  object: 'COPY, DELETE, GET, HEAD, OPTIONS, POST, PUT',
};

/** Why a path is not `/v1/<account>...`: only a version → 412 Bad URL; another version → 400; else 404. */
function notAnApiPath(path: string): SwiftError {
  if (/^\/[^/]+\/?$/.test(path)) return new SwiftError('BadUrl');
  const m = /^\/([^/]+)\/[^/]+/.exec(path);
  if (m && m[1] !== 'v1' && m[1] !== 'v1.0') return new SwiftError('BadRequest');
  return new SwiftError('NotFound');
}

/** A container's CORS settings (X-Container-Meta-Access-Control-*), as Swift's container_info['cors']. */
interface CorsInfo { allowOrigin?: string; maxAge?: string; exposeHeaders?: string }

function corsInfo(metadata: Metadata | undefined): CorsInfo {
  const info: CorsInfo = {};
  const get = (name: string) => metadata?.[`x-container-meta-access-control-${name}`];
  const allowOrigin = get('allow-origin');
  const maxAge = get('max-age');
  const exposeHeaders = get('expose-headers');
  if (allowOrigin) info.allowOrigin = allowOrigin;
  if (maxAge) info.maxAge = maxAge;
  if (exposeHeaders) info.exposeHeaders = exposeHeaders;
  return info;
}

function originAllowed(cors: CorsInfo, origin: string): boolean {
  const allowed = (cors.allowOrigin ?? '').split(' ').map((o) => o.trim()).filter((o) => o !== '');
  return allowed.includes(origin) || allowed.includes('*');
}

function addVary(headers: Record<string, string | string[]>, value: string): void {
  const current = headers['vary'];
  headers['vary'] = current ? `${String(current)}, ${value}` : value;
}

/** Headers every CORS response exposes (simple response headers and Swift's own). */
const EXPOSED = [
  'cache-control', 'content-language', 'content-type', 'expires', 'last-modified', 'pragma', 'etag',
  'x-timestamp', 'x-trans-id', 'x-openstack-request-id',
];

/** A CORS pre-flight (OPTIONS with Origin) of a container or an object: 200 with the grants, or 401. */
function preflight(ctx: RequestContext, origin: string, allow: string, cors: CorsInfo | undefined): SwiftResponse {
  const requested = ctx.headers['access-control-request-method'];
  if (!cors || !originAllowed(cors, origin) || requested === undefined || !allow.split(', ').includes(requested)) {
    const denied = errorResponse(new SwiftError('Unauthorized'));
    denied.headers['allow'] = allow;
    return denied;
  }
  const headers: Record<string, string> = { allow };
  if (cors.allowOrigin?.trim() === '*') headers['access-control-allow-origin'] = '*';
  else {
    headers['access-control-allow-origin'] = origin;
    addVary(headers, 'Origin');
  }
  if (cors.maxAge !== undefined) headers['access-control-max-age'] = cors.maxAge;
  headers['access-control-allow-methods'] = allow;
  const wanted = [...new Set((ctx.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim()).filter((h) => h))];
  if (wanted.length > 0) {
    headers['access-control-allow-headers'] = wanted.join(', ');
    addVary(headers, 'Access-Control-Request-Headers');
  }
  return { status: 200, headers, body: '' };
}

/**
 * A feature's own answer to a CORS request (form POST), given the container's settings: as the
 * router decorates its answers.
 */
export function withContainerCors(res: SwiftResponse, origin: string, containerMetadata: Metadata | undefined): SwiftResponse {
  return decorateCors(res, origin, corsInfo(containerMetadata));
}

/** Swift's cors_validation: an actual CORS request's response exposes headers to an allowed origin. */
function decorateCors(res: SwiftResponse, origin: string, cors: CorsInfo): SwiftResponse {
  // strict_cors_mode: an origin the container does not allow gets a plain response.
  if (!originAllowed(cors, origin)) return res;
  if (res.headers['access-control-expose-headers'] === undefined) {
    const expose = new Set(EXPOSED);
    for (const name of Object.keys(res.headers)) {
      if (name.startsWith('x-container-meta') || name.startsWith('x-object-meta')) expose.add(name);
    }
    for (const h of (cors.exposeHeaders ?? '').split(' ')) if (h.trim()) expose.add(h.trim().toLowerCase());
    res.headers['access-control-expose-headers'] = [...expose].join(', ');
  }
  if (res.headers['access-control-allow-origin'] === undefined) {
    if (cors.allowOrigin?.trim() === '*') res.headers['access-control-allow-origin'] = '*';
    else {
      res.headers['access-control-allow-origin'] = origin;
      addVary(res.headers, 'Origin');
    }
  }
  return res;
}

export function v1Router(services: Services, policy: PolicyConfig, subrequest: () => Handler): Handler {
  return async (ctx): Promise<SwiftResponse> => {
    const target = parseTarget(ctx.path);
    if (!target) throw notAnApiPath(ctx.path);
    const maxAccount = services.config.swift.max_account_name_length;
    const accountLength = Buffer.byteLength(target.account, 'utf8');
    if (accountLength > maxAccount) throw new SwiftError('AccountNameTooLong', { length: accountLength, max: maxAccount });
    const level = target.object !== undefined ? 'object' : target.container !== undefined ? 'container' : 'account';
    const origin = ctx.headers['origin'];
    if (!origin || level === 'account' || ctx.internal) return route(ctx, target, level);

    // A CORS request: the container's settings decide what the browser may see.
    const container = await services.meta.getContainer(target.account, target.container ?? '');
    if (ctx.method === 'OPTIONS') return preflight(ctx, origin, ALLOW[level], container && corsInfo(container.metadata));
    let res: SwiftResponse;
    try {
      res = await route(ctx, target, level);
    } catch (err) {
      if (!isSwiftError(err)) throw err;
      res = errorResponse(err);
    }
    return decorateCors(res, origin, corsInfo(container?.metadata));
  };

  async function route(ctx: RequestContext, target: Target, level: 'account' | 'container' | 'object'): Promise<SwiftResponse> {
    // Swift checks the controller's allowed methods before authorisation: without account management,
    // account PUT/DELETE is 405 for everyone (proxy/server.py handle_request), not 401/403.
    if (level === 'account' && (ctx.method === 'PUT' || ctx.method === 'DELETE') && !services.config.swift.allow_account_management) {
      throw new SwiftError('MethodNotAllowed', {}, { Allow: 'HEAD, GET, POST, OPTIONS' });
    }
    if (ctx.method !== 'OPTIONS') {
      // One read for every record the request will look at before acting (object only for reads).
      const readsObject = level === 'object' && (ctx.method === 'GET' || ctx.method === 'HEAD');
      await prefetchPathOnce(ctx, services.meta, target.account, target.container, readsObject ? target.object : undefined);
    }
    const { owner, reseller } = await authorizeRequest(ctx, target, services, policy);
    if (ctx.method === 'OPTIONS') {
      return { status: 200, headers: { allow: ALLOW[level], 'content-type': 'text/html; charset=UTF-8', 'content-length': '0' }, body: '' };
    }
    const access: Access = { owner, reseller, subrequest: subrequest() };
    if (level === 'object') return objectController(ctx, target, access, services);
    if (level === 'container') {
      // R4.4: X-Container-Sharding is the reseller's alone, to set and to see (404 answers included).
      if (ctx.method === 'PUT' || ctx.method === 'POST') shardingOnWrite(ctx.headers, reseller);
      if (!reseller || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return containerController(ctx, target, access, services);
      try {
        return shardingOnRead(await containerController(ctx, target, access, services));
      } catch (err) {
        if (!isSwiftError(err)) throw err;
        return shardingOnRead(errorResponse(err));
      }
    }
    return accountController(ctx, target, access, services);
  }
}

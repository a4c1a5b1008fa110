/**
 * The service catalog as Keystone's read-only admin collections: `GET /v3/services`,
 * `/v3/endpoints`, `/v3/regions` (what `openstack service list`, `endpoint list`, `region list`
 * read). The catalog is fixed by Swiftlet's configuration, so there is nothing to create or change
 * here; object-store endpoint URLs carry Keystone's `%(project_id)s` template.
 */
import type { RequestContext } from '../../http/context.js';
import type { SwiftResponse } from '../../http/response.js';
import type { TokenPayload } from '../tokens.js';
import { json, KeystoneError } from './http.js';
import { catalog, isAdmin, type V3Deps } from './tokens.js';

const REGION = 'RegionOne';

interface CatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: { id: string; interface: string; region: string; url: string }[];
}

function services(deps: V3Deps, origin: string): CatalogService[] {
  return catalog(origin, '%(project_id)s', deps.accountPrefix, deps.imageUrl) as CatalogService[];
}

function serviceJson(s: CatalogService, origin: string): Record<string, unknown> {
  return { id: s.id, type: s.type, name: s.name, enabled: true, description: '', links: { self: `${origin}/v3/services/${s.id}` } };
}

function endpointsOf(s: CatalogService, origin: string): Record<string, unknown>[] {
  return s.endpoints.map((e) => ({
    id: e.id, interface: e.interface, region: e.region, region_id: e.region, service_id: s.id, url: e.url, enabled: true,
    links: { self: `${origin}/v3/endpoints/${e.id}` },
  }));
}

function regionJson(origin: string): Record<string, unknown> {
  return { id: REGION, description: '', parent_region_id: null, links: { self: `${origin}/v3/regions/${REGION}` } };
}

function list(name: string, items: unknown[], ctx: RequestContext): SwiftResponse {
  return json(200, { [name]: items, links: { self: `${ctx.origin}${ctx.rawPath}`, previous: null, next: null } });
}

export function handleCatalog(ctx: RequestContext, deps: V3Deps, caller: TokenPayload, parts: string[]): SwiftResponse | undefined {
  const [collection, id, ...rest] = parts;
  if (collection !== 'services' && collection !== 'endpoints' && collection !== 'regions') return undefined;
  if (rest.length > 0) return undefined;
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    const allowed = id === undefined ? ['POST'] : ['PATCH', 'DELETE'];
    if (!allowed.includes(ctx.method)) throw new KeystoneError(405, 'Method not allowed.');
    if (!isAdmin(caller, deps.resellerAdminRole)) {
      throw new KeystoneError(403, `You are not authorized to perform the requested action: identity:${ctx.method === 'POST' ? 'create' : ctx.method === 'PATCH' ? 'update' : 'delete'}_${collection.slice(0, -1)}.`);
    }
    throw new KeystoneError(501, `The action you have requested has not been implemented: Swiftlet's catalog comes from its configuration, ${collection} cannot be changed through the API.`);
  }
  const origin = ctx.origin;
  if (collection === 'regions') {
    if (id === undefined) return list('regions', [regionJson(origin)], ctx);
    if (id === REGION) return json(200, { region: regionJson(origin) });
    throw new KeystoneError(404, `Could not find region: ${id}.`);
  }
  if (!isAdmin(caller, deps.resellerAdminRole)) {
    throw new KeystoneError(403, `You are not authorized to perform the requested action: identity:${id === undefined ? 'list' : 'get'}_${id === undefined ? collection : collection.slice(0, -1)}.`);
  }
  const all = services(deps, origin);
  if (collection === 'services') {
    if (id === undefined) {
      const type = ctx.query.get('type');
      const name = ctx.query.get('name');
      return list('services', all.filter((s) => (type === null || s.type === type) && (name === null || s.name === name)).map((s) => serviceJson(s, origin)), ctx);
    }
    const s = all.find((x) => x.id === id);
    if (!s) throw new KeystoneError(404, `Could not find service: ${id}.`);
    return json(200, { service: serviceJson(s, origin) });
  }
  const endpoints = all.flatMap((s) => endpointsOf(s, origin));
  if (id === undefined) {
    const q = (k: string) => ctx.query.get(k);
    return list('endpoints', endpoints.filter((e) =>
      (q('interface') === null || e.interface === q('interface'))
      && (q('service_id') === null || e.service_id === q('service_id'))
      && (q('region_id') === null || e.region_id === q('region_id'))), ctx);
  }
  const e = endpoints.find((x) => x.id === id);
  if (!e) throw new KeystoneError(404, `Could not find endpoint: ${id}.`);
  return json(200, { endpoint: e });
}

/**
 * A Glance v2 API subset: versions, images (list/create/show/update/delete), image data (upload and
 * download, streamed), members and tags. Every /v2 request carries a Swiftlet identity token that is
 * validated against Swiftlet's /v3. Errors use Glance's JSON body: {"message", "code", "title"}.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SwiftClientError } from '../client/swift-client.js';
import { isoNow, SORT_KEYS, type ImageDb, type ImageRow, type ListQuery, type MemberRow, type MemberStatus, type SortKey, type Visibility } from './db.js';
import { IdentityUnavailable, type TokenInfo, type TokenValidator } from './identity.js';
import { SCHEMAS } from './schemas.js';
import { AUDIT_PATH, auditCors } from './audit-api.js';
import { StoreMismatch, type ImageStore, type Stored } from './store.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  411: 'Length Required', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export class GlanceError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const VISIBILITIES: readonly Visibility[] = ['private', 'shared', 'community', 'public'];
const MEMBER_STATUSES: readonly MemberStatus[] = ['pending', 'accepted', 'rejected'];
const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
const READ_ONLY = ['status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at',
  'file', 'self', 'schema', 'direct_url', 'locations', 'id'];
const CORE = ['name', 'visibility', 'protected', 'tags', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'owner', 'os_hidden'];
/** Query parameters of GET /v2/images that are not custom-property filters. */
const LIST_PARAMS = new Set(['limit', 'marker', 'member_status', 'tag', 'sort', 'sort_key', 'sort_dir', 'visibility', 'os_hidden',
  'name', 'status', 'owner', 'disk_format', 'container_format', 'protected', 'id', 'size_min', 'size_max', 'changes-since']);
const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];

export interface ApiDeps {
  db: ImageDb;
  store: ImageStore;
  validator: TokenValidator;
  /** Lower-cased roles that make a caller an image administrator. */
  adminRoles: string[];
  /** Lower-cased roles that may read the latest audit without being administrators (audit-api.ts). */
  auditRoles?: string[];
  /** Origins whose pages may read the latest audit (CORS, audit-api.ts). */
  auditOrigins?: string[];
  identityUrl: string;
}

interface Caller extends TokenInfo {
  token: string;
  admin: boolean;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/**
 * The error body format Glance's webob picks from the Accept header: text/html or application/json,
 * whichever the client prefers (HTML on a tie, so for `*\/*` and for no Accept at all, as glanceclient
 * gets it), text/plain when it accepts neither.
 */
export function errorFormat(accept: string | undefined): 'html' | 'json' | 'plain' {
  if (accept === undefined || accept.trim() === '') return 'html';
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const quality = (offer: string): number => {
    const [major] = offer.split('/');
    const exact = ranges.find((r) => r.type === offer);
    if (exact) return exact.q;
    const partial = ranges.find((r) => r.type === `${major}/*`);
    if (partial) return partial.q;
    return ranges.find((r) => r.type === '*/*')?.q ?? 0;
  };
  const html = quality('text/html');
  const json = quality('application/json');
  if (html <= 0 && json <= 0) return 'plain';
  return json > html ? 'json' : 'html';
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function sendError(res: ServerResponse, err: GlanceError, identityUrl: string, accept: string | undefined): void {
  const title = REASONS[err.status] ?? 'Error';
  const status = `${err.status} ${title}`;
  if (err.status === 401) {
    // Glance's 401s come from keystonemiddleware: always JSON, nested under "error".
    send(res, 401, { error: { code: 401, title, message: err.message } }, { 'www-authenticate': `Keystone uri="${identityUrl}/v3"` });
    return;
  }
  const format = errorFormat(accept);
  if (format === 'json') {
    send(res, err.status, { message: err.message, code: status, title });
    return;
  }
  const text = format === 'html'
    ? `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${escapeHtml(err.message)}<br /><br />\n\n\n\n </body>\n</html>`
    : `${status}\n\n${err.message}\n\n   `;
  res.writeHead(err.status, {
    'content-type': format === 'html' ? 'text/html; charset=UTF-8' : 'text/plain; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 65536) throw new GlanceError(413, 'Request body too large.');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text || 'null') as unknown;
  } catch {
    throw new GlanceError(400, 'Malformed JSON in request body.');
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function imageView(img: ImageRow): Record<string, unknown> {
  return {
    ...img.properties,
    id: img.id,
    name: img.name,
    status: img.status,
    visibility: img.visibility,
    protected: img.protected,
    os_hidden: img.os_hidden,
    checksum: img.checksum,
    os_hash_algo: img.os_hash_algo,
    os_hash_value: img.os_hash_value,
    owner: img.owner,
    size: img.size,
    virtual_size: null,
    min_disk: img.min_disk,
    min_ram: img.min_ram,
    disk_format: img.disk_format,
    container_format: img.container_format,
    tags: img.tags,
    created_at: img.created_at,
    updated_at: img.updated_at,
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

function memberView(m: MemberRow): Record<string, unknown> {
  return { ...m, schema: '/v2/schemas/member' };
}

/** Sets one attribute of a draft image, checking its type and the caller's right to set it. */
function setAttribute(img: ImageRow, key: string, value: unknown, caller: Caller): void {
  if (READ_ONLY.includes(key)) throw new GlanceError(403, `Attribute '${key}' is read-only.`);
  const bad = (): never => { throw new GlanceError(400, `Invalid value for attribute '${key}': ${JSON.stringify(value)}`); };
  switch (key) {
    case 'name':
      if (value !== null && (typeof value !== 'string' || value.length > 255)) bad();
      img.name = value as string | null;
      return;
    case 'visibility':
      if (!VISIBILITIES.includes(value as Visibility)) bad();
      if (value === 'public' && !caller.admin) throw new GlanceError(403, 'You are not authorized to complete publicize_image action.');
      img.visibility = value as Visibility;
      return;
    case 'protected':
      if (typeof value !== 'boolean') bad();
      img.protected = value as boolean;
      return;
    case 'tags':
      if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length <= 255)) bad();
      img.tags = [...new Set(value as string[])];
      return;
    case 'disk_format':
      if (value !== null && !DISK_FORMATS.includes(value as string)) bad();
      img.disk_format = value as string | null;
      return;
    case 'container_format':
      if (value !== null && !CONTAINER_FORMATS.includes(value as string)) bad();
      img.container_format = value as string | null;
      return;
    case 'min_disk':
    case 'min_ram':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) bad();
      img[key] = value as number;
      return;
    case 'owner':
      if (!caller.admin) throw new GlanceError(403, "Attribute 'owner' is reserved.");
      if (typeof value !== 'string' || value === '') bad();
      img.owner = value as string;
      return;
    case 'os_hidden':
      if (typeof value !== 'boolean') bad();
      img.os_hidden = value as boolean;
      return;
    default:
      if (key === '' || key.length > 255 || key.startsWith('os_glance')) throw new GlanceError(403, `Attribute '${key}' is reserved.`);
      if (typeof value !== 'string') bad();
      img.properties[key] = value as string;
  }
}

/** Counts, hashes (MD5 and SHA-512) and caps the bytes flowing through it. */
/** Glance's default image_size_cap (1 TiB): larger uploads are refused with 413. */
export const IMAGE_SIZE_CAP = 1024 ** 4;

class Hasher extends Transform {
  readonly md5 = createHash('md5');
  readonly sha512 = createHash('sha512');
  size = 0;
  tooLarge = false;
  constructor(private readonly max: number) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.max) {
      this.tooLarge = true;
      cb(new GlanceError(413, `Image exceeds the image size cap of ${this.max} bytes.`));
      return;
    }
    this.md5.update(chunk);
    this.sha512.update(chunk);
    cb(null, chunk);
  }
}

export class ImageApi {
  constructor(private readonly deps: ApiDeps) {}

  server(): Server {
    return createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const e = err instanceof GlanceError ? err
          : err instanceof IdentityUnavailable ? new GlanceError(503, 'The identity service is unavailable.')
            : new GlanceError(500, 'Internal error.');
        if (!(err instanceof GlanceError)) console.error('image service error:', err);
        if (res.headersSent) { res.destroy(); return; }
        req.resume();
        sendError(res, e, this.deps.identityUrl, typeof req.headers.accept === 'string' ? req.headers.accept : undefined);
      });
    });
  }

  /** The caller's identity; `fresh` (state changes, image bytes) skips the validation cache. */
  private async caller(req: IncomingMessage, fresh: boolean): Promise<Caller> {
    const raw = req.headers['x-auth-token'];
    const token = typeof raw === 'string' ? raw.trim() : '';
    if (!token) throw new GlanceError(401, 'The request you have made requires authentication.');
    const info = await this.deps.validator.validate(token, { fresh });
    if (!info) throw new GlanceError(401, 'The request you have made requires authentication.');
    return { ...info, token, admin: info.roles.some((r) => this.deps.adminRoles.includes(r.toLowerCase())) };
  }

  private visible(img: ImageRow, c: Caller): boolean {
    if (img.status === 'deleted') return false;
    if (c.admin || img.owner === c.projectId || img.visibility === 'public' || img.visibility === 'community') return true;
    return img.visibility === 'shared' && this.deps.db.member(img.id, c.projectId) !== undefined;
  }

  private find(id: string, c: Caller): ImageRow {
    const img = this.deps.db.get(id);
    if (!img || !this.visible(img, c)) throw new GlanceError(404, `No image found with ID ${id}`);
    return img;
  }

  private findEditable(id: string, c: Caller): ImageRow {
    const img = this.find(id, c);
    if (!c.admin && img.owner !== c.projectId) throw new GlanceError(403, `You are not permitted to modify image ${id}.`);
    return img;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    const m = req.method ?? 'GET';
    if (parts.length === 0 || (parts.length === 1 && parts[0] === 'versions')) {
      if (m !== 'GET' && m !== 'HEAD') throw new GlanceError(405, 'Method not allowed.');
      const host = req.headers.host ?? '127.0.0.1';
      const versions = ['2.9', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'].map((v, i) => ({
        id: `v${v}`, status: i === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href: `http://${host}/v2/` }],
      }));
      return send(res, parts.length === 0 ? 300 : 200, { versions });
    }
    if (parts[0] !== 'v2') throw new GlanceError(404, 'The resource could not be found.');
    if (url.pathname === AUDIT_PATH) return this.latestAudit(req, res, m);
    const [, collection, id, sub, subId] = parts;
    // Metadata reads may use a validation cached for up to 30 s; anything that changes state or returns
    // image bytes is validated afresh, so a revoked token never writes nor downloads.
    const c = await this.caller(req, !(m === 'GET' || m === 'HEAD') || sub === 'file');
    if (collection === 'schemas' && id !== undefined && sub === undefined) {
      const schema = SCHEMAS[id];
      if (!schema || (m !== 'GET' && m !== 'HEAD')) throw new GlanceError(404, 'The resource could not be found.');
      return send(res, 200, schema());
    }
    if (collection !== 'images') throw new GlanceError(404, 'The resource could not be found.');
    if (id === undefined) {
      if (m === 'GET') return send(res, 200, this.list(url.searchParams, c));
      if (m === 'POST') {
        const created = this.create(await readJson(req), c);
        return send(res, 201, imageView(created), { location: `/v2/images/${created.id}` });
      }
      throw new GlanceError(405, 'Method not allowed.');
    }
    if (sub === undefined) {
      if (m === 'GET') return send(res, 200, imageView(this.find(id, c)));
      if (m === 'PATCH') return send(res, 200, imageView(await this.patch(id, req, c)));
      if (m === 'DELETE') { await this.remove(id, c); return send(res, 204, undefined); }
      throw new GlanceError(405, 'Method not allowed.');
    }
    if (sub === 'file' && subId === undefined) {
      if (m === 'PUT') { await this.upload(id, req, c); return send(res, 204, undefined); }
      if (m === 'GET') return this.download(id, req, res, c);
      throw new GlanceError(405, 'Method not allowed.');
    }
    if (sub === 'members') return this.members(id, subId, m, req, res, c);
    if (sub === 'actions' && subId !== undefined && parts.length === 5) {
      if (subId !== 'deactivate' && subId !== 'reactivate') throw new GlanceError(404, 'The resource could not be found.');
      if (m !== 'POST') throw new GlanceError(405, 'Method not allowed.');
      req.resume();
      this.action(id, subId, c);
      return send(res, 204, undefined);
    }
    if (sub === 'tags' && subId !== undefined) {
      const img = this.findEditable(id, c);
      if (m === 'PUT') { if (!img.tags.includes(subId)) img.tags.push(subId); }
      else if (m === 'DELETE') {
        if (!img.tags.includes(subId)) throw new GlanceError(404, `Tag ${subId} not found.`);
        img.tags = img.tags.filter((t) => t !== subId);
      } else throw new GlanceError(405, 'Method not allowed.');
      this.deps.db.update(img);
      return send(res, 204, undefined);
    }
    throw new GlanceError(404, 'The resource could not be found.');
  }

  /** GET /v2/audit/latest (audit-api.ts): administrators and audit readers only. */
  private async latestAudit(req: IncomingMessage, res: ServerResponse, m: string): Promise<void> {
    if (auditCors(req, res, this.deps.auditOrigins ?? [])) return;
    if (m !== 'GET' && m !== 'HEAD') throw new GlanceError(405, 'Method not allowed.');
    const c = await this.caller(req, false);
    const reader = c.roles.some((r) => (this.deps.auditRoles ?? []).includes(r.toLowerCase()));
    if (!c.admin && !reader) throw new GlanceError(403, 'You are not authorized to read the image audit.');
    return send(res, 200, { audit: this.deps.db.latestAudit() ?? null });
  }

  /** GET /v2/images: parameters as Glance parses them; visibility, filters, sorting and paging in SQL. */
  private list(q: URLSearchParams, c: Caller): Record<string, unknown> {
    const one = (k: string): string | null => q.get(k);
    const bool = (k: string): boolean | undefined => {
      const v = one(k);
      if (v === null) return undefined;
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
      throw new GlanceError(400, `Invalid value for ${k}: ${v}`);
    };
    if (q.has('changes-since')) throw new GlanceError(400, 'The "changes-since" filter is no longer available on v2.');
    const visibility = one('visibility');
    if (visibility !== null && visibility !== 'all' && !VISIBILITIES.includes(visibility as Visibility)) {
      throw new GlanceError(400, `Invalid visibility value: ${visibility}`);
    }
    const memberStatus = one('member_status') ?? 'accepted';
    if (memberStatus !== 'all' && !MEMBER_STATUSES.includes(memberStatus as MemberStatus)) {
      throw new GlanceError(400, `Invalid status: ${memberStatus}`);
    }
    // Sorting: the new syntax (sort=name:asc,size:desc) or the classic one (sort_key=…&sort_dir=…, repeatable).
    const sortKey = (k: string): SortKey => {
      if (!SORT_KEYS.includes(k as SortKey)) throw new GlanceError(400, `Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
      return k as SortKey;
    };
    const sortDir = (d: string): 'asc' | 'desc' => {
      if (d !== 'asc' && d !== 'desc') throw new GlanceError(400, `Invalid sort direction: ${d}`);
      return d;
    };
    let sort: ListQuery['sort'];
    const newSort = one('sort');
    if (newSort !== null) {
      if (q.has('sort_key') || q.has('sort_dir')) throw new GlanceError(400, 'Old and new sorting syntax cannot be combined');
      sort = newSort.trim().split(',').map((part) => {
        const [k = '', d = ''] = part.split(':');
        return { key: sortKey(k.trim()), dir: sortDir(d.trim() || 'desc') };
      });
    } else {
      const keys = q.getAll('sort_key').map((k) => sortKey(k.trim()));
      const dirs = q.getAll('sort_dir').map((d) => sortDir(d.trim()));
      if (dirs.length > 1 && dirs.length !== keys.length) throw new GlanceError(400, 'Number of sort dirs does not match the number of sort keys');
      if (keys.length === 0) keys.push('created_at');
      sort = keys.map((key, i) => ({ key, dir: dirs.length > 1 ? (dirs[i] ?? 'desc') : (dirs[0] ?? 'desc') }));
    }
    const limitText = one('limit');
    let limit = 25;
    if (limitText !== null) {
      if (!/^-?\d+$/.test(limitText)) throw new GlanceError(400, 'limit param must be an integer');
      if (Number(limitText) < 0) throw new GlanceError(400, 'limit param must be positive');
      limit = Math.min(Number(limitText), 1000);
    }
    const markerId = one('marker');
    let marker: ImageRow | undefined;
    if (markerId !== null) {
      marker = this.deps.db.get(markerId);
      if (!marker || !this.visible(marker, c)) throw new GlanceError(400, `Invalid marker. Image ${markerId} could not be found.`);
    }
    const equals: ListQuery['equals'] = [];
    for (const column of ['name', 'status', 'owner', 'disk_format', 'container_format', 'id'] as const) {
      const v = one(column);
      if (v !== null) equals.push({ column, value: v });
    }
    const prot = bool('protected');
    if (prot !== undefined) equals.push({ column: 'protected', value: prot ? 1 : 0 });
    const size = (k: string): number | undefined => {
      const v = one(k);
      if (v === null) return undefined;
      if (!/^\d+$/.test(v)) throw new GlanceError(400, `Invalid value for ${k}: ${v}`);
      return Number(v);
    };
    const properties: [string, string][] = [];
    for (const [k, v] of q) if (!LIST_PARAMS.has(k)) properties.push([k, v]);
    const page = this.deps.db.list({
      projectId: c.projectId, admin: c.admin, visibility: visibility as ListQuery['visibility'], memberStatus: memberStatus as ListQuery['memberStatus'],
      hidden: bool('os_hidden') ?? false, equals, tags: q.getAll('tag').map((t) => t.trim()), properties,
      sizeMin: size('size_min'), sizeMax: size('size_max'), sort, marker, limit,
    });
    // Glance's links: `first` repeats the query without the marker; `next` (when the page is full)
    // repeats it with the last image as the marker.
    const params = new URLSearchParams(q);
    params.delete('marker');
    const query = params.toString();
    const out: Record<string, unknown> = { images: page.map(imageView), first: query ? `/v2/images?${query}` : '/v2/images', schema: '/v2/schemas/images' };
    const last = page[page.length - 1];
    if (last && page.length === limit) {
      params.set('marker', last.id);
      out.next = `/v2/images?${params.toString()}`;
    }
    return out;
  }

  private create(body: unknown, c: Caller): ImageRow {
    if (!isObject(body)) throw new GlanceError(400, 'Request body must be a JSON object.');
    const now = isoNow();
    let id: string = randomUUID();
    if (body['id'] !== undefined) {
      if (typeof body['id'] !== 'string' || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(body['id'])) {
        throw new GlanceError(400, 'id must be a UUID.');
      }
      id = body['id'].toLowerCase();
      if (this.deps.db.get(id)) throw new GlanceError(409, `An image with identifier ${id} already exists`);
    }
    const img: ImageRow = {
      id, name: null, owner: c.projectId, status: 'queued', visibility: 'shared', protected: false, checksum: null,
      os_hash_algo: null, os_hash_value: null, size: null, disk_format: null, container_format: null, min_disk: 0, min_ram: 0,
      tags: [], properties: {}, created_at: now, updated_at: now, status_changed: Date.now() / 1000, os_hidden: false, segments: 0, manifest_etag: null, segment_bytes: 0,
    };
    for (const [k, v] of Object.entries(body)) if (k !== 'id') setAttribute(img, k, v, c);
    this.deps.db.insert(img);
    return img;
  }

  private async patch(id: string, req: IncomingMessage, c: Caller): Promise<ImageRow> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (!PATCH_TYPES.includes(type)) {
      req.resume();
      throw new GlanceError(415, `Unsupported Content-Type; expected ${PATCH_TYPES[0]}`);
    }
    const img = this.findEditable(id, c);
    const ops = await readJson(req);
    if (!Array.isArray(ops)) throw new GlanceError(400, 'A JSON-patch body must be a list of operations.');
    const draft: ImageRow = structuredClone(img);
    for (const op of ops) {
      if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') throw new GlanceError(400, 'Each operation needs "op" and "path".');
      const path = op['path'];
      if (!path.startsWith('/') || path.length < 2) throw new GlanceError(400, `Invalid JSON pointer: ${path}`);
      const key = path.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
      switch (op['op']) {
        case 'add':
        case 'replace':
          if (!('value' in op)) throw new GlanceError(400, `Operation "${op['op']}" needs a value.`);
          if (op['op'] === 'replace' && !CORE.includes(key) && !READ_ONLY.includes(key) && !(key in draft.properties)) {
            throw new GlanceError(409, `Property ${key} does not exist.`);
          }
          setAttribute(draft, key, op['value'], c);
          break;
        case 'remove':
          if (READ_ONLY.includes(key)) throw new GlanceError(403, `Attribute '${key}' is read-only.`);
          if (CORE.includes(key)) throw new GlanceError(403, `Attribute '${key}' cannot be removed.`);
          if (!(key in draft.properties)) throw new GlanceError(409, `Property ${key} does not exist.`);
          delete draft.properties[key];
          break;
        default:
          throw new GlanceError(400, `Operation "${String(op['op'])}" is not supported.`);
      }
    }
    if (draft.owner !== img.owner) throw new GlanceError(403, "Attribute 'owner' cannot be changed after creation.");
    this.deps.db.update(draft);
    return this.deps.db.get(id) ?? draft;
  }

  /**
   * POST /v2/images/{id}/actions/deactivate|reactivate (admin only, as Glance's default policy): a
   * deactivated image keeps its bytes but only administrators may download them.
   */
  private action(id: string, action: 'deactivate' | 'reactivate', c: Caller): void {
    const img = this.find(id, c);
    if (!c.admin) throw new GlanceError(403, `You are not authorized to complete ${action} action.`);
    const [from, to] = action === 'deactivate' ? ['active', 'deactivated'] as const : ['deactivated', 'active'] as const;
    if (img.status === to) return; // Glance: a no-op
    if (img.status !== from || !this.deps.db.transition(id, [from], to)) {
      throw new GlanceError(403, `Not allowed to ${action} image in status '${img.status}'`);
    }
  }

  private async remove(id: string, c: Caller): Promise<void> {
    const img = this.findEditable(id, c);
    if (img.protected) throw new GlanceError(403, `Image ${id} is protected and cannot be deleted.`);
    try {
      await this.deps.store.remove(img.owner, c.token, id);
    } catch (err) {
      throw this.swiftFailure(err, 'delete the image data', c);
    }
    this.deps.db.transition(id, ['queued', 'saving', 'active', 'deactivated', 'killed'], 'deleted');
  }

  private swiftFailure(err: unknown, what: string, c?: Caller): GlanceError {
    if (err instanceof SwiftClientError) {
      if (err.status === 401 && c) {
        // Swiftlet no longer accepts the user's token (revoked just now) or the image service's own:
        // drop both from the caches; the next request validates and logs in again.
        this.deps.validator.forget(c.token);
        this.deps.store.serviceRefused();
        return new GlanceError(401, 'The object store did not accept the credentials; authenticate again.');
      }
      if (err.status === 401 || err.status === 403) return new GlanceError(403, `The object store refused to ${what} with your token (${err.status}); a role such as admin or swiftoperator on the owning project is needed.`);
      if (err.status === 413) return new GlanceError(413, 'Image exceeds the maximum object size (no large-object support yet).');
      return new GlanceError(500, `The object store failed to ${what} (${err.status}).`);
    }
    if (err instanceof GlanceError) return err;
    if (err instanceof IdentityUnavailable) return new GlanceError(503, 'The identity service is unavailable.');
    return new GlanceError(503, `The object store is unavailable: ${(err as Error).message}`);
  }

  private async upload(id: string, req: IncomingMessage, c: Caller): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (type !== 'application/octet-stream') throw new GlanceError(415, 'Content-Type must be application/octet-stream.');
    const img = this.findEditable(id, c);
    if (!img.disk_format || !img.container_format) {
      throw new GlanceError(400, 'Properties disk_format, container_format must be set prior to saving data.');
    }
    const max = IMAGE_SIZE_CAP;
    const lengthHeader = req.headers['content-length'];
    const length = lengthHeader !== undefined ? Number(lengthHeader) : undefined;
    if (length !== undefined && length > max) {
      throw new GlanceError(413, `Image of ${length} bytes exceeds the image size cap of ${max} bytes.`);
    }
    if (img.status !== 'queued' || !this.deps.db.transition(id, ['queued'], 'saving')) {
      throw new GlanceError(409, `Image status transition from ${img.status} to saving is not allowed`);
    }
    const hasher = new Hasher(max);
    let stored: Stored;
    try {
      const put = this.deps.store.put(img.owner, c.token, id, hasher, length);
      // A failing PUT (e.g. 403) must not leave the client's upload hanging.
      put.catch(() => { hasher.destroy(); });
      [, stored] = await Promise.all([pipeline(req, hasher), put]);
    } catch (err) {
      const e = hasher.tooLarge ? new GlanceError(413, `Image exceeds the image size cap of ${max} bytes.`)
        : err instanceof StoreMismatch ? new GlanceError(500, `The stored data does not match what was sent (${err.message}); the image was killed.`)
          : this.swiftFailure(err, 'store the image data', c);
      // Too large or refused: nothing was stored, the image may be uploaded again (Glance restores
      // `queued`). Any other failure (broken stream, store error) kills it.
      const retry = e.status === 413 || e.status === 403 || e.status === 401;
      // Whatever part was written (a first object, some segments) goes, best effort.
      await this.deps.store.remove(img.owner, c.token, id).catch(() => undefined);
      this.deps.db.transition(id, ['saving'], retry ? 'queued' : 'killed');
      throw e;
    }
    const md5 = hasher.md5.digest('hex');
    // A plain object's ETag is the MD5 of the whole; a large object's segments were checked one by one.
    if ((stored.segments === 0 && stored.etag !== md5) || stored.bytes !== hasher.size || (length !== undefined && hasher.size !== length)) {
      this.deps.db.transition(id, ['saving'], 'killed');
      await this.deps.store.remove(img.owner, c.token, id).catch(() => undefined);
      throw new GlanceError(500, 'The stored data does not match what was sent (checksum or size); the image was killed.');
    }
    const ok = this.deps.db.transition(id, ['saving'], 'active', {
      checksum: md5, os_hash_algo: 'sha512', os_hash_value: hasher.sha512.digest('hex'), size: hasher.size,
      segments: stored.segments, ...(stored.segments > 0 ? { manifest_etag: stored.etag, segment_bytes: stored.segmentBytes } : {}),
    });
    if (!ok) {
      // Deleted (or killed) while uploading: the bytes must not outlive the record.
      await this.deps.store.remove(img.owner, c.token, id).catch(() => undefined);
      throw new GlanceError(409, 'The image was deleted or changed while its data was being uploaded.');
    }
  }

  private async download(id: string, req: IncomingMessage, res: ServerResponse, c: Caller): Promise<void> {
    const img = this.find(id, c);
    if (img.status === 'deactivated' && !c.admin) {
      throw new GlanceError(403, 'The requested image has been deactivated. Image data download is forbidden.');
    }
    if (img.status !== 'active' && img.status !== 'deactivated') {
      res.writeHead(204);
      res.end();
      return;
    }
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    // The owner's own token opens its service account (with the service token); any other project,
    // admin included, reads through the read-only credential after the visibility check above. A
    // member of the owning project without an operator role cannot open the service account with its
    // own token; the visibility check already allowed it, so read-only it is.
    let asOwner: { userToken: string } | undefined = img.owner === c.projectId ? { userToken: c.token } : undefined;
    const open = async (r: string | undefined, segment?: number) => {
      try {
        if (asOwner) {
          try {
            return await this.deps.store.open(img.owner, id, asOwner, r, segment);
          } catch (err) {
            if (!(err instanceof SwiftClientError && err.status === 403)) throw err;
            asOwner = undefined;
          }
        }
        return await this.deps.store.open(img.owner, id, undefined, r, segment);
      } catch (err) {
        if (err instanceof SwiftClientError && err.status === 404) throw new GlanceError(404, `Image ${id} has no data in the store.`);
        throw this.swiftFailure(err, 'read the image data', c);
      }
    };
    if (img.segments > 0 && img.segment_bytes > 0) return this.downloadSegments(img, range, res, open);
    const r = await open(range);
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    for (const h of ['content-length', 'content-range', 'accept-ranges']) if (r.headers[h] !== undefined) headers[h] = r.headers[h] ?? '';
    if (r.status === 200 && img.checksum) headers['content-md5'] = img.checksum;
    if (r.status === 416) {
      r.body.resume();
      throw new GlanceError(416, 'Requested range not satisfiable.');
    }
    res.writeHead(r.status, headers);
    await pipeline(r.body, res);
  }

  /**
   * A segmented image is read segment by segment (the record knows their number and size), each
   * segment with the part of the requested range that falls in it: one byte range across segments
   * is answered with 206, an unsatisfiable one with 416; other Range headers are ignored (200).
   */
  private async downloadSegments(img: ImageRow, rangeHeader: string | undefined, res: ServerResponse,
    open: (range: string | undefined, segment: number) => Promise<{ status: number; body: IncomingMessage }>): Promise<void> {
    const size = img.size ?? 0;
    let first = 0;
    let last = size - 1;
    let partial = false;
    const m = rangeHeader === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.replace(/\s+/g, ''));
    if (m && (m[1] !== '' || m[2] !== '')) {
      if (m[1] === '') {
        const n = Number(m[2]);
        if (n === 0) throw new GlanceError(416, 'Requested range not satisfiable.');
        first = Math.max(0, size - n);
      } else {
        first = Number(m[1]);
        if (m[2] !== '') {
          if (Number(m[2]) < first) throw new GlanceError(416, 'Requested range not satisfiable.');
          last = Math.min(last, Number(m[2]));
        }
        if (first >= size) throw new GlanceError(416, 'Requested range not satisfiable.');
      }
      partial = true;
    }
    const S = img.segment_bytes;
    const from = Math.floor(first / S) + 1;
    const to = Math.floor(last / S) + 1;
    const part = (n: number) => {
      const start = (n - 1) * S;
      const a = Math.max(first, start) - start;
      const b = Math.min(last, Math.min(n * S, size) - 1) - start;
      const whole = a === 0 && b === Math.min(S, size - start) - 1;
      return whole ? undefined : `bytes=${a}-${b}`;
    };
    // The first segment is opened before any header is sent, so that refusals and absences are proper errors.
    const firstBody = await open(part(from), from);
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(last - first + 1),
    };
    if (partial) headers['content-range'] = `bytes ${first}-${last}/${size}`;
    else if (img.checksum) headers['content-md5'] = img.checksum;
    res.writeHead(partial ? 206 : 200, headers);
    let body: IncomingMessage | undefined = firstBody.body;
    for (let n = from; n <= to; n++) {
      const current: IncomingMessage = body ?? (await open(part(n), n)).body;
      body = undefined;
      await pipeline(current, res, { end: false });
    }
    res.end();
  }

  private async members(id: string, memberId: string | undefined, m: string, req: IncomingMessage, res: ServerResponse, c: Caller): Promise<void> {
    const img = this.find(id, c);
    const isOwner = c.admin || img.owner === c.projectId;
    const db = this.deps.db;
    if (memberId === undefined) {
      if (m === 'GET') {
        const all = db.members(id).filter((x) => isOwner || x.member_id === c.projectId);
        return send(res, 200, { members: all.map(memberView), schema: '/v2/schemas/members' });
      }
      if (m === 'POST') {
        if (!isOwner) throw new GlanceError(403, 'You are not permitted to create image members for the image.');
        if (img.visibility !== 'shared') throw new GlanceError(403, `Image ${id} is not a shared image; only shared images have members.`);
        const body = await readJson(req);
        const member = isObject(body) ? body['member'] : undefined;
        if (typeof member !== 'string' || member === '') throw new GlanceError(400, 'Member to be added not specified');
        if (db.member(id, member)) throw new GlanceError(409, `Member ${member} already exists for image ${id}.`);
        return send(res, 200, memberView(db.addMember(id, member)));
      }
      throw new GlanceError(405, 'Method not allowed.');
    }
    const row = db.member(id, memberId);
    if (!row || (!isOwner && memberId !== c.projectId)) throw new GlanceError(404, `Member ${memberId} not found for image ${id}.`);
    if (m === 'GET') return send(res, 200, memberView(row));
    if (m === 'PUT') {
      if (memberId !== c.projectId) throw new GlanceError(403, 'Only the member itself may change its status.');
      const body = await readJson(req);
      const status = isObject(body) ? body['status'] : undefined;
      if (!MEMBER_STATUSES.includes(status as MemberStatus)) throw new GlanceError(400, `Invalid status: ${String(status)}`);
      db.setMemberStatus(id, memberId, status as MemberStatus);
      return send(res, 200, memberView(db.member(id, memberId) ?? row));
    }
    if (m === 'DELETE') {
      if (!isOwner) throw new GlanceError(403, 'You are not permitted to delete image members for the image.');
      db.removeMember(id, memberId);
      return send(res, 204, undefined);
    }
    throw new GlanceError(405, 'Method not allowed.');
  }
}

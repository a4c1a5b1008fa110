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
import { isoNow, type ImageDb, type ImageRow, type MemberRow, type MemberStatus, type Visibility } from './db.js';
import { IdentityUnavailable, type TokenInfo, type TokenValidator } from './identity.js';
import { SCHEMAS } from './schemas.js';
import type { ImageStore } from './store.js';

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
const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at', 'visibility', 'owner'];
const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];

export interface ApiDeps {
  db: ImageDb;
  store: ImageStore;
  validator: TokenValidator;
  /** Lower-cased roles that make a caller an image administrator. */
  adminRoles: string[];
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

function sendError(res: ServerResponse, err: GlanceError, identityUrl: string): void {
  const title = REASONS[err.status] ?? 'Error';
  const headers: Record<string, string> = {};
  if (err.status === 401) headers['www-authenticate'] = `Keystone uri="${identityUrl}/v3"`;
  send(res, err.status, { message: err.message, code: `${err.status} ${title}`, title }, headers);
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
    os_hidden: false,
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
      if (value !== false) throw new GlanceError(400, 'os_hidden is not supported by this image service.');
      return;
    default:
      if (key === '' || key.length > 255 || key.startsWith('os_glance')) throw new GlanceError(403, `Attribute '${key}' is reserved.`);
      if (typeof value !== 'string') bad();
      img.properties[key] = value as string;
  }
}

/** Counts, hashes (MD5 and SHA-512) and caps the bytes flowing through it. */
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
      cb(new GlanceError(413, `Image exceeds the maximum object size of ${this.max} bytes (no large-object support yet).`));
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
        sendError(res, e, this.deps.identityUrl);
      });
    });
  }

  private async caller(req: IncomingMessage): Promise<Caller> {
    const raw = req.headers['x-auth-token'];
    const token = typeof raw === 'string' ? raw.trim() : '';
    if (!token) throw new GlanceError(401, 'This server could not verify that you are authorized to access the document you requested.');
    const info = await this.deps.validator.validate(token);
    if (!info) throw new GlanceError(401, 'This server could not verify that you are authorized to access the document you requested.');
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
    const c = await this.caller(req);
    const [, collection, id, sub, subId] = parts;
    if (collection === 'schemas' && id !== undefined && sub === undefined) {
      const schema = SCHEMAS[id];
      if (!schema || (m !== 'GET' && m !== 'HEAD')) throw new GlanceError(404, 'The resource could not be found.');
      return send(res, 200, schema());
    }
    if (collection !== 'images') throw new GlanceError(404, 'The resource could not be found.');
    if (id === undefined) {
      if (m === 'GET') return send(res, 200, this.list(url.searchParams, c));
      if (m === 'POST') return send(res, 201, imageView(this.create(await readJson(req), c)));
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

  private list(q: URLSearchParams, c: Caller): Record<string, unknown> {
    const visibility = q.get('visibility');
    if (visibility !== null && visibility !== 'all' && !VISIBILITIES.includes(visibility as Visibility)) {
      throw new GlanceError(400, `Invalid visibility value: ${visibility}`);
    }
    const memberStatus = q.get('member_status') ?? 'accepted';
    if (memberStatus !== 'all' && !MEMBER_STATUSES.includes(memberStatus as MemberStatus)) {
      throw new GlanceError(400, `Invalid status value: ${memberStatus}`);
    }
    const sortKey = q.get('sort_key') ?? 'created_at';
    if (!SORT_KEYS.includes(sortKey)) throw new GlanceError(400, `Invalid sort key: ${sortKey}.`);
    const sortDir = q.get('sort_dir') ?? 'desc';
    if (sortDir !== 'asc' && sortDir !== 'desc') throw new GlanceError(400, `Invalid sort direction: ${sortDir}`);
    const limitText = q.get('limit');
    let limit = 25;
    if (limitText !== null) {
      if (!/^\d+$/.test(limitText)) throw new GlanceError(400, 'limit param must be an integer');
      limit = Math.min(Number(limitText), 1000);
    }
    const memberships = this.deps.db.membershipsOf(c.projectId);
    const sharedOk = (img: ImageRow) => {
      if (img.owner === c.projectId) return true;
      const s = memberships.get(img.id);
      return s !== undefined && (memberStatus === 'all' || s === memberStatus);
    };
    const listed = (img: ImageRow): boolean => {
      if (visibility !== null && visibility !== 'all' && img.visibility !== visibility) return false;
      switch (img.visibility) {
        case 'public': return true;
        case 'community': return visibility === 'community' || visibility === 'all' || img.owner === c.projectId || (c.admin && visibility === null);
        case 'shared': return c.admin || sharedOk(img);
        case 'private': return c.admin || img.owner === c.projectId;
      }
    };
    const filters: [string, (img: ImageRow, v: string) => boolean][] = [
      ['name', (img, v) => img.name === v], ['status', (img, v) => img.status === v], ['owner', (img, v) => img.owner === v],
      ['tag', (img, v) => img.tags.includes(v)], ['disk_format', (img, v) => img.disk_format === v],
      ['container_format', (img, v) => img.container_format === v], ['protected', (img, v) => String(img.protected) === v],
    ];
    let images = this.deps.db.all().filter((img) => listed(img) && filters.every(([k, f]) => {
      const v = q.get(k);
      return v === null || f(img, v);
    }));
    const key = sortKey as keyof ImageRow;
    const cmp = (a: ImageRow, b: ImageRow): number => {
      const x = a[key] as string | number | null;
      const y = b[key] as string | number | null;
      let r = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      if (r === 0) r = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return sortDir === 'asc' ? r : -r;
    };
    images.sort(cmp);
    const marker = q.get('marker');
    if (marker !== null) {
      const at = images.findIndex((img) => img.id === marker);
      if (at < 0) throw new GlanceError(400, `Invalid marker. Image ${marker} could not be found.`);
      images = images.slice(at + 1);
    }
    const page = images.slice(0, limit);
    const out: Record<string, unknown> = { images: page.map(imageView), first: '/v2/images', schema: '/v2/schemas/images' };
    if (images.length > limit && page.length > 0) {
      const next = new URLSearchParams(q);
      next.set('marker', page[page.length - 1]?.id ?? '');
      next.set('limit', String(limit));
      out.next = `/v2/images?${next.toString()}`;
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
      tags: [], properties: {}, created_at: now, updated_at: now, status_changed: Date.now() / 1000,
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

  private async remove(id: string, c: Caller): Promise<void> {
    const img = this.findEditable(id, c);
    if (img.protected) throw new GlanceError(403, `Image ${id} is protected and cannot be deleted.`);
    try {
      await this.deps.store.remove(img.owner, c.token, id);
    } catch (err) {
      throw this.swiftFailure(err, 'delete the image data');
    }
    this.deps.db.transition(id, ['queued', 'saving', 'active', 'killed'], 'deleted');
  }

  private swiftFailure(err: unknown, what: string): GlanceError {
    if (err instanceof SwiftClientError) {
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
    const max = await this.deps.store.maxObjectSize();
    const lengthHeader = req.headers['content-length'];
    const length = lengthHeader !== undefined ? Number(lengthHeader) : undefined;
    if (length !== undefined && length > max) {
      throw new GlanceError(413, `Image of ${length} bytes exceeds the maximum object size of ${max} bytes (no large-object support yet).`);
    }
    if (img.status !== 'queued' || !this.deps.db.transition(id, ['queued'], 'saving')) {
      throw new GlanceError(409, `Image status transition from ${img.status} to saving is not allowed`);
    }
    const hasher = new Hasher(max);
    let etag: string;
    try {
      const put = this.deps.store.put(img.owner, c.token, id, hasher, length);
      // A failing PUT (e.g. 403) must not leave the client's upload hanging.
      put.catch(() => { hasher.destroy(); });
      [, etag] = await Promise.all([pipeline(req, hasher), put]);
    } catch (err) {
      const e = hasher.tooLarge ? new GlanceError(413, `Image exceeds the maximum object size of ${max} bytes (no large-object support yet).`) : this.swiftFailure(err, 'store the image data');
      // Too large or refused: nothing was stored, the image may be uploaded again (Glance restores
      // `queued`). Any other failure (broken stream, store error) kills it.
      const retry = e.status === 413 || e.status === 403;
      this.deps.db.transition(id, ['saving'], retry ? 'queued' : 'killed');
      if (!retry) await this.deps.store.remove(img.owner, c.token, id).catch(() => undefined);
      throw e;
    }
    const md5 = hasher.md5.digest('hex');
    if (etag !== md5 || (length !== undefined && hasher.size !== length)) {
      this.deps.db.transition(id, ['saving'], 'killed');
      await this.deps.store.remove(img.owner, c.token, id).catch(() => undefined);
      throw new GlanceError(500, 'The stored data does not match what was sent (checksum or size); the image was killed.');
    }
    const ok = this.deps.db.transition(id, ['saving'], 'active', {
      checksum: md5, os_hash_algo: 'sha512', os_hash_value: hasher.sha512.digest('hex'), size: hasher.size,
    });
    if (!ok) {
      // Deleted (or killed) while uploading: the bytes must not outlive the record.
      await this.deps.store.remove(img.owner, c.token, id).catch(() => undefined);
      throw new GlanceError(409, 'The image was deleted or changed while its data was being uploaded.');
    }
  }

  private async download(id: string, req: IncomingMessage, res: ServerResponse, c: Caller): Promise<void> {
    const img = this.find(id, c);
    if (img.status !== 'active') {
      res.writeHead(204);
      res.end();
      return;
    }
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    let r;
    try {
      // The owner's own token opens its service account (with the service token); any other project,
      // admin included, reads through the read-only credential after the visibility check above.
      if (img.owner === c.projectId) {
        try {
          r = await this.deps.store.open(img.owner, id, { userToken: c.token }, range);
        } catch (err) {
          // A member of the owning project without an operator role cannot open the service account
          // with its own token; the visibility check above already allowed it, so read-only it is.
          if (!(err instanceof SwiftClientError && err.status === 403)) throw err;
          r = await this.deps.store.open(img.owner, id, undefined, range);
        }
      } else {
        r = await this.deps.store.open(img.owner, id, undefined, range);
      }
    } catch (err) {
      if (err instanceof SwiftClientError && err.status === 404) throw new GlanceError(404, `Image ${id} has no data in the store.`);
      throw this.swiftFailure(err, 'read the image data');
    }
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

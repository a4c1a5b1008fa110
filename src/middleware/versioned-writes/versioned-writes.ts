/**
 * Versioned writes (Swift's legacy versioned_writes middleware). A container with
 * `X-Versions-Location: <container>` (stack mode) or `X-History-Location: <container>` (history
 * mode) keeps every overwritten version of its objects in that container of the same account, as
 * `<length of name, 3 hex digits><name>/<timestamp of the version>`.
 * - PUT (and COPY onto) an existing object first copies the current version there.
 * - DELETE in stack mode restores the newest archived version in place of the object and removes
 *   it from the archive (the object is gone only when no version is left); in history mode it
 *   archives the current version, writes a delete marker and deletes the object.
 * The location is kept as container sysmeta and shown back under the header it was set with.
 *
 * Authorisation: the caller's own request is authorised as usual, before any archive work. The
 * archive copies, restores and marker writes are the container's doing, not the caller's: the
 * account's owner configured them (only an owner may set the location, and only to a container of
 * the same account), so they run with a grant of that account (`grantScope`), as Swift runs them
 * pre-authorised. A user who may write the container but not the archive (a write ACL) thus gets
 * versions kept without reading or changing the archive directly. This is the one exception to
 * D10's "every sub-request authorised as the caller", and it is confined to the account's own
 * versions container.
 */
import { Readable } from 'node:stream';
import { authorizeRequest } from '../../auth/authorize-request.js';
import type { PolicyConfig } from '../../auth/policy-config.js';
import { parseTarget } from '../../controllers/router.js';
import type { Services, Target } from '../../controllers/services.js';
import { decodePath, type RequestContext } from '../../http/context.js';
import { SwiftError } from '../../http/errors.js';
import { responseOf, type Handler, type Middleware } from '../../http/pipeline.js';
import type { HeaderMap, SwiftResponse } from '../../http/response.js';
import { memoContainer, prefetchPathOnce } from '../../storage/request-memo.js';
import { formatTimestamp, newTimestamp } from '../../swift/timestamp.js';
import { discard, encodePath, headerValue, readBody } from '../dlo/segments.js';

const CLIENT_VERSIONS = 'x-versions-location';
const CLIENT_HISTORY = 'x-history-location';
const REMOVE_VERSIONS = 'x-remove-versions-location';
const REMOVE_HISTORY = 'x-remove-history-location';
const SYSMETA_LOCATION = 'x-container-sysmeta-versions-location';
const SYSMETA_MODE = 'x-container-sysmeta-versions-mode';
export const VERSIONED_WRITES_INFO = { allowed_flags: [CLIENT_VERSIONS, CLIENT_HISTORY] };
export const DELETE_MARKER_CONTENT_TYPE = 'application/x-deleted;swift_versions_deleted=1';
/** Response headers that describe the read, not the object: never copied into an archive or restore. */
const NOT_COPIED = new Set(['x-timestamp', 'last-modified', 'accept-ranges', 'content-location', 'content-range',
  'x-trans-id', 'x-openstack-request-id', 'date', 'connection', 'transfer-encoding']);

/** `raw` is the handler below this middleware (symlinks, then the router): archives are copied as stored. */
export function versionedWrites(services: Services, policy: PolicyConfig, raw: () => Handler): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target || target.container === undefined) return next(ctx);
    if (target.object === undefined) return containerRequest(ctx, next);
    if (ctx.method !== 'PUT' && ctx.method !== 'DELETE') return next(ctx);
    // The read the router makes anyway (it reuses it): versioning costs no extra read per write.
    await prefetchPathOnce(ctx, services.meta, target.account, target.container);
    const container = await memoContainer(ctx, services.meta, target.account, target.container);
    const location = container?.metadata[SYSMETA_LOCATION];
    if (!location) return next(ctx);
    // The caller's request must stand on its own before the container does anything for it.
    await authorizeRequest(ctx, target, services, policy);
    const versions = new Archive(ctx, target, (decodePath(location) ?? location).split('/')[0] ?? '', raw());
    if (ctx.method === 'PUT') {
      await versions.keepCurrent();
      return next(ctx);
    }
    if (container?.metadata[SYSMETA_MODE] === 'history') {
      await versions.keepCurrent();
      await versions.markDeleted();
      return next(ctx);
    }
    return (await versions.restorePrevious()) ?? next(ctx);
  };
}

/** Container PUT/POST: the location headers become sysmeta; answers show them back. */
async function containerRequest(ctx: RequestContext, next: Handler): Promise<SwiftResponse> {
  const h = ctx.headers;
  if (h[CLIENT_VERSIONS] !== undefined && h[CLIENT_HISTORY] !== undefined) {
    if (!h[CLIENT_HISTORY]) delete h[CLIENT_HISTORY];
    else if (h[CLIENT_VERSIONS]) throw new SwiftError('VersionsBothLocations');
    else delete h[CLIENT_VERSIONS];
  }
  const mode = h[CLIENT_VERSIONS] !== undefined ? 'stack' : h[CLIENT_HISTORY] !== undefined ? 'history' : undefined;
  if (mode !== undefined) {
    const value = (mode === 'stack' ? h[CLIENT_VERSIONS] : h[CLIENT_HISTORY]) ?? '';
    delete h[CLIENT_VERSIONS];
    delete h[CLIENT_HISTORY];
    if (!value) h[REMOVE_VERSIONS] = 'x';
    else {
      if (value.includes('/')) throw new SwiftError('VersionsLocationSlash');
      h[SYSMETA_LOCATION] = value;
      h[SYSMETA_MODE] = mode;
      // Setting wins over removing in the same request.
      delete h[REMOVE_VERSIONS];
      delete h[REMOVE_HISTORY];
    }
  }
  if (h[REMOVE_VERSIONS] || h[REMOVE_HISTORY]) {
    h[SYSMETA_LOCATION] = '';
    h[SYSMETA_MODE] = '';
  }
  delete h[REMOVE_VERSIONS];
  delete h[REMOVE_HISTORY];
  const res = await next(ctx);
  const location = headerValue(res.headers, SYSMETA_LOCATION);
  if (location) res.headers[headerValue(res.headers, SYSMETA_MODE) === 'history' ? CLIENT_HISTORY : CLIENT_VERSIONS] = location;
  return res;
}

/** The headers of an object read as stored (`?symlink=get`) that a copy of it is written with. */
export function storedCopyHeaders(read: HeaderMap): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(read)) {
    if (!NOT_COPIED.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** `<3 hex digits: UTF-8 length of name><name>/`: every version of one object, in time order. */
function versionPrefix(object: string): string {
  return `${Buffer.byteLength(object, 'utf8').toString(16).padStart(3, '0')}${object}/`;
}

function check(res: SwiftResponse): void {
  if (res.status >= 200 && res.status < 300) return;
  discard(res);
  // A missing container or missing rights: the versioning cannot be done as configured.
  throw new SwiftError(res.status >= 400 && res.status < 500 ? 'PreconditionFailed' : 'Unavailable');
}

class Archive {
  private readonly containerPath: string;

  constructor(
    private readonly ctx: RequestContext,
    private readonly target: Target,
    versionsContainer: string,
    private readonly raw: Handler,
  ) {
    this.containerPath = `/${target.version}/${target.account}/${versionsContainer}`;
  }

  /** Copies the object as it is now into the archive (nothing when there is no object). */
  async keepCurrent(): Promise<void> {
    const current = await this.granted('GET', this.ctx.path, { symlink: 'get' });
    if (current.status === 404) {
      discard(current);
      return;
    }
    check(current);
    const timestamp = headerValue(current.headers, 'x-timestamp') ?? formatTimestamp(newTimestamp());
    check(await this.copy(current, `${this.containerPath}/${versionPrefix(this.target.object ?? '')}${timestamp}`));
  }

  /** History mode: an empty object of the delete-marker type records when the object was deleted. */
  async markDeleted(): Promise<void> {
    const path = `${this.containerPath}/${versionPrefix(this.target.object ?? '')}${formatTimestamp(newTimestamp())}`;
    check(await this.granted('PUT', path, {}, { 'content-type': DELETE_MARKER_CONTENT_TYPE, 'content-length': '0' }));
  }

  /**
   * Stack mode DELETE: puts the newest archived version back in the object's place and removes it
   * from the archive, answering for that removal; undefined when there is nothing to restore (the
   * caller's DELETE then goes ahead).
   */
  async restorePrevious(): Promise<SwiftResponse | undefined> {
    const versions = await this.listNewestFirst();
    for (let i = 0; i < versions.length; i++) {
      const version = versions[i];
      if (!version) continue;
      if (version.content_type !== DELETE_MARKER_CONTENT_TYPE) {
        if (await this.restore(version.name)) return this.granted('DELETE', `${this.containerPath}/${version.name}`);
        continue; // gone meanwhile: try the one before
      }
      // A delete marker (left by history mode): if the object exists, the DELETE simply goes ahead.
      const head = await this.granted('HEAD', this.ctx.path);
      discard(head);
      if (head.status !== 404) {
        check(head);
        return undefined;
      }
      for (const older of versions.slice(i + 1)) {
        if (older.content_type === DELETE_MARKER_CONTENT_TYPE) break;
        if (!(await this.restore(older.name))) continue;
        const removed = await this.granted('DELETE', `${this.containerPath}/${older.name}`);
        discard(removed);
        if (removed.status !== 404) check(removed);
        break;
      }
      return this.granted('DELETE', `${this.containerPath}/${version.name}`);
    }
    return undefined;
  }

  private async restore(versionName: string): Promise<boolean> {
    const archived = await this.granted('GET', `${this.containerPath}/${versionName}`, { symlink: 'get' });
    if (archived.status === 404) {
      discard(archived);
      return false;
    }
    check(archived);
    check(await this.copy(archived, this.ctx.path));
    return true;
  }

  /** Writes a read object (headers and body, as stored) to `path`. */
  private copy(source: SwiftResponse, path: string): Promise<SwiftResponse> {
    const headers = storedCopyHeaders(source.headers);
    const body = source.body instanceof Readable ? source.body : Readable.from([source.body ?? '']);
    return this.granted('PUT', path, {}, headers, body);
  }

  private async listNewestFirst(): Promise<{ name: string; content_type: string }[]> {
    const all: { name: string; content_type: string }[] = [];
    let marker = '';
    for (;;) {
      const query: Record<string, string> = { prefix: versionPrefix(this.target.object ?? ''), reverse: 'on', format: 'json' };
      if (marker) query['marker'] = marker;
      const res = await this.granted('GET', this.containerPath, query);
      if (res.status === 404) {
        discard(res);
        return all;
      }
      check(res);
      const body = await readBody(res);
      const page = body.length ? (JSON.parse(body.toString('utf8')) as { name: string; content_type: string }[]) : [];
      if (page.length === 0) return all;
      all.push(...page);
      marker = page[page.length - 1]?.name ?? '';
    }
  }

  /** A request of the container's own, granted this account (see the module comment). */
  private granted(method: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}, body?: Readable): Promise<SwiftResponse> {
    return responseOf(this.raw, {
      ...this.ctx, method, path, rawPath: encodePath(path), query: new URLSearchParams(query), headers, internal: true,
      grantScope: { account: this.target.account }, memo: new Map(),
      body: () => body ?? Readable.from([]), bodyTaken: () => true,
    });
  }
}

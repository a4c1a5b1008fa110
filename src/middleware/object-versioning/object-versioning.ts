/**
 * Object versioning (Swift 2.30's object_versioning middleware, the `X-Versions-Enabled` API).
 *
 * A container PUT or POST with `X-Versions-Enabled: true` creates the hidden container
 * `\0versions\0<container>` (swift/reserved-names.ts) and records it and the flag as sysmeta;
 * `false` suspends versioning (old versions stay). While enabled:
 * - PUT writes the data to the hidden container as `\0<object>\0<inverted timestamp>` and makes the
 *   object a static link to it (reservedLinkHeaders); the answer carries `X-Object-Version-Id`. An
 *   object written while versioning was off (the "null" version) is first copied there too.
 * - DELETE writes a zero-byte delete marker version, then removes the link.
 * - GET and HEAD follow the link (symlink middleware) and name the version; POST updates the link
 *   and the current version.
 * Enabled or not, `?version-id=<id>` reads (GET, HEAD, COPY) or deletes one version, and PUT with an
 * empty body makes an old version current again; `?versions` on the container lists every version
 * (versions-listing.ts). A container is deleted only once no version is left; its hidden container
 * goes with it. Container HEAD/GET count the versions' bytes in `X-Container-Bytes-Used`.
 *
 * Authorisation: the caller's request is authorised on the container or object it names before
 * anything is done for it. The hidden container's reads and writes that follow are the
 * container's doing and run granted this account, as Swift runs them pre-authorised (the same
 * exception to D10 as versioned writes, confined to the account's own versions container).
 * Requests that name a version (`?version-id`) are the caller's own: they are authorised on the
 * hidden container, which has no ACL, so only the account's owners may read or delete old versions,
 * as in Swift.
 */
import { pipeline, Readable, Transform } from 'node:stream';
import { authorizeRequest } from '../../auth/authorize-request.js';
import type { PolicyConfig } from '../../auth/policy-config.js';
import { parseTarget } from '../../controllers/router.js';
import type { Services, Target } from '../../controllers/services.js';
import { decodePath, type RequestContext } from '../../http/context.js';
import { SwiftError } from '../../http/errors.js';
import { responseOf, type Handler, type Middleware } from '../../http/pipeline.js';
import { errorResponse, type SwiftResponse } from '../../http/response.js';
import type { ContainerInfo } from '../../storage/contracts.js';
import { memoContainer, prefetchPathOnce } from '../../storage/request-memo.js';
import { OVERRIDE_ETAG } from '../../swift/listing-format.js';
import { pyQuote } from '../../swift/quote.js';
import {
  ALLOW_RESERVED_NAMES, normalizeVersionId, parseVersionObjectName, RESERVED, versionObjectName, versionsContainerName,
} from '../../swift/reserved-names.js';
import { formatTimestamp, newTimestamp, parseHttpDate } from '../../swift/timestamp.js';
import { discard, encodePath, headerValue, normalizeEtag, sendsBody, TRUE_VALUES } from '../dlo/segments.js';
import { checkContainerQuota } from '../quotas/container-quotas.js';
import { SYSMETA_SIZE as SLO_SIZE } from '../slo/slo.js';
import { reservedLinkHeaders } from '../symlink/symlink.js';
import { DELETE_MARKER_CONTENT_TYPE, storedCopyHeaders } from '../versioned-writes/versioned-writes.js';
import { listVersions } from './versions-listing.js';

const CLIENT_ENABLED = 'x-versions-enabled';
const SYSMETA_ENABLED = 'x-container-sysmeta-versions-enabled';
const SYSMETA_CONTAINER = 'x-container-sysmeta-versions-container';
/** Marks an object that is versioning's link to its current version. */
/** Marks the link object versioning keeps as the current version (container sync skips it). */
export const SYSMETA_VERSIONS_SYMLINK = 'x-object-sysmeta-versions-symlink';
const LEGACY_LOCATION = 'x-container-sysmeta-versions-location';
/** What a link never carries of the client's PUT: they describe the data, which went to the version. */
const NOT_FOR_LINK = new Set(['etag', 'content-length', 'transfer-encoding', 'x-object-manifest', 'x-static-large-object',
  'x-object-sysmeta-slo-etag', 'x-object-sysmeta-slo-size', 'x-symlink-target', 'x-symlink-target-account', 'x-symlink-target-etag']);

export const OBJECT_VERSIONING_INFO = {};

/** How a container is versioned: its hidden container (decoded) once ever enabled, and whether enabled now. */
interface Versioning { container: string | undefined; enabled: boolean }

/** `raw` is the handler below versioning (symlinks, then the router): versions are written as stored. */
export function objectVersioning(services: Services, policy: PolicyConfig, raw: () => Handler): Middleware {
  return async (ctx, next) => {
    const target = parseTarget(ctx.path);
    if (!target || target.container === undefined) return next(ctx);
    // Features' own requests into the reserved namespace are not versioned again.
    if (target.container.startsWith(RESERVED)) return next(ctx);
    if (target.object === undefined) return new Operation(ctx, target, services, policy, raw()).container(next);
    const version = ctx.query.get('version-id');
    // The same read the router makes next (it reuses it): versioning costs no extra read.
    const readsObject = ctx.method === 'GET' || ctx.method === 'HEAD';
    await prefetchPathOnce(ctx, services.meta, target.account, target.container, readsObject ? target.object : undefined);
    const versioning = versioningOf((await memoContainer(ctx, services.meta, target.account, target.container))?.metadata);
    if (version) return new Operation(ctx, target, services, policy, raw()).versionRequest(next, versioning, version);
    if (versioning.container === undefined) return next(ctx);
    return new Operation(ctx, target, services, policy, raw()).objectRequest(next, versioning);
  };
}

function versioningOf(metadata: Record<string, string> | undefined): Versioning {
  const quoted = metadata?.[SYSMETA_CONTAINER];
  const container = quoted ? (decodePath(quoted, true) ?? quoted).split('/')[0] : undefined;
  return { container, enabled: TRUE_VALUES.test(metadata?.[SYSMETA_ENABLED] ?? '') };
}

/** The client's headers without its expiry: a version is never deleted behind the versioning's back; the link carries it. */
function withoutExpiry(headers: Record<string, string>): Record<string, string> {
  const { 'x-delete-at': _at, 'x-delete-after': _after, ...rest } = headers;
  return rest;
}

function ok(res: SwiftResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/** Swift's _check_response_error: a failed step of the container's own ends the request. */
function check(res: SwiftResponse): void {
  if (ok(res)) return;
  discard(res);
  if (res.status === 404) throw new SwiftError('PreconditionFailed');
  if (res.status >= 400 && res.status < 500) throw new SwiftError('BadRequestMessage', { message: `Versioning failed with ${res.status}` });
  throw new SwiftError('Unavailable');
}

class Operation {
  private readonly account: string;
  private readonly containerName: string;
  private readonly object: string;

  constructor(
    private readonly ctx: RequestContext,
    private readonly target: Target,
    private readonly services: Services,
    private readonly policy: PolicyConfig,
    private readonly raw: Handler,
  ) {
    this.account = target.account;
    this.containerName = target.container ?? '';
    this.object = target.object ?? '';
  }

  // --- container requests -------------------------------------------------------------------

  async container(next: Handler): Promise<SwiftResponse> {
    const { ctx } = this;
    if ((ctx.method === 'PUT' || ctx.method === 'POST') && ctx.headers[CLIENT_ENABLED] !== undefined) return this.enable(next);
    if (ctx.method === 'DELETE') return this.deleteContainer(next);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next(ctx);
    if (ctx.method === 'GET' && ctx.query.has('versions')) {
      const listed = await listVersions(ctx, next, (params) => this.granted('GET', `${this.accountPath()}/${versionsContainerName(this.containerName)}`, params));
      return this.showVersioning(listed);
    }
    const res = await next(ctx);
    return this.showVersioning(res);
  }

  /** Container HEAD/GET: the flag as X-Versions-Enabled, and the versions' bytes counted in. */
  private async showVersioning(res: SwiftResponse): Promise<SwiftResponse> {
    const enabled = headerValue(res.headers, SYSMETA_ENABLED);
    if (enabled !== undefined) res.headers[CLIENT_ENABLED] = enabled;
    const versions = versioningOf({ [SYSMETA_CONTAINER]: headerValue(res.headers, SYSMETA_CONTAINER) ?? '' }).container;
    const used = headerValue(res.headers, 'x-container-bytes-used');
    if (versions && used !== undefined) {
      const info = await this.services.meta.getContainer(this.account, versions);
      if (info) res.headers['x-container-bytes-used'] = String(Number(used) + info.bytesUsed);
    }
    return res;
  }

  private async enable(next: Handler): Promise<SwiftResponse> {
    const { ctx, target } = this;
    // Authorised before the hidden container is made: a stranger must not create one.
    await authorizeRequest(ctx, target, this.services, this.policy);
    const current = await memoContainer(ctx, this.services.meta, this.account, this.containerName);
    if (current?.metadata[LEGACY_LOCATION]) throw new SwiftError('VersioningLegacyConflict');
    if (current?.metadata['x-container-sync-to']) throw new SwiftError('VersioningSyncConflict');
    const enabled = TRUE_VALUES.test(ctx.headers[CLIENT_ENABLED] ?? '');
    delete ctx.headers[CLIENT_ENABLED];
    ctx.headers[SYSMETA_ENABLED] = enabled ? 'True' : 'False';
    let created: string | undefined;
    if (enabled) {
      const versions = versionsContainerName(this.containerName);
      const made = await this.granted('PUT', `${this.accountPath()}/${versions}`, {}, this.versionsPolicy(current));
      discard(made);
      if (!ok(made)) throw new SwiftError('VersioningEnableFailed');
      if (made.status === 201) created = versions;
      ctx.headers[SYSMETA_CONTAINER] = pyQuote(versions);
    }
    const res = await responseOf(next, ctx);
    // The container's own request failed: a hidden container made for it would be left orphaned.
    if (!ok(res) && created !== undefined) discard(await this.granted('DELETE', `${this.accountPath()}/${created}`));
    return res;
  }

  /**
   * The versions live in the container's own storage policy, as Swift makes them: an existing
   * container's, else the one its creating PUT names, else the default.
   */
  private versionsPolicy(current: ContainerInfo | undefined): Record<string, string> {
    if (current) {
      const policy = this.services.policies.byIndex(current.policyIndex);
      if (policy?.deprecated) throw new SwiftError('VersioningDeprecatedPolicy');
      return policy ? { 'x-storage-policy': policy.name } : {};
    }
    const named = this.ctx.headers['x-storage-policy'];
    return this.ctx.method === 'PUT' && named !== undefined ? { 'x-storage-policy': named } : {};
  }

  /** A versioned container goes only once it holds no versions; its hidden container goes with it. */
  private async deleteContainer(next: Handler): Promise<SwiftResponse> {
    const { ctx } = this;
    await prefetchPathOnce(ctx, this.services.meta, this.account, this.containerName);
    const versions = versioningOf((await memoContainer(ctx, this.services.meta, this.account, this.containerName))?.metadata).container;
    if (versions === undefined) return next(ctx);
    await authorizeRequest(ctx, this.target, this.services, this.policy);
    const hidden = await this.services.meta.getContainer(this.account, versions);
    if (hidden && hidden.objectCount > 0) throw new SwiftError('VersionsNotEmpty');
    const res = await next(ctx);
    if (ok(res) && hidden) {
      const gone = await this.granted('DELETE', `${this.accountPath()}/${versions}`);
      discard(gone);
      if (!ok(gone) && gone.status !== 404 && gone.status !== 409) throw new SwiftError('Unavailable');
    }
    return res;
  }

  // --- object requests in a container that has been versioned ---------------------------------

  async objectRequest(next: Handler, versioning: Versioning): Promise<SwiftResponse> {
    const { ctx } = this;
    const versions = versioning.container ?? '';
    switch (ctx.method) {
      case 'PUT':
        await this.checkQuota(versions);
        return versioning.enabled ? this.put(versions) : next(ctx);
      case 'DELETE':
        return versioning.enabled ? this.delete(next, versions) : next(ctx);
      case 'POST':
        return this.post(next, versions);
      default:
        // Errors too say which version they are about (a deleted object's 404 says null).
        return this.nameVersion(await responseOf(next, ctx), versions);
    }
  }

  /** A container's quota counts its versions' bytes too, as Swift's container info does. */
  private async checkQuota(versions: string): Promise<void> {
    const primary = await memoContainer(this.ctx, this.services.meta, this.account, this.containerName);
    if (!primary || primary.metadata['x-container-meta-quota-bytes'] === undefined) return;
    const hidden = await this.services.meta.getContainer(this.account, versions);
    const length = Number(this.ctx.headers['content-length'] ?? '0') || 0;
    checkContainerQuota({ ...primary, bytesUsed: primary.bytesUsed + (hidden?.bytesUsed ?? 0) }, length);
  }

  /** GET/HEAD of the current object: which version it is (`null` for one written unversioned). */
  private nameVersion(res: SwiftResponse, versions: string): SwiftResponse {
    res.headers['x-object-version-id'] = 'null';
    const location = headerValue(res.headers, 'content-location');
    const reached = location !== undefined ? this.versionAt(decodePath(location, true), versions) : undefined;
    if (reached) {
      res.headers['x-object-version-id'] = reached.versionId;
      res.headers['content-location'] = `${pyQuote(`/${this.target.version}/${this.account}/${this.containerName}/${this.object}`)}?version-id=${reached.versionId}`;
    }
    const link = headerValue(res.headers, 'x-symlink-target');
    const linked = link !== undefined ? this.versionAt(`/${this.target.version}/${this.account}/${decodePath(link, true) ?? ''}`, versions) : undefined;
    if (linked) {
      res.headers['x-object-version-id'] = linked.versionId;
      res.headers['x-symlink-target'] = `${pyQuote(`${this.containerName}/${this.object}`)}?version-id=${linked.versionId}`;
    }
    return res;
  }

  /** The version a (decoded) path names, when it is in this container's versions container. */
  private versionAt(path: string | undefined, versions: string): { object: string; versionId: string } | undefined {
    const t = path !== undefined ? parseTarget(path) : undefined;
    if (!t || t.account !== this.account || t.container !== versions || t.object === undefined) return undefined;
    return parseVersionObjectName(t.object);
  }

  private async put(versions: string): Promise<SwiftResponse> {
    const { ctx } = this;
    await authorizeRequest(ctx, this.target, this.services, this.policy);
    await this.copyCurrent(versions);
    const versionId = formatTimestamp(newTimestamp());
    const versionName = versionObjectName(this.object, versionId);
    // The client's body goes to the version as it arrives; its size is counted on the way.
    let bytes = 0;
    let counted: Readable | undefined;
    const body = (): Readable => {
      counted ??= pipeline(ctx.body(), new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
      }), () => undefined);
      return counted;
    };
    const stored = await responseOf(this.raw, {
      ...this.grantedContext('PUT', `${this.accountPath()}/${versions}/${versionName}`, {}, withoutExpiry(ctx.headers)),
      body, bodyTaken: () => counted !== undefined,
    });
    if (stored.status === 404) {
      discard(stored);
      throw new SwiftError('VersionsContainerMissing');
    }
    if (!ok(stored)) return stored;
    discard(stored);
    // A version that is itself a static link: the link to it must promise what that link promises.
    const etag = normalizeEtag(ctx.headers['x-symlink-target-etag'] ?? headerValue(stored.headers, 'etag')) ?? '';
    const sloSize = ctx.headers[SLO_SIZE];
    const size = sloSize !== undefined ? Number(sloSize) : bytes;
    return this.linkTo(versions, versionName, versionId, etag, size, ctx.headers['content-type'] ?? 'application/octet-stream');
  }

  /** Makes the object a link to version `versionId` (the caller's PUT, already authorised). */
  private async linkTo(versions: string, versionName: string, versionId: string, etag: string, bytes: number, contentType: string): Promise<SwiftResponse> {
    const { ctx } = this;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(ctx.headers)) if (!NOT_FOR_LINK.has(name)) headers[name] = value;
    // A large object's listing extras (slo_etag) stay with the link that lists it.
    Object.assign(headers, reservedLinkHeaders(this.account, versions, versionName, etag, bytes, ctx.headers[OVERRIDE_ETAG]), {
      'content-type': contentType.split(';')[0]?.trim() ?? contentType,
      'content-length': '0',
      [SYSMETA_VERSIONS_SYMLINK]: 'true',
    });
    const res = await responseOf(this.raw, {
      ...ctx, method: 'PUT', headers, query: new URLSearchParams(), internal: true,
      body: () => Readable.from([]), bodyTaken: () => true,
    });
    if (ok(res)) {
      res.headers['etag'] = etag;
      res.headers['x-object-version-id'] = versionId;
    }
    return res;
  }

  /**
   * An object written while versioning was off (or before it was enabled) is not yet a version:
   * it is copied into the versions container, under its own timestamp, before it is replaced.
   */
  private async copyCurrent(versions: string): Promise<void> {
    const current = await this.granted('GET', this.ctx.path, { symlink: 'get' });
    if (current.status === 404) {
      discard(current);
      return;
    }
    check(current);
    if (headerValue(current.headers, SYSMETA_VERSIONS_SYMLINK) === 'true') {
      discard(current);
      return;
    }
    const stamp = headerValue(current.headers, 'x-timestamp');
    const modified = parseHttpDate(headerValue(current.headers, 'last-modified') ?? '');
    const versionId = (stamp !== undefined ? normalizeVersionId(stamp) : undefined) ?? formatTimestamp(modified ?? newTimestamp());
    const headers = storedCopyHeaders(current.headers);
    const sloSize = headers[SLO_SIZE];
    if (sloSize !== undefined) headers['content-type'] = `${headers['content-type'] ?? ''};swift_bytes=${sloSize}`;
    const body = current.body instanceof Readable ? current.body : Readable.from([current.body ?? '']);
    const copied = await this.granted('PUT', `${this.accountPath()}/${versions}/${versionObjectName(this.object, versionId)}`, {}, headers, body);
    if (copied.status === 404) {
      discard(copied);
      throw new SwiftError('VersionsContainerMissing');
    }
    check(copied);
    discard(copied);
  }

  private async delete(next: Handler, versions: string): Promise<SwiftResponse> {
    const { ctx } = this;
    await authorizeRequest(ctx, this.target, this.services, this.policy);
    await this.copyCurrent(versions);
    const markerId = formatTimestamp(newTimestamp());
    const marker = await this.granted('PUT', `${this.accountPath()}/${versions}/${versionObjectName(this.object, markerId)}`, {},
      { 'content-type': DELETE_MARKER_CONTENT_TYPE, 'content-length': '0' });
    check(marker);
    discard(marker);
    const res = await responseOf(next, ctx);
    if (ok(res) || res.status === 404) res.headers['x-object-version-id'] = markerId;
    return res;
  }

  /** POST updates the link's metadata and, through it, the current version's (Swift follows the 307). */
  private async post(next: Handler, versions: string): Promise<SwiftResponse> {
    const { ctx } = this;
    const headers = withoutExpiry(ctx.headers);
    const res = await next(ctx);
    if (res.status !== 307) return res;
    const location = headerValue(res.headers, 'location');
    const path = location !== undefined ? decodePath(location, true) : undefined;
    if (!this.versionAt(path, versions) || path === undefined) return res;
    discard(res);
    return this.granted('POST', path, {}, headers);
  }

  // --- requests that name a version (?version-id=) ---------------------------------------------

  async versionRequest(next: Handler, versioning: Versioning, requested: string): Promise<SwiftResponse> {
    const { ctx } = this;
    if (ctx.method === 'POST') throw new SwiftError('VersionNotAllowed', { method: ctx.method });
    if (versioning.container === undefined && requested !== 'null') throw new SwiftError('VersionUnversionedContainer');
    const versionId = requested === 'null' ? 'null' : normalizeVersionId(requested);
    if (versionId === undefined) throw new SwiftError('VersionInvalid');
    const versions = versioning.container ?? '';
    if (ctx.method === 'DELETE') return versionId === 'null' ? next(ctx) : this.deleteVersion(next, versions, versionId);
    if (ctx.method === 'PUT') {
      // Only a version can become current again; the null version is the object itself.
      if (versionId === 'null') throw new SwiftError('VersionInvalid');
      return this.restoreVersion(versions, versionId);
    }
    if (versionId === 'null') {
      const res = await next(ctx);
      if (!ok(res)) return res;
      // The object is a version: it has no null version to show.
      if (this.versionAt(decodePath(headerValue(res.headers, 'content-location') ?? '', true), versions)) {
        discard(res);
        throw new SwiftError('NotFound');
      }
      res.headers['x-object-version-id'] = 'null';
      return res;
    }
    const res = await next(this.versionContext(versions, versionId));
    if (ok(res)) res.headers['x-object-version-id'] = versionId;
    const type = headerValue(res.headers, 'content-type');
    if (ok(res) && type === DELETE_MARKER_CONTENT_TYPE) {
      discard(res);
      const marker = errorResponse(new SwiftError('NotFound'));
      Object.assign(marker.headers, { 'x-object-version-id': versionId, 'content-type': DELETE_MARKER_CONTENT_TYPE });
      return marker;
    }
    return res;
  }

  /** The caller's own request, re-addressed to the version (authorised there: owners only). */
  private versionContext(versions: string, versionId: string): RequestContext {
    const path = `${this.accountPath()}/${versions}/${versionObjectName(this.object, versionId)}`;
    const query = new URLSearchParams(this.ctx.query);
    query.delete('version-id');
    return {
      ...this.ctx, path, rawPath: encodePath(path), query, internal: true,
      headers: { ...this.ctx.headers, [ALLOW_RESERVED_NAMES]: 'true' },
    };
  }

  private async deleteVersion(next: Handler, versions: string, versionId: string): Promise<SwiftResponse> {
    const { ctx } = this;
    await authorizeRequest(ctx, this.target, this.services, this.policy);
    const link = await this.granted('HEAD', ctx.path, { symlink: 'get' });
    discard(link);
    if (link.status !== 404) check(link);
    const current = link.status !== 404 && headerValue(link.headers, SYSMETA_VERSIONS_SYMLINK) === 'true'
      ? this.versionAt(`${this.accountPath()}/${decodePath(headerValue(link.headers, 'x-symlink-target') ?? '', true) ?? ''}`, versions)
      : undefined;
    let currentVersionId = current?.versionId ?? 'null';
    if (current?.versionId === versionId) {
      // The current version: the link goes first, so the object is never a link to nothing.
      const unlinked = await responseOf(this.raw, { ...ctx, query: new URLSearchParams(), internal: true });
      check(unlinked);
      discard(unlinked);
      currentVersionId = 'null';
    }
    const res = await next(this.versionContext(versions, versionId));
    res.headers['x-object-version-id'] = versionId;
    res.headers['x-object-current-version-id'] = currentVersionId;
    return res;
  }

  /** PUT ?version-id with no body: the object becomes a link to that (older) version again. */
  private async restoreVersion(versions: string, versionId: string): Promise<SwiftResponse> {
    const { ctx } = this;
    if (await sendsBody(ctx)) throw new SwiftError('VersionPutBody');
    await authorizeRequest(ctx, this.target, this.services, this.policy);
    const versionName = versionObjectName(this.object, versionId);
    const head = await this.granted('HEAD', `${this.accountPath()}/${versions}/${versionName}`, { symlink: 'get' });
    discard(head);
    if (head.status === 404) {
      const hidden = await this.services.meta.getContainer(this.account, versions);
      throw new SwiftError(hidden ? 'VersionNotFound' : 'VersionsContainerMissing');
    }
    check(head);
    const etag = normalizeEtag(headerValue(head.headers, 'x-symlink-target-etag') ?? headerValue(head.headers, 'etag')) ?? '';
    const bytes = Number(headerValue(head.headers, 'content-length') ?? '0');
    return this.linkTo(versions, versionName, versionId, etag, bytes, headerValue(head.headers, 'content-type') ?? 'application/octet-stream');
  }

  // --- the container's own requests -------------------------------------------------------------

  private accountPath(): string {
    return `/${this.target.version}/${this.account}`;
  }

  private grantedContext(method: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): RequestContext {
    return {
      ...this.ctx, method, path, rawPath: encodePath(path), query: new URLSearchParams(query),
      headers: { ...headers, [ALLOW_RESERVED_NAMES]: 'true' }, internal: true,
      grantScope: { account: this.account }, memo: new Map(),
      body: () => Readable.from([]), bodyTaken: () => true,
    };
  }

  /** A request of the container's own, granted this account (see the module comment). */
  private granted(method: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}, body?: Readable): Promise<SwiftResponse> {
    const sub = this.grantedContext(method, path, query, headers);
    if (body) sub.body = () => body;
    return responseOf(this.raw, sub);
  }
}

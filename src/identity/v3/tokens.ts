/**
 * Keystone v3 tokens: `POST /v3/auth/tokens` (password or token method; project scope by id or by
 * name + domain; unscoped), `GET`/`HEAD` (validation of X-Subject-Token, `allow_expired`),
 * `DELETE` (revocation, effective on every node), and the service catalog.
 */
import type { RequestContext } from '../../http/context.js';
import type { SwiftResponse } from '../../http/response.js';
import type { AppCredentialStore } from '../app-credentials.js';
import type { Ec2CredentialStore } from '../ec2-credentials.js';
import type { Project, User } from '../contracts.js';
import { DEFAULT_DOMAIN, type IdentityService } from '../service.js';
import type { RevocationList, TokenKeyRing, TokenPayload } from '../tokens.js';
import { appCredTokenValid, authenticateAppCredential } from './app-credentials.js';
import { json, KeystoneError, keystoneTime, obj, readJson, str } from './http.js';

export interface V3Deps {
  identity: IdentityService;
  keyRing: TokenKeyRing;
  revocations: RevocationList;
  /** Reseller prefix of the user's own account (`AUTH_`), for object-store endpoints. */
  accountPrefix: string;
  allowExpiredWindow: number;
  resellerAdminRole: string;
  /** The image service's URL (`[images] public_url`), listed in the catalog when set. */
  imageUrl?: string;
  /** Application credentials (absent: the API and the auth method answer 404 / 401). */
  appCreds?: AppCredentialStore;
  /** EC2 credentials for the S3 API (absent: the OS-EC2 API answers 404). */
  ec2Creds?: Ec2CredentialStore;
}

const DOMAIN = { id: DEFAULT_DOMAIN, name: 'Default' };

export function catalog(origin: string, projectId: string, accountPrefix: string, imageUrl?: string): unknown[] {
  const endpoints = (id: string, url: string) => ['public', 'internal', 'admin'].map((iface) => ({
    id: `${id}-${iface}`, interface: iface, region: 'RegionOne', region_id: 'RegionOne', url,
  }));
  return [
    { type: 'object-store', name: 'swift', id: 'swiftlet-object-store', endpoints: endpoints('swift', `${origin}/v1/${accountPrefix}${projectId}`) },
    { type: 'identity', name: 'keystone', id: 'swiftlet-identity', endpoints: endpoints('keystone', `${origin}/v3`) },
    ...(imageUrl ? [{ type: 'image', name: 'glance', id: 'swiftlet-image', endpoints: endpoints('glance', imageUrl) }] : []),
  ];
}

async function tokenBody(deps: V3Deps, p: TokenPayload, origin: string, withCatalog: boolean): Promise<unknown> {
  const store = deps.identity.identityStore;
  const token: Record<string, unknown> = {
    methods: p.methods,
    user: { domain: DOMAIN, id: p.userId, name: p.userName, password_expires_at: null },
    audit_ids: [p.auditId],
    expires_at: keystoneTime(p.expiresAt),
    issued_at: keystoneTime(p.issuedAt),
  };
  if (p.projectId !== undefined) {
    token.project = { domain: DOMAIN, id: p.projectId, name: p.projectName };
    token.is_domain = false;
    const roles = [];
    for (const name of p.roles) roles.push({ id: (await store.findRole(name))?.id ?? name, name });
    token.roles = roles;
    if (withCatalog) token.catalog = catalog(origin, p.projectId, deps.accountPrefix, deps.imageUrl);
  }
  if (p.appCred) token.application_credential = { id: p.appCred.id, name: p.appCred.name, restricted: !p.appCred.unrestricted };
  return { token };
}

/**
 * Opens a token; undefined when invalid, revoked, expired (beyond the window when allowed), or no
 * longer backed by its user, project and roles.
 */
export async function openToken(deps: V3Deps, token: string | undefined, allowExpired = false): Promise<TokenPayload | undefined> {
  if (!token) return undefined;
  const now = Date.now() / 1000;
  const r = await deps.keyRing.check(token.trim(), now);
  if (!r.valid || (await deps.revocations.isRevoked(r.payload))) return undefined;
  if (r.expired && !(allowExpired && now - r.payload.expiresAt < deps.allowExpiredWindow)) return undefined;
  return (await stillGranted(deps, r.payload)) && (await appCredTokenValid(deps, r.payload)) ? r.payload : undefined;
}

/**
 * As Keystone, a token dies with what it was issued for: its user deleted or disabled, its project
 * deleted or disabled, or a role it carries unassigned.
 */
async function stillGranted(deps: V3Deps, p: TokenPayload): Promise<boolean> {
  const store = deps.identity.identityStore;
  const user = await store.getUser(p.userId);
  if (!user || !user.enabled) return false;
  if (p.projectId === undefined) return true;
  const project = await store.getProject(p.projectId);
  if (!project || !project.enabled) return false;
  const held = new Set(await store.rolesOn(p.userId, p.projectId));
  return p.roles.every((r) => held.has(r));
}

async function authenticate(deps: V3Deps, body: Record<string, unknown>): Promise<{ user: User; methods: string[]; expiresAt?: number; defaultScope: boolean }> {
  const identity = obj(body, 'auth', 'identity');
  const methods = identity?.['methods'];
  if (!Array.isArray(methods) || methods.length === 0) throw new KeystoneError(400, 'Expecting to find identity in auth.');
  if (methods.includes('password')) {
    const u = obj(identity, 'password', 'user');
    const password = str(u, 'password');
    if (!u || password === undefined) throw new KeystoneError(400, 'Expecting to find password in identity.');
    const domain = obj(u, 'domain');
    const user = await deps.identity.findUser({ id: str(u, 'id'), name: str(u, 'name'), domainId: str(domain, 'id'), domainName: str(domain, 'name') });
    if (!user || !(await deps.identity.checkPassword(user, password))) {
      throw new KeystoneError(401, 'The request you have made requires authentication.');
    }
    return { user, methods: ['password'], defaultScope: true };
  }
  if (methods.includes('token')) {
    const old = await openToken(deps, str(obj(identity, 'token'), 'id'));
    const user = old && (await deps.identity.identityStore.getUser(old.userId));
    if (!old || !user || !user.enabled) throw new KeystoneError(401, 'The request you have made requires authentication.');
    // A token from an application credential carries only the credential's roles: never rescoped.
    if (old.appCred) throw new KeystoneError(401, 'The request you have made requires authentication.');
    // A rescoped token never outlives the one it came from.
    return { user, methods: ['token'], expiresAt: old.expiresAt, defaultScope: false };
  }
  throw new KeystoneError(401, `Unsupported authentication method: ${String(methods[0])}`);
}

async function scopeOf(deps: V3Deps, body: Record<string, unknown>, user: User, defaultScope: boolean): Promise<Project | undefined> {
  const scope = obj(body, 'auth', 'scope');
  const unscoped = (body['auth'] as Record<string, unknown> | undefined)?.['scope'] === 'unscoped';
  if (scope?.['system'] !== undefined || scope?.['domain'] !== undefined) {
    throw new KeystoneError(401, 'Swiftlet issues project-scoped or unscoped tokens only.');
  }
  const p = obj(scope, 'project');
  if (p) {
    const domain = obj(p, 'domain');
    const project = await deps.identity.findProject({
      id: str(p, 'id'), name: str(p, 'name'), domainId: str(domain, 'id'), domainName: str(domain, 'name'),
    });
    if (!project) throw new KeystoneError(401, 'The request you have made requires authentication.');
    return project;
  }
  if (!unscoped && defaultScope && user.defaultProjectId) {
    const project = await deps.identity.identityStore.getProject(user.defaultProjectId);
    if (project && (await deps.identity.identityStore.rolesOn(user.id, project.id)).length > 0) return project;
  }
  return undefined;
}

/** `POST /v3/auth/tokens` with the `application_credential` method: its project, its roles, its expiry at the latest. */
async function appCredentialToken(ctx: RequestContext, deps: V3Deps, body: Record<string, unknown>, withCatalog: boolean): Promise<SwiftResponse> {
  if (obj(body, 'auth', 'scope') !== undefined || (body['auth'] as Record<string, unknown> | undefined)?.['scope'] !== undefined) {
    throw new KeystoneError(401, 'Application credentials cannot request a scope.');
  }
  const a = await authenticateAppCredential(deps, obj(body, 'auth', 'identity', 'application_credential'));
  const payload = await deps.identity.payloadFor(a.user, a.project, ['application_credential']);
  if (!payload) throw new KeystoneError(401, 'The request you have made requires authentication.');
  payload.roles = a.roles;
  if (a.expiresAt !== undefined) payload.expiresAt = Math.min(payload.expiresAt, a.expiresAt);
  payload.appCred = a.appCred;
  const token = deps.identity.issue(payload);
  return json(201, await tokenBody(deps, payload, ctx.origin, withCatalog), { 'x-subject-token': token });
}

/** Identity administrators: the reseller admin, or `admin` on the bootstrap project `admin`. */
export function isAdmin(p: TokenPayload, resellerAdminRole: string): boolean {
  const roles = p.roles.map((r) => r.toLowerCase());
  return roles.includes(resellerAdminRole.toLowerCase()) || (p.projectName === 'admin' && roles.includes('admin'));
}

export async function handleTokens(ctx: RequestContext, deps: V3Deps): Promise<SwiftResponse> {
  const nocatalog = ctx.query.has('nocatalog');
  if (ctx.method === 'POST') {
    const body = await readJson(ctx);
    const identity = obj(body, 'auth', 'identity');
    const methods0 = identity?.['methods'];
    if (Array.isArray(methods0) && methods0.length === 1 && methods0[0] === 'application_credential') {
      return appCredentialToken(ctx, deps, body, !nocatalog);
    }
    const { user, methods, expiresAt, defaultScope } = await authenticate(deps, body);
    const project = await scopeOf(deps, body, user, defaultScope);
    const payload = await deps.identity.payloadFor(user, project, methods, expiresAt);
    if (!payload) throw new KeystoneError(401, 'The request you have made requires authentication.');
    const token = deps.identity.issue(payload);
    return json(201, await tokenBody(deps, payload, ctx.origin, !nocatalog), { 'x-subject-token': token });
  }
  const caller = await openToken(deps, ctx.headers['x-auth-token']);
  if (!caller) throw new KeystoneError(401, 'The request you have made requires authentication.');
  const allowExpired = /^(1|true|yes)$/i.test(ctx.query.get('allow_expired') ?? '');
  const subject = await openToken(deps, ctx.headers['x-subject-token'], allowExpired);
  if (!subject) throw new KeystoneError(404, 'Could not find token.');
  if (subject.userId !== caller.userId && !isAdmin(caller, deps.resellerAdminRole) && !caller.roles.some((r) => r.toLowerCase() === 'service')) {
    throw new KeystoneError(403, 'You are not authorized to perform the requested action: identity:validate_token.');
  }
  switch (ctx.method) {
    case 'GET':
      return json(200, await tokenBody(deps, subject, ctx.origin, !nocatalog), { 'x-subject-token': ctx.headers['x-subject-token'] ?? '' });
    case 'HEAD':
      return { status: 200, headers: { 'x-subject-token': ctx.headers['x-subject-token'] ?? '', 'content-type': 'application/json' } };
    case 'DELETE':
      await deps.revocations.revoke(subject.auditId, subject.expiresAt + deps.allowExpiredWindow);
      return { status: 204, headers: {} };
    default:
      throw new KeystoneError(405, 'Method not allowed.');
  }
}


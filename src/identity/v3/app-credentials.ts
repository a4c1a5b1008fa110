/**
 * `/v3/users/{user_id}/application_credentials[/{id}]` and the `application_credential` auth method
 * (Keystone's behaviour, a subset: no access rules). A credential is created by its user with a
 * project-scoped token and is bound to that project; its roles are those of the token, or a subset
 * named in the request (any other role → 400). It authenticates by id + secret, or by name + user +
 * secret, and gives a token scoped to its project with its roles, never outliving `expires_at`. It
 * stops working when its user is deleted (its rows go with the user) or no longer holds one of its
 * roles on the project (then it is deleted, as Keystone deletes it on the assignment removal), and
 * deleting it revokes its tokens on every node. A restricted credential (`unrestricted` false, the
 * default) cannot be used to create or delete application credentials.
 */
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../http/context.js';
import type { SwiftResponse } from '../../http/response.js';
import type { AppCredential } from '../app-credentials.js';
import type { Project, User } from '../contracts.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import type { TokenPayload } from '../tokens.js';
import { json, KeystoneError, keystoneTime, obj, readJson, str } from './http.js';
import { isAdmin, type V3Deps } from './tokens.js';

/** Revocation events outlive every token they could concern. */
const REVOCATION_KEEP = 30 * 86400;

const unauthorized = () => new KeystoneError(401, 'The request you have made requires authentication.');

function store(deps: V3Deps) {
  if (!deps.appCreds) throw new KeystoneError(404, 'The resource could not be found.');
  return deps.appCreds;
}

async function credJson(deps: V3Deps, c: AppCredential, origin: string, secret?: string): Promise<Record<string, unknown>> {
  const roles = [];
  for (const name of c.roles) roles.push({ id: (await deps.identity.identityStore.findRole(name))?.id ?? name, name, domain_id: null });
  const out: Record<string, unknown> = {
    id: c.id, name: c.name, description: c.description, user_id: c.userId, project_id: c.projectId, roles,
    expires_at: c.expiresAt === undefined ? null : keystoneTime(c.expiresAt).replace(/Z$/, ''), unrestricted: c.unrestricted,
    access_rules: [], links: { self: `${origin}/v3/users/${c.userId}/application_credentials/${c.id}` },
  };
  if (secret !== undefined) out.secret = secret;
  return out;
}

/**
 * A credential is alive while its user exists and is enabled, it has not expired, and the user still
 * holds every delegated role on its project. One whose roles are gone is deleted on sight (Keystone
 * deletes it when the assignment is removed, whichever way the role was removed here).
 */
async function alive(deps: V3Deps, c: AppCredential, now: number): Promise<'alive' | 'expired' | 'gone'> {
  const ids = deps.identity.identityStore;
  const user = await ids.getUser(c.userId);
  const project = await ids.getProject(c.projectId);
  if (!user || !user.enabled || !project || !project.enabled) return 'gone';
  const held = new Set(await ids.rolesOn(c.userId, c.projectId));
  if (!c.roles.every((r) => held.has(r))) {
    await store(deps).delete(c.id);
    await deps.revocations.revokeAllOf('appcred', c.id, REVOCATION_KEEP);
    return 'gone';
  }
  return c.expiresAt !== undefined && c.expiresAt <= now ? 'expired' : 'alive';
}

/** Tokens from a restricted application credential may not manage application credentials. */
function requireUnrestricted(caller: TokenPayload): void {
  if (caller.appCred && !caller.appCred.unrestricted) {
    throw new KeystoneError(403, "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials.");
  }
}

function parseExpiry(value: unknown, now: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KeystoneError(400, "Invalid input for field 'expires_at': not a string.");
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new KeystoneError(400, `Invalid input for field 'expires_at': ${value} is not a valid date.`);
  if (t / 1000 <= now) throw new KeystoneError(400, "The 'expires_at' must not be before now.");
  return t / 1000;
}

async function create(ctx: RequestContext, deps: V3Deps, caller: TokenPayload, userId: string): Promise<SwiftResponse> {
  requireUnrestricted(caller);
  if (caller.userId !== userId) {
    throw new KeystoneError(403, 'You are not authorized to perform the requested action: Cannot create an application credential for another user.');
  }
  if (caller.projectId === undefined) {
    throw new KeystoneError(400, 'Application credentials need a project-scoped token.');
  }
  const body = obj(await readJson(ctx), 'application_credential');
  const name = str(body, 'name');
  if (!body || !name) throw new KeystoneError(400, "Invalid input for field 'name': None is not of type 'string'");
  const now = Date.now() / 1000;
  const expiresAt = parseExpiry(body['expires_at'], now);
  let roles = [...caller.roles];
  const requested = body['roles'];
  if (Array.isArray(requested) && requested.length > 0) {
    roles = [];
    for (const r of requested) {
      const ref = obj(r);
      const role = str(ref, 'id') !== undefined
        ? await deps.identity.identityStore.getRole(str(ref, 'id') ?? '')
        : await deps.identity.identityStore.findRole(str(ref, 'name') ?? '');
      if (!role || !caller.roles.includes(role.name)) {
        throw new KeystoneError(400, 'Invalid application credential: Cannot create an application credential with unassigned role');
      }
      if (!roles.includes(role.name)) roles.push(role.name);
    }
  }
  const secret = str(body, 'secret') || randomBytes(64).toString('base64url');
  const cred: AppCredential = {
    id: randomBytes(16).toString('hex'), userId, projectId: caller.projectId, name,
    description: str(body, 'description') ?? null, roles, unrestricted: body['unrestricted'] === true,
    secretHash: await hashPassword(secret),
  };
  if (expiresAt !== undefined) cred.expiresAt = expiresAt;
  if ((await store(deps).create(cred)) === 'duplicate') {
    throw new KeystoneError(409, `Conflict occurred attempting to store application_credential - Duplicate entry found with name ${name}.`);
  }
  return json(201, { application_credential: await credJson(deps, cred, ctx.origin, secret) });
}

/** Handles `/v3/users/{id}/application_credentials…`, or undefined for any other path. */
export async function handleAppCredentials(ctx: RequestContext, deps: V3Deps, caller: TokenPayload, parts: string[]): Promise<SwiftResponse | undefined> {
  const [collection, userId, sub, credId, extra] = parts;
  if (collection !== 'users' || userId === undefined || sub !== 'application_credentials' || extra !== undefined) return undefined;
  const m = ctx.method;
  if (credId === undefined && m === 'POST') return create(ctx, deps, caller, userId);
  if (caller.userId !== userId && !isAdmin(caller, deps.resellerAdminRole)) {
    const action = credId === undefined ? 'list_application_credentials' : m === 'DELETE' ? 'delete_application_credential' : 'get_application_credential';
    throw new KeystoneError(403, `You are not authorized to perform the requested action: identity:${action}.`);
  }
  const now = Date.now() / 1000;
  if (credId === undefined) {
    if (m !== 'GET' && m !== 'HEAD') throw new KeystoneError(405, 'Method not allowed.');
    const name = ctx.query.get('name');
    const out = [];
    for (const c of await store(deps).listFor(userId)) {
      if (name !== null && c.name !== name) continue;
      if ((await alive(deps, c, now)) === 'gone') continue;
      out.push(await credJson(deps, c, ctx.origin));
    }
    return json(200, { application_credentials: out, links: { self: `${ctx.origin}${ctx.rawPath}`, previous: null, next: null } });
  }
  const cred = await store(deps).get(credId);
  if (!cred || cred.userId !== userId || (await alive(deps, cred, now)) === 'gone') {
    throw new KeystoneError(404, `Could not find Application Credential: ${credId}.`);
  }
  if (m === 'GET' || m === 'HEAD') return json(200, { application_credential: await credJson(deps, cred, ctx.origin) });
  if (m === 'DELETE') {
    requireUnrestricted(caller);
    await store(deps).delete(cred.id);
    await deps.revocations.revokeAllOf('appcred', cred.id, REVOCATION_KEEP);
    return { status: 204, headers: {} };
  }
  throw new KeystoneError(405, 'Method not allowed.');
}

/**
 * The `application_credential` auth method: `{"id", "secret"}`, or `{"name", "secret", "user": {…}}`.
 * Returns what the token is issued for: the credential's project and roles, ending no later than it.
 */
export async function authenticateAppCredential(
  deps: V3Deps, method: Record<string, unknown> | undefined,
): Promise<{ user: User; project: Project; roles: string[]; expiresAt?: number; appCred: NonNullable<TokenPayload['appCred']> }> {
  const secret = str(method, 'secret');
  if (!method || secret === undefined) throw new KeystoneError(400, 'Expecting to find application_credential in identity.');
  let cred: AppCredential | undefined;
  const id = str(method, 'id');
  if (id !== undefined) cred = await store(deps).get(id);
  else {
    const u = obj(method, 'user');
    const domain = obj(u, 'domain');
    const user = u && (await deps.identity.findUser({ id: str(u, 'id'), name: str(u, 'name'), domainId: str(domain, 'id'), domainName: str(domain, 'name') }));
    const name = str(method, 'name');
    if (!user || name === undefined) throw unauthorized();
    cred = await store(deps).findByName(user.id, name);
  }
  const now = Date.now() / 1000;
  if (!cred || (await alive(deps, cred, now)) !== 'alive' || !(await verifyPassword(secret, cred.secretHash))) throw unauthorized();
  const user = await deps.identity.identityStore.getUser(cred.userId);
  const project = await deps.identity.identityStore.getProject(cred.projectId);
  if (!user || !project) throw unauthorized();
  return {
    user, project, roles: cred.roles,
    ...(cred.expiresAt !== undefined ? { expiresAt: cred.expiresAt } : {}),
    appCred: { id: cred.id, name: cred.name, unrestricted: cred.unrestricted },
  };
}

/** A token from an application credential lives only as long as the credential does. */
export async function appCredTokenValid(deps: V3Deps, p: TokenPayload): Promise<boolean> {
  if (!p.appCred) return true;
  const cred = deps.appCreds && (await deps.appCreds.get(p.appCred.id));
  return cred !== undefined && (await alive(deps, cred, Date.now() / 1000)) !== 'gone';
}

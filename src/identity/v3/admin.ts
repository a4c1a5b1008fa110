/**
 * Keystone v3 administration subset: projects, users, roles, role assignments on projects, and the
 * single `default` domain. Callers must be identity administrators (see `isAdmin`), except for
 * reading their own user and projects.
 */
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../http/context.js';
import type { SwiftResponse } from '../../http/response.js';
import type { Project, Role, User } from '../contracts.js';
import { hashPassword } from '../passwords.js';
import { DEFAULT_DOMAIN } from '../service.js';
import type { TokenPayload } from '../tokens.js';
import { json, KeystoneError, obj, readJson, str } from './http.js';
import { isAdmin, type V3Deps } from './tokens.js';

const newId = () => randomBytes(16).toString('hex');

/** Revocation events outlive every token they could concern (token life 86 400 s + allow_expired window). */
const REVOCATION_KEEP = 30 * 86400;

function projectJson(p: Project, origin: string): Record<string, unknown> {
  return {
    id: p.id, name: p.name, domain_id: p.domainId, description: p.description, enabled: p.enabled,
    is_domain: false, parent_id: p.domainId, tags: [], options: {}, links: { self: `${origin}/v3/projects/${p.id}` },
  };
}

function userJson(u: User, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled, password_expires_at: null, options: {},
    links: { self: `${origin}/v3/users/${u.id}` },
  };
  if (u.defaultProjectId) out.default_project_id = u.defaultProjectId;
  return out;
}

function roleJson(r: Role, origin: string): Record<string, unknown> {
  return { id: r.id, name: r.name, domain_id: null, description: null, options: {}, links: { self: `${origin}/v3/roles/${r.id}` } };
}

function domainJson(origin: string): Record<string, unknown> {
  return {
    id: DEFAULT_DOMAIN, name: 'Default', description: 'The default domain', enabled: true, tags: [], options: {},
    links: { self: `${origin}/v3/domains/${DEFAULT_DOMAIN}` },
  };
}

function list(name: string, items: unknown[], ctx: RequestContext): SwiftResponse {
  return json(200, { [name]: items, links: { self: `${ctx.origin}${ctx.rawPath}`, previous: null, next: null } });
}

function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

function requireAdmin(caller: TokenPayload, deps: V3Deps, action: string): void {
  requireAllowed(isAdmin(caller, deps.resellerAdminRole), action);
}

/**
 * Keystone's policy decides before anything is looked up: a caller the policy refuses gets 403
 * whether or not the user, project or role exists, so ids cannot be probed.
 */
function requireAllowed(allowed: boolean, action: string): void {
  if (!allowed) throw new KeystoneError(403, `You are not authorized to perform the requested action: identity:${action}.`);
}

/** Roles that make a project-scoped token a reader of its project (Keystone: admin implies member implies reader). */
const PROJECT_READER_ROLES = new Set(['reader', 'member', 'admin']);

/** Whether `caller` may read the grants of `userId` on `projectId`: an admin, the user, or a reader of that project. */
function mayReadGrants(caller: TokenPayload, deps: V3Deps, projectId: string, userId: string): boolean {
  if (caller.userId === userId || isAdmin(caller, deps.resellerAdminRole)) return true;
  return caller.projectId === projectId && caller.roles.some((r) => PROJECT_READER_ROLES.has(r.toLowerCase()));
}

export async function handleAdmin(ctx: RequestContext, deps: V3Deps, caller: TokenPayload, parts: string[]): Promise<SwiftResponse | undefined> {
  const store = deps.identity.identityStore;
  const m = ctx.method;
  const [collection, id, sub, subId, sub2, sub2Id] = parts;
  const nameFilter = ctx.query.get('name');

  if (collection === 'domains') {
    if (id === undefined && m === 'GET') return list('domains', [domainJson(ctx.origin)], ctx);
    if (id === DEFAULT_DOMAIN && m === 'GET') return json(200, { domain: domainJson(ctx.origin) });
    throw new KeystoneError(404, `Could not find domain: ${id ?? ''}.`);
  }

  if (collection === 'projects') {
    if (id === undefined) {
      if (m === 'GET') {
        requireAdmin(caller, deps, 'list_projects');
        const all = await store.listProjects();
        return list('projects', all.filter((p) => nameFilter === null || p.name === nameFilter).map((p) => projectJson(p, ctx.origin)), ctx);
      }
      if (m === 'POST') {
        requireAdmin(caller, deps, 'create_project');
        const p = obj(await readJson(ctx), 'project');
        const name = str(p, 'name');
        if (!name) throw new KeystoneError(400, "Invalid input for field 'name': None is not of type 'string'");
        const domainId = str(p, 'domain_id') ?? DEFAULT_DOMAIN;
        if (domainId !== DEFAULT_DOMAIN) throw new KeystoneError(400, `Could not find domain: ${domainId}.`);
        if (await store.findProject(name, domainId)) throw new KeystoneError(409, `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${name}.`);
        const project: Project = { id: newId(), name, domainId, description: str(p, 'description') ?? '', enabled: bool(p?.['enabled'], true) };
        await store.createProject(project);
        return json(201, { project: projectJson(project, ctx.origin) });
      }
    } else if (sub === undefined) {
      if (m === 'GET') {
        if (caller.projectId !== id) requireAdmin(caller, deps, 'get_project');
      } else {
        requireAdmin(caller, deps, m === 'DELETE' ? 'delete_project' : 'update_project');
      }
      const project = await store.getProject(id);
      if (!project) throw new KeystoneError(404, `Could not find project: ${id}.`);
      if (m === 'GET') return json(200, { project: projectJson(project, ctx.origin) });
      if (m === 'PATCH') {
        const p = obj(await readJson(ctx), 'project');
        const updated: Project = { ...project, name: str(p, 'name') ?? project.name, description: str(p, 'description') ?? project.description, enabled: bool(p?.['enabled'], project.enabled) };
        await store.updateProject(updated);
        if (!updated.enabled) await deps.revocations.revokeAllOf('project', id, REVOCATION_KEEP);
        return json(200, { project: projectJson(updated, ctx.origin) });
      }
      if (m === 'DELETE') {
        await store.deleteProject(id);
        await deps.revocations.revokeAllOf('project', id, REVOCATION_KEEP);
        return { status: 204, headers: {} };
      }
    } else if (sub === 'users' && subId !== undefined && sub2 === 'roles') {
      if (m === 'GET' || m === 'HEAD') {
        requireAllowed(mayReadGrants(caller, deps, id, subId), sub2Id === undefined ? 'list_grants' : 'check_grant');
      } else {
        requireAdmin(caller, deps, m === 'DELETE' ? 'revoke_grant' : 'create_grant');
      }
      const user = await store.getUser(subId);
      const project = await store.getProject(id);
      if (!project) throw new KeystoneError(404, `Could not find project: ${id}.`);
      if (!user) throw new KeystoneError(404, `Could not find user: ${subId}.`);
      if (sub2Id === undefined && m === 'GET') {
        const roles = (await store.listAssignments({ userId: subId, projectId: id })).map((a) => a.roleId);
        const all = await store.listRoles();
        return list('roles', all.filter((r) => roles.includes(r.id)).map((r) => roleJson(r, ctx.origin)), ctx);
      }
      if (sub2Id !== undefined) {
        const role = await store.getRole(sub2Id);
        if (!role) throw new KeystoneError(404, `Could not find role: ${sub2Id}.`);
        if (m === 'PUT') {
          await store.assignRole(subId, id, sub2Id);
          return { status: 204, headers: {} };
        }
        const held = (await store.listAssignments({ userId: subId, projectId: id, roleId: sub2Id })).length > 0;
        if (m === 'GET' || m === 'HEAD') {
          if (!held) throw new KeystoneError(404, `Could not find role assignment.`);
          return { status: 204, headers: {} };
        }
        if (m === 'DELETE') {
          if (!(await store.unassignRole(subId, id, sub2Id))) throw new KeystoneError(404, 'Could not find role assignment.');
          await deps.revocations.revokeAllOf('grant', `${subId}/${id}`, REVOCATION_KEEP);
          return { status: 204, headers: {} };
        }
      }
    }
  }

  if (collection === 'users') {
    if (id === undefined) {
      if (m === 'GET') {
        requireAdmin(caller, deps, 'list_users');
        const all = await store.listUsers();
        return list('users', all.filter((u) => nameFilter === null || u.name === nameFilter).map((u) => userJson(u, ctx.origin)), ctx);
      }
      if (m === 'POST') {
        requireAdmin(caller, deps, 'create_user');
        const u = obj(await readJson(ctx), 'user');
        const name = str(u, 'name');
        if (!name) throw new KeystoneError(400, "Invalid input for field 'name': None is not of type 'string'");
        const domainId = str(u, 'domain_id') ?? DEFAULT_DOMAIN;
        if (domainId !== DEFAULT_DOMAIN) throw new KeystoneError(400, `Could not find domain: ${domainId}.`);
        if (await store.findUser(name, domainId)) throw new KeystoneError(409, `Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${domainId}.`);
        const user: User = { id: newId(), name, domainId, enabled: bool(u?.['enabled'], true) };
        const defaultProject = str(u, 'default_project_id');
        if (defaultProject) user.defaultProjectId = defaultProject;
        await store.createUser(user, await hashPassword(str(u, 'password') ?? randomBytes(24).toString('base64url')));
        return json(201, { user: userJson(user, ctx.origin) });
      }
    } else {
      if (sub === undefined && m === 'GET') requireAllowed(caller.userId === id || isAdmin(caller, deps.resellerAdminRole), 'get_user');
      if (sub === 'projects' && m === 'GET') requireAllowed(caller.userId === id || isAdmin(caller, deps.resellerAdminRole), 'list_user_projects');
      if (sub === undefined && (m === 'PATCH' || m === 'DELETE')) requireAdmin(caller, deps, m === 'DELETE' ? 'delete_user' : 'update_user');
      const user = await store.getUser(id);
      if (!user) throw new KeystoneError(404, `Could not find user: ${id}.`);
      if (sub === 'projects' && m === 'GET') {
        const ids = new Set((await store.listAssignments({ userId: id })).map((a) => a.projectId));
        const projects = (await store.listProjects()).filter((p) => ids.has(p.id));
        return list('projects', projects.map((p) => projectJson(p, ctx.origin)), ctx);
      }
      if (sub === 'password' && subId === undefined && m === 'POST') {
        // Self-service password change (`openstack user password set`): the original password is
        // the authorisation, as in Keystone.
        const u = obj(await readJson(ctx), 'user');
        const original = str(u, 'original_password');
        const password = str(u, 'password');
        if (original === undefined || password === undefined) throw new KeystoneError(400, "Invalid input for field 'user': 'password' and 'original_password' are required.");
        if (!(await deps.identity.checkPassword(user, original))) throw new KeystoneError(401, 'The request you have made requires authentication.');
        await store.setPasswordHash(id, await hashPassword(password));
        await deps.revocations.revokeAllOf('user', id, REVOCATION_KEEP);
        return { status: 204, headers: {} };
      }
      if (sub === undefined && m === 'GET') {
        return json(200, { user: userJson(user, ctx.origin) });
      }
      if (sub === undefined && m === 'PATCH') {
        const u = obj(await readJson(ctx), 'user');
        const updated: User = { ...user, name: str(u, 'name') ?? user.name, enabled: bool(u?.['enabled'], user.enabled) };
        const defaultProject = str(u, 'default_project_id');
        if (defaultProject) updated.defaultProjectId = defaultProject;
        await store.updateUser(updated);
        const password = str(u, 'password');
        if (password !== undefined) await store.setPasswordHash(id, await hashPassword(password));
        if (password !== undefined || !updated.enabled) await deps.revocations.revokeAllOf('user', id, REVOCATION_KEEP);
        return json(200, { user: userJson(updated, ctx.origin) });
      }
      if (sub === undefined && m === 'DELETE') {
        await store.deleteUser(id);
        await deps.revocations.revokeAllOf('user', id, REVOCATION_KEEP);
        return { status: 204, headers: {} };
      }
    }
  }

  if (collection === 'roles') {
    if (id === undefined) {
      if (m === 'GET') {
        const all = await store.listRoles();
        return list('roles', all.filter((r) => nameFilter === null || r.name === nameFilter).map((r) => roleJson(r, ctx.origin)), ctx);
      }
      if (m === 'POST') {
        requireAdmin(caller, deps, 'create_role');
        const name = str(obj(await readJson(ctx), 'role'), 'name');
        if (!name) throw new KeystoneError(400, "Invalid input for field 'name': None is not of type 'string'");
        if (await store.findRole(name)) throw new KeystoneError(409, `Conflict occurred attempting to store role - Duplicate entry found with name ${name}.`);
        const role: Role = { id: newId(), name };
        await store.createRole(role);
        return json(201, { role: roleJson(role, ctx.origin) });
      }
    } else {
      const role = await store.getRole(id);
      if (!role) throw new KeystoneError(404, `Could not find role: ${id}.`);
      if (m === 'GET') return json(200, { role: roleJson(role, ctx.origin) });
      if (m === 'DELETE') {
        requireAdmin(caller, deps, 'delete_role');
        await store.deleteRole(id);
        return { status: 204, headers: {} };
      }
    }
  }

  if (collection === 'role_assignments' && id === undefined && m === 'GET') {
    const userId = ctx.query.get('user.id') ?? undefined;
    if (userId !== caller.userId) requireAdmin(caller, deps, 'list_role_assignments');
    const filter: { userId?: string; projectId?: string; roleId?: string } = {};
    if (userId) filter.userId = userId;
    const projectId = ctx.query.get('scope.project.id');
    if (projectId) filter.projectId = projectId;
    const roleId = ctx.query.get('role.id');
    if (roleId) filter.roleId = roleId;
    const names = ctx.query.has('include_names');
    const out = [];
    for (const a of await store.listAssignments(filter)) {
      const role: Record<string, unknown> = { id: a.roleId };
      const user: Record<string, unknown> = { id: a.userId };
      const project: Record<string, unknown> = { id: a.projectId };
      if (names) {
        role.name = (await store.getRole(a.roleId))?.name;
        const u = await store.getUser(a.userId);
        Object.assign(user, { name: u?.name, domain: { id: DEFAULT_DOMAIN, name: 'Default' } });
        const p = await store.getProject(a.projectId);
        Object.assign(project, { name: p?.name, domain: { id: DEFAULT_DOMAIN, name: 'Default' } });
      }
      out.push({
        role, user, scope: { project },
        links: { assignment: `${ctx.origin}/v3/projects/${a.projectId}/users/${a.userId}/roles/${a.roleId}` },
      });
    }
    return list('role_assignments', out, ctx);
  }

  if (collection === 'auth' && id === 'projects' && m === 'GET') {
    const ids = new Set((await store.listAssignments({ userId: caller.userId })).map((a) => a.projectId));
    const projects = (await store.listProjects()).filter((p) => ids.has(p.id));
    return list('projects', projects.map((p) => projectJson(p, ctx.origin)), ctx);
  }
  return undefined;
}

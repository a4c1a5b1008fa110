/**
 * `swiftlet project|user|role|service-user …`: administer the built-in identity of a data directory
 * directly (no server needed). Output is a plain aligned table, or JSON with --json.
 */
import { randomBytes } from 'node:crypto';
import type { IdentityStore, Project, User } from '../identity/contracts.js';
import { hashPassword } from '../identity/passwords.js';
import { DEFAULT_DOMAIN } from '../identity/service.js';
import { RevocationList } from '../identity/tokens.js';

/** Tokens issued before a password change or a role removal stop working on every node (kept 30 days). */
const REVOCATION_KEEP = 30 * 86400;

export class UsageError extends Error {}

export interface AdminIo {
  out: (line: string) => void;
  json: boolean;
  /** The first reseller prefix, to show each project's account (`AUTH_<id>`). */
  accountPrefix: string;
}

function table(rows: Record<string, string>[], io: AdminIo): void {
  if (io.json) {
    io.out(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    io.out('(none)');
    return;
  }
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((v, i) => v.padEnd(width[i] ?? 0)).join('  ').trimEnd();
  io.out(line(cols));
  io.out(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) io.out(line(cols.map((c) => r[c] ?? '')));
}

async function projectByRef(store: IdentityStore, ref: string): Promise<Project> {
  const p = (await store.getProject(ref)) ?? (await store.findProject(ref, DEFAULT_DOMAIN));
  if (!p) throw new UsageError(`no project "${ref}" (by id or name)`);
  return p;
}

async function userByRef(store: IdentityStore, ref: string): Promise<User> {
  const u = (await store.getUser(ref)) ?? (await store.findUser(ref, DEFAULT_DOMAIN));
  if (!u) throw new UsageError(`no user "${ref}" (by id or name)`);
  return u;
}

async function roleId(store: IdentityStore, name: string): Promise<string> {
  const existing = await store.findRole(name);
  if (existing) return existing.id;
  const id = randomBytes(16).toString('hex');
  await store.createRole({ id, name });
  return id;
}

async function createProject(store: IdentityStore, name: string, id?: string, description = ''): Promise<Project> {
  if (await store.findProject(name, DEFAULT_DOMAIN)) throw new UsageError(`project "${name}" already exists`);
  const project: Project = { id: id ?? randomBytes(16).toString('hex'), name, domainId: DEFAULT_DOMAIN, description, enabled: true };
  await store.createProject(project);
  return project;
}

async function createUser(store: IdentityStore, name: string, password: string, project?: Project): Promise<User> {
  if (await store.findUser(name, DEFAULT_DOMAIN)) throw new UsageError(`user "${name}" already exists`);
  const user: User = { id: randomBytes(16).toString('hex'), name, domainId: DEFAULT_DOMAIN, enabled: true };
  if (project) user.defaultProjectId = project.id;
  await store.createUser(user, await hashPassword(password));
  return user;
}

export interface AdminArgs {
  positionals: string[];
  options: { password?: string; project?: string; role?: string[]; user?: string; id?: string; description?: string };
}

export async function runIdentityAdmin(store: IdentityStore, args: AdminArgs, io: AdminIo): Promise<void> {
  const [noun, verb, name] = args.positionals;
  const o = args.options;
  const need = (v: string | undefined, what: string): string => {
    if (!v) throw new UsageError(`${noun} ${verb}: missing ${what}`);
    return v;
  };
  switch (`${noun} ${verb}`) {
    case 'project list':
      return table((await store.listProjects()).map((p) => ({ id: p.id, name: p.name, account: `${io.accountPrefix}${p.id}`, enabled: String(p.enabled) })), io);
    case 'project create': {
      const p = await createProject(store, need(name, 'NAME'), o.id, o.description);
      return table([{ id: p.id, name: p.name, account: `${io.accountPrefix}${p.id}` }], io);
    }
    case 'user list': {
      const rows = [];
      for (const u of await store.listUsers()) {
        const grants = await store.listAssignments({ userId: u.id });
        const roles: string[] = [];
        for (const g of grants) {
          const project = await store.getProject(g.projectId);
          const role = await store.getRole(g.roleId);
          roles.push(`${role?.name ?? g.roleId}@${project?.name ?? g.projectId}`);
        }
        rows.push({ id: u.id, name: u.name, enabled: String(u.enabled), roles: roles.join(', ') });
      }
      return table(rows, io);
    }
    case 'user create': {
      const project = o.project ? await projectByRef(store, o.project) : undefined;
      const user = await createUser(store, need(name, 'NAME'), need(o.password, '--password'), project);
      if (project) for (const r of o.role ?? []) await store.assignRole(user.id, project.id, await roleId(store, r));
      return table([{ id: user.id, name: user.name, project: project?.name ?? '', roles: (o.role ?? []).join(', ') }], io);
    }
    case 'user set-password': {
      const user = await userByRef(store, need(name, 'NAME'));
      await store.setPasswordHash(user.id, await hashPassword(need(o.password, '--password')));
      await new RevocationList(store).revokeAllOf('user', user.id, REVOCATION_KEEP);
      io.out(io.json ? JSON.stringify({ id: user.id, updated: true }) : `password of ${user.name} changed`);
      return;
    }
    case 'role list':
      return table((await store.listRoles()).map((r) => ({ id: r.id, name: r.name })), io);
    case 'role add':
    case 'role remove': {
      const user = await userByRef(store, need(o.user, '--user'));
      const project = await projectByRef(store, need(o.project, '--project'));
      const role = need(name, 'ROLE');
      if (verb === 'add') await store.assignRole(user.id, project.id, await roleId(store, role));
      else {
        const existing = await store.findRole(role);
        if (!existing || !(await store.unassignRole(user.id, project.id, existing.id))) throw new UsageError(`${user.name} does not hold ${role} on ${project.name}`);
        await new RevocationList(store).revokeAllOf('grant', `${user.id}/${project.id}`, REVOCATION_KEEP);
      }
      io.out(io.json ? JSON.stringify({ user: user.name, project: project.name, role, assigned: verb === 'add' }) : `${verb === 'add' ? 'granted' : 'revoked'} ${role} to ${user.name} on ${project.name}`);
      return;
    }
    case 'service-user create': {
      // A service (image service, backup service) gets its own project and the `service` role there;
      // its token, sent as X-Service-Token, opens SERVICE_<project> accounts together with a user's token.
      const projectName = o.project ?? 'service';
      const project = (await store.findProject(projectName, DEFAULT_DOMAIN)) ?? (await createProject(store, projectName));
      const user = await createUser(store, need(name, 'NAME'), need(o.password, '--password'), project);
      const roles = o.role && o.role.length > 0 ? o.role : ['service'];
      for (const r of roles) await store.assignRole(user.id, project.id, await roleId(store, r));
      return table([{ id: user.id, name: user.name, project: project.name, roles: roles.join(', ') }], io);
    }
    default:
      throw new UsageError(`unknown command "${args.positionals.join(' ')}"`);
  }
}

export const ADMIN_USAGE = `identity administration (on the data directory; no server needed):
  swiftlet project list | create NAME [--id ID] [--description TEXT]
  swiftlet user list | create NAME --password P [--project PROJECT --role ROLE ...] | set-password NAME --password P
  swiftlet role list | add ROLE --user USER --project PROJECT | remove ROLE --user USER --project PROJECT
  swiftlet service-user create NAME --password P [--project service] [--role service ...]
  options: --data DIR | --config FILE, --json`;

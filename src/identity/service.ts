/**
 * The built-in identity: password logins that end in a token, the bootstrap admin, and the users
 * declared in the config file (tempauth-style, docs/auth-rules.md D1 maps groups to roles).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ConfigUser } from '../config/schema.js';
import type { IdentityStore, Project, User } from './contracts.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { TokenKeyRing, TokenPayload } from './tokens.js';

export const DEFAULT_DOMAIN = 'default';

export interface RoleNames {
  operator: string;
  resellerAdmin: string;
  systemReader: string;
}

/** D1: tempauth groups → role names. */
export function groupToRole(group: string, names: RoleNames): string {
  switch (group) {
    case '.admin': return names.operator;
    case '.reseller_admin': return names.resellerAdmin;
    case '.reseller_reader': return names.systemReader;
    default: return group.startsWith('.') ? group.slice(1) : group;
  }
}

export function newAuditId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

function stableId(kind: string, name: string): string {
  return createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 32);
}

export class IdentityService {
  constructor(
    private readonly store: IdentityStore,
    private readonly keys: TokenKeyRing,
    private readonly tokenLife: number,
  ) {}

  private async ensureRole(name: string): Promise<string> {
    const existing = await this.store.findRole(name);
    if (existing) return existing.id;
    const id = randomBytes(16).toString('hex');
    await this.store.createRole({ id, name });
    return id;
  }

  private async ensureProject(id: string, name: string): Promise<Project> {
    const existing = (await this.store.getProject(id)) ?? (await this.store.findProject(name, DEFAULT_DOMAIN));
    if (existing) return existing;
    const project: Project = { id, name, domainId: DEFAULT_DOMAIN, description: '', enabled: true };
    await this.store.createProject(project);
    return project;
  }

  /** Ensures the user exists with this password (re-hashing only when it changed). */
  private async ensureUser(name: string, password: string, defaultProjectId: string): Promise<User> {
    const existing = await this.store.findUser(name, DEFAULT_DOMAIN);
    if (existing) {
      const hash = await this.store.passwordHash(existing.id);
      if (!hash || !(await verifyPassword(password, hash))) await this.store.setPasswordHash(existing.id, await hashPassword(password));
      return existing;
    }
    const user: User = { id: stableId('user', name), name, domainId: DEFAULT_DOMAIN, defaultProjectId, enabled: true };
    await this.store.createUser(user, await hashPassword(password));
    return user;
  }

  /**
   * First start: creates project `admin`, user `admin` with role `admin` on it. Returns the password
   * when it was generated here (the caller prints it); an existing admin is left alone.
   */
  async bootstrap(password: string, operatorRole: string): Promise<{ created: boolean; password: string; projectId: string }> {
    const existingProject = await this.store.findProject('admin', DEFAULT_DOMAIN);
    const existingUser = await this.store.findUser('admin', DEFAULT_DOMAIN);
    if (existingProject && existingUser) return { created: false, password: '', projectId: existingProject.id };
    const secret = password || randomBytes(12).toString('base64url');
    const project = await this.ensureProject(randomBytes(16).toString('hex'), 'admin');
    const user = await this.ensureUser('admin', secret, project.id);
    await this.store.assignRole(user.id, project.id, await this.ensureRole(operatorRole));
    return { created: true, password: secret, projectId: project.id };
  }

  /**
   * Users declared in the config file. Their project id is the project name (so `test` owns
   * `AUTH_test`, as with tempauth). A user name declared on several projects is one user with roles
   * on each, as in Keystone; it must then have one password.
   */
  async syncConfigUsers(users: readonly ConfigUser[], roleNames: RoleNames): Promise<void> {
    const passwords = new Map<string, string>();
    for (const u of users) {
      const seen = passwords.get(u.name);
      if (seen !== undefined && seen !== u.password) {
        throw new Error(`config user "${u.name}" is declared with two different passwords`);
      }
      passwords.set(u.name, u.password);
    }
    for (const u of users) {
      const project = await this.ensureProject(u.project, u.project);
      const user = await this.ensureUser(u.name, u.password, project.id);
      for (const group of u.roles) {
        await this.store.assignRole(user.id, project.id, await this.ensureRole(groupToRole(group, roleNames)));
      }
    }
  }

  /** v1.0-style login: `<project>:<user>` and key. Undefined when anything does not match. */
  async passwordLogin(projectName: string, userName: string, password: string): Promise<TokenPayload | undefined> {
    const project = await this.store.findProject(projectName, DEFAULT_DOMAIN);
    const user = await this.store.findUser(userName, DEFAULT_DOMAIN);
    if (!project || !user || !project.enabled || !user.enabled) return undefined;
    const hash = await this.store.passwordHash(user.id);
    if (!hash || !(await verifyPassword(password, hash))) return undefined;
    const roles = await this.store.rolesOn(user.id, project.id);
    if (roles.length === 0) return undefined;
    const now = Date.now() / 1000;
    return {
      userId: user.id, userName: user.name, userDomainId: user.domainId,
      projectId: project.id, projectName: project.name, projectDomainId: project.domainId,
      roles, methods: ['password'], issuedAt: now, expiresAt: now + this.tokenLife, auditId: newAuditId(),
    };
  }

  issue(payload: TokenPayload): string {
    return this.keys.issue(payload);
  }

  get identityStore(): IdentityStore {
    return this.store;
  }

  /** A user named by id, or by name within a domain (given by id or by name; only `default` exists). */
  async findUser(ref: { id?: string; name?: string; domainId?: string; domainName?: string }): Promise<User | undefined> {
    if (ref.id) return this.store.getUser(ref.id);
    const domainId = resolveDomain(ref.domainId, ref.domainName);
    if (!ref.name || !domainId) return undefined;
    return this.store.findUser(ref.name, domainId);
  }

  async checkPassword(user: User, password: string): Promise<boolean> {
    const hash = await this.store.passwordHash(user.id);
    return hash !== undefined && user.enabled && (await verifyPassword(password, hash));
  }

  async findProject(ref: { id?: string; name?: string; domainId?: string; domainName?: string }): Promise<Project | undefined> {
    if (ref.id) return this.store.getProject(ref.id);
    const domainId = resolveDomain(ref.domainId, ref.domainName);
    if (!ref.name || !domainId) return undefined;
    return this.store.findProject(ref.name, domainId);
  }

  /**
   * The token payload for a user, scoped to a project (with the roles held there) or unscoped.
   * Undefined when the user holds no role on the project (Keystone answers 401).
   */
  async payloadFor(user: User, project: Project | undefined, methods: string[], expiresAt?: number): Promise<TokenPayload | undefined> {
    const now = Date.now() / 1000;
    const payload: TokenPayload = {
      userId: user.id, userName: user.name, userDomainId: user.domainId, roles: [], methods,
      issuedAt: now, expiresAt: expiresAt ?? now + this.tokenLife, auditId: newAuditId(),
    };
    if (project) {
      if (!project.enabled) return undefined;
      const roles = await this.store.rolesOn(user.id, project.id);
      if (roles.length === 0) return undefined;
      payload.roles = roles;
      payload.projectId = project.id;
      payload.projectName = project.name;
      payload.projectDomainId = project.domainId;
    }
    return payload;
  }
}

/** Only the `default` domain exists (name `Default`); undefined for any other. */
export function resolveDomain(id: string | undefined, name: string | undefined): string | undefined {
  if (id !== undefined) return id === DEFAULT_DOMAIN ? DEFAULT_DOMAIN : undefined;
  if (name !== undefined) return name === 'Default' || name === DEFAULT_DOMAIN ? DEFAULT_DOMAIN : undefined;
  return DEFAULT_DOMAIN;
}

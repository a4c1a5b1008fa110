/** IdentityStore on the same SQLite database as the object metadata. */
import type { IdentityStore, Project, Role, RoleAssignment, User } from '../../identity/contracts.js';
import type { Db } from './database.js';

interface ProjectRow { id: string; name: string; domain_id: string; description: string; enabled: number }
interface UserRow { id: string; name: string; domain_id: string; default_project_id: string | null; enabled: number }

const toProject = (r: ProjectRow): Project =>
  ({ id: r.id, name: r.name, domainId: r.domain_id, description: r.description, enabled: r.enabled === 1 });

function toUser(r: UserRow): User {
  const u: User = { id: r.id, name: r.name, domainId: r.domain_id, enabled: r.enabled === 1 };
  if (r.default_project_id) u.defaultProjectId = r.default_project_id;
  return u;
}

export class SqliteIdentityStore implements IdentityStore {
  constructor(private readonly db: Db) {}

  async getProject(id: string): Promise<Project | undefined> {
    const r = this.db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE id = ?').get(id);
    return r && toProject(r);
  }
  async findProject(name: string, domainId: string): Promise<Project | undefined> {
    const r = this.db.prepare<[string, string], ProjectRow>('SELECT * FROM projects WHERE name = ? AND domain_id = ?').get(name, domainId);
    return r && toProject(r);
  }
  async createProject(p: Project): Promise<void> {
    this.db.prepare('INSERT INTO projects (id, name, domain_id, description, enabled) VALUES (?, ?, ?, ?, ?)')
      .run(p.id, p.name, p.domainId, p.description, p.enabled ? 1 : 0);
  }
  async listProjects(): Promise<Project[]> {
    return this.db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY name').all().map(toProject);
  }

  async updateProject(p: Project): Promise<void> {
    this.db.prepare('UPDATE projects SET name = ?, description = ?, enabled = ? WHERE id = ?')
      .run(p.name, p.description, p.enabled ? 1 : 0, p.id);
  }
  async deleteProject(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM projects WHERE id = ?').run(id).changes === 1;
  }

  async getUser(id: string): Promise<User | undefined> {
    const r = this.db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?').get(id);
    return r && toUser(r);
  }
  async findUser(name: string, domainId: string): Promise<User | undefined> {
    const r = this.db.prepare<[string, string], UserRow>('SELECT * FROM users WHERE name = ? AND domain_id = ?').get(name, domainId);
    return r && toUser(r);
  }
  async createUser(u: User, passwordHash: string): Promise<void> {
    this.db.prepare('INSERT INTO users (id, name, domain_id, password_hash, default_project_id, enabled) VALUES (?, ?, ?, ?, ?, ?)')
      .run(u.id, u.name, u.domainId, passwordHash, u.defaultProjectId ?? null, u.enabled ? 1 : 0);
  }
  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
  }
  async passwordHash(userId: string): Promise<string | undefined> {
    return this.db.prepare<[string], { password_hash: string }>('SELECT password_hash FROM users WHERE id = ?').get(userId)?.password_hash;
  }
  async listUsers(): Promise<User[]> {
    return this.db.prepare<[], UserRow>('SELECT * FROM users ORDER BY name').all().map(toUser);
  }

  async updateUser(u: User): Promise<void> {
    this.db.prepare('UPDATE users SET name = ?, default_project_id = ?, enabled = ? WHERE id = ?')
      .run(u.name, u.defaultProjectId ?? null, u.enabled ? 1 : 0, u.id);
  }
  async deleteUser(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes === 1;
  }

  async findRole(name: string): Promise<Role | undefined> {
    return this.db.prepare<[string], Role>('SELECT id, name FROM roles WHERE name = ?').get(name);
  }
  async createRole(role: Role): Promise<void> {
    this.db.prepare('INSERT INTO roles (id, name) VALUES (?, ?)').run(role.id, role.name);
  }
  async listRoles(): Promise<Role[]> {
    return this.db.prepare<[], Role>('SELECT id, name FROM roles ORDER BY name').all();
  }
  async getRole(id: string): Promise<Role | undefined> {
    return this.db.prepare<[string], Role>('SELECT id, name FROM roles WHERE id = ?').get(id);
  }
  async deleteRole(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM roles WHERE id = ?').run(id).changes === 1;
  }
  async unassignRole(userId: string, projectId: string, roleId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM role_assignments WHERE user_id = ? AND project_id = ? AND role_id = ?')
      .run(userId, projectId, roleId).changes === 1;
  }
  async listAssignments(filter: Partial<RoleAssignment>): Promise<RoleAssignment[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.userId !== undefined) { where.push('user_id = ?'); args.push(filter.userId); }
    if (filter.projectId !== undefined) { where.push('project_id = ?'); args.push(filter.projectId); }
    if (filter.roleId !== undefined) { where.push('role_id = ?'); args.push(filter.roleId); }
    const sql = `SELECT user_id, project_id, role_id FROM role_assignments${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY user_id, project_id, role_id`;
    return this.db.prepare<string[], { user_id: string; project_id: string; role_id: string }>(sql).all(...args)
      .map((r) => ({ userId: r.user_id, projectId: r.project_id, roleId: r.role_id }));
  }
  async assignRole(userId: string, projectId: string, roleId: string): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO role_assignments (user_id, project_id, role_id) VALUES (?, ?, ?)')
      .run(userId, projectId, roleId);
  }
  async rolesOn(userId: string, projectId: string): Promise<string[]> {
    return this.db.prepare<[string, string], { name: string }>(
      `SELECT r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
       WHERE a.user_id = ? AND a.project_id = ? ORDER BY r.name`).all(userId, projectId).map((r) => r.name);
  }

  async tokenKeys(): Promise<{ id: number; key: Buffer; createdAt: number }[]> {
    return this.db.prepare<[], { id: number; key: Buffer; created_at: number }>('SELECT * FROM token_keys ORDER BY id')
      .all().map((r) => ({ id: r.id, key: r.key, createdAt: r.created_at }));
  }
  async addTokenKey(key: Buffer, createdAt: number): Promise<void> {
    this.db.prepare('INSERT INTO token_keys (key, created_at) VALUES (?, ?)').run(key, createdAt);
  }
  async importTokenKey(k: { id: number; key: Buffer; createdAt: number }): Promise<'added' | 'present' | 'conflict'> {
    const added = this.db.prepare('INSERT OR IGNORE INTO token_keys (id, key, created_at) VALUES (?, ?, ?)').run(k.id, k.key, k.createdAt).changes === 1;
    if (added) return 'added';
    const row = this.db.prepare<[number], { key: Buffer }>('SELECT key FROM token_keys WHERE id = ?').get(k.id);
    return row && Buffer.compare(row.key, k.key) === 0 ? 'present' : 'conflict';
  }
  async deleteTokenKeysBefore(createdAt: number): Promise<void> {
    this.db.prepare('DELETE FROM token_keys WHERE created_at < ? AND id < (SELECT max(id) FROM token_keys)').run(createdAt);
  }

  async revokeToken(auditId: string, expiresAt: number): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO token_revocations (audit_id, expires_at) VALUES (?, ?)').run(auditId, expiresAt);
  }
  async revocationsSince(afterId: number): Promise<{ id: number; auditId: string; expiresAt: number }[]> {
    return this.db.prepare<[number], { id: number; audit_id: string; expires_at: number }>(
      'SELECT id, audit_id, expires_at FROM token_revocations WHERE id > ? ORDER BY id')
      .all(afterId).map((r) => ({ id: r.id, auditId: r.audit_id, expiresAt: r.expires_at }));
  }
  async purgeRevocations(now: number): Promise<void> {
    this.db.prepare('DELETE FROM token_revocations WHERE expires_at < ?').run(now);
  }
}

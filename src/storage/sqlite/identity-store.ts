/** IdentityStore on the same SQLite database as the object metadata. */
import type { IdentityStore, Project, Role, User } from '../../identity/contracts.js';
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

  async findRole(name: string): Promise<Role | undefined> {
    return this.db.prepare<[string], Role>('SELECT id, name FROM roles WHERE name = ?').get(name);
  }
  async createRole(role: Role): Promise<void> {
    this.db.prepare('INSERT INTO roles (id, name) VALUES (?, ?)').run(role.id, role.name);
  }
  async listRoles(): Promise<Role[]> {
    return this.db.prepare<[], Role>('SELECT id, name FROM roles ORDER BY name').all();
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
  async deleteTokenKeysBefore(createdAt: number): Promise<void> {
    this.db.prepare('DELETE FROM token_keys WHERE created_at < ? AND id < (SELECT max(id) FROM token_keys)').run(createdAt);
  }
}

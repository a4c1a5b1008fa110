/**
 * IdentityStore on PostgreSQL, shared by every node: what one node writes (a user, a role, a token
 * key, a revocation) every other node reads. Reference: sqlite/identity-store.ts.
 *
 * Revocations are polled by id (`revocationsSince`): each node remembers the highest id it has seen.
 * Ids come from a sequence, and two transactions can commit in the other order than they took their
 * ids, so a poller could see id 11 before id 10 commits and then never ask for 10. Recording a
 * revocation therefore takes a transaction-scoped advisory lock: one revocation commits at a time,
 * in id order. Revocations are rare; the lock costs nothing that matters.
 */
import type { IdentityStore, Project, Role, RoleAssignment, User } from '../../identity/contracts.js';
import { migrateIdentity } from './identity-schema.js';
import { Shards } from './shards.js';

interface ProjectRow { id: string; name: string; domain_id: string; description: string; enabled: boolean }
interface UserRow { id: string; name: string; domain_id: string; default_project_id: string | null; enabled: boolean }

const toProject = (r: ProjectRow): Project =>
  ({ id: r.id, name: r.name, domainId: r.domain_id, description: r.description, enabled: r.enabled });

function toUser(r: UserRow): User {
  const u: User = { id: r.id, name: r.name, domainId: r.domain_id, enabled: r.enabled };
  if (r.default_project_id) u.defaultProjectId = r.default_project_id;
  return u;
}

const PROJECT_COLUMNS = 'id, name, domain_id, description, enabled';
const USER_COLUMNS = 'id, name, domain_id, default_project_id, enabled';
/** Any constant: the advisory lock that makes revocations commit in id order. */
const REVOCATION_LOCK = 0x5245_564b;

export interface PostgresIdentityOptions {
  /** The identity database's URL (shard 0's database by default, when wired). */
  url: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export class PostgresIdentityStore implements IdentityStore {
  private constructor(private readonly db: Shards) {}

  /** Connects and creates or upgrades the identity tables. */
  static async open(options: PostgresIdentityOptions): Promise<PostgresIdentityStore> {
    const { url, ...rest } = options;
    const db = new Shards({ shardUrls: [url], ...rest, database: 'identity' });
    try {
      await migrateIdentity(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return new PostgresIdentityStore(db);
  }

  /** The connection, for the other identity tables' stores (application credentials). */
  get connection(): Shards {
    return this.db;
  }

  private q<R extends object>(sql: string, values: unknown[] = []): Promise<R[]> {
    return this.db.query<R & Record<string, unknown>>(0, sql, values);
  }

  private async changed(sql: string, values: unknown[]): Promise<boolean> {
    return (await this.q(`${sql} RETURNING 1`, values)).length > 0;
  }

  async getProject(id: string): Promise<Project | undefined> {
    const [r] = await this.q<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = $1`, [id]);
    return r && toProject(r);
  }
  async findProject(name: string, domainId: string): Promise<Project | undefined> {
    const [r] = await this.q<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE name = $1 AND domain_id = $2`, [name, domainId]);
    return r && toProject(r);
  }
  async createProject(p: Project): Promise<void> {
    await this.q('INSERT INTO projects (id, name, domain_id, description, enabled) VALUES ($1, $2, $3, $4, $5)',
      [p.id, p.name, p.domainId, p.description, p.enabled]);
  }
  async listProjects(): Promise<Project[]> {
    return (await this.q<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects ORDER BY name`)).map(toProject);
  }
  async updateProject(p: Project): Promise<void> {
    await this.q('UPDATE projects SET name = $2, description = $3, enabled = $4 WHERE id = $1', [p.id, p.name, p.description, p.enabled]);
  }
  async deleteProject(id: string): Promise<boolean> {
    return this.changed('DELETE FROM projects WHERE id = $1', [id]);
  }

  async getUser(id: string): Promise<User | undefined> {
    const [r] = await this.q<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return r && toUser(r);
  }
  async findUser(name: string, domainId: string): Promise<User | undefined> {
    const [r] = await this.q<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE name = $1 AND domain_id = $2`, [name, domainId]);
    return r && toUser(r);
  }
  async createUser(u: User, passwordHash: string): Promise<void> {
    await this.q('INSERT INTO users (id, name, domain_id, password_hash, default_project_id, enabled) VALUES ($1, $2, $3, $4, $5, $6)',
      [u.id, u.name, u.domainId, passwordHash, u.defaultProjectId ?? null, u.enabled]);
  }
  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.q('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
  }
  async passwordHash(userId: string): Promise<string | undefined> {
    const [r] = await this.q<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [userId]);
    return r?.password_hash;
  }
  async listUsers(): Promise<User[]> {
    return (await this.q<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`)).map(toUser);
  }
  async updateUser(u: User): Promise<void> {
    await this.q('UPDATE users SET name = $2, default_project_id = $3, enabled = $4 WHERE id = $1',
      [u.id, u.name, u.defaultProjectId ?? null, u.enabled]);
  }
  async deleteUser(id: string): Promise<boolean> {
    return this.changed('DELETE FROM users WHERE id = $1', [id]);
  }

  async findRole(name: string): Promise<Role | undefined> {
    const [r] = await this.q<Role>('SELECT id, name FROM roles WHERE name = $1', [name]);
    return r && { id: r.id, name: r.name };
  }
  async createRole(role: Role): Promise<void> {
    await this.q('INSERT INTO roles (id, name) VALUES ($1, $2)', [role.id, role.name]);
  }
  async listRoles(): Promise<Role[]> {
    return (await this.q<Role>('SELECT id, name FROM roles ORDER BY name')).map((r) => ({ id: r.id, name: r.name }));
  }
  async getRole(id: string): Promise<Role | undefined> {
    const [r] = await this.q<Role>('SELECT id, name FROM roles WHERE id = $1', [id]);
    return r && { id: r.id, name: r.name };
  }
  async deleteRole(id: string): Promise<boolean> {
    return this.changed('DELETE FROM roles WHERE id = $1', [id]);
  }
  async assignRole(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.q('INSERT INTO role_assignments (user_id, project_id, role_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [userId, projectId, roleId]);
  }
  async unassignRole(userId: string, projectId: string, roleId: string): Promise<boolean> {
    return this.changed('DELETE FROM role_assignments WHERE user_id = $1 AND project_id = $2 AND role_id = $3', [userId, projectId, roleId]);
  }
  async listAssignments(filter: Partial<RoleAssignment>): Promise<RoleAssignment[]> {
    const where: string[] = [];
    const args: string[] = [];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${column} = $${args.length}`);
    };
    add('user_id', filter.userId);
    add('project_id', filter.projectId);
    add('role_id', filter.roleId);
    const rows = await this.q<{ user_id: string; project_id: string; role_id: string }>(
      `SELECT user_id, project_id, role_id FROM role_assignments${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY user_id, project_id, role_id`, args);
    return rows.map((r) => ({ userId: r.user_id, projectId: r.project_id, roleId: r.role_id }));
  }
  async rolesOn(userId: string, projectId: string): Promise<string[]> {
    const rows = await this.q<{ name: string }>(
      `SELECT r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
       WHERE a.user_id = $1 AND a.project_id = $2 ORDER BY r.name`, [userId, projectId]);
    return rows.map((r) => r.name);
  }

  async tokenKeys(): Promise<{ id: number; key: Buffer; createdAt: number }[]> {
    const rows = await this.q<{ id: number; key: Buffer; created_at: number }>('SELECT id, key, created_at FROM token_keys ORDER BY id');
    return rows.map((r) => ({ id: r.id, key: r.key, createdAt: r.created_at }));
  }
  async addTokenKey(key: Buffer, createdAt: number): Promise<void> {
    await this.q('INSERT INTO token_keys (key, created_at) VALUES ($1, $2)', [key, createdAt]);
  }
  async importTokenKey(k: { id: number; key: Buffer; createdAt: number }): Promise<'added' | 'present' | 'conflict'> {
    return this.db.transaction(0, async (tx) => {
      const added = await tx.query(
        'INSERT INTO token_keys (id, key, created_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id',
        [k.id, k.key, k.createdAt]);
      // The identity sequence does not see explicit ids: move it past them so the next rotation does not collide.
      await tx.query("SELECT setval(pg_get_serial_sequence('token_keys', 'id'), (SELECT max(id) FROM token_keys))");
      if (added.length === 1) return 'added' as const;
      const [row] = await tx.query<{ key: Buffer }>('SELECT key FROM token_keys WHERE id = $1', [k.id]);
      return row && Buffer.compare(row.key, k.key) === 0 ? 'present' as const : 'conflict' as const;
    });
  }
  async deleteTokenKeysBefore(createdAt: number): Promise<void> {
    // The newest key always stays, however old: without it no node could issue a token.
    await this.q('DELETE FROM token_keys WHERE created_at < $1 AND id < (SELECT max(id) FROM token_keys)', [createdAt]);
  }

  async revokeToken(auditId: string, expiresAt: number): Promise<void> {
    await this.db.transaction(0, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [REVOCATION_LOCK]);
      await tx.query('INSERT INTO token_revocations (audit_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [auditId, expiresAt]);
    });
  }
  async revocationsSince(afterId: number): Promise<{ id: number; auditId: string; expiresAt: number }[]> {
    const rows = await this.q<{ id: number; audit_id: string; expires_at: number }>(
      'SELECT id, audit_id, expires_at FROM token_revocations WHERE id > $1 ORDER BY id', [afterId]);
    return rows.map((r) => ({ id: r.id, auditId: r.audit_id, expiresAt: r.expires_at }));
  }
  async purgeRevocations(now: number): Promise<void> {
    await this.q('DELETE FROM token_revocations WHERE expires_at < $1', [now]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Application credentials (a Keystone v3 subset): a user delegates a subset of the roles it holds on
 * one project to a named secret, usable with the `application_credential` auth method. Kept in the
 * `application_credentials` table the storage layer's migrations create; the role list column holds
 * a small JSON object (`roles`, `unrestricted`, `description`), the only per-credential settings
 * besides the table's own columns. Secrets are stored as scrypt hashes, like passwords.
 */
import type { Db } from '../storage/sqlite/database.js';

export interface AppCredential {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  description: string | null;
  /** Role names delegated (a subset of the creator's roles on the project when created). */
  roles: string[];
  /** Seconds since the epoch; undefined: never expires. */
  expiresAt?: number;
  /** May this credential's tokens create or delete application credentials (and trusts)? */
  unrestricted: boolean;
  secretHash: string;
}

/** Where application credentials are kept: the embedded SQLite database or the cluster's PostgreSQL. */
export interface AppCredentialStore {
  create(c: AppCredential): Promise<'created' | 'duplicate'>;
  get(id: string): Promise<AppCredential | undefined>;
  findByName(userId: string, name: string): Promise<AppCredential | undefined>;
  /** A user's credentials, by name. */
  listFor(userId: string): Promise<AppCredential[]>;
  delete(id: string): Promise<boolean>;
}

/** A row of the `application_credentials` table, in both databases. */
export interface AppCredentialRow {
  id: string;
  user_id: string;
  project_id: string;
  name: string;
  secret_hash: string;
  roles: string;
  expires_at: number | null;
}

export function appCredentialFromRow(r: AppCredentialRow): AppCredential {
  let grant: { roles?: unknown; unrestricted?: unknown; description?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(r.roles);
    grant = Array.isArray(parsed) ? { roles: parsed } : (parsed as typeof grant);
  } catch { /* a damaged row delegates nothing */ }
  const roles = Array.isArray(grant.roles) ? grant.roles.filter((x): x is string => typeof x === 'string') : [];
  const cred: AppCredential = {
    id: r.id, userId: r.user_id, projectId: r.project_id, name: r.name, roles, secretHash: r.secret_hash,
    unrestricted: grant.unrestricted === true, description: typeof grant.description === 'string' ? grant.description : null,
  };
  if (r.expires_at !== null) cred.expiresAt = r.expires_at;
  return cred;
}

/** The `roles` column: the delegated roles with the credential's other settings, as JSON. */
export function appCredentialGrant(c: AppCredential): string {
  return JSON.stringify({ roles: c.roles, unrestricted: c.unrestricted, description: c.description });
}

export class SqliteAppCredentialStore implements AppCredentialStore {
  constructor(private readonly db: Db) {}

  async create(c: AppCredential): Promise<'created' | 'duplicate'> {
    const grant = appCredentialGrant(c);
    const res = this.db.prepare(
      'INSERT OR IGNORE INTO application_credentials (id, user_id, project_id, name, secret_hash, roles, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(c.id, c.userId, c.projectId, c.name, c.secretHash, grant, c.expiresAt ?? null);
    return res.changes === 1 ? 'created' : 'duplicate';
  }

  async get(id: string): Promise<AppCredential | undefined> {
    const row = this.db.prepare<[string], AppCredentialRow>('SELECT * FROM application_credentials WHERE id = ?').get(id);
    return row && appCredentialFromRow(row);
  }

  async findByName(userId: string, name: string): Promise<AppCredential | undefined> {
    const row = this.db.prepare<[string, string], AppCredentialRow>('SELECT * FROM application_credentials WHERE user_id = ? AND name = ?').get(userId, name);
    return row && appCredentialFromRow(row);
  }

  async listFor(userId: string): Promise<AppCredential[]> {
    return this.db.prepare<[string], AppCredentialRow>('SELECT * FROM application_credentials WHERE user_id = ? ORDER BY name').all(userId).map(appCredentialFromRow);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM application_credentials WHERE id = ?').run(id).changes === 1;
  }
}

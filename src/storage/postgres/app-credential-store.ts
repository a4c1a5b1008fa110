/**
 * Application credentials on PostgreSQL: the same methods as the embedded AppCredentialStore
 * (identity/app-credentials.ts), on the identity connection (PostgresIdentityStore.connection), in
 * the `application_credentials` table of identity-schema.ts. The `roles` column holds the same
 * small JSON object (`roles`, `unrestricted`, `description`) so rows copy across unchanged.
 */
import type { AppCredential } from '../../identity/app-credentials.js';
import type { Shards } from './shards.js';

interface Row {
  id: string; user_id: string; project_id: string; name: string; secret_hash: string; roles: string; expires_at: number | null;
}

/** As the embedded store reads a row: a damaged `roles` column delegates nothing. */
function fromRow(r: Row): AppCredential {
  let grant: { roles?: unknown; unrestricted?: unknown; description?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(r.roles);
    grant = Array.isArray(parsed) ? { roles: parsed } : (parsed as typeof grant);
  } catch { /* delegates nothing */ }
  const roles = Array.isArray(grant.roles) ? grant.roles.filter((x): x is string => typeof x === 'string') : [];
  const cred: AppCredential = {
    id: r.id, userId: r.user_id, projectId: r.project_id, name: r.name, roles, secretHash: r.secret_hash,
    unrestricted: grant.unrestricted === true, description: typeof grant.description === 'string' ? grant.description : null,
  };
  if (r.expires_at !== null) cred.expiresAt = r.expires_at;
  return cred;
}

const COLUMNS = 'id, user_id, project_id, name, secret_hash, roles, expires_at';

export class PostgresAppCredentialStore {
  constructor(private readonly db: Shards) {}

  async create(c: AppCredential): Promise<'created' | 'duplicate'> {
    const grant = JSON.stringify({ roles: c.roles, unrestricted: c.unrestricted, description: c.description });
    const rows = await this.db.query(0,
      `INSERT INTO application_credentials (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1`,
      [c.id, c.userId, c.projectId, c.name, c.secretHash, grant, c.expiresAt ?? null]);
    return rows.length === 1 ? 'created' : 'duplicate';
  }

  async get(id: string): Promise<AppCredential | undefined> {
    const [row] = await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM application_credentials WHERE id = $1`, [id]);
    return row && fromRow(row);
  }

  async findByName(userId: string, name: string): Promise<AppCredential | undefined> {
    const [row] = await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM application_credentials WHERE user_id = $1 AND name = $2`, [userId, name]);
    return row && fromRow(row);
  }

  async listFor(userId: string): Promise<AppCredential[]> {
    return (await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM application_credentials WHERE user_id = $1 ORDER BY name`, [userId])).map(fromRow);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.query(0, 'DELETE FROM application_credentials WHERE id = $1 RETURNING 1', [id])).length === 1;
  }
}

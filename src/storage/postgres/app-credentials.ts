/**
 * Application credentials on the cluster's identity database (the `application_credentials` table
 * identity-schema.ts creates), the same rows as the embedded store keeps in SQLite.
 */
import {
  appCredentialFromRow, appCredentialGrant, type AppCredential, type AppCredentialRow, type AppCredentialStore,
} from '../../identity/app-credentials.js';
import type { Shards } from './shards.js';

const COLUMNS = 'id, user_id, project_id, name, secret_hash, roles, expires_at';
type Row = AppCredentialRow & Record<string, unknown>;

export class PostgresAppCredentialStore implements AppCredentialStore {
  /** `db`: the identity connection (PostgresIdentityStore.connection). */
  constructor(private readonly db: Shards) {}

  async create(c: AppCredential): Promise<'created' | 'duplicate'> {
    const rows = await this.db.query(0,
      `INSERT INTO application_credentials (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1 AS ok`,
      [c.id, c.userId, c.projectId, c.name, c.secretHash, appCredentialGrant(c), c.expiresAt ?? null]);
    return rows.length === 1 ? 'created' : 'duplicate';
  }

  async get(id: string): Promise<AppCredential | undefined> {
    const [row] = await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM application_credentials WHERE id = $1`, [id]);
    return row && appCredentialFromRow(row);
  }

  async findByName(userId: string, name: string): Promise<AppCredential | undefined> {
    const [row] = await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM application_credentials WHERE user_id = $1 AND name = $2`, [userId, name]);
    return row && appCredentialFromRow(row);
  }

  async listFor(userId: string): Promise<AppCredential[]> {
    return (await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM application_credentials WHERE user_id = $1 ORDER BY name`, [userId]))
      .map(appCredentialFromRow);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.query(0, 'DELETE FROM application_credentials WHERE id = $1 RETURNING 1 AS ok', [id])).length === 1;
  }
}

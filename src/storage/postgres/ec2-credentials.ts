/**
 * EC2 credentials on the cluster's identity database (the `ec2_credentials` table identity-schema.ts
 * creates), the same rows as the embedded store keeps in SQLite.
 */
import { ec2CredentialFromRow, type Ec2Credential, type Ec2CredentialRow, type Ec2CredentialStore } from '../../identity/ec2-credentials.js';
import type { Shards } from './shards.js';

const COLUMNS = 'access, secret, user_id, project_id, created_at';
type Row = Ec2CredentialRow & Record<string, unknown>;

export class PostgresEc2CredentialStore implements Ec2CredentialStore {
  /** `db`: the identity connection (PostgresIdentityStore.connection). */
  constructor(private readonly db: Shards) {}

  async create(c: Ec2Credential): Promise<'created' | 'duplicate'> {
    const rows = await this.db.query(0,
      `INSERT INTO ec2_credentials (${COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1 AS ok`,
      [c.access, c.secret, c.userId, c.projectId, c.createdAt]);
    return rows.length === 1 ? 'created' : 'duplicate';
  }

  async get(access: string): Promise<Ec2Credential | undefined> {
    const [row] = await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM ec2_credentials WHERE access = $1`, [access]);
    return row && ec2CredentialFromRow(row);
  }

  async listFor(userId: string): Promise<Ec2Credential[]> {
    return (await this.db.query<Row>(0, `SELECT ${COLUMNS} FROM ec2_credentials WHERE user_id = $1 ORDER BY created_at, access`, [userId]))
      .map(ec2CredentialFromRow);
  }

  async delete(access: string): Promise<boolean> {
    return (await this.db.query(0, 'DELETE FROM ec2_credentials WHERE access = $1 RETURNING 1 AS ok', [access])).length === 1;
  }
}

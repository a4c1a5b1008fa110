/**
 * EC2-style credentials (Keystone's `OS-EC2` extension): an access key and its secret, bound to one
 * user and one project, for S3 clients. An S3 request signs with the secret (HMAC), so the secret is
 * kept as written, not hashed: the server must compute the same signature. Deleting the user or the
 * project deletes its credentials (foreign keys in both databases).
 */
import type { Db } from '../storage/sqlite/database.js';

export interface Ec2Credential {
  access: string;
  secret: string;
  userId: string;
  projectId: string;
  /** Seconds since the epoch. */
  createdAt: number;
}

/** Where EC2 credentials are kept: the embedded SQLite database or the cluster's PostgreSQL. */
export interface Ec2CredentialStore {
  /** 'duplicate' when the access key is taken. */
  create(c: Ec2Credential): Promise<'created' | 'duplicate'>;
  get(access: string): Promise<Ec2Credential | undefined>;
  /** A user's credentials, oldest first. */
  listFor(userId: string): Promise<Ec2Credential[]>;
  delete(access: string): Promise<boolean>;
}

/** A row of the `ec2_credentials` table, in both databases. */
export interface Ec2CredentialRow {
  access: string;
  secret: string;
  user_id: string;
  project_id: string;
  created_at: number;
}

export function ec2CredentialFromRow(r: Ec2CredentialRow): Ec2Credential {
  return { access: r.access, secret: r.secret, userId: r.user_id, projectId: r.project_id, createdAt: Number(r.created_at) };
}

export class SqliteEc2CredentialStore implements Ec2CredentialStore {
  constructor(private readonly db: Db) {}

  async create(c: Ec2Credential): Promise<'created' | 'duplicate'> {
    const res = this.db.prepare(
      'INSERT OR IGNORE INTO ec2_credentials (access, secret, user_id, project_id, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run(c.access, c.secret, c.userId, c.projectId, c.createdAt);
    return res.changes === 1 ? 'created' : 'duplicate';
  }

  async get(access: string): Promise<Ec2Credential | undefined> {
    const row = this.db.prepare<[string], Ec2CredentialRow>('SELECT * FROM ec2_credentials WHERE access = ?').get(access);
    return row && ec2CredentialFromRow(row);
  }

  async listFor(userId: string): Promise<Ec2Credential[]> {
    return this.db.prepare<[string], Ec2CredentialRow>('SELECT * FROM ec2_credentials WHERE user_id = ? ORDER BY created_at, access')
      .all(userId).map(ec2CredentialFromRow);
  }

  async delete(access: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM ec2_credentials WHERE access = ?').run(access).changes === 1;
  }
}

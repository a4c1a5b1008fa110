/**
 * The built-in identity's tables on PostgreSQL (the identity connection: shard 0's database by
 * default, or one of its own): the same tables as the embedded store's (sqlite/database.ts), so
 * `swiftlet migrate` can copy them row for row. Names and ids are text COLLATE "C", so listings
 * ordered by name come in the same bytewise order as on SQLite.
 */
import { applyMigrations } from './schema.js';
import type { Shards } from './shards.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE projects (
     id text COLLATE "C" PRIMARY KEY,
     name text COLLATE "C" NOT NULL,
     domain_id text COLLATE "C" NOT NULL DEFAULT 'default',
     description text NOT NULL DEFAULT '',
     enabled boolean NOT NULL DEFAULT true,
     UNIQUE (domain_id, name)
   );
   CREATE TABLE users (
     id text COLLATE "C" PRIMARY KEY,
     name text COLLATE "C" NOT NULL,
     domain_id text COLLATE "C" NOT NULL DEFAULT 'default',
     password_hash text NOT NULL,
     default_project_id text COLLATE "C",
     enabled boolean NOT NULL DEFAULT true,
     UNIQUE (domain_id, name)
   );
   CREATE TABLE roles (
     id text COLLATE "C" PRIMARY KEY,
     name text COLLATE "C" NOT NULL UNIQUE
   );
   CREATE TABLE role_assignments (
     user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     project_id text COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     role_id text COLLATE "C" NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
     PRIMARY KEY (user_id, project_id, role_id)
   );
   CREATE INDEX role_assignments_by_project ON role_assignments (project_id);
   CREATE INDEX role_assignments_by_role ON role_assignments (role_id);
   -- Key ids only grow (the key ring relies on it: an id above its newest is a key added elsewhere).
   CREATE TABLE token_keys (
     id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     key bytea NOT NULL,
     created_at double precision NOT NULL
   );
   CREATE TABLE token_revocations (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     audit_id text COLLATE "C" NOT NULL UNIQUE,
     expires_at double precision NOT NULL
   );
   CREATE INDEX token_revocations_by_expiry ON token_revocations (expires_at);
   CREATE TABLE application_credentials (
     id text COLLATE "C" PRIMARY KEY,
     user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     project_id text COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     name text COLLATE "C" NOT NULL,
     secret_hash text NOT NULL,
     roles text NOT NULL,
     expires_at double precision,
     UNIQUE (user_id, name)
   );`,
  // 2: EC2 credentials for the S3 API (identity/ec2-credentials.ts); the secret is kept as written,
  // as S3 signatures are HMACs the server must recompute.
  `CREATE TABLE ec2_credentials (
     access text COLLATE "C" PRIMARY KEY,
     secret text NOT NULL,
     user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     project_id text COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     created_at double precision NOT NULL
   );
   CREATE INDEX ec2_credentials_by_user ON ec2_credentials (user_id);`,
];

export async function migrateIdentity(shards: Shards): Promise<void> {
  await applyMigrations(shards, 'swiftlet_identity_migrations', MIGRATIONS);
}

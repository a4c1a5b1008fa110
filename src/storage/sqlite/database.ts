/**
 * Opens the embedded SQLite database shared by every worker process: WAL so readers never block the
 * writer, `synchronous = FULL` so a committed transaction survives a crash (a 2xx means durable), and
 * a busy timeout so workers queue on the single write lock instead of failing.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * The container of a trigger's object row (`NEW` or `OLD`) has X-Container-Sync-To: its metadata
 * JSON holds the key (a value can never hold it with both quotes unescaped).
 */
const SYNCED_CONTAINER = (row: 'NEW' | 'OLD') => `SELECT 1 FROM containers c WHERE c.account = ${row}.account
       AND c.name = ${row}.container AND instr(c.metadata, '"x-container-sync-to"') > 0`;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     name TEXT PRIMARY KEY,
     created_at REAL NOT NULL,
     put_timestamp REAL NOT NULL,
     container_count INTEGER NOT NULL DEFAULT 0,
     object_count INTEGER NOT NULL DEFAULT 0,
     bytes_used INTEGER NOT NULL DEFAULT 0,
     metadata TEXT NOT NULL DEFAULT '{}'
   ) WITHOUT ROWID;
   CREATE TABLE containers (
     account TEXT NOT NULL,
     name TEXT NOT NULL,
     created_at REAL NOT NULL,
     put_timestamp REAL NOT NULL,
     object_count INTEGER NOT NULL DEFAULT 0,
     bytes_used INTEGER NOT NULL DEFAULT 0,
     metadata TEXT NOT NULL DEFAULT '{}',
     PRIMARY KEY (account, name)
   ) WITHOUT ROWID;
   CREATE TABLE objects (
     account TEXT NOT NULL,
     container TEXT NOT NULL,
     name TEXT NOT NULL,
     blob_id TEXT NOT NULL,
     etag TEXT NOT NULL,
     size INTEGER NOT NULL,
     content_type TEXT NOT NULL,
     timestamp REAL NOT NULL,
     delete_at INTEGER,
     metadata TEXT NOT NULL DEFAULT '{}',
     PRIMARY KEY (account, container, name)
   ) WITHOUT ROWID;
   CREATE INDEX objects_by_delete_at ON objects (delete_at) WHERE delete_at IS NOT NULL;
   CREATE INDEX objects_by_blob ON objects (blob_id);
   CREATE TABLE projects (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     domain_id TEXT NOT NULL DEFAULT 'default',
     description TEXT NOT NULL DEFAULT '',
     enabled INTEGER NOT NULL DEFAULT 1,
     UNIQUE (domain_id, name)
   );
   CREATE TABLE users (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     domain_id TEXT NOT NULL DEFAULT 'default',
     password_hash TEXT NOT NULL,
     default_project_id TEXT,
     enabled INTEGER NOT NULL DEFAULT 1,
     UNIQUE (domain_id, name)
   );
   CREATE TABLE roles (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE
   );
   CREATE TABLE role_assignments (
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
     PRIMARY KEY (user_id, project_id, role_id)
   );
   CREATE TABLE token_keys (
     id INTEGER PRIMARY KEY,
     key BLOB NOT NULL,
     created_at REAL NOT NULL
   );`,
  // 2: token revocations (DELETE /v3/auth/tokens), kept until the token would have expired anyway.
  `CREATE TABLE token_revocations (
     id INTEGER PRIMARY KEY,
     audit_id TEXT NOT NULL UNIQUE,
     expires_at REAL NOT NULL
   );
   CREATE TABLE application_credentials (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     roles TEXT NOT NULL,
     expires_at REAL,
     UNIQUE (user_id, name)
   );`,
  // 3: small objects kept inline (one group-committed WAL fsync instead of a file, its fsync and its
  // directory's). A rowid table of its own, so object rows stay small and listings stay fast.
  `CREATE TABLE inline_data (
     id INTEGER PRIMARY KEY,
     data BLOB NOT NULL
   );
   ALTER TABLE objects ADD COLUMN inline_id INTEGER;`,
  // 4: each object's JSON container-listing entry, rendered when its row is written, so a JSON
  // listing is the stored entries joined (see listing-entries.ts). Rows written before stay NULL
  // until the store fills them in at open, and a listing renders any NULL one from its columns.
  'ALTER TABLE objects ADD COLUMN listing_json TEXT;',
  // 5: the rows still without a listing entry (almost always none), so that opening the store finds
  // them without reading every object row.
  'CREATE INDEX objects_without_listing_entry ON objects (account, container, name) WHERE listing_json IS NULL;',
  // 6: the blob index holds only objects whose bytes are a file. Inline objects all had blob_id '',
  // one long run of index entries that every small PUT and DELETE rewrote a page of, for a lookup
  // (is this file still referenced?) that never asks about ''.
  `DROP INDEX objects_by_blob;
   CREATE INDEX objects_by_blob_file ON objects (blob_id) WHERE blob_id <> '';`,
  // 7: containers no longer keep X-Versions-Location / X-History-Location as plain headers (versioned
  // writes were not implemented then); drop those that earlier versions stored, so no container goes
  // on claiming that its overwritten objects are archived. The versioned-writes middleware added
  // later keeps the location as container sysmeta, which this does not touch.
  `UPDATE containers SET metadata = json_remove(metadata, '$."x-versions-location"', '$."x-history-location"')
   WHERE json_type(metadata, '$."x-versions-location"') IS NOT NULL OR json_type(metadata, '$."x-history-location"') IS NOT NULL;`,
  // 8: each container's storage policy (Swift's storage_policy_index); containers made before
  // policies existed are in policy 0, as Swift's legacy containers are.
  'ALTER TABLE containers ADD COLUMN policy_index INTEGER NOT NULL DEFAULT 0;',
  // 9: container sync's change log (change-log.ts): triggers record every object write and delete
  // in a container that has X-Container-Sync-To, with an ever-growing seq, so the sync daemon finds
  // what changed since its point, deletions included. Other containers' writes log nothing.
  // IF NOT EXISTS: a database whose user_version was set back (tests of earlier migrations) reopens.
  `CREATE TABLE IF NOT EXISTS sync_changes (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL,
     container TEXT NOT NULL,
     name TEXT NOT NULL,
     timestamp REAL NOT NULL,
     deleted INTEGER NOT NULL
   );
   CREATE INDEX IF NOT EXISTS sync_changes_by_container ON sync_changes (account, container, seq);
   -- Deletions, kept a while as tombstones: a synced PUT older than one is refused.
   CREATE INDEX IF NOT EXISTS sync_tombstones ON sync_changes (account, container, name) WHERE deleted = 1;
   CREATE TABLE IF NOT EXISTS sync_points (
     account TEXT NOT NULL,
     container TEXT NOT NULL,
     sync_to TEXT NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (account, container)
   ) WITHOUT ROWID;
   CREATE TRIGGER IF NOT EXISTS sync_log_put AFTER INSERT ON objects
     WHEN EXISTS (${SYNCED_CONTAINER('NEW')})
     BEGIN
       INSERT INTO sync_changes (account, container, name, timestamp, deleted) VALUES (NEW.account, NEW.container, NEW.name, NEW.timestamp, 0);
     END;
   CREATE TRIGGER IF NOT EXISTS sync_log_post AFTER UPDATE OF timestamp ON objects
     WHEN NEW.timestamp <> OLD.timestamp AND EXISTS (${SYNCED_CONTAINER('NEW')})
     BEGIN
       INSERT INTO sync_changes (account, container, name, timestamp, deleted) VALUES (NEW.account, NEW.container, NEW.name, NEW.timestamp, 0);
     END;
   -- The delete's own timestamp is not in the row: the clock's, never older than the object.
   CREATE TRIGGER IF NOT EXISTS sync_log_delete AFTER DELETE ON objects
     WHEN EXISTS (${SYNCED_CONTAINER('OLD')})
     BEGIN
       INSERT INTO sync_changes (account, container, name, timestamp, deleted)
         VALUES (OLD.account, OLD.container, OLD.name, max(OLD.timestamp, round((julianday('now') - 2440587.5) * 86400.0, 5)), 1);
     END;
   -- Sync turned off: changes are no longer logged, so the point would skip them if it were turned on again.
   CREATE TRIGGER IF NOT EXISTS sync_forget_point AFTER UPDATE OF metadata ON containers
     WHEN instr(NEW.metadata, '"x-container-sync-to"') = 0
     BEGIN
       DELETE FROM sync_points WHERE account = NEW.account AND container = NEW.name;
     END;
   CREATE TRIGGER IF NOT EXISTS sync_forget_container AFTER DELETE ON containers
     BEGIN
       DELETE FROM sync_changes WHERE account = OLD.account AND container = OLD.name;
       DELETE FROM sync_points WHERE account = OLD.account AND container = OLD.name;
     END;`,
  // 10: EC2 credentials for the S3 API (identity/ec2-credentials.ts); the secret is kept as written,
  // as S3 signatures are HMACs the server must recompute.
  `CREATE TABLE IF NOT EXISTS ec2_credentials (
     access TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     created_at REAL NOT NULL
   );
   CREATE INDEX IF NOT EXISTS ec2_credentials_by_user ON ec2_credentials (user_id);`,
];

export function openDatabase(file: string): Db {
  const db = new Database(file);
  // The busy timeout first: switching a new file to WAL takes a lock that another process opening
  // the same file at the same moment may hold.
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Checkpoints run in the background (checkpointer.ts, on a thread of the primary process), not
  // inside the commit of whichever request crosses the threshold, and the WAL restarts after them
  // (wal-restart.ts); this high mark only bounds the WAL should that not happen. It is well above
  // what a second of small PUTs writes (~24 000 frames at 6 000 PUT/s), or it would fire before
  // the once-a-second upkeep could restart the WAL, on the event loop, as it did at 16 384.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  migrate(db);
  return db;
}

const WAL_AUTOCHECKPOINT_PAGES = 65_536;

function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] ?? '');
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/**
 * The metadata schema of one shard, created when a store opens (every shard holds the same tables;
 * an account's rows all live on its shard). Migrations are numbered, applied in order once, and
 * recorded in `swiftlet_migrations`; a transaction-scoped advisory lock lets many nodes open the
 * same fresh database at once.
 *
 * Names (account, container, object) are `bytea` holding their UTF-8 bytes: PostgreSQL text cannot
 * hold NUL, which starts Swift's reserved names (`\0versions\0<container>`), and bytea compares
 * bytewise, which is exactly Swift's listing order (code-point order), whatever the locale (no
 * collation applies to bytea, as COLLATE "C" would for text). The primary keys are the listing
 * indexes: (account, name) for containers and (account, container, name) for objects, so a page is
 * one index range scan however large the container.
 *
 * Counts are not kept on the account and container rows: every object write would update the same
 * row, and writers to one container would queue on its row lock, one commit (one WAL flush) each.
 * Instead each write adds its deltas to one of STAT_SLOTS rows chosen at random
 * (`container_stats`, `account_stats`) in the same transaction, so concurrent commits overlap and
 * totals stay exact: a total is the sum of its slots.
 */
import type { Shards, Tx } from './shards.js';

/** Rows per container (and per account) that writers spread their count updates over. */
export const STAT_SLOTS = 16;

/** Any constant: the advisory lock that serialises migrations on one database. */
const MIGRATION_LOCK = 0x5357_4c54;

/** What an upsert into a stats table does when the slot row exists: add the deltas. */
const ADD_STATS = (table: 'container_stats' | 'account_stats', key: string) => `
    ON CONFLICT (${key}, slot) DO UPDATE SET object_count = ${table}.object_count + EXCLUDED.object_count,
      bytes_used = ${table}.bytes_used + EXCLUDED.bytes_used`;

const UPSERT_STATS = (table: 'container_stats' | 'account_stats', key: string, values: string) =>
  `INSERT INTO ${table} (${key}, slot, object_count, bytes_used) VALUES (${values}) ${ADD_STATS(table, key)}`;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     name bytea PRIMARY KEY,
     created_at double precision NOT NULL,
     put_timestamp double precision NOT NULL,
     metadata text NOT NULL DEFAULT '{}'
   );
   CREATE TABLE account_stats (
     account bytea NOT NULL,
     slot smallint NOT NULL,
     container_count bigint NOT NULL DEFAULT 0,
     object_count bigint NOT NULL DEFAULT 0,
     bytes_used bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (account, slot)
   );
   CREATE TABLE containers (
     account bytea NOT NULL,
     name bytea NOT NULL,
     created_at double precision NOT NULL,
     put_timestamp double precision NOT NULL,
     metadata text NOT NULL DEFAULT '{}',
     PRIMARY KEY (account, name)
   );
   CREATE TABLE container_stats (
     account bytea NOT NULL,
     container bytea NOT NULL,
     slot smallint NOT NULL,
     object_count bigint NOT NULL DEFAULT 0,
     bytes_used bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (account, container, slot)
   );
   CREATE TABLE objects (
     account bytea NOT NULL,
     container bytea NOT NULL,
     name bytea NOT NULL,
     blob_id text NOT NULL,
     etag text NOT NULL,
     size bigint NOT NULL,
     content_type text NOT NULL,
     timestamp double precision NOT NULL,
     delete_at double precision,
     metadata text NOT NULL DEFAULT '{}',
     inline_data bytea,
     -- The object's JSON container-listing entry, rendered when the row is written (as the embedded
     -- store keeps it): a JSON page is these joined by the server. NULL: rendered from the columns.
     listing_json text,
     PRIMARY KEY (account, container, name)
   );
   -- Small objects' bytes go out of line (TOAST) past 128 bytes of row, uncompressed, so the heap
   -- rows a listing reads stay small.
   ALTER TABLE objects ALTER COLUMN inline_data SET STORAGE EXTERNAL;
   ALTER TABLE objects SET (toast_tuple_target = 128);
   CREATE INDEX objects_by_delete_at ON objects (delete_at) WHERE delete_at IS NOT NULL;
   -- Only objects whose bytes are a blob: the orphan sweeper never asks about ''.
   CREATE INDEX objects_by_blob ON objects (blob_id) WHERE blob_id <> '';

   -- An object write in one statement (one round trip, its own transaction): last writer wins by
   -- timestamp, and the counts move with the row. The container row is held FOR KEY SHARE, so a
   -- container delete (FOR UPDATE) waits for writes in flight and they wait for it.
   CREATE FUNCTION swiftlet_put_object(
     p_account bytea, p_container bytea, p_name bytea, p_blob_id text, p_etag text, p_size bigint,
     p_content_type text, p_timestamp double precision, p_delete_at double precision, p_metadata text,
     p_inline bytea, p_listing_json text, p_slot smallint, OUT result text, OUT replaced_blob_id text)
   LANGUAGE plpgsql AS $fn$
   DECLARE
     old_size bigint;
     old_ts double precision;
     old_blob text;
     count_delta bigint := 0;
   BEGIN
     PERFORM 1 FROM containers WHERE account = p_account AND name = p_container FOR KEY SHARE;
     IF NOT FOUND THEN result := 'no_container'; RETURN; END IF;
     LOOP
       SELECT o.size, o.timestamp, o.blob_id INTO old_size, old_ts, old_blob FROM objects o
         WHERE o.account = p_account AND o.container = p_container AND o.name = p_name FOR UPDATE;
       IF FOUND THEN
         IF old_ts >= p_timestamp THEN result := 'stale'; RETURN; END IF;
         UPDATE objects SET blob_id = p_blob_id, etag = p_etag, size = p_size, content_type = p_content_type,
             timestamp = p_timestamp, delete_at = p_delete_at, metadata = p_metadata, inline_data = p_inline,
             listing_json = p_listing_json
           WHERE account = p_account AND container = p_container AND name = p_name;
         EXIT;
       END IF;
       INSERT INTO objects (account, container, name, blob_id, etag, size, content_type, timestamp, delete_at, metadata, inline_data,
           listing_json)
         VALUES (p_account, p_container, p_name, p_blob_id, p_etag, p_size, p_content_type, p_timestamp, p_delete_at, p_metadata, p_inline,
           p_listing_json)
         ON CONFLICT DO NOTHING;
       IF FOUND THEN old_size := 0; count_delta := 1; EXIT; END IF;
       -- Another writer inserted the row after our SELECT: lock it and compare timestamps again.
     END LOOP;
     IF count_delta <> 0 OR p_size <> old_size THEN
       ${UPSERT_STATS('container_stats', 'account, container', 'p_account, p_container, p_slot, count_delta, p_size - old_size')};
       ${UPSERT_STATS('account_stats', 'account', 'p_account, p_slot, count_delta, p_size - old_size')};
     END IF;
     result := 'stored';
     IF old_blob <> '' THEN replaced_blob_id := old_blob; END IF;
   END
   $fn$;

   -- An object delete in one statement, refused when the object is newer than p_timestamp. Stats
   -- rows are locked in the same order as in swiftlet_put_object (container's, then account's), so
   -- concurrent writes queue on them and never deadlock.
   CREATE FUNCTION swiftlet_delete_object(
     p_account bytea, p_container bytea, p_name bytea, p_timestamp double precision, p_slot smallint)
   RETURNS TABLE (r_blob_id text, r_etag text, r_size bigint, r_content_type text, r_timestamp double precision,
     r_delete_at double precision, r_metadata text)
   LANGUAGE plpgsql AS $fn$
   DECLARE
     gone objects%ROWTYPE;
   BEGIN
     DELETE FROM objects o WHERE o.account = p_account AND o.container = p_container AND o.name = p_name
       AND o.timestamp <= p_timestamp RETURNING o.* INTO gone;
     IF NOT FOUND THEN RETURN; END IF;
     ${UPSERT_STATS('container_stats', 'account, container', 'p_account, p_container, p_slot, -1, -gone.size')};
     ${UPSERT_STATS('account_stats', 'account', 'p_account, p_slot, -1, -gone.size')};
     RETURN QUERY SELECT gone.blob_id, gone.etag, gone.size, gone.content_type, gone.timestamp, gone.delete_at, gone.metadata;
   END
   $fn$;`,
  // 2: a delimiter listing's page with each pseudo-directory's names after its first left out, found
  // by seeking past the directory in the index (listings.ts says why and how listing.ts is served).
  `-- The pseudo-directory of a name: up to and including the first delimiter after the prefix; NULL when none.
   CREATE FUNCTION swiftlet_directory(p_name bytea, p_prefix_len integer, p_delimiter bytea) RETURNS bytea
   LANGUAGE sql IMMUTABLE AS $fn$
     SELECT CASE WHEN at > 0 THEN substring(p_name FROM 1 FOR p_prefix_len + at - 1 + length(p_delimiter)) END
     FROM (SELECT position(p_delimiter IN substring(p_name FROM p_prefix_len + 1)) AS at) d
   $fn$;
   CREATE FUNCTION swiftlet_list_delimited(
     p_account bytea, p_container bytea, p_lo bytea, p_hi bytea, p_reverse boolean, p_limit integer,
     p_prefix_len integer, p_delimiter bytea)
   RETURNS TABLE (r_name bytea, r_etag text, r_size bigint, r_content_type text, r_timestamp double precision, r_metadata text)
   LANGUAGE plpgsql STABLE AS $fn$
   DECLARE
     lo bytea := p_lo;   -- inclusive
     hi bytea := p_hi;   -- exclusive
     n integer := 0;
     o record;
     dir bytea;
   BEGIN
     -- Two loops with static SQL (one per direction), so their plans are cached.
     IF NOT p_reverse THEN
       <<pages>> LOOP
         FOR o IN SELECT name, etag, size, content_type, timestamp, metadata FROM objects
             WHERE account = p_account AND container = p_container AND name >= lo AND name < hi
             ORDER BY name LIMIT p_limit - n LOOP
           r_name := o.name; r_etag := o.etag; r_size := o.size; r_content_type := o.content_type;
           r_timestamp := o.timestamp; r_metadata := o.metadata;
           RETURN NEXT;
           n := n + 1;
           dir := swiftlet_directory(o.name, p_prefix_len, p_delimiter);
           -- Every name in the directory is at or above dir and below dir || 0xFF (UTF-8 has no 0xFF byte).
           IF dir IS NOT NULL THEN lo := dir || '\\xff'::bytea; CONTINUE pages WHEN n < p_limit; RETURN; END IF;
           lo := o.name || '\\x00'::bytea;
         END LOOP;
         RETURN;
       END LOOP;
     ELSE
       <<pages>> LOOP
         FOR o IN SELECT name, etag, size, content_type, timestamp, metadata FROM objects
             WHERE account = p_account AND container = p_container AND name >= lo AND name < hi
             ORDER BY name DESC LIMIT p_limit - n LOOP
           r_name := o.name; r_etag := o.etag; r_size := o.size; r_content_type := o.content_type;
           r_timestamp := o.timestamp; r_metadata := o.metadata;
           RETURN NEXT;
           n := n + 1;
           dir := swiftlet_directory(o.name, p_prefix_len, p_delimiter);
           IF dir IS NOT NULL THEN hi := dir; CONTINUE pages WHEN n < p_limit; RETURN; END IF;
           hi := o.name;
         END LOOP;
         RETURN;
       END LOOP;
     END IF;
   END
   $fn$;`,
  // 3: each container's storage policy (Swift's storage_policy_index).
  'ALTER TABLE containers ADD COLUMN policy_index integer NOT NULL DEFAULT 0;',
];

/** Deletes an object (if not newer than $4) and moves its counts (slot $5); returns its row. */
export const DELETE_OBJECT = `SELECT r_blob_id, r_etag, r_size, r_content_type, r_timestamp, r_delete_at, r_metadata
  FROM swiftlet_delete_object($1, $2, $3, $4, $5)`;

/** Adds `delta` containers to the account's totals, in slot `slot`. */
export async function bumpContainerCount(tx: Tx, account: Buffer, delta: number, slot: number): Promise<void> {
  await tx.query(
    `INSERT INTO account_stats (account, slot, container_count) VALUES ($1, $2, $3)
     ON CONFLICT (account, slot) DO UPDATE SET container_count = account_stats.container_count + EXCLUDED.container_count`,
    [account, slot, delta]);
}

/** A random stats slot for one write. */
export function statSlot(): number {
  return Math.floor(Math.random() * STAT_SLOTS);
}

/** Creates or upgrades the metadata schema on every shard. */
export async function migrate(shards: Shards): Promise<void> {
  await applyMigrations(shards, 'swiftlet_migrations', MIGRATIONS);
}

/**
 * Applies the migrations of `list` not yet recorded in `table`, in order, on every shard of
 * `shards`, each shard in one transaction under an advisory lock (several nodes may open a fresh
 * database at the same moment; the second waits, then finds nothing left to do).
 */
export async function applyMigrations(shards: Shards, table: string, list: readonly string[]): Promise<void> {
  await Promise.all(Array.from({ length: shards.count }, (_, shard) => shards.transaction(shard, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const [row] = await tx.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${table}`);
    for (let v = row?.version ?? 0; v < list.length; v++) {
      await tx.query(list[v] ?? '');
      await tx.query(`INSERT INTO ${table} (version) VALUES ($1)`, [v + 1]);
    }
  })));
}

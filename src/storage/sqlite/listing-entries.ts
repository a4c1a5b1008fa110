/**
 * The JSON listing entry kept with each object row (`objects.listing_json`).
 *
 * JSON is the listing format clients ask for (python-swiftclient, rclone, openstacksdk). Rendering
 * a 10 000-entry page from its columns costs tens of milliseconds, mostly in strings built only to be
 * thrown away; joining entries rendered once, when their rows were written, costs a few (SQLite
 * joins a page without a delimiter by itself). An entry depends only on its own row, so the store
 * renders it wherever it writes a row (PUT and POST), and this module fills in the rows written before
 * the column existed. A listing still renders from the columns any row whose entry is missing.
 */
import type { Metadata } from '../contracts.js';
import { objectEntryJson } from '../../swift/listing-format.js';
import type { Db } from './database.js';

/** The entry to store with a row being written. */
export { objectEntryJson as listingEntryJson };

type UnfilledRow = [account: string, container: string, name: string, etag: string, size: number,
  contentType: string, timestamp: number, metadata: string, listingJson: string | null];

const BATCH = 1000;

/**
 * Renders the entry of every row that has none, in primary-key order, one short write transaction
 * per batch (so other processes serving from the same file wait milliseconds, not the whole fill).
 * Returns how many rows it filled. Idempotent: rows filled by anyone else are left as they are.
 */
export function fillListingEntries(db: Db): number {
  const first = db.prepare<[], UnfilledRow>(
    `SELECT account, container, name, etag, size, content_type, timestamp, metadata, listing_json
     FROM objects ORDER BY account, container, name LIMIT ${BATCH}`).raw(true);
  const after = db.prepare<[string, string, string], UnfilledRow>(
    `SELECT account, container, name, etag, size, content_type, timestamp, metadata, listing_json
     FROM objects WHERE (account, container, name) > (?, ?, ?) ORDER BY account, container, name LIMIT ${BATCH}`).raw(true);
  const anyUnfilled = db.prepare('SELECT 1 FROM objects WHERE listing_json IS NULL LIMIT 1');
  const fill = db.prepare<[string, string, string, string]>(
    'UPDATE objects SET listing_json = ? WHERE account = ? AND container = ? AND name = ? AND listing_json IS NULL');
  if (anyUnfilled.get() === undefined) return 0;

  let filled = 0;
  let last: UnfilledRow | undefined;
  const batch = db.transaction(() => {
    const rows = last ? after.all(last[0], last[1], last[2]) : first.all();
    for (const [account, container, name, etag, size, contentType, timestamp, metadata, listingJson] of rows) {
      if (listingJson !== null) continue;
      const entry = objectEntryJson({ name, etag, size, contentType, timestamp, metadata: JSON.parse(metadata) as Metadata });
      filled += fill.run(entry, account, container, name).changes;
    }
    last = rows[rows.length - 1];
    return rows.length;
  });
  while (batch.immediate() === BATCH);
  return filled;
}

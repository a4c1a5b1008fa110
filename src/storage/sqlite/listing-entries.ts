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
  contentType: string, timestamp: number, metadata: string];

const BATCH = 1000;

/**
 * Renders the entry of every row that has none, one short write transaction per batch (so other
 * processes serving from the same file wait milliseconds, not the whole fill). The rows are found
 * through the partial index of rows without an entry: when there are none, as after the first fill,
 * this costs one index probe, not a read of every object. Returns how many rows it filled.
 * Idempotent: rows filled by anyone else are left as they are.
 */
export function fillListingEntries(db: Db): number {
  const unfilled = db.prepare<[], UnfilledRow>(
    `SELECT account, container, name, etag, size, content_type, timestamp, metadata
     FROM objects WHERE listing_json IS NULL LIMIT ${BATCH}`).raw(true);
  const fill = db.prepare<[string, string, string, string]>(
    'UPDATE objects SET listing_json = ? WHERE account = ? AND container = ? AND name = ? AND listing_json IS NULL');
  let filled = 0;
  // Every row a batch reads gets its entry within that transaction and leaves the index.
  const batch = db.transaction(() => {
    const rows = unfilled.all();
    for (const [account, container, name, etag, size, contentType, timestamp, metadata] of rows) {
      const entry = objectEntryJson({ name, etag, size, contentType, timestamp, metadata: JSON.parse(metadata) as Metadata });
      filled += fill.run(entry, account, container, name).changes;
    }
    return rows.length;
  });
  while (batch.immediate() === BATCH);
  return filled;
}

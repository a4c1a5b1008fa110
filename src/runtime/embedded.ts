/** The embedded backend: SQLite metadata and identity, object bytes in files, under `server.data_dir`. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { SqliteAppCredentialStore } from '../identity/app-credentials.js';
import { SqliteRateClock } from '../middleware/ratelimit/counters.js';
import { rateLimitEnabled } from '../middleware/ratelimit/ratelimit.js';
import { openEmbeddedBlobStores } from '../storage/fs/policy-dirs.js';
import { listingsOnEventLoop } from '../storage/object-listings.js';
import { WalCheckpointer } from '../storage/sqlite/checkpointer.js';
import { openDatabase } from '../storage/sqlite/database.js';
import { SqliteIdentityStore } from '../storage/sqlite/identity-store.js';
import { SqliteListingThreads } from '../storage/sqlite/listing-threads.js';
import { SqliteMetadataStore } from '../storage/sqlite/metadata-store.js';
import type { Stores } from './index.js';

export async function openEmbeddedStores(config: Config): Promise<Stores> {
  const dataDir = resolve(config.server.data_dir);
  mkdirSync(dataDir, { recursive: true });
  const dbFile = join(dataDir, 'swiftlet.db');
  const db = openDatabase(dbFile);
  const meta = new SqliteMetadataStore(db);
  const threads = config.server.listing_threads;
  const listings = threads > 0 ? new SqliteListingThreads(dbFile, threads) : listingsOnEventLoop((request) => meta.renderObjectListing(request));
  const checkpointer = new WalCheckpointer(dbFile);
  const blobs = await openEmbeddedBlobStores(dataDir, config.storage.policies);
  const rateClock = rateLimitEnabled(config.ratelimit) ? new SqliteRateClock(join(dataDir, 'ratelimit.db')) : undefined;
  return {
    meta, blobs, listings,
    identityStore: new SqliteIdentityStore(db),
    appCreds: new SqliteAppCredentialStore(db),
    ...(rateClock ? { rateClock } : {}),
    // Moves the metadata WAL into the database, on a thread.
    maintain: () => checkpointer.checkpoint(),
    leads: async () => true,
    close: async () => {
      await checkpointer.close();
      await listings.close();
      await meta.close();
      rateClock?.close();
    },
  };
}

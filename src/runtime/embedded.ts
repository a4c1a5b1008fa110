/** The embedded backend: SQLite metadata and identity, object bytes in files, under `server.data_dir`. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { SqliteAppCredentialStore } from '../identity/app-credentials.js';
import { SqliteEc2CredentialStore } from '../identity/ec2-credentials.js';
import { SqliteRateClock } from '../middleware/ratelimit/counters.js';
import { rateLimitEnabled } from '../middleware/ratelimit/ratelimit.js';
import { openEmbeddedBlobStores } from '../storage/fs/policy-dirs.js';
import { FreeSpaceGuard, parseReserve, reserveEnabled } from '../storage/fs/free-space.js';
import { listingsOnEventLoop } from '../storage/object-listings.js';
import { WalCheckpointer } from '../storage/sqlite/checkpointer.js';
import { openDatabase } from '../storage/sqlite/database.js';
import { checkpointAndRestart } from '../storage/sqlite/wal-restart.js';
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
  const reserve = parseReserve(config.storage.reserved_bytes);
  // One guard per directory: policy 0's files share the data directory (and its disk) with SQLite.
  const guards = new Map<string, FreeSpaceGuard>();
  const guardFor = (dir: string): FreeSpaceGuard | undefined => {
    if (!reserve || !reserveEnabled(reserve)) return undefined;
    const guard = guards.get(dir) ?? new FreeSpaceGuard(dir, reserve);
    guards.set(dir, guard);
    return guard;
  };
  const space = guardFor(dataDir);
  const blobs = await openEmbeddedBlobStores(dataDir, config.storage.policies, guardFor);
  const rateClock = rateLimitEnabled(config.ratelimit) ? new SqliteRateClock(join(dataDir, 'ratelimit.db')) : undefined;
  return {
    meta, blobs, listings,
    ...(space ? { space } : {}),
    identityStore: new SqliteIdentityStore(db),
    appCreds: new SqliteAppCredentialStore(db),
    ec2Creds: new SqliteEc2CredentialStore(db),
    ...(rateClock ? { rateClock } : {}),
    // Moves the metadata WAL into the database, on a thread, and lets the WAL restart (wal-restart.ts).
    maintain: () => checkpointAndRestart({ checkpoint: () => checkpointer.checkpoint(), holdWrites: () => meta.holdWrites() }),
    leads: async () => true,
    close: async () => {
      await checkpointer.close();
      await listings.close();
      await meta.close();
      rateClock?.close();
    },
  };
}

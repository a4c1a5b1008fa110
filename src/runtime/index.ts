/** Opens the embedded stores and the identity for one process (primary or worker). */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { keyRingResolver } from './auth/authenticate.js';
import { compilePolicy } from './auth/policy-config.js';
import type { Config } from './config/schema.js';
import { AppCredentialStore } from './identity/app-credentials.js';
import { openKeystone } from './identity/keystone/index.js';
import { IdentityService } from './identity/service.js';
import { RevocationList, TokenKeyRing } from './identity/tokens.js';
import { FsBlobStore } from './storage/fs/blob-store.js';
import { type CheckpointResult, WalCheckpointer } from './storage/sqlite/checkpointer.js';
import { openDatabase } from './storage/sqlite/database.js';
import { SqliteIdentityStore } from './storage/sqlite/identity-store.js';
import { SqliteListingThreads } from './storage/sqlite/listing-threads.js';
import { SqliteMetadataStore } from './storage/sqlite/metadata-store.js';
import { listingsOnEventLoop } from './storage/object-listings.js';
import type { AppDeps } from './app.js';
import { SqliteRateClock } from './middleware/ratelimit/counters.js';
import { rateLimitEnabled } from './middleware/ratelimit/ratelimit.js';

export interface Runtime extends AppDeps {
  keyRing: TokenKeyRing;
  revocations: RevocationList;
  identityStore: SqliteIdentityStore;
  /** Moves the metadata WAL into the database, on a thread (a background job of the primary process). */
  checkpoint(): Promise<CheckpointResult>;
  close(): Promise<void>;
}

export async function openRuntime(config: Config): Promise<Runtime> {
  const dataDir = resolve(config.server.data_dir);
  mkdirSync(dataDir, { recursive: true });
  const dbFile = join(dataDir, 'swiftlet.db');
  const db = openDatabase(dbFile);
  const meta = new SqliteMetadataStore(db);
  const threads = config.server.listing_threads;
  const listings = threads > 0 ? new SqliteListingThreads(dbFile, threads) : listingsOnEventLoop((request) => meta.renderObjectListing(request));
  const checkpointer = new WalCheckpointer(dbFile);
  const blobs = await FsBlobStore.open(dataDir);
  const identityStore = new SqliteIdentityStore(db);
  const keyRing = new TokenKeyRing(identityStore);
  await keyRing.refresh();
  const policy = compilePolicy(config.auth, config.identity.mode);
  const revocations = new RevocationList(identityStore);
  const identity = new IdentityService(identityStore, keyRing, config.auth.token_life);
  // Identity mode: built-in sealed tokens, or validation against an external Keystone.
  const keystone = config.identity.mode === 'keystone' ? openKeystone(config.keystone) : undefined;
  const rateClock = rateLimitEnabled(config.ratelimit) ? new SqliteRateClock(join(dataDir, 'ratelimit.db')) : undefined;
  return {
    services: { meta, blobs, listings, config },
    ...(rateClock ? { rateClock } : {}),
    v3: {
      identity, keyRing, revocations, accountPrefix: policy.prefixes[0] ?? '',
      allowExpiredWindow: config.auth.allow_expired_window, resellerAdminRole: config.auth.reseller_admin_role,
      appCreds: new AppCredentialStore(db),
      ...(config.images.public_url ? { imageUrl: config.images.public_url } : {}),
    },
    policy,
    identity,
    resolveToken: keystone ? keystone.resolver : keyRingResolver(keyRing, revocations),
    ...(keystone ? { wwwAuthenticate: keystone.client.wwwAuthenticate } : {}),
    revocations,
    keyRing,
    identityStore,
    checkpoint: () => checkpointer.checkpoint(),
    close: async () => {
      await checkpointer.close();
      await listings.close();
      await meta.close();
      rateClock?.close();
    },
  };
}

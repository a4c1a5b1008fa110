/**
 * Opens what one process (primary or worker) serves from: the stores of the configured backend
 * (embedded.ts: SQLite + files; cluster.ts: PostgreSQL + S3), and on top of them, the same for
 * both, the identity (built-in sealed tokens or an external Keystone) and the policy.
 */
import { keyRingResolver } from '../auth/authenticate.js';
import { compilePolicy } from '../auth/policy-config.js';
import type { Config } from '../config/schema.js';
import type { AppCredentialStore } from '../identity/app-credentials.js';
import type { Ec2CredentialStore } from '../identity/ec2-credentials.js';
import type { IdentityStore } from '../identity/contracts.js';
import { openKeystone } from '../identity/keystone/index.js';
import { IdentityService } from '../identity/service.js';
import { RevocationList, TokenKeyRing } from '../identity/tokens.js';
import type { RateClock } from '../middleware/ratelimit/counters.js';
import type { BlobStore, MetadataStore } from '../storage/contracts.js';
import type { SpaceGuard } from '../storage/insufficient-storage.js';
import type { ObjectListings } from '../storage/object-listings.js';
import { StoragePolicies } from '../storage/policies.js';
import { keystoneAuthority } from '../s3/keystone-authority.js';
import type { AppDeps } from '../app.js';
import { openClusterStores } from './cluster.js';
import { openEmbeddedStores } from './embedded.js';

/** What a backend provides. */
export interface Stores {
  meta: MetadataStore;
  blobs: BlobStore;
  listings: ObjectListings;
  identityStore: IdentityStore;
  appCreds: AppCredentialStore;
  ec2Creds: Ec2CredentialStore;
  rateClock?: RateClock;
  /** Embedded: the free-space reserve object writes respect (see storage/fs/free-space.ts). */
  space?: SpaceGuard;
  /** Periodic upkeep of the stores themselves (embedded: WAL checkpoints). */
  maintain(): Promise<unknown>;
  /**
   * Whether this process should run the jobs that must run once per store, not once per node (the
   * expirer, the orphan sweeper, key rotation). Embedded: always (one primary per data directory).
   * Cluster: the node holding a lease, taken over by another node when it dies.
   */
  leads(): Promise<boolean>;
  close(): Promise<void>;
}

export interface Runtime extends AppDeps {
  keyRing: TokenKeyRing;
  revocations: RevocationList;
  identityStore: IdentityStore;
  maintain(): Promise<unknown>;
  leads(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openRuntime(config: Config): Promise<Runtime> {
  const stores = config.storage.backend === 'cluster' ? await openClusterStores(config) : await openEmbeddedStores(config);
  const { meta, blobs, listings, identityStore, appCreds, ec2Creds, rateClock, space } = stores;
  const keyRing = new TokenKeyRing(identityStore);
  await keyRing.refresh();
  const policy = compilePolicy(config.auth, config.identity.mode);
  const revocations = new RevocationList(identityStore);
  const identity = new IdentityService(identityStore, keyRing, config.auth.token_life);
  // Identity mode: built-in sealed tokens, or validation against an external Keystone.
  const keystone = config.identity.mode === 'keystone' ? openKeystone(config.keystone) : undefined;
  return {
    services: { meta, blobs, listings, policies: new StoragePolicies(config.storage.policies), config, ...(space ? { space } : {}) },
    ...(rateClock ? { rateClock } : {}),
    v3: {
      identity, keyRing, revocations, accountPrefix: policy.prefixes[0] ?? '',
      allowExpiredWindow: config.auth.allow_expired_window, resellerAdminRole: config.auth.reseller_admin_role,
      appCreds, ec2Creds,
      ...(config.images.public_url ? { imageUrl: config.images.public_url } : {}),
    },
    policy,
    identity,
    resolveToken: keystone ? keystone.resolver : keyRingResolver(keyRing, revocations),
    ...(keystone ? { wwwAuthenticate: keystone.client.wwwAuthenticate, s3Authority: keystoneAuthority(keystone.s3) } : {}),
    revocations,
    keyRing,
    identityStore,
    maintain: () => stores.maintain(),
    leads: () => stores.leads(),
    close: () => stores.close(),
  };
}

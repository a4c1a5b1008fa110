/**
 * The cluster backend: metadata in PostgreSQL sharded by account, identity (and rate limiting's
 * clocks) on the identity database, bytes in an S3 service. A node keeps nothing of its own that
 * another node needs: start several with the same `[storage]` settings and they serve the same data.
 */
import type { Config } from '../config/schema.js';
import { listingsOnEventLoop } from '../storage/object-listings.js';
import { PostgresAppCredentialStore } from '../storage/postgres/app-credentials.js';
import { PostgresEc2CredentialStore } from '../storage/postgres/ec2-credentials.js';
import { PostgresIdentityStore } from '../storage/postgres/identity-store.js';
import { AdvisoryLease } from '../storage/postgres/lease.js';
import { PostgresMetadataStore } from '../storage/postgres/metadata-store.js';
import { PostgresRateClock } from '../storage/postgres/rate-clock.js';
import { openPolicyBuckets } from '../storage/s3/policy-buckets.js';
import { rateLimitEnabled } from '../middleware/ratelimit/ratelimit.js';
import type { Stores } from './index.js';

/** The advisory lock of the once-per-cluster jobs' lease (any constant; "SWJB"). */
const JOBS_LEASE = 0x53574a42;

export async function openClusterStores(config: Config): Promise<Stores> {
  const s = config.storage;
  const shardUrls = s.postgres_shards.split(',').map((u) => u.trim()).filter((u) => u !== '');
  const identityUrl = s.postgres_identity || (shardUrls[0] ?? '');
  const meta = await PostgresMetadataStore.open({ shardUrls, poolSize: s.postgres_pool_size });
  const identityStore = await PostgresIdentityStore.open({ url: identityUrl, poolSize: s.postgres_pool_size });
  const buckets = await openPolicyBuckets(s);
  // A JSON page comes joined by PostgreSQL from the entries stored with the rows: little work here.
  const listings = listingsOnEventLoop((request) => meta.renderObjectListing(request));
  const lease = new AdvisoryLease(identityUrl, JOBS_LEASE);
  const rateClock = rateLimitEnabled(config.ratelimit) ? new PostgresRateClock(identityStore.connection) : undefined;
  return {
    meta, blobs: buckets.blobs, listings, identityStore,
    appCreds: new PostgresAppCredentialStore(identityStore.connection),
    ec2Creds: new PostgresEc2CredentialStore(identityStore.connection),
    ...(rateClock ? { rateClock } : {}),
    maintain: async () => undefined,
    // PostgreSQL unreachable: nobody leads until it is back.
    leads: () => lease.tryAcquire().catch(() => false),
    close: async () => {
      await lease.release();
      await listings.close();
      buckets.close();
      await meta.close();
      await identityStore.close();
    },
  };
}

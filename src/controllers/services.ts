/** What controllers and features need: the storage contracts and the validated settings. */
import type { Config } from '../config/schema.js';
import type { BlobStore, MetadataStore } from '../storage/contracts.js';
import type { ObjectListings } from '../storage/object-listings.js';
import type { StoragePolicies } from '../storage/policies.js';
import type { Handler } from '../http/pipeline.js';

export interface Services {
  meta: MetadataStore;
  blobs: BlobStore;
  /** Container listings (rendered off the event loop where the store can). */
  listings: ObjectListings;
  /** The configured storage policies (config.storage.policies, looked up by name and index). */
  policies: StoragePolicies;
  config: Config;
}

/** A resolved `/v1/<account>[/<container>[/<object>]]` request target. */
export interface Target {
  version: string;
  account: string;
  container?: string;
  object?: string;
}

/** Per-request facts the router established for the controller. */
export interface Access {
  /** Swift's swift_owner: may see and set owner-only headers. */
  owner: boolean;
  /** A reseller's request (R4.4): may set what only the operator sets (account quotas). */
  reseller: boolean;
  /** Re-enters the pipeline below authentication (for copy); authorization runs again (D10). */
  subrequest: Handler;
}
